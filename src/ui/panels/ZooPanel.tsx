/**
 * Model Zoo panel: MMPretrain's model index (every metafile entry bundled in `configs/model-index.json`) as a
 * searchable, filterable, sortable table, as `list_models('*convnext*')` / `get_model(name, pretrained=True)` on the
 * command line. A model's card shows its config, metrics, paper, README, code and released weights; Download streams
 * the checkpoint into the browser's Origin Private File System through the engine's downloader (progress, Cancel,
 * resume with HTTP Range after a drop, sha256 checked against the `-{hash8}` of the file name), so the next use is
 * offline. "Use in Inference / CAM / Train" hands the config and the stored weights to those panels. The hub URL
 * replaces the metafile's scheme + host (as `--hub` / `MMPRETRAIN_HUB` on the CLI); where the host is unreachable or
 * refuses cross-origin reads, a dropped file is checked against the same hash and stored.
 *
 * Dev hook: `window.__mmpwZoo.addModel(info)` adds an entry (a `ModelInfo`-like object: name, config, weights…) to
 * this page's table, for end-to-end tests and for trying a local metafile entry.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { create } from 'zustand';
import { downloadCheckpoint, formatBytes, hubUrl } from '../../apis/hub';
import type { DownloadProgress } from '../../apis/hub/types';
import { MODEL_INDEX } from '../../apis/model_hub';
import type { ModelInfo } from '../../apis/model_index';
import { configToJSON, loadConfig } from '../../config';
import { goToPanel } from '../navigation';
import { openCheckpointStore, type BrowserCheckpointStore } from '../storage/opfs_store';
import { studioFs } from './config/shipped';
import { useZooHandoff, type ZooTarget } from './zoo/modelHandoff';
import { facets, filterRows, formatCount, hashPrefixOf, NO_FILTERS, sortRows, weightsFileName, zooRow, type SortKey, type ZooFilters, type ZooRow } from './zoo/zooFilter';
import './zoo/zoo.css';

const HUB_KEY = 'mmpretrain-web:zoo:hub';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Entries added on this page through the dev hook (after the bundled index). */
const useExtraModels = create<{ extra: ModelInfo[] }>()(() => ({ extra: [] }));

declare global {
  interface Window {
    __mmpwZoo?: { addModel(info: Partial<ModelInfo> & { name: string; config: string; weights: string }): void };
  }
}

if (typeof window !== 'undefined' && (import.meta.env.DEV || import.meta.env.MODE === 'e2e')) {
  window.__mmpwZoo = {
    addModel(info) {
      const full: ModelInfo = { collection: null, tasks: [], metadata: {}, results: [], paper: null, readme: null, code: null, convertedFrom: null, metafile: '(added on this page)', ...info };
      full.tasks = full.tasks.length ? full.tasks : [...new Set(full.results.map((r) => r.task).filter(Boolean))];
      useExtraModels.setState((s) => ({ extra: [...s.extra.filter((m) => m.name.toLowerCase() !== full.name.toLowerCase()), full] }));
    },
  };
}

function loadHub(): string {
  try {
    return localStorage.getItem(HUB_KEY) ?? '';
  } catch {
    return '';
  }
}

/** A number input's value: null when empty. */
const numOrNull = (s: string): number | null => (s.trim() === '' || !Number.isFinite(Number(s)) ? null : Number(s));

const COLUMNS: { key: SortKey; title: string }[] = [
  { key: 'name', title: 'Name' },
  { key: 'params', title: 'Params' },
  { key: 'flops', title: 'FLOPs' },
  { key: 'top1', title: 'Top-1 (%)' },
  { key: 'top5', title: 'Top-5 (%)' },
  { key: 'dataset', title: 'Dataset' },
];

/** What the download of the selected model is doing. */
type Transfer = { key: string; progress: DownloadProgress; controller: AbortController } | null;

