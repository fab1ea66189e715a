import { PanelPending } from '../components/PanelPending';

export default function ModelPanel() {
  return <PanelPending title="Model" issue={3} />;
}
