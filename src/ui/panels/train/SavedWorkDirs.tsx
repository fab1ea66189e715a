/** Every work dir in browser storage: its status and checkpoints, downloads (a checkpoint, the zip) and deletion. */
import { useEffect, useState } from 'react';
import { downloadBlob } from '../logs/download';
import { deleteWorkDir, listWorkDirNames, openBrowserWorkDir, zipWorkDir } from '../../../engine/runner/opfs_work_dir';
import { readRunInfo } from './savedRuns';

interface Row {
  name: string;
  status: string;
  checkpoints: string[];
}

async function loadRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of await listWorkDirNames()) {
    const store = await openBrowserWorkDir(name);
    const files = await store.list();
    rows.push({ name, status: (await readRunInfo(store))?.status ?? '?', checkpoints: files.filter((f) => f.endsWith('.pth') && !f.includes('/')) });
  }
  return rows;
}

export function SavedWorkDirs({ refresh, busyName }: { refresh: number; busyName: string | null }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    loadRows()
      .then((r) => live && setRows(r))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [refresh, tick]);
  const guard = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const download = (name: string, file: string) =>
    guard(async () => {
      const bytes = await (await openBrowserWorkDir(name)).read(file);
      if (!bytes) throw new Error(`${file} is no longer in work_dirs/${name}`);
      downloadBlob(new Blob([bytes as BlobPart]), file);
    });
  const zip = (name: string) => guard(async () => downloadBlob(new Blob([(await zipWorkDir(await openBrowserWorkDir(name), name)) as BlobPart], { type: 'application/zip' }), `${name}.zip`));
  const remove = (name: string) => guard(async () => (await deleteWorkDir(name), setTick((t) => t + 1)));
  if (!rows.length) return null;
  return (
    <details className="card">
      <summary>Work dirs in browser storage ({rows.length})</summary>
      <table className="table" aria-label="Work dirs in browser storage">
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <th>
                <code>{r.name}</code>
              </th>
              <td>{r.status}</td>
              <td>
                {r.checkpoints.map((c) => (
                  <button key={c} type="button" className="link" onClick={() => void download(r.name, c)}>
                    {c}
                  </button>
                ))}
              </td>
              <td>
                <button type="button" className="secondary" onClick={() => void zip(r.name)}>
                  zip
                </button>{' '}
                <button type="button" className="secondary" onClick={() => void remove(r.name)} disabled={r.name === busyName} title={r.name === busyName ? 'in use by the running training' : 'delete from browser storage'}>
                  delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p className="error-box">{error}</p>}
    </details>
  );
}
