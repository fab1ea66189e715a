import { PanelPending } from '../components/PanelPending';

export default function SchedulePanel() {
  return <PanelPending title="Schedule" issue={5} />;
}
