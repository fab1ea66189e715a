import { PanelPending } from '../components/PanelPending';

export default function TrainPanel() {
  return <PanelPending title="Train" issue={5} />;
}
