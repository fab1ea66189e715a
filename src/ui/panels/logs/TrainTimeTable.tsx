/** cal_train_time per visible run, as a table, with the tool's exact text on demand. */
import { useMemo } from 'react';
import { calTrainTime, formatTrainTime, type TrainTimeStats } from '../../../tools/analysis_tools/cal_train_time';
import { formatFixed } from '../../../utils/python_format';
import { useLogsStore } from './logsStore';

type Row = { id: string; name: string; stats: TrainTimeStats | null; error: string | null };

export function TrainTimeTable() {
  const runs = useLogsStore((s) => s.runs);
  const includeOutliers = useLogsStore((s) => s.view.includeOutliers);
  const setView = useLogsStore((s) => s.setView);
  const rows = useMemo(
    () =>
      runs
        .filter((r) => r.visible)
        .map((r): Row => {
          try {
            return { id: r.id, name: r.name, stats: calTrainTime({ ...r.log, name: r.name }, { includeOutliers }), error: null };
          } catch (e) {
            return { id: r.id, name: r.name, stats: null, error: e instanceof Error ? e.message : String(e) };
          }
        }),
    [runs, includeOutliers],
  );
  if (!rows.length) return null;
  const f = (x: number | undefined | null) => (x === undefined || x === null ? '—' : formatFixed(x, 4));
  return (
    <section className="card logs-time" aria-label="Train time">
      <h3>Train time (cal_train_time)</h3>
      <label>
        <input type="checkbox" checked={includeOutliers} onChange={(e) => setView({ includeOutliers: e.currentTarget.checked })} /> include outliers (each epoch's first
        record)
      </label>
      <table className="table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Epochs</th>
            <th>Slowest epoch (s/iter)</th>
            <th>Fastest epoch (s/iter)</th>
            <th>Std over epochs</th>
            <th>Average iter time (s/iter)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ id, name, stats, error }) =>
            stats ? (
              <tr key={id}>
                <td>{name}</td>
                <td>{stats.epochs.length || 'iteration-based'}</td>
                <td>{stats.slowest ? `${stats.slowest.index + 1} (${f(stats.slowest.meanTime)})` : '—'}</td>
                <td>{stats.fastest ? `${stats.fastest.index + 1} (${f(stats.fastest.meanTime)})` : '—'}</td>
                <td>{f(stats.stdOverEpochs)}</td>
                <td>{f(stats.avgIterTime)}</td>
              </tr>
            ) : (
              <tr key={id}>
                <td>{name}</td>
                <td colSpan={5} className="muted">
                  {error}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {!includeOutliers && rows.some((r) => r.stats?.slowest && Number.isNaN(r.stats.slowest.meanTime)) && (
        <p className="muted">nan: an epoch has a single train record (log interval ≥ iterations per epoch), and the tool leaves each epoch's first out — include outliers to time it.</p>
      )}
      <details>
        <summary>Tool output</summary>
        <pre className="logs-tool-text">{rows.map((r) => (r.stats ? formatTrainTime(r.stats) : '')).join('')}</pre>
      </details>
    </section>
  );
}
