/**
 * CAM panel: MMPretrain's `tools/visualization/vis_cam.py`, interactive. Drop a config (or use the studio's) and a
 * checkpoint, drop an image; the six pytorch-grad-cam methods side by side, a layer picker over the module tree,
 * a searchable category picker (predicted class by default), alpha, eigen/aug smoothing, the heat map on the
 * model input or carried back through the pipeline's resize/crop onto the original image, PNG export.
 * The model lives in a Web Worker: settings changes recompute the CAM without reloading it.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useStudioStore } from '../store/studioStore';
import { CAM_METHODS } from '../../visualization/cam/methods';
import { blendOnInput, blendOnOriginal } from './cam/blend';
import { CamCanvas } from './cam/CamCanvas';
import { CamClient } from './cam/camClient';
import { LayerPicker } from './cam/LayerPicker';
import type { CamConfigSource, CamRunResult, CamSettings, ImageResult, LoadResult } from './cam/protocol';
import './cam/cam.css';

const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
const CONFIG_EXT = /\.(py|json)$/i;
const CKPT_EXT = /\.(pth|pt|safetensors|bin|ckpt)$/i;
const IMAGE_EXT = /\.(jpe?g|png|bmp|gif|webp)$/i;

type FileBytes = { name: string; bytes: ArrayBuffer };

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
  const client = useRef<CamClient | null>(null);
  const [droppedConfig, setDroppedConfig] = useState<CamConfigSource | null>(null);
  const [useStudio, setUseStudio] = useState(true);
  const [checkpoint, setCheckpoint] = useState<FileBytes | null>(null);
  const [image, setImage] = useState<FileBytes | null>(null);
  const [backend, setBackend] = useState<string>('wasm');
  const [model, setModel] = useState<LoadResult | null>(null);
  const [imageInfo, setImageInfo] = useState<ImageResult | null>(null);
  const [run, setRun] = useState<CamRunResult | null>(null);
  const [settings, setSettings] = useState<CamSettings>({ methods: [...CAM_METHODS], layer: null, category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null });
  const [alpha, setAlpha] = useState(0.5);
  const [view, setView] = useState<'input' | 'original'>('input');
  const [categoryText, setCategoryText] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    client.current = new CamClient();
    return () => client.current?.dispose();
  }, []);

  const config: CamConfigSource | null = useMemo(() => {
    if (studioConfig && useStudio) return { kind: 'dict', name: studioPath ?? 'studio config', dict: studioConfig };
    return droppedConfig;
  }, [droppedConfig, studioConfig, studioPath, useStudio]);

  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

  // (Re)load the model when the config, checkpoint or backend changes; then re-send the image.
  useEffect(() => {
    if (!config || !client.current) return;
    const my = ++seq.current;
    setBusy('loading model…');
    setError(null);
    setRun(null);
    client.current
      .load(backend, config, checkpoint ? { name: checkpoint.name, bytes: checkpoint.bytes.slice(0) } : null)
      .then(async (m) => {
        if (my !== seq.current) return;
        setModel(m);
        setSettings((s) => ({ ...s, layer: null, category: null, vitLike: m.vitLike, numExtraTokens: null }));
        setCategoryText('');
        if (image) setImageInfo(await client.current!.image(image.name, image.bytes.slice(0)));
      })
      .catch((e) => my === seq.current && (setModel(null), fail(e)))
      .finally(() => my === seq.current && setBusy(null));
  }, [config, checkpoint, backend]); // eslint-disable-line react-hooks/exhaustive-deps

  // A new image: run it through the test pipeline (model kept).
  useEffect(() => {
    if (!image || !model || !client.current) return;
    const my = ++seq.current;
    setBusy('preparing image…');
    setError(null);
    client.current
      .image(image.name, image.bytes.slice(0))
      .then((info) => my === seq.current && setImageInfo(info))
      .catch((e) => my === seq.current && fail(e))
      .finally(() => my === seq.current && setBusy(null));
  }, [image]); // eslint-disable-line react-hooks/exhaustive-deps

  // Any setting change recomputes the CAMs (same model, same input).
  useEffect(() => {
    if (!model || !imageInfo || !client.current || !settings.methods.length) return;
    const my = ++seq.current;
    setBusy('computing CAMs…');
    setError(null);
    client.current
      .cam(settings)
      .then((r) => my === seq.current && setRun(r))
      .catch((e) => my === seq.current && fail(e))
      .finally(() => my === seq.current && setBusy(null));
  }, [model, imageInfo, settings]);

  const acceptFiles = useCallback(async (files: File[]) => {
    try {
      for (const f of files) {
        if (CONFIG_EXT.test(f.name)) {
          setDroppedConfig(await readConfigFile(f));
          setUseStudio(false);
        } else if (CKPT_EXT.test(f.name)) setCheckpoint({ name: f.name, bytes: await f.arrayBuffer() });
        else if (IMAGE_EXT.test(f.name)) setImage({ name: f.name, bytes: await f.arrayBuffer() });
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

  const canvases = useMemo(() => {
    if (!run || !imageInfo) return [];
    return run.maps.map((m) => {
      const onOriginal = view === 'original' && m.original;
      const rgb = onOriginal ? blendOnOriginal(imageInfo.original, m.original!, alpha) : blendOnInput(imageInfo.input, m.grayscale, alpha);
      const w = onOriginal ? imageInfo.original.width : imageInfo.input.width;
      const h = onOriginal ? imageInfo.original.height : imageInfo.input.height;
      return { method: m.method, rgb, w, h, feature: m.feature };
    });
  }, [run, imageInfo, alpha, view]);

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
            <select value={backend} onChange={(e) => setBackend(e.currentTarget.value)} aria-label="backend">
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
              <LayerPicker tree={model.tree} value={settings.layer} defaultLayer={model.defaultLayer} onChange={(layer) => setSettings((s) => ({ ...s, layer }))} />
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
          {imageInfo ? (
            <p className="muted">
              Pipeline: {imageInfo.steps.join(' → ')}. Top predictions: {imageInfo.top.map((t) => `${t.name} ${(t.score * 100).toFixed(1)}%`).join(', ')}
            </p>
          ) : null}
          {run ? (
            <p data-testid="cam-summary">
              Layer <code>{run.layer}</code>, category {run.category} ({run.categoryName}), {run.ms.toFixed(0)} ms
            </p>
          ) : null}
          <div className="cam-grid">
            {canvases.map((c) => (
              <CamCanvas key={c.method} title={`${c.method} (${c.feature.width}×${c.feature.height} map)`} rgb={c.rgb} width={c.w} height={c.h} testId={`cam-canvas-${c.method}`} fileName={`cam_${c.method.toLowerCase()}.png`} />
            ))}
          </div>
          {!model && !busy ? <p className="muted">Load a config and checkpoint to start (the lenet5 / resnet18_cifar_w16 reference models work).</p> : null}
        </section>
      </div>
    </div>
  );
}
