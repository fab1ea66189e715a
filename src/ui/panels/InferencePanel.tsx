import { PanelPending } from '../components/PanelPending';

export default function InferencePanel() {
  return <PanelPending title="Inference" issue={3} />;
}
