/**
 * CAM panel: MMPretrain's `tools/visualization/vis_cam.py`, interactive. Drop a config (or use the studio's) and a
 * checkpoint, drop an image, or pick one in the Dataset panel or the Inference panel ("Explain with CAM": the image
 * hand-off store brings it, with the inference's model and predicted class); the six pytorch-grad-cam methods side
 * by side, one row per target layer (vis_cam's `--target-layers a b`, plus its aggregate of them), a layer picker
 * over the module tree, a searchable category picker (predicted class by default), alpha, eigen/aug smoothing, the
 * heat map on the model input or carried back through the pipeline's resize/crop onto the original image, PNG
 * export per map or of the whole grid. The model lives in the engine worker (the Inference panel's copy when it is
 * the same model): settings changes recompute the CAMs without reloading it; the panel remembers its model, image and settings while you visit other panels.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useZooHandoff } from './zoo/modelHandoff';
import { useImageHandoff, type HandoffImage, type HandoffLabel, type HandoffModel } from '../store/imageHandoff';
import { useStudioStore } from '../store/studioStore';
import { CAM_METHODS } from '../../visualization/cam/methods';
import { transfer } from '../../utils/rpc/rpc';
import { engine } from '../engine/client';
import { downloadBlob } from './logs/download';
import { blendOnInput, blendOnOriginal, rgbToRgba } from './cam/blend';
import { CamCanvas } from './cam/CamCanvas';
import { camGridImage } from './cam/gridImage';
import { LayerPicker } from './cam/LayerPicker';
import { layersForNewModel } from './cam/layerSelection';
import { inferenceModel } from './cam/openInCam';
import { rgbaToPng } from './cam/png';
import type { CamConfigSource, CamRunResult, CamSettings, ImageResult, LoadResult } from './cam/protocol';
import { handoffCategory, handoffFile, handoffNote } from './cam/receive';
import './cam/cam.css';

const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
const CONFIG_EXT = /\.(py|json)$/i;
const CKPT_EXT = /\.(pth|pt|safetensors|bin|ckpt)$/i;
const IMAGE_EXT = /\.(jpe?g|png|bmp|gif|webp)$/i;

type FileBytes = { name: string; bytes: ArrayBuffer };
/** A checkpoint as a Blob (the dropped File, the Model Zoo's stored one): the worker reads it, the page copies nothing. */
/** `stored`: the checkpoint store's (Model Zoo) file, read in the engine worker straight from disk. */
type CheckpointBlob = { name: string; blob: Blob; stored?: boolean };

/** Where the current image came from, when another panel handed it over. */
interface Origin {
  note: string;
  /** Why the sender's model did not come along. */
  warning: string | null;
  groundTruth: HandoffLabel | null;
}

const DEFAULT_SETTINGS: CamSettings = { methods: [...CAM_METHODS], layers: [], category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null };

/** What the panel keeps while another panel is shown (the model is loaded again from it on return). */
const memory: {
  droppedConfig: CamConfigSource | null;
  useStudio: boolean;
  checkpoint: CheckpointBlob | null;
  backend: string;
  image: FileBytes | null;
  settings: CamSettings;
  alpha: number;
  view: 'input' | 'original';
  origin: Origin | null;
} = { droppedConfig: null, useStudio: true, checkpoint: null, backend: 'wasm', image: null, settings: DEFAULT_SETTINGS, alpha: 0.5, view: 'input', origin: null };

/** The sender's model is the one the panel has (same config, same checkpoint file): no reload. */
function sameModel(m: HandoffModel, config: CamConfigSource | null, checkpoint: CheckpointBlob | null): boolean {
  if (!config || config.kind !== 'dict') return false;
  const sameCkpt = m.checkpoint ? !!checkpoint && checkpoint.name === m.checkpoint.name && checkpoint.blob.size === m.checkpoint.bytes.byteLength : !checkpoint;
  return sameCkpt && JSON.stringify(config.dict) === JSON.stringify(m.config);
}

