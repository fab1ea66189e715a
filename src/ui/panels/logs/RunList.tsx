/** Drop zone and the list of loaded runs: show/hide, rename, remove, skipped-line counts. */
import { useState } from 'react';
import { skippedCounts, type LoadedLog } from '../../../tools/analysis_tools/load_json_log';
import { engine } from '../../engine/client';
import { filesFromDrop, filesFromInput, isLogFile, type PickedFile } from './dropFiles';
import { useLogsStore, type LogRun } from './logsStore';

async function loadFiles(files: PickedFile[], add: (name: string, log: LoadedLog) => void): Promise<string[]> {
  const problems: string[] = [];
  const logs = files.filter((f) => isLogFile(f.path));
  if (files.length && !logs.length) problems.push(`no .json log among ${files.map((f) => f.path).join(', ')}`);
  for (const f of logs) {
    try {
      // parsed in the engine worker: a big log does not freeze the page
      add(f.path, await engine().logs.parse(f.path, await f.file.text()));
    } catch (e) {
      problems.push(`${f.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

function SkippedBadge({ run }: { run: LogRun }) {
  const { skipped } = run.log;
  if (!skipped.length) return <span className="muted">none</span>;
  const counts = Object.entries(skippedCounts(run.log)).filter(([, n]) => n > 0);
  return (
    <details className="logs-skipped">
      <summary>
        {skipped.length} ({counts.map(([r, n]) => `${n} ${r}`).join(', ')})
      </summary>
      <ul>
        {skipped.slice(0, 50).map((s) => (
          <li key={s.line}>
            line {s.line}: {s.reason} — <code>{s.detail}</code>
          </li>
        ))}
        {skipped.length > 50 && <li>… {skipped.length - 50} more</li>}
      </ul>
    </details>
  );
}

export function RunList() {
  const runs = useLogsStore((s) => s.runs);
  const addParsedLog = useLogsStore((s) => s.addParsedLog);
  const setVisible = useLogsStore((s) => s.setVisible);
  const renameRun = useLogsStore((s) => s.renameRun);
  const removeRun = useLogsStore((s) => s.removeRun);
  const clearRuns = useLogsStore((s) => s.clearRuns);
  const [over, setOver] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const load = async (files: PickedFile[]) => {
    setBusy(true);
    try {
      setProblems(await loadFiles(files, (n, log) => addParsedLog(n, log)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card logs-runs" aria-label="Runs">
      <div
        className={`logs-drop${over ? ' over' : ''}`}
        data-testid="logs-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={async (e) => {
          e.preventDefault();
          setOver(false);
          await load(await filesFromDrop(e.dataTransfer));
        }}
      >
        <p>
          Drop logs here — mmengine <code>vis_data/scalars.json</code>, MMClassification 0.x <code>*.log.json</code>, or whole work folders.
        </p>
        <label className="logs-file-button">
          <input type="file" multiple accept=".json,.jsonl,application/json" aria-label="Choose log files" onChange={async (e) => load(filesFromInput(e.currentTarget.files))} />
          Choose files…
        </label>
        {busy && <span className="muted"> reading…</span>}
      </div>
      {problems.length > 0 && (
        <div className="error-box" role="alert">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </div>
      )}
      {runs.length > 0 && (
        <table className="table logs-run-table">
          <thead>
            <tr>
              <th>Show</th>
              <th>Run</th>
              <th>Format</th>
              <th>Train / val lines</th>
              <th>Skipped lines</th>
              <th>
                <button type="button" className="secondary" onClick={clearRuns}>
                  Clear all
                </button>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run={r.name}>
                <td>
                  <input type="checkbox" checked={r.visible} aria-label={`show ${r.name}`} onChange={(e) => setVisible(r.id, e.currentTarget.checked)} />
                  <span className="logs-swatch" style={{ background: r.color }} />
                </td>
                <td>
                  <input type="text" value={r.name} aria-label={`name of ${r.id}`} title={r.id} onChange={(e) => renameRun(r.id, e.currentTarget.value)} />
                  {r.source === 'studio' && <span className="logs-tag">studio</span>}
                </td>
                <td>{r.log.format === 'mmcls0x' ? 'mmcls 0.x log.json' : 'mmengine scalars.json'}</td>
                <td>
                  {r.log.train.length} / {r.log.val.length}
                </td>
                <td>
                  <SkippedBadge run={r} />
                </td>
                <td>
                  <button type="button" className="secondary" aria-label={`remove ${r.name}`} onClick={() => removeRun(r.id)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
