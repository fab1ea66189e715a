import { PanelPending } from '../components/PanelPending';

export default function DatasetPanel() {
  return <PanelPending title="Dataset" issue={4} />;
}
