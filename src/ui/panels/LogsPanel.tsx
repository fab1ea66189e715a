import { PanelPending } from '../components/PanelPending';

export default function LogsPanel() {
  return <PanelPending title="Logs" issue={6} />;
}
