/**
 * Inference panel: MMPretrain's `inference_model` / `ImageClassificationInferencer` in the tab. Choose a shipped
 * model, the studio's config, or drop / paste / pick a config; add a checkpoint (kept offline in IndexedDB, so a
 * reload needs no file); drop one or many images. Per image the top-k classes with score bars, the time and the
 * backend; results download as JSON. The model runs in the engine worker (the copy the CAM panel explains), on
 * the studio's backend (the status bar's choice: webgpu / webgl / wasm / cpu) unless the panel's own selector
 * overrides it; the first image's time (shader compilation on GPU backends) is reported apart from the later ones.
 */
import { useCallback, useEffect, useRef, useState, type ClipboardEvent, type DragEvent } from 'react';
import { classNamesFromText } from '../../apis/class_names';
import { DEFAULT_MODEL, releasedWeightsOf } from '../../apis/released';
import { transfer } from '../../utils/rpc/rpc';
import { useBackendStore } from '../backend/pageBackends';
import { engine } from '../engine/client';
import { useStudioStore } from '../store/studioStore';
import { cacheCheckpoint, deleteCachedCheckpoint, listCachedCheckpoints, loadLastChoice, readCachedCheckpoint, saveLastChoice, type CachedCheckpoint } from './inference/checkpointCache';
import { droppedSource, shippedModels, shippedSource } from './inference/configSource';
import type { ConfigSource, ImagePrediction, LoadResult } from './inference/protocol';
import { ResultCard, type ImageEntry } from './inference/ResultCard';
import { useZooHandoff } from './zoo/modelHandoff';
import { openCheckpointStore } from '../storage/opfs_store';
import './inference/inference.css';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** The backend selector's value that follows the studio's choice (status bar). */
const STUDIO = 'studio';
const CONFIG_EXT = /\.(py|json)$/i;
const CKPT_EXT = /\.(pth|pt|safetensors|bin|ckpt)$/i;

/** A checkpoint as a Blob (the dropped File, or the cached copy): never read on the page. `stored`: the checkpoint store's (Model Zoo) file. */
type Checkpoint = { name: string; blob: Blob; stored?: boolean };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

