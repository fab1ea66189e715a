/** The schedulers of the config as built: type, parameter, unit and range (in their unit and in iterations). */
import { INF } from '../../../engine/schedulers';
import type { ScheduledEntry } from '../../../tools/visualization/vis_scheduler';

export function SchedulerTable({ schedulers }: { schedulers: ScheduledEntry[] }) {
  if (schedulers.length === 0) return <p className="muted">No param_scheduler: the values stay constant.</p>;
  return (
    <table className="schedule-table" aria-label="Parameter schedulers">
      <thead>
        <tr>
          <th>#</th>
          <th>type</th>
          <th>param</th>
          <th>steps by</th>
          <th>begin</th>
          <th>end</th>
          <th>iterations</th>
        </tr>
      </thead>
      <tbody>
        {schedulers.map((s, i) => (
          <tr key={i}>
            <td>{i}</td>
            <td>{s.type}</td>
            <td>{s.param}</td>
            <td>{s.by_epoch ? 'epoch' : s.converted ? 'iteration (converted)' : 'iteration'}</td>
            <td className="num">{s.begin}</td>
            <td className="num">{s.end === INF ? '∞' : s.end}</td>
            <td className="num">
              [{s.beginIter}, {s.endIter})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
