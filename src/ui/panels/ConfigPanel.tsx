import { PanelPending } from '../components/PanelPending';

export default function ConfigPanel() {
  return <PanelPending title="Config" issue={2} />;
}
