/**
 * The CAM panel's engine side, run in the engine worker (or inline where workers are unavailable): the model it
 * asked the engine's model store for (the Inference panel's copy when it is the same model), the prepared image
 * and its model input, so layer/category/method changes recompute the CAM without reloading.
 */
import { tf, type Tensor } from '../../../backends/tf';
import { isBackendName } from '../../../backends/names';
import { configToJSON, MemoryFS, loadConfig } from '../../../config';
import { CIFAR10_CATEGORIES, CIFAR100_CATEGORIES, IMAGENET_CATEGORIES } from '../../../datasets/categories';
import { registerTrainingKernels } from '../../../engine/kernels/register_training_kernels';
import type { ImageClassifier } from '../../../models/classifiers/image';
import { summedScores } from '../../../models/heads/cls_head';
import { formatLoadReport, isCleanLoad } from '../../../models/nn/state_dict';
import { imresize } from '../../../image/geometric';
import type { ImageArray, PixelData } from '../../../image/image';
import { camOnOriginal, defaultInputShape, loadImageStep, modelInputOf, prepareCamSample, sourceImage, testPipelineOf, type CamSample, type InputGeometry } from '../../../tools/visualization/vis_cam';
import type { TransformSpec } from '../../../datasets/transforms/compose';
import { backboneExtraTokens, computeCams, minMaxScale, suggestTargetLayer, type SuggestedLayer, moduleTree, resizeBilinearF32, targetLayersOf, type CamResult, type LayerCam } from '../../../visualization/cam';
import { setBackendDirectly, startOnce, type BackendStarter, type StartedBackend } from '../../engine/backends';
import type { CheckpointFile, ModelStore, StoredModel } from '../../engine/modelStore';
import type { CamConfigSource, CamRow, CamRunResult, CamSettings, ImageResult, LoadResult, MethodMaps } from './protocol';
import { uniqueLayerNames } from './layerSelection';

type Dict = Record<string, unknown>;

/** Longest side of the original image as the panel shows it (larger photos are downscaled for display). */
export const DISPLAY_MAX_SIDE = 640;

/** The original image for display (downscaled to {@link DISPLAY_MAX_SIDE}) and the input→display geometry. */
export function displayOriginal(original: ImageArray<PixelData>, geometry: InputGeometry | null): { image: ImageArray<PixelData>; geometry: InputGeometry | null } {
  const s = DISPLAY_MAX_SIDE / Math.max(original.width, original.height);
  if (s >= 1 || !(original.data instanceof Uint8Array)) return { image: original, geometry };
  const w = Math.max(1, Math.round(original.width * s));
  const h = Math.max(1, Math.round(original.height * s));
  const sx = w / original.width;
  const sy = h / original.height;
  const image = imresize(original as ImageArray, [w, h], 'area');
  // x_display = (x_orig + 0.5)·s − 0.5
  const g = geometry && { ax: geometry.ax * sx, bx: geometry.bx * sx + 0.5 * sx - 0.5, ay: geometry.ay * sy, by: geometry.by * sy + 0.5 * sy - 0.5 };
  return { image, geometry: g };
}

/** The config dict of a source: `.py` text through the config language (no `_base_` files), else the dict. */
export function configOf(src: CamConfigSource): Dict {
  if (src.kind === 'dict') return src.dict;
  const fs = new MemoryFS();
  const path = `/${src.name.replace(/^.*[\\/]/, '')}`;
  fs.write(path, src.text);
  return configToJSON(loadConfig(path, fs).cfg) as Dict;
}

/**
 * The test pipeline an image file goes through: the config's (vis_cam's choice), with a `LoadImageFromFile` first
 * when it has no loading step, as MMPretrain's inferencer does for in-memory dataset pipelines (MNIST,
 * Fashion-MNIST: grayscale for a one-channel data preprocessor).
 */
export function camPipelineOf(cfg: Dict): { pipeline: TransformSpec[]; fromConfig: boolean } {
  const { pipeline, fromConfig } = testPipelineOf(cfg);
  const first = (pipeline[0] as { type?: unknown } | undefined)?.type;
  if (typeof first === 'string' && /^LoadImage/.test(first)) return { pipeline, fromConfig };
  return { pipeline: [loadImageStep(cfg), ...pipeline], fromConfig };
}

/**
 * One layer's CAM over the input (`grayscale_cam` of that layer alone): its ReLU'd, scaled feature map resized to
 * the input, `max(·, 0)`, min-max scaled, as pytorch-grad-cam's aggregate_multi_layers does for a single layer.
 */
export function singleLayerCam(layer: LayerCam, height: number, width: number): Float32Array {
  const n = layer.maps.length / (layer.height * layer.width);
  const out = new Float32Array(n * height * width);
  for (let i = 0; i < n; i++) {
    const up = resizeBilinearF32(layer.maps.subarray(i * layer.height * layer.width, (i + 1) * layer.height * layer.width), layer.height, layer.width, height, width);
    out.set(minMaxScale(Float64Array.from(up, (v) => Math.max(v, 0))), i * height * width);
  }
  return out;
}