export default function InferencePanel() {
  const studioConfig = useStudioStore((s) => s.config);
  const studioPath = useStudioStore((s) => s.configPath);
  const [config, setConfig] = useState<ConfigSource | null>(null);
  const [shipped, setShipped] = useState<string>('');
  const [checkpoint, setCheckpoint] = useState<Checkpoint | null>(null);
  const [cached, setCached] = useState<CachedCheckpoint[]>([]);
  const studioBackend = useBackendStore((s) => s.report?.backend ?? null);
  const backendPhase = useBackendStore((s) => s.phase);
  const [backendChoice, setBackendChoice] = useState<string>(STUDIO);
  // Until the studio has chosen (its first visit measures the backends), the model waits; if it failed, WASM.
  const backend = backendChoice !== STUDIO ? backendChoice : (studioBackend ?? (backendPhase === 'error' ? 'wasm' : null));
  const [k, setK] = useState(5);
  const [fuse, setFuse] = useState(false);
  const [model, setModel] = useState<LoadResult | null>(null);
  const [progress, setProgress] = useState<[number, number] | null>(null);
  const [entries, setEntries] = useState<ImageEntry[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const seq = useRef(0);
  const nextEntry = useRef(0);
  const models = useRef<Map<string, string> | null>(null);
  models.current ??= shippedModels();

  const refreshCache = useCallback(() => listCachedCheckpoints().then(setCached, () => setCached([])), []);

  useEffect(() => {
    const last = loadLastChoice();
    if (last) {
      // A shipped model is re-read by name (the shipped configs may have changed since); others as stored.
      let restored = last.config;
      if (last.shipped && shippedModels().has(last.shipped)) {
        try {
          restored = shippedSource(last.shipped);
        } catch {
          /* keep the stored dict */
        }
      }
      setConfig(restored);
      setShipped(last.shipped ?? '');
      if (last.checkpoint) {
        // A dropped checkpoint is in IndexedDB; one downloaded in the Model Zoo panel is in its checkpoint store.
        readCachedCheckpoint(last.checkpoint)
          .catch(() => null)
          .then(async (cachedBlob) => (cachedBlob ? { blob: cachedBlob, stored: false } : { blob: await (await openCheckpointStore()).store.blob(last.checkpoint!), stored: true }))
          .then(({ blob, stored }) => blob && choice.current === 0 && setCheckpoint({ name: last.checkpoint!, blob, stored }), () => undefined); // not over a newer choice
      }
    }
    else void chooseShipped(DEFAULT_MODEL);
    void refreshCache();
  }, [refreshCache]);

  // (Re)load the model when the config, checkpoint or backend changes; images already there are classified again.
  useEffect(() => {
    if (!config || !backend) return;
    const my = ++seq.current;
    setBusy(checkpoint ? `loading ${checkpoint.name}…` : 'building the model…');
    setError(null);
    setProgress(checkpoint ? [0, checkpoint.blob.size] : null);
    saveLastChoice({ config, shipped: shipped || null, checkpoint: checkpoint?.name ?? null });
    engine()
      .inference.load(backend, config, checkpoint && { name: checkpoint.name, data: checkpoint.blob, stored: checkpoint.stored }, { fuseConvBn: fuse, onProgress: (l, t) => my === seq.current && setProgress([l, t]) })
      .then((m) => {
        if (my !== seq.current) return;
        setModel(m);
        setEntries((list) => list.map((e) => ({ ...e, result: undefined, error: undefined })));
      })
      .catch((e) => my === seq.current && (setModel(null), setError(message(e))))
      .finally(() => my === seq.current && (setBusy(null), setProgress(null)));
  }, [config, checkpoint, backend, fuse]); // eslint-disable-line react-hooks/exhaustive-deps

  // Classify every image without a result (new images, or all of them after a model change), one at a time.
  useEffect(() => {
    if (!model || busy) return;
    const todo = entries.find((e) => !e.result && !e.error);
    if (!todo) return;
    const my = seq.current;
    setBusy(`classifying ${todo.name}…`);
    const bytes = todo.bytes.slice(0); // the entry keeps its own (a later model classifies it again)
    engine()
      .inference.predict(todo.name, transfer(bytes, [bytes]), k)
      .then(
        (result: ImagePrediction) => my === seq.current && setEntries((l) => l.map((e) => (e.id === todo.id ? { ...e, result } : e))),
        (err) => my === seq.current && setEntries((l) => l.map((e) => (e.id === todo.id ? { ...e, error: message(err) } : e))),
      )
      .finally(() => my === seq.current && setBusy(null));
  }, [model, entries, busy, k]);

  /** Bumped by every choice of config or checkpoint: a slower released-weights download then does not override it. */
  const choice = useRef(0);

  /** A shipped model; with released weights (served from public/) they are fetched and used as its checkpoint. */
  const chooseShipped = async (name: string) => {
    const my = ++choice.current;
    setShipped(name);
    if (!name) return;
    try {
      const source = shippedSource(name);
      const released = releasedWeightsOf(name);
      if (!released) return setConfig(source);
      setBusy(`downloading the released weights of ${name}…`);
      const res = await fetch(`${import.meta.env.BASE_URL}${released.path}`);
      if (!res.ok) throw new Error(`${released.path}: HTTP ${res.status} (released weights of ${name})`);
      const blob = await res.blob();
      if (my !== choice.current) return;
      setConfig(source);
      setCheckpoint({ name: released.path.replace(/^.*\//, ''), blob });
    } catch (e) {
      if (my === choice.current) setError(message(e));
    } finally {
      if (my === choice.current) setBusy((b) => (b?.startsWith('downloading') ? null : b));
    }
  };

  // A model handed over by the Model Zoo panel: its config and its stored checkpoint (disk-backed, not copied).
  const zooSerial = useZooHandoff((s) => s.serial);
  useEffect(() => {
    const z = useZooHandoff.getState().take('inference');
    if (!z) return;
    choice.current++;
    setShipped('');
    setError(null);
    setConfig({ name: z.name, dict: z.config });
    setCheckpoint(z.checkpoint);
  }, [zooSerial]);

  const takeCheckpoint = (name: string, blob: Blob) => {
    choice.current++;
    setCheckpoint({ name, blob });
    cacheCheckpoint(name, blob).then(refreshCache, (e) => setError(`${name}: not cached offline (${message(e)})`));
  };

  const acceptFiles = useCallback(
    async (files: File[]) => {
      setError(null);
      const images: ImageEntry[] = [];
      for (const f of files) {
        try {
          if (CONFIG_EXT.test(f.name)) {
            choice.current++;
            setConfig(droppedSource(f.name, await f.text()));
            setShipped('');
          } else if (CKPT_EXT.test(f.name)) {
            if (f.size === 0) throw new Error(`${f.name}: the file is empty (0 bytes)`);
            takeCheckpoint(f.name, f);
          } else {
            images.push({ id: nextEntry.current++, name: f.name || `pasted-${nextEntry.current}.png`, bytes: await f.arrayBuffer(), url: URL.createObjectURL(f) });
          }
        } catch (e) {
          setError(message(e));
        }
      }
      if (images.length) setEntries((l) => [...l, ...images]);
    },
    [], // eslint-disable-line react-hooks/exhaustive-deps
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void acceptFiles([...e.dataTransfer.files]);
  };
  const onPaste = (e: ClipboardEvent) => {
    const files = [...e.clipboardData.files];
    if (files.length) {
      e.preventDefault();
      void acceptFiles(files);
      return;
    }
    // Pasted config text: a JSON dict, or Python config source (`model = dict(...)`, `_base_ = [...]`).
    const text = e.clipboardData.getData('text/plain').trim();
    if (!text || (e.target as HTMLElement).closest('input, textarea')) return;
    e.preventDefault();
    try {
      choice.current++;
      setConfig(droppedSource(text.startsWith('{') ? 'pasted_config.json' : 'pasted_config.py', text));
      setShipped('');
      setError(null);
    } catch (err) {
      setError(`pasted text is not a config: ${message(err)}`);
    }
  };

  const clearImages = () => {
    entries.forEach((e) => URL.revokeObjectURL(e.url));
    setEntries([]);
  };

  const chooseClasses = async (f: File | null) => {
    if (!model) return;
    try {
      const r = await engine().inference.setClasses(f ? classNamesFromText(await f.text(), f.name) : null, f?.name ?? '');
      setModel((m) => m && { ...m, ...r });
      setEntries((l) => l.map((e) => ({ ...e, result: undefined, error: undefined })));
      setError(null);
    } catch (e) {
      setError(message(e));
    }
  };

  const changeK = (v: number) => {
    if (!Number.isInteger(v) || v < 1) return;
    setK(v);
    setEntries((l) => l.map((e) => ({ ...e, result: undefined, error: undefined })));
  };

  const download = () => {
    const payload = {
      model: model?.name,
      checkpoint: model?.checkpoint?.name ?? null,
      backend: model?.backend,
      requested_backend: model?.requestedBackend,
      first_inference_ms: latency?.first ?? null,
      classes_source: model?.classesNote,
      topk: k,
      results: entries.map((e) => (e.result ? e.result : { image: e.name, error: e.error ?? 'not classified yet' })),
    };
    const url = URL.createObjectURL(new Blob([JSON.stringify(payload, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `inference_${model?.name ?? 'results'}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const done = entries.filter((e) => e.result).length;
  const latency = inferenceLatency(entries);

  return (
    <div className="panel inference-panel" onDragOver={(e) => (e.preventDefault(), setOver(true))} onDragLeave={() => setOver(false)} onDrop={onDrop} onPaste={onPaste} tabIndex={-1}>
      <h2>Inference</h2>
      <p className="muted">
        MMPretrain <code>inference_model</code>: each image through the config's test pipeline, the data preprocessor and the classifier, in a worker on tfjs.
      </p>
      <div className="inf-layout">
        <section className="card inf-controls" aria-label="Inference inputs">
          <div className={`dropzone${over ? ' dropzone-over' : ''}`} data-testid="inference-dropzone">
            Drop or paste a config (.py / .json), a checkpoint (.pth / .safetensors) and images here
          </div>
          <label>
            Shipped model{' '}
            <select value={shipped} onChange={(e) => void chooseShipped(e.currentTarget.value)} aria-label="shipped model">
              <option value="">—</option>
              {[...models.current.keys()].map((n) => (
                <option key={n} value={n}>
                  {n}
                  {releasedWeightsOf(n) ? ' (released weights)' : ''}
                </option>
              ))}
            </select>
          </label>
          {studioConfig ? (
            <button type="button" className="secondary" onClick={() => (choice.current++, setConfig({ name: studioPath ?? 'studio config', dict: studioConfig }), setShipped(''))}>
              Use the studio config ({studioPath ?? 'current'})
            </button>
          ) : null}
          <label>
            Config <input type="file" accept=".py,.json" data-testid="inference-config" aria-label="config file" onChange={(e) => e.currentTarget.files && void acceptFiles([...e.currentTarget.files])} />
          </label>
          <label>
            Checkpoint{' '}
            <input type="file" accept=".pth,.pt,.safetensors,.bin,.ckpt" data-testid="inference-checkpoint" aria-label="checkpoint file" onChange={(e) => e.currentTarget.files && void acceptFiles([...e.currentTarget.files])} />
          </label>
          {cached.length ? (
            <div>
              Offline checkpoints
              <ul className="inf-cache" data-testid="inference-cache">
                {cached.map((c) => (
                  <li key={c.name}>
                    <button type="button" className="link" onClick={() => readCachedCheckpoint(c.name).then((blob) => blob && setCheckpoint({ name: c.name, blob }))}>
                      {c.name}
                    </button>
                    <span className="muted">{formatBytes(c.size)}</span>
                    <button type="button" className="secondary" aria-label={`forget ${c.name}`} onClick={() => void deleteCachedCheckpoint(c.name).then(refreshCache)}>
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {model ? (
            <label title="One class name per line (as a CustomDataset classes.txt); overrides the checkpoint's and the config's">
              Class names (.txt){' '}
              <input type="file" accept=".txt" data-testid="inference-classes" aria-label="class names file" onChange={(e) => void chooseClasses(e.currentTarget.files?.[0] ?? null)} />
            </label>
          ) : null}
          <label>
            Images <input type="file" accept="image/*" multiple data-testid="inference-images" aria-label="image files" onChange={(e) => e.currentTarget.files && void acceptFiles([...e.currentTarget.files])} />
          </label>
          <label title="The studio's backend (status bar) by default; another one here runs this panel's model on it">
            Backend{' '}
            <select value={backendChoice} onChange={(e) => setBackendChoice(e.currentTarget.value)} aria-label="backend">
              <option value={STUDIO}>studio choice ({studioBackend ?? '…'})</option>
              {BACKENDS.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
          <label title="Fold BatchNorm into the preceding convolutions, as MMPretrain's --fuse-conv-bn (same scores within 1e-4, faster)">
            <input type="checkbox" checked={fuse} onChange={(e) => setFuse(e.currentTarget.checked)} aria-label="fuse conv and bn" /> fuse conv + BN
          </label>
          <label>
            Top-k <input type="number" min={1} max={model?.numClasses ?? 1000} value={k} onChange={(e) => changeK(Number(e.currentTarget.value))} aria-label="top-k" style={{ width: '4rem' }} />
          </label>
          {progress ? <progress className="inf-progress" max={progress[1] || 1} value={progress[0]} aria-label="checkpoint loading" /> : null}
          <p className="muted" data-testid="inference-status">
            {busy ?? (model ? `${model.name} on ${model.backend}${model.backendNote ? ` (${model.backendNote})` : ''}${model.fusedConvBn ? ' (conv+BN fused)' : ''}${model.checkpoint ? ` with ${model.checkpoint.name}` : ' (no checkpoint: init_cfg weights, seed 0)'}; ${model.classesNote}` : config ? 'no model' : 'choose or drop a config')}
          </p>
          {model && latency ? (
            <p className="muted" data-testid="inference-latency" title="The first image after loading includes shader compilation and weight upload on GPU backends">
              {model.backend}: first inference {latency.first.toFixed(0)} ms
              {latency.later !== null ? `, then ${latency.later.toFixed(1)} ms per image (median of ${latency.count})` : ''}
            </p>
          ) : null}
          {model ? (
            <p className="muted" data-testid="inference-pipeline">
              Pipeline{model.pipelineFromConfig ? '' : ' (none in the config; default)'}: {model.pipeline.join(' → ')}
            </p>
          ) : null}
        </section>
        <section aria-label="Inference results">
          {error ? (
            <div className="error-box" role="alert" data-testid="inference-error">
              {error}
            </div>
          ) : null}
          {model?.loadWarning ? (
            <div className="error-box" role="status">
              The checkpoint does not match the model exactly:
              <pre>{model.loadWarning}</pre>
            </div>
          ) : null}
          <div className="toolbar row">
            <span className="muted">
              {entries.length ? `${done} of ${entries.length} image${entries.length === 1 ? '' : 's'} classified` : 'no images yet'}
            </span>
            <button type="button" onClick={download} disabled={!done} data-testid="inference-download">
              Download JSON
            </button>
            <button type="button" className="secondary" onClick={clearImages} disabled={!entries.length}>
              Clear images
            </button>
          </div>
          <div className="inf-results">
            {entries.map((e) => (
              <ResultCard key={e.id} entry={e} />
            ))}
          </div>
        </section>
      </div>
    </div>
  );
}

/**
 * Forward-pass latency of the loaded model: the first image (shader compilation on GPU backends) and the median of
 * the later ones; null before the first result.
 */
function inferenceLatency(entries: ImageEntry[]): { first: number; later: number | null; count: number } | null {
  const results = entries.flatMap((e) => (e.result ? [e.result] : []));
  const first = results.find((r) => r.first);
  if (!first) return null;
  const later = results.filter((r) => !r.first).map((r) => r.forwardMs).sort((a, b) => a - b);
  return { first: first.forwardMs, later: later.length ? later[later.length >> 1] : null, count: later.length };
}