export default function ZooPanel() {
  const extra = useExtraModels((s) => s.extra);
  const rows = useMemo<ZooRow[]>(() => [...MODEL_INDEX, ...extra].map(zooRow), [extra]);
  const options = useMemo(() => facets(rows), [rows]);
  const [filters, setFilters] = useState<ZooFilters>(NO_FILTERS);
  const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: 'name', asc: true });
  const shown = useMemo(() => sortRows(filterRows(rows, filters), sort.key, sort.asc), [rows, filters, sort]);
  const [selected, setSelected] = useState<string | null>(null);
  const current = useMemo(() => rows.find((r) => r.name === selected) ?? null, [rows, selected]);

  const [hub, setHub] = useState(loadHub);
  const [store, setStore] = useState<BrowserCheckpointStore | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [stored, setStored] = useState<{ key: string; bytes: number }[]>([]);
  const [transfer, setTransfer] = useState<Transfer>(null);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  /** Set after a network / CORS failure: the drop box for the file the download could not get. */
  const [needDrop, setNeedDrop] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const storeRef = useRef<BrowserCheckpointStore | null>(null);

  const refresh = useCallback(async () => {
    if (storeRef.current) setStored(await storeRef.current.list().catch(() => []));
  }, []);

  useEffect(() => {
    openCheckpointStore().then(
      ({ store: s, notice: n }) => {
        storeRef.current = s;
        setStore(s);
        setNotice(n);
        void s.list().then(setStored, () => setStored([]));
      },
      (e) => setError(`no checkpoint storage: ${message(e)}`),
    );
  }, []);

  const saveHub = (v: string) => {
    setHub(v);
    try {
      if (v.trim()) localStorage.setItem(HUB_KEY, v.trim());
      else localStorage.removeItem(HUB_KEY);
    } catch {
      /* storage disabled: the setting lasts for this visit */
    }
  };

  const setFilter = <K extends keyof ZooFilters>(k: K, v: ZooFilters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const sortBy = (key: SortKey) => setSort((s) => (s.key === key ? { key, asc: !s.asc } : { key, asc: key === 'name' || key === 'dataset' }));

  const fileOf = (r: ZooRow | null) => (r?.info.weights ? weightsFileName(r.info.weights) : null);
  const storedSize = (key: string | null) => stored.find((s) => s.key === key)?.bytes ?? null;

  const select = (name: string) => {
    setSelected(name);
    setError(null);
    setInfo(null);
    setNeedDrop(null);
  };

  const download = async () => {
    const r = current;
    if (!r?.info.weights || !store || transfer) return;
    const key = weightsFileName(r.info.weights);
    const url = hubUrl(r.info.weights, hub.trim() || null);
    const controller = new AbortController();
    setError(null);
    setInfo(null);
    setNeedDrop(null);
    setTransfer({ key, controller, progress: { received: 0, total: null, resumedFrom: 0, retries: 0 } });
    try {
      const res = await downloadCheckpoint(url, {
        store,
        key,
        signal: controller.signal,
        onProgress: (progress: DownloadProgress) => setTransfer((t) => (t && t.key === key ? { ...t, progress } : t)),
      });
      setInfo(`${key}: ${res.cached ? 'already stored' : 'downloaded'}, ${formatBytes(res.bytes)}, sha256 ${res.sha256}`);
    } catch (e) {
      if (controller.signal.aborted) setInfo(`${key}: download cancelled (the part already stored resumes next time)`);
      else {
        setError(message(e));
        // A fetch that fails without an HTTP status: unreachable host, or no CORS headers. Offer the file drop.
        if (e instanceof TypeError || /fetch|network|cors|cross-origin|unreachable/i.test(message(e))) setNeedDrop(key);
      }
    } finally {
      setTransfer(null);
      void refresh();
    }
  };

  /** A dropped checkpoint: read through the engine's downloader (a blob: URL), so the same sha256 check applies. */
  const acceptDropped = async (file: File) => {
    const r = current;
    if (!r?.info.weights || !store) return;
    const key = weightsFileName(r.info.weights);
    setError(null);
    setInfo(null);
    const url = URL.createObjectURL(file);
    try {
      if (file.name !== key) setInfo(`${file.name} is stored as ${key}`);
      await store.discardPartial(key);
      const res = await downloadCheckpoint(url, { store, key, expectedHashPrefix: hashPrefixOf(key) });
      setInfo(`${key}: stored from ${file.name}, ${formatBytes(res.bytes)}, sha256 ${res.sha256}`);
      setNeedDrop(null);
    } catch (e) {
      setError(`${file.name}: ${message(e)}`);
    } finally {
      URL.revokeObjectURL(url);
      void refresh();
    }
  };

  const remove = async (key: string) => {
    if (!store) return;
    try {
      await store.remove(key);
    } catch (e) {
      setError(`${key}: ${message(e)}`);
    }
    await refresh();
  };

  const use = async (target: ZooTarget) => {
    const r = current;
    if (!r || !store) return;
    setError(null);
    try {
      if (!r.info.config) throw new Error(`${r.name}: the metafile names no config`);
      const key = fileOf(r);
      const blob = key ? await store.blob(key) : null;
      const config = configToJSON(loadConfig(r.info.config, studioFs).cfg) as Record<string, unknown>;
      useZooHandoff.getState().send(target, { name: r.name, configPath: r.info.config, config, checkpoint: blob && key ? { name: key, blob, stored: true } : null });
      goToPanel(target);
    } catch (e) {
      setError(message(e));
    }
  };

  const key = fileOf(current);
  const have = storedSize(key);
  const p = transfer?.progress;
  const pct = p?.total ? Math.floor((100 * p.received) / p.total) : null;
  const m = current?.info;
  const metrics = m?.results.flatMap((res) => Object.entries(res.metrics).map(([k, v]) => `${res.dataset}: ${k} ${v}`)) ?? [];
  const licence = m ? (m.metadata.License ?? m.metadata.Licence ?? m.metadata.license) : undefined;

  return (
    <div className="panel zoo-panel">
      <h2>Model Zoo</h2>
      <p className="muted">
        MMPretrain&apos;s model index ({MODEL_INDEX.length} models from the metafiles): <code>list_models</code> patterns (<code>*convnext*</code>) or plain text, filters, a model&apos;s card; its
        checkpoint downloads into this browser and is used offline afterwards.
      </p>
      {notice ? (
        <div className="error-box" role="status" data-testid="zoo-notice">
          {notice}
        </div>
      ) : null}
      <section className="card zoo-filters" aria-label="Search and filters">
        <input type="search" placeholder="Search: resnet50, *convnext*, vit-?ase*" aria-label="search models" value={filters.query} onChange={(e) => setFilter('query', e.currentTarget.value)} />
        <select aria-label="task" value={filters.task} onChange={(e) => setFilter('task', e.currentTarget.value)}>
          <option value="">any task</option>
          {options.tasks.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select aria-label="family" value={filters.collection} onChange={(e) => setFilter('collection', e.currentTarget.value)}>
          <option value="">any family</option>
          {options.collections.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select aria-label="training data" value={filters.trainingData} onChange={(e) => setFilter('trainingData', e.currentTarget.value)}>
          <option value="">any training data</option>
          {options.trainingData.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select aria-label="dataset" value={filters.dataset} onChange={(e) => setFilter('dataset', e.currentTarget.value)}>
          <option value="">any result dataset</option>
          {options.datasets.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <span className="zoo-range">
          Params (M) <input type="number" min={0} aria-label="params min (M)" onChange={(e) => setFilter('paramsMinM', numOrNull(e.currentTarget.value))} />–
          <input type="number" min={0} aria-label="params max (M)" onChange={(e) => setFilter('paramsMaxM', numOrNull(e.currentTarget.value))} />
        </span>
        <span className="zoo-range">
          FLOPs (G) <input type="number" min={0} aria-label="FLOPs min (G)" onChange={(e) => setFilter('flopsMinG', numOrNull(e.currentTarget.value))} />–
          <input type="number" min={0} aria-label="FLOPs max (G)" onChange={(e) => setFilter('flopsMaxG', numOrNull(e.currentTarget.value))} />
        </span>
        <span className="zoo-range">
          Top-1 ≥ <input type="number" min={0} max={100} aria-label="top-1 min" onChange={(e) => setFilter('top1Min', numOrNull(e.currentTarget.value))} />
        </span>
        <span className="muted" data-testid="zoo-count">
          {shown.length} of {rows.length} models
        </span>
      </section>
      <div className="zoo-layout">
        <div className="zoo-table-wrap">
          <table className="table zoo-table" data-testid="zoo-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} aria-sort={sort.key === c.key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" className="link" onClick={() => sortBy(c.key)}>
                      {c.title}
                      {sort.key === c.key ? (sort.asc ? ' ▲' : ' ▼') : ''}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.name} className={r.name === selected ? 'zoo-selected' : undefined} data-testid="zoo-row">
                  <td>
                    <button type="button" className="link" onClick={() => select(r.name)}>
                      {r.name}
                    </button>
                    {storedSize(fileOf(r)) !== null ? <span className="zoo-badge" title="checkpoint stored in this browser">stored</span> : null}
                  </td>
                  <td>{formatCount(r.params)}</td>
                  <td>{formatCount(r.flops)}</td>
                  <td>{r.top1 ?? '—'}</td>
                  <td>{r.top5 ?? '—'}</td>
                  <td>{r.dataset ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <aside className="zoo-side">
          {current && m ? (
            <section className="card" aria-label={`model card ${m.name}`} data-testid="zoo-card">
              <h3>{m.name}</h3>
              <dl className="facts">
                <dt>Config</dt>
                <dd>
                  <code>{m.config ?? '—'}</code>
                </dd>
                <dt>Family</dt>
                <dd>{m.collection ?? '—'}</dd>
                <dt>Tasks</dt>
                <dd>{m.tasks.join(', ') || '—'}</dd>
                <dt>Params / FLOPs</dt>
                <dd>
                  {formatCount(current.params)} / {formatCount(current.flops)}
                </dd>
                <dt>Training data</dt>
                <dd>{current.trainingData.join(', ') || '—'}</dd>
                <dt>Metrics</dt>
                <dd>{metrics.length ? metrics.map((t) => <div key={t}>{t}</div>) : '—'}</dd>
                {m.paper ? (
                  <>
                    <dt>Paper</dt>
                    <dd>
                      <a href={m.paper.url} target="_blank" rel="noreferrer">
                        {m.paper.title || m.paper.url}
                      </a>
                    </dd>
                  </>
                ) : null}
                {m.readme ? (
                  <>
                    <dt>README</dt>
                    <dd>
                      <a href={`https://github.com/open-mmlab/mmpretrain/blob/main/${m.readme}`} target="_blank" rel="noreferrer">
                        {m.readme}
                      </a>
                    </dd>
                  </>
                ) : null}
                {m.code ? (
                  <>
                    <dt>Code</dt>
                    <dd>
                      <a href={m.code.url} target="_blank" rel="noreferrer">
                        {m.code.version ?? 'source'}
                      </a>
                    </dd>
                  </>
                ) : null}
                {m.convertedFrom ? (
                  <>
                    <dt>Converted from</dt>
                    <dd>
                      {m.convertedFrom.weights ? <div>weights: {m.convertedFrom.weights}</div> : null}
                      {m.convertedFrom.code ? <div>code: {m.convertedFrom.code}</div> : null}
                    </dd>
                  </>
                ) : null}
                {licence !== undefined ? (
                  <>
                    <dt>Licence</dt>
                    <dd>{String(licence)}</dd>
                  </>
                ) : null}
                <dt>Weights</dt>
                <dd className="zoo-url">{m.weights ? <code data-testid="zoo-weights-url">{hubUrl(m.weights, hub.trim() || null)}</code> : 'none released'}</dd>
                <dt>Metafile</dt>
                <dd>
                  <code>{m.metafile}</code>
                </dd>
              </dl>
              {m.weights ? (
                <div className="row">
                  {have !== null ? (
                    <span className="muted" data-testid="zoo-have">
                      stored: {key} ({formatBytes(have)})
                    </span>
                  ) : transfer ? (
                    <button type="button" className="secondary" onClick={() => transfer.controller.abort()}>
                      Cancel
                    </button>
                  ) : (
                    <button type="button" onClick={() => void download()} disabled={!store}>
                      Download
                    </button>
                  )}
                </div>
              ) : null}
              {p ? (
                <div data-testid="zoo-progress">
                  <progress className="zoo-progress" max={p.total ?? 1} value={p.total ? p.received : 0} aria-label="download progress" />
                  <span className="muted">
                    {formatBytes(p.received)}
                    {p.total ? ` of ${formatBytes(p.total)} (${pct}%)` : ''}
                    {p.resumedFrom ? `, resumed from ${formatBytes(p.resumedFrom)}` : ''}
                    {p.retries ? `, ${p.retries} reconnection${p.retries > 1 ? 's' : ''}` : ''}
                  </span>
                </div>
              ) : null}
              <div className="row zoo-use">
                <button type="button" onClick={() => void use('inference')} disabled={!m.config}>
                  Use in Inference
                </button>
                <button type="button" className="secondary" onClick={() => void use('cam')} disabled={!m.config}>
                  Use in CAM
                </button>
                <button type="button" className="secondary" onClick={() => void use('train')} disabled={!m.config}>
                  Fine-tune in Train
                </button>
              </div>
              {m.weights && have === null ? <p className="muted">Without a stored checkpoint, Use hands over the config only (init_cfg weights).</p> : null}
            </section>
          ) : (
            <p className="muted">Choose a model in the table for its card.</p>
          )}
          {info ? (
            <p className="muted" role="status" data-testid="zoo-info">
              {info}
            </p>
          ) : null}
          {error ? (
            <div className="error-box" role="alert" data-testid="zoo-error">
              {error}
            </div>
          ) : null}
          {needDrop ? (
            <div
              className={`dropzone${over ? ' dropzone-over' : ''}`}
              data-testid="zoo-dropzone"
              onDragOver={(e) => (e.preventDefault(), setOver(true))}
              onDragLeave={() => setOver(false)}
              onDrop={(e: DragEvent) => {
                e.preventDefault();
                setOver(false);
                const f = e.dataTransfer.files[0];
                if (f) void acceptDropped(f);
              }}
            >
              <p>
                Download <code>{needDrop}</code> yourself (open the weights URL in a new tab) and drop it here: it is checked against the sha256 prefix <code>{hashPrefixOf(needDrop) ?? '(none in the name)'}</code> before it is
                stored.
              </p>
              <input type="file" accept=".pth,.pt,.safetensors,.bin,.ckpt" aria-label="checkpoint to store" data-testid="zoo-drop-input" onChange={(e) => e.currentTarget.files?.[0] && void acceptDropped(e.currentTarget.files[0])} />
            </div>
          ) : null}
          <section className="card" aria-label="Stored checkpoints">
            <h3>Stored checkpoints{store ? ` (${store.kind === 'opfs' ? 'Origin Private File System' : store.kind === 'cache' ? 'Cache Storage' : 'memory'})` : ''}</h3>
            {stored.length ? (
              <ul className="file-list zoo-stored" data-testid="zoo-stored">
                {stored.map((s) => (
                  <li key={s.key}>
                    <span className="zoo-url">{s.key}</span>
                    <span className="muted">{formatBytes(s.bytes)}</span>
                    <button type="button" className="secondary" aria-label={`delete ${s.key}`} onClick={() => void remove(s.key)}>
                      Delete
                    </button>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">none yet</p>
            )}
            <p className="muted">{stored.length ? `${formatBytes(stored.reduce((a, s) => a + s.bytes, 0))} in all` : ''}</p>
          </section>
          <section className="card" aria-label="Hub">
            <label title="Replaces the scheme and host of every weights URL (the metafile's host when empty), as --hub / MMPRETRAIN_HUB">
              Hub URL{' '}
              <input type="text" placeholder="https://download.openmmlab.com" aria-label="hub URL" value={hub} onChange={(e) => saveHub(e.currentTarget.value)} />
            </label>
          </section>
        </aside>
      </div>
    </div>
  );
}