/** Class names: the model's (checkpoint meta, config dataset), else a known dataset's by class count, else the indices. */
function classNames(fromModel: string[] | null, numClasses: number, cfg: Dict): string[] {
  if (fromModel?.length === numClasses) return fromModel;
  const text = JSON.stringify(cfg);
  if (numClasses === 1000) return [...IMAGENET_CATEGORIES];
  if (numClasses === 10 && /cifar/i.test(text)) return [...CIFAR10_CATEGORIES];
  if (numClasses === 100 && /cifar/i.test(text)) return [...CIFAR100_CATEGORIES];
  return Array.from({ length: numClasses }, (_, i) => String(i));
}

/** What the panel loaded: asked of the model store again when another panel's model replaced it. */
interface CamModelRequest {
  config: CamConfigSource;
  cfg: Dict;
  checkpoint: CheckpointFile | null;
  backend: string;
}

export class CamSession {
  private request: CamModelRequest | null = null;
  private stored: StoredModel | null = null;
  /** The layer CAM uses when none is picked (see `suggestTargetLayer`). */
  private suggested: SuggestedLayer | null = null;
  private cfg: Dict | null = null;
  private sample: CamSample | null = null;
  private display: { image: ImageArray<PixelData>; geometry: InputGeometry | null } | null = null;
  private x: Tensor | null = null;
  private classes: string[] = [];
  private readonly start: (name: string) => Promise<StartedBackend>;

  constructor(
    private readonly models: ModelStore,
    startBackend: BackendStarter = setBackendDirectly,
  ) {
    this.start = startOnce(startBackend);
  }

  async load(backend: string, config: CamConfigSource, checkpoint: CheckpointFile | null): Promise<LoadResult> {
    if (!isBackendName(backend)) throw new Error(`unknown backend '${backend}'`);
    this.request = null;
    this.dropInput();
    this.stored = null;
    const req = { config, cfg: configOf(config), checkpoint, backend };
    const result = await this.attach(req);
    this.request = req;
    if (this.imageBytes) await this.rebuildInput(this.stored!.model.model);
    return result;
  }

  /**
   * Gets the model of `req` from the store (the one held when it is the same: no second copy) on its backend,
   * which must start here (CAM's gradients need it, no fallback), and reads what the panel shows of it.
   */
  private async attach(req: CamModelRequest): Promise<LoadResult> {
    const running = await this.start(req.backend);
    if (running.backend !== req.backend) throw new Error(running.note || `the ${req.backend} backend is not available here`);
    registerTrainingKernels(req.backend);
    const { stored } = await this.models.acquire({ config: { name: req.config.name, dict: req.cfg }, checkpoint: req.checkpoint, backend: req.backend, fuseConvBn: false });
    // The input tensor goes with the model it was made for.
    stored.onDispose(() => this.stored === stored && this.dropInput());
    this.stored = stored;
    const { model, loadReport, dataset_meta } = stored.model;
    const cfg = req.cfg;
    const name = req.checkpoint?.name;
    const loadNote = !loadReport ? 'no checkpoint: init_cfg weights (seed 0)' : isCleanLoad(loadReport) ? `${name}: all keys loaded` : `${name}: partial load\n${formatLoadReport(loadReport)}`;
    this.cfg = cfg;
    const numClasses = tf.tidy(() => {
      const probe = summedScores(model.call(tf.zeros([1, ...defaultInputShape(cfg)])));
      return probe.shape[1] ?? 0;
    });
    this.classes = classNames(dataset_meta.classes, numClasses, cfg);
    // The default layer: one that gives a usable map on this family (vis_cam's own rule for class-token models,
    // else the last backbone layer with a spatial map, or a square grid of tokens), read as it needs.
    let extra = backboneExtraTokens(model);
    let vitLike = extra !== null && extra > 0;
    let defaultLayer: string | null = null;
    let defaultLayerNote = '';
    this.suggested = null;
    try {
      const s = suggestTargetLayer(model, [1, ...defaultInputShape(cfg)]);
      this.suggested = s;
      defaultLayer = s.name;
      defaultLayerNote = s.reason;
      vitLike = s.vitLike;
      if (s.vitLike) extra = s.numExtraTokens;
    } catch (e) {
      defaultLayerNote = e instanceof Error ? e.message : String(e);
    }
    this.defaultExtraTokens = extra;
    const { pipeline, fromConfig } = camPipelineOf(cfg);
    return {
      backend: tf.getBackend(),
      tree: moduleTree(model),
      defaultLayer,
      defaultLayerNote,
      classes: this.classes,
      numClasses,
      vitLike,
      numExtraTokens: extra,
      loadNote,
      pipeline: pipeline.map((t) => String((t as { type?: string }).type)),
      pipelineFromConfig: fromConfig,
    };
  }

  /** The loaded model's extra tokens: its backbone's, or the suggested layer's reading (null: vis_cam's 1). */
  private defaultExtraTokens: number | null = null;

  private imageBytes: { name: string; bytes: Uint8Array } | null = null;

