import { PanelPending } from '../components/PanelPending';

export default function CamPanel() {
  return <PanelPending title="Cam" issue={6} />;
}
