/** The run's checkpoints in browser storage: download one, or the whole work dir as a zip. */
import { useState } from 'react';
import { downloadBlob } from '../logs/download';
import { openBrowserWorkDir, zipWorkDir } from '../../../engine/runner/opfs_work_dir';

function mb(bytes: number): string {
  return bytes > 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

export function CheckpointList({ runName, checkpoints }: { runName: string | null; checkpoints: { name: string; bytes: number }[] }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!runName) return null;
  const download = async (name: string) => {
    setError(null);
    try {
      const bytes = await (await openBrowserWorkDir(runName)).read(name);
      if (!bytes) throw new Error(`${name} is no longer in the work dir`);
      downloadBlob(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }), name);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const zip = async () => {
    setError(null);
    setBusy(true);
    try {
      const bytes = await zipWorkDir(await openBrowserWorkDir(runName), runName);
      downloadBlob(new Blob([bytes as BlobPart], { type: 'application/zip' }), `${runName}.zip`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card">
      <h3>Checkpoints</h3>
      {checkpoints.length === 0 ? (
        <p className="muted">None saved yet (CheckpointHook saves them as the config says, in browser storage).</p>
      ) : (
        <ul aria-label="Checkpoints" data-testid="train-checkpoints">
          {checkpoints.map((c) => (
            <li key={c.name}>
              <code>{c.name}</code> <span className="muted">{mb(c.bytes)}</span>{' '}
              <button type="button" className="link" onClick={() => void download(c.name)}>
                download
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="secondary" onClick={() => void zip()} disabled={busy}>
        {busy ? 'Zipping…' : 'Download work dir (.zip)'}
      </button>
      {error && <p className="error-box">{error}</p>}
    </div>
  );
}
