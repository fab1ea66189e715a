/** Hidden route `#/diagnostics`: the backend report and a cross-backend parity check of a fixed conv2d + matMul. */
import { useState } from 'react';
import { adapterLabel, BACKEND_NAMES, runOpOnAllBackends, type OpParityReport } from '../../backends';
import { useBackendStore } from '../backend/pageBackends';

export default function DiagnosticsPanel() {
  const report = useBackendStore((s) => s.report);
  const [parity, setParity] = useState<OpParityReport | null>(null);
  const [running, setRunning] = useState(false);
  const run = async () => {
    setRunning(true);
    try {
      setParity(await runOpOnAllBackends(BACKEND_NAMES));
    } finally {
      setRunning(false);
    }
  };
  return (
    <section className="panel" aria-label="Diagnostics panel">
      <h2>Diagnostics</h2>
      {report && (
        <dl className="facts">
          <dt>Backend</dt>
          <dd>
            {report.backend} — {report.reason}
          </dd>
          <dt>Adapter</dt>
          <dd>{adapterLabel(report.adapter)}</dd>
          <dt>Available</dt>
          <dd>{report.available.join(', ')}</dd>
          {Object.entries(report.failed).map(([name, why]) => (
            <div key={name} className="fact-row">
              <dt>{name}</dt>
              <dd className="muted">{why}</dd>
            </div>
          ))}
        </dl>
      )}
      <button type="button" onClick={() => void run()} disabled={running}>
        {running ? 'Running…' : 'Run conv2d + matMul on every backend'}
      </button>
      {parity && (
        <table className="table" aria-label="Backend parity">
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col">First run (ms)</th>
              <th scope="col">Max |Δ| vs {parity.reference}</th>
            </tr>
          </thead>
          <tbody>
            {parity.results.map((r) => (
              <tr key={r.backend}>
                <th scope="row">{r.backend}</th>
                <td>{r.ms.toFixed(1)}</td>
                <td>{r.error ?? r.maxAbsDiff?.toExponential(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