  async image(name: string, bytes: ArrayBuffer): Promise<ImageResult> {
    const model = await this.requireModel();
    this.imageBytes = { name, bytes: new Uint8Array(bytes) };
    await this.rebuildInput(model);
    const s = this.sample!;
    return { input: sourceImage(s.packed), original: this.display!.image, mappable: s.geometry !== null, steps: s.steps, top: await this.topPredictions(model, 5) };
  }

  private async rebuildInput(model: ImageClassifier): Promise<void> {
    if (!this.imageBytes) throw new Error('no image yet');
    const { pipeline } = camPipelineOf(this.cfg!);
    this.sample = await prepareCamSample(pipeline, this.imageBytes.bytes, this.imageBytes.name);
    this.display = displayOriginal(this.sample.original, this.sample.geometry);
    this.x?.dispose();
    this.x = modelInputOf(model, this.sample.packed);
  }

  private async topPredictions(model: ImageClassifier, k: number): Promise<{ index: number; name: string; score: number }[]> {
    const probs = tf.tidy(() => tf.softmax(summedScores(model.call(this.x!))));
    const scores = (await probs.data()) as Float32Array;
    probs.dispose();
    return [...scores]
      .map((score, index) => ({ index, name: this.classes[index] ?? String(index), score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  async cam(settings: CamSettings): Promise<CamRunResult> {
    const model = await this.requireModel();
    if (!this.x || !this.sample) throw new Error('drop an image first');
    const t0 = performance.now();
    // An empty extra-tokens field is the model's own count (the placeholder), 0 for a token-only backbone.
    const numExtraTokens = settings.numExtraTokens ?? this.defaultExtraTokens;
    const shared = { targetCategory: settings.category, eigenSmooth: settings.eigenSmooth, augSmooth: settings.augSmooth, vitLike: settings.vitLike, numExtraTokens };
    const picked = settings.layers.length ? settings.layers : this.suggested ? [this.suggested.name] : [];
    const layers = uniqueLayerNames(targetLayersOf(model, { targetLayers: picked, vitLike: settings.vitLike, numExtraTokens }).map((l) => l.name));
    // One row per layer (its own CAM, as vis_cam draws a single target layer), then vis_cam's own picture for
    // several layers: the layers' CAMs averaged (pytorch-grad-cam's aggregate_multi_layers).
    let rows: CamRow[];
    if (!settings.augSmooth) {
      // One pass per layer serves both: a layer's CAM is its scaled feature map resized, as for that layer alone.
      const all = await computeCams(model, this.x, settings.methods, { ...shared, targetLayers: layers });
      rows = layers.map((name, i) => ({ layer: name, kind: 'layer', maps: this.methodMaps(all.map((r) => ({ ...r, layers: [r.layers[i]], grayscale: layers.length > 1 ? singleLayerCam(r.layers[i], r.inputHeight, r.inputWidth) : r.grayscale })), true) }));
      if (layers.length > 1) rows.push({ layer: layers.join(' + '), kind: 'aggregate', maps: this.methodMaps(all, false) });
    } else {
      // aug_smooth averages each augmentation's CAM: a layer's own CAM needs its own augmented passes.
      rows = [];
      for (const name of layers) rows.push({ layer: name, kind: 'layer', maps: this.methodMaps(await computeCams(model, this.x, settings.methods, { ...shared, targetLayers: [name] }), true) });
      if (layers.length > 1) rows.push({ layer: layers.join(' + '), kind: 'aggregate', maps: this.methodMaps(await computeCams(model, this.x, settings.methods, { ...shared, targetLayers: layers }), false) });
    }
    const ms = performance.now() - t0;
    const category = this.lastCategory;
    return { layers, category, categoryName: this.classes[category] ?? String(category), rows, ms };
  }

  private lastCategory = 0;

  /** Each method's maps of one run: over the model input, at feature resolution (one layer) and on the original. */
  private methodMaps(results: CamResult[], withFeature: boolean): MethodMaps[] {
    const { geometry, image: original } = this.display!;
    this.lastCategory = results[0].categories[0];
    return results.map((r) => ({
      method: r.method,
      grayscale: r.grayscale,
      feature: withFeature ? { data: r.layers[0].maps, height: r.layers[0].height, width: r.layers[0].width } : null,
      original: geometry ? camOnOriginal(r.grayscale, r.inputHeight, r.inputWidth, geometry, original.height, original.width) : null,
    }));
  }

  /**
   * The panel's model, on its backend: asked of the store again (reloaded) when another panel's model replaced it,
   * with the image's model input made again.
   */
  private async requireModel(): Promise<ImageClassifier> {
    const req = this.request;
    if (!req) throw new Error('load a model first');
    const running = await this.start(req.backend);
    if (!this.stored?.live || running.backend !== this.stored.backend) {
      await this.attach(req);
      if (this.imageBytes) await this.rebuildInput(this.stored!.model.model);
    }
    return this.stored!.model.model;
  }

  private dropInput(): void {
    this.x?.dispose();
    this.x = null;
  }

  /** Lets the panel's model go (disposed when it is still the one the store holds) and its input. */
  release(): void {
    this.dropInput();
    this.models.release(this.stored);
    this.request = null;
    this.stored = null;
  }
}