/** A copy of the panel's bytes, transferred to the worker (the panel keeps its own for reloads). */
function copyOf(bytes: ArrayBuffer): ArrayBuffer {
  const copy = bytes.slice(0);
  return transfer(copy, [copy]);
}

const labelText = (l: HandoffLabel, classes: string[]) => `${l.index}: ${l.name ?? classes[l.index] ?? l.index}`;

async function readConfigFile(file: File): Promise<CamConfigSource> {
  const text = await file.text();
  if (/\.json$/i.test(file.name)) {
    try {
      return { kind: 'dict', name: file.name, dict: JSON.parse(text) as Record<string, unknown> };
    } catch (e) {
      throw new Error(`${file.name}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return { kind: 'py', name: file.name, text };
}

function FileInput({ label, accept, testId, onFile }: { label: string; accept: string; testId: string; onFile: (f: File) => void }) {
  return (
    <label className="row">
      {label}
      <input type="file" accept={accept} data-testid={testId} aria-label={label} onChange={(e) => e.currentTarget.files?.[0] && onFile(e.currentTarget.files[0])} />
    </label>
  );
}

export default function CamPanel() {
  const studioConfig = useStudioStore((s) => s.config);
  const studioPath = useStudioStore((s) => s.configPath);
  const [droppedConfig, setDroppedConfig] = useState<CamConfigSource | null>(memory.droppedConfig);
  const [useStudio, setUseStudio] = useState(memory.useStudio);
  const [checkpoint, setCheckpoint] = useState<CheckpointBlob | null>(memory.checkpoint);
  const [image, setImage] = useState<FileBytes | null>(memory.image);
  const [backend, setBackend] = useState<string>(memory.backend);
  const [model, setModel] = useState<LoadResult | null>(null);
  const [imageInfo, setImageInfo] = useState<ImageResult | null>(null);
  const [run, setRun] = useState<CamRunResult | null>(null);
  const [settings, setSettings] = useState<CamSettings>(memory.settings);
  const [alpha, setAlpha] = useState(memory.alpha);
  const [view, setView] = useState<'input' | 'original'>(memory.view);
  const [origin, setOrigin] = useState<Origin | null>(memory.origin);
  const [categoryText, setCategoryText] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  /** One sequence per kind of request: a newer request of a kind makes the older one's answer stale. */
  const seq = useRef({ load: 0, image: 0, cam: 0 });
  /** A model load is under way: image and CAM requests wait for it (it sends the image itself). */
  const loading = useRef(false);
  const imageRef = useRef(image);
  imageRef.current = image;
  /** The target category to set once the model being loaded is there (undefined: back to the predicted class). */
  const pendingCategory = useRef<number | null | undefined>(memory.settings.category);

  useEffect(() => {
    Object.assign(memory, { droppedConfig, useStudio, checkpoint, backend, image, settings, alpha, view, origin });
  }, [droppedConfig, useStudio, checkpoint, backend, image, settings, alpha, view, origin]);

  const config: CamConfigSource | null = useMemo(() => {
    if (studioConfig && useStudio) return { kind: 'dict', name: studioPath ?? 'studio config', dict: studioConfig };
    return droppedConfig;
  }, [droppedConfig, studioConfig, studioPath, useStudio]);

  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

  // (Re)load the model when the config, checkpoint or backend changes; then re-send the image.
  useEffect(() => {
    if (!config) return;
    const my = ++seq.current.load;
    loading.current = true;
    setBusy('loading model…');
    setError(null);
    setRun(null);
    setImageInfo(null);
    engine()
      .cam.load(backend, config, checkpoint ? { name: checkpoint.name, data: checkpoint.blob, stored: checkpoint.stored } : null)
      .then(async (m) => {
        if (my !== seq.current.load) return;
        const category = pendingCategory.current ?? null;
        pendingCategory.current = undefined;
        const names = m.tree.map((r) => r.name);
        setSettings((s) => ({ ...s, layers: layersForNewModel(s.layers, names), category: category !== null && category < m.numClasses ? category : null, vitLike: m.vitLike, numExtraTokens: null }));
        setCategoryText(category !== null && category < m.numClasses ? labelText({ index: category }, m.classes) : '');
        const img = imageRef.current;
        const info = img ? await engine().cam.image(img.name, copyOf(img.bytes)) : null;
        if (my !== seq.current.load) return;
        setModel(m);
        setImageInfo(info);
      })
      .catch((e) => my === seq.current.load && (setModel(null), fail(e)))
      .finally(() => {
        if (my !== seq.current.load) return;
        loading.current = false;
        setBusy(null);
      });
  }, [config, checkpoint, backend]); // eslint-disable-line react-hooks/exhaustive-deps

  // A new image: run it through the test pipeline (model kept).
  useEffect(() => {
    if (!image || !model || loading.current) return;
    const my = ++seq.current.image;
    setBusy('preparing image…');
    setError(null);
    engine()
      .cam.image(image.name, copyOf(image.bytes))
      .then((info) => my === seq.current.image && !loading.current && setImageInfo(info))
      .catch((e) => my === seq.current.image && fail(e))
      .finally(() => my === seq.current.image && setBusy(null));
  }, [image]); // eslint-disable-line react-hooks/exhaustive-deps

  // Any setting change recomputes the CAMs (same model, same input).
  useEffect(() => {
    if (!model || !imageInfo || !settings.methods.length || loading.current) return;
    const my = ++seq.current.cam;
    if (!settings.layers.length && !model.defaultLayer) return setRun(null); // vis_cam has no default here: a layer must be picked
    setBusy('computing CAMs…');
    setError(null);
    engine()
      .cam.cam(settings)
      .then((r) => my === seq.current.cam && setRun(r))
      .catch((e) => my === seq.current.cam && (setRun(null), fail(e)))
      .finally(() => my === seq.current.cam && setBusy(null));
  }, [model, imageInfo, settings]);

  /** Reloads the same model on another backend, keeping the chosen target category. */
  const changeBackend = (name: string) => {
    pendingCategory.current = settings.category;
    setBackend(name);
  };

  /** Sets the target category (null: the predicted class) and its text. */
  const applyCategory = (index: number | null, classes: string[]) => {
    setSettings((s) => ({ ...s, category: index }));
    setCategoryText(index === null ? '' : labelText({ index }, classes));
  };

  // An image handed over by another panel: taken on arrival (and when one comes while the panel is open).
  const handoffSerial = useImageHandoff((s) => s.serial);
  const latest = useRef({ config, checkpoint, model, ownConfig: !!droppedConfig && !useStudio });
  latest.current = { config, checkpoint, model, ownConfig: !!droppedConfig && !(useStudio && studioConfig) };
  useEffect(() => {
    const h = useImageHandoff.getState().take();
    if (h) void receive(h);
  }, [handoffSerial]); // eslint-disable-line react-hooks/exhaustive-deps

  // A model handed over by the Model Zoo panel: its config and stored checkpoint; the image stays.
  const zooSerial = useZooHandoff((s) => s.serial);
  useEffect(() => {
    const z = useZooHandoff.getState().take('cam');
    if (!z) return;
    setError(null);
    setDroppedConfig({ kind: 'dict', name: z.name, dict: z.config });
    setUseStudio(false);
    if (!z.checkpoint) return setCheckpoint(null);
    setCheckpoint(z.checkpoint);
  }, [zooSerial]); // eslint-disable-line react-hooks/exhaustive-deps

  const receive = async (h: HandoffImage) => {
    setError(null);
    let file: FileBytes;
    try {
      file = handoffFile(h);
    } catch (e) {
      return fail(e);
    }
    const category = handoffCategory(h);
    let sender = h.model ?? null;
    let warning = h.note ?? null;
    let note = handoffNote(h);
    // A dataset sample comes without a model: keep the panel's own, else take the Inference panel's.
    const { checkpoint: curCkpt, model: curModel, ownConfig } = latest.current;
    if (!sender && !curCkpt && !ownConfig) {
      const found = await inferenceModel();
      sender = found.model;
      if (sender) note += `; model: the Inference panel's ${sender.name}${sender.checkpoint ? ` with ${sender.checkpoint.name}` : ''}`;
      else warning = `no model here yet and ${found.note}`;
    }
    setOrigin({ note, warning, groundTruth: h.groundTruth ?? null });
    if (sender && !sameModel(sender, latest.current.config, latest.current.checkpoint)) {
      pendingCategory.current = category;
      setDroppedConfig({ kind: 'dict', name: sender.name, dict: sender.config });
      setUseStudio(false);
      setCheckpoint(sender.checkpoint ? { name: sender.checkpoint.name, blob: new Blob([sender.checkpoint.bytes]) } : null);
    } else if (curModel && !loading.current) {
      applyCategory(category, curModel.classes);
    } else {
      pendingCategory.current = category;
    }
    setImage(file);
  };

  const acceptFiles = useCallback(async (files: File[]) => {
    try {
      for (const f of files) {
        if (CONFIG_EXT.test(f.name)) {
          setDroppedConfig(await readConfigFile(f));
          setUseStudio(false);
        } else if (CKPT_EXT.test(f.name)) setCheckpoint({ name: f.name, blob: f });
        else if (IMAGE_EXT.test(f.name)) {
          setImage({ name: f.name, bytes: await f.arrayBuffer() });
          setOrigin(null);
        }
        else setError(`${f.name}: not a config (.py/.json), checkpoint (.pth/.safetensors) or image`);
      }
    } catch (e) {
      fail(e);
    }
  }, []);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void acceptFiles([...e.dataTransfer.files]);
  };

  /** The grid: one row per target layer (then vis_cam's aggregate), one blended picture per method. */
  const grid = useMemo(() => {
    if (!run || !imageInfo) return [];
    return run.rows.map((row) => ({
      ...row,
      cells: row.maps.map((m) => {
        const onOriginal = view === 'original' && m.original;
        const rgb = onOriginal ? blendOnOriginal(imageInfo.original, m.original!, alpha) : blendOnInput(imageInfo.input, m.grayscale, alpha);
        const w = onOriginal ? imageInfo.original.width : imageInfo.input.width;
        const h = onOriginal ? imageInfo.original.height : imageInfo.input.height;
        return { method: m.method, rgb, w, h, feature: m.feature };
      }),
    }));
  }, [run, imageInfo, alpha, view]);
  const methodsShown = grid[0]?.cells.map((c) => c.method) ?? [];
  const rowLabel = (row: { layer: string; kind: string }) => (row.kind === 'aggregate' ? `mean of ${run?.layers.length ?? 0} layers (vis_cam)` : row.layer);

  const exportGrid = () => {
    if (!run || !grid.length) return;
    const rows = grid.map((row) => ({ label: rowLabel(row), cells: row.cells.map((c) => ({ data: rgbToRgba(c.rgb), width: c.w, height: c.h })) }));
    const caption = [`${image?.name ?? 'image'}: category ${run.category} (${run.categoryName})`, `${settings.eigenSmooth ? 'eigen smooth, ' : ''}${settings.augSmooth ? 'aug smooth, ' : ''}alpha ${alpha.toFixed(2)}`];
    const png = rgbaToPng(camGridImage(methodsShown, rows, caption));
    downloadBlob(new Blob([png], { type: 'image/png' }), `cam_grid_${(image?.name ?? 'image').replace(/\.[^.]+$/, '')}.png`);
  };

  const classes = model?.classes ?? [];
  const chooseCategory = (text: string) => {
    setCategoryText(text);
    const t = text.trim();
    if (!t) return setSettings((s) => ({ ...s, category: null }));
    const byIndex = /^(\d+)(:|$)/.exec(t);
    const idx = byIndex ? Number(byIndex[1]) : classes.findIndex((c) => c.toLowerCase() === t.toLowerCase());
    if (idx >= 0 && idx < classes.length) setSettings((s) => ({ ...s, category: idx }));
  };
  const toggleMethod = (m: string, on: boolean) => setSettings((s) => ({ ...s, methods: on ? CAM_METHODS.filter((x) => x === m || s.methods.includes(x)) : s.methods.filter((x) => x !== m) }));

  return (
    <div className="panel cam-panel" onDragOver={(e) => (e.preventDefault(), setOver(true))} onDragLeave={() => setOver(false)} onDrop={onDrop}>
      <h2>CAM — where does the model look?</h2>
      <p className="muted">
        MMPretrain <code>vis_cam.py</code> with pytorch-grad-cam's GradCAM, GradCAM++, XGradCAM, EigenCAM, EigenGradCAM and LayerCAM; gradients through tfjs in a
        worker.
      </p>
      <div className="cam-layout">
        <section className="card cam-controls" aria-label="CAM inputs">
          <div className={`dropzone${over ? ' dropzone-over' : ''}`}>Drop a config, a checkpoint and an image here</div>
          {studioConfig ? (
            <label>
              <input type="checkbox" checked={useStudio} onChange={(e) => setUseStudio(e.currentTarget.checked)} /> use the studio config ({studioPath ?? 'current'})
            </label>
          ) : null}
          <FileInput label="Config (.py / .json)" accept=".py,.json" testId="cam-config" onFile={(f) => void acceptFiles([f])} />
          <FileInput label="Checkpoint" accept=".pth,.pt,.safetensors,.bin,.ckpt" testId="cam-checkpoint" onFile={(f) => void acceptFiles([f])} />
          <FileInput label="Image" accept="image/*" testId="cam-image" onFile={(f) => void acceptFiles([f])} />
          <label>
            Backend{' '}
            <select value={backend} onChange={(e) => changeBackend(e.currentTarget.value)} aria-label="backend">
              {BACKENDS.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
          <p className="muted" data-testid="cam-status">
            {busy ?? (model ? `model on ${model.backend}; ${model.loadNote}` : 'no model')}
          </p>
          {model ? (
            <>
              <fieldset>
                <legend>Methods</legend>
                {CAM_METHODS.map((m) => (
                  <label key={m}>
                    <input type="checkbox" data-testid={`cam-method-${m}`} checked={settings.methods.includes(m)} onChange={(e) => toggleMethod(m, e.currentTarget.checked)} /> {m}
                  </label>
                ))}
              </fieldset>
              <label>
                Target category{' '}
                <input list="cam-classes" value={categoryText} placeholder={`predicted${run ? `: ${run.category} ${run.categoryName}` : ''}`} onChange={(e) => chooseCategory(e.currentTarget.value)} aria-label="target category" />
                <datalist id="cam-classes">
                  {classes.map((c, i) => (
                    <option key={i} value={`${i}: ${c}`} />
                  ))}
                </datalist>
              </label>
              <label>
                Alpha <input type="range" min={0} max={1} step={0.05} value={alpha} onChange={(e) => setAlpha(Number(e.currentTarget.value))} aria-label="alpha" /> <output>{alpha.toFixed(2)}</output>
              </label>
              <label>
                <input type="checkbox" checked={settings.eigenSmooth} onChange={(e) => setSettings((s) => ({ ...s, eigenSmooth: e.currentTarget.checked }))} /> eigen smooth
              </label>
              <label>
                <input type="checkbox" checked={settings.augSmooth} onChange={(e) => setSettings((s) => ({ ...s, augSmooth: e.currentTarget.checked }))} /> aug smooth (flips × [0.9, 1, 1.1])
              </label>
              <label>
                <input type="checkbox" checked={settings.vitLike} onChange={(e) => setSettings((s) => ({ ...s, vitLike: e.currentTarget.checked }))} /> vit-like
              </label>
              {settings.vitLike ? (
                <label>
                  extra tokens{' '}
                  <input
                    type="number"
                    min={0}
                    placeholder={String(model.numExtraTokens ?? 1)}
                    value={settings.numExtraTokens ?? ''}
                    onChange={(e) => setSettings((s) => ({ ...s, numExtraTokens: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) }))}
                  />
                </label>
              ) : null}
              <label>
                Show on{' '}
                <select value={view} onChange={(e) => setView(e.currentTarget.value as 'input' | 'original')} aria-label="show on">
                  <option value="input">model input (as vis_cam)</option>
                  <option value="original" disabled={imageInfo ? !imageInfo.mappable : false}>
                    original image{imageInfo && !imageInfo.mappable ? ' (pipeline not invertible)' : ''}
                  </option>
                </select>
              </label>
              <LayerPicker tree={model.tree} value={settings.layers} defaultLayer={model.defaultLayer} onChange={(layers) => setSettings((s) => ({ ...s, layers }))} />
              {!model.defaultLayer ? <p className="muted">{model.defaultLayerNote}</p> : null}
            </>
          ) : null}
        </section>
        <section aria-label="CAM results">
          {error ? (
            <div className="error-box" role="alert">
              {error}
            </div>
          ) : null}
          {origin ? (
            <div className="muted" data-testid="cam-origin">
              {origin.note}
              {origin.groundTruth && model ? (
                <>
                  {' '}
                  <button type="button" className="secondary" onClick={() => applyCategory(origin.groundTruth!.index, model.classes)}>
                    Target the ground truth ({labelText(origin.groundTruth, model.classes)})
                  </button>
                </>
              ) : null}
              {origin.warning ? <div role="status">{origin.warning}</div> : null}
            </div>
          ) : null}
          {model && imageInfo && !model.defaultLayer && !settings.layers.length ? (
            <p className="error-box" role="status" data-testid="cam-need-layer">
              {model.defaultLayerNote}: pick a target layer in the module tree (or type its name), as vis_cam's <code>--target-layers</code>.
            </p>
          ) : null}
          {imageInfo ? (
            <p className="muted">
              Pipeline: {imageInfo.steps.join(' → ')}. Top predictions: {imageInfo.top.map((t) => `${t.name} ${(t.score * 100).toFixed(1)}%`).join(', ')}
            </p>
          ) : null}
          {run ? (
            <div className="row">
              <p data-testid="cam-summary">
                {run.layers.length > 1 ? 'Layers' : 'Layer'} <code>{run.layers.join(', ')}</code>, category {run.category} ({run.categoryName}), {run.ms.toFixed(0)} ms
              </p>
              <button type="button" className="secondary" onClick={exportGrid} data-testid="cam-export-grid" disabled={!grid.length}>
                Export grid PNG
              </button>
            </div>
          ) : null}
          {grid.length ? (
            <div className="cam-grid" role="table" aria-label="CAMs: methods side by side, one row per target layer" style={{ gridTemplateColumns: `minmax(7rem, max-content) repeat(${methodsShown.length}, minmax(150px, 1fr))` }}>
              <div role="row" className="cam-grid-row">
                <span role="columnheader" className="cam-grid-corner">
                  target layer
                </span>
                {methodsShown.map((m) => (
                  <span role="columnheader" key={m} className="cam-grid-method">
                    {m}
                  </span>
                ))}
              </div>
              {grid.map((row) => (
                <div role="row" className="cam-grid-row" key={row.layer} data-testid="cam-row" data-layer={row.layer} data-kind={row.kind}>
                  <span role="rowheader" className="cam-grid-layer">
                    <code>{rowLabel(row).replace(/\./g, '.\u200b')}</code>
                  </span>
                  {row.cells.map((c) => (
                    <div role="cell" key={c.method}>
                      <CamCanvas
                        title={`${c.method} (${c.feature ? `${c.feature.width}×${c.feature.height} map` : 'mean of the layers'})`}
                        caption={c.feature ? `${c.feature.width}×${c.feature.height} map` : 'mean of the layers'}
                        rgb={c.rgb}
                        width={c.w}
                        height={c.h}
                        testId={`cam-canvas-${c.method}`}
                        layer={row.layer}
                        fileName={grid.length > 1 ? `cam_${c.method.toLowerCase()}_${row.kind === 'aggregate' ? 'mean' : row.layer}.png` : `cam_${c.method.toLowerCase()}.png`}
                      />
                    </div>
                  ))}
                </div>
              ))}
            </div>
          ) : null}
          {!model && !busy ? <p className="muted">Load a config and checkpoint to start (the lenet5 / resnet18_cifar_w16 reference models work).</p> : null}
        </section>
      </div>
    </div>
  );
}
