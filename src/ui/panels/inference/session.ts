/**
 * The Inference panel's engine side (the engine worker, or inline where workers fail): classifies images with
 * `ImageClassificationInferencer`'s test pipeline and post-processing on the model it asked the engine's model
 * store for (`initModel`; the CAM panel explains the same copy when it asks for the same model). No DOM. The
 * scores are read asynchronously (`testStepAsync`), so WebGPU works here too.
 */
import { tf } from '../../../backends/tf';
import { ImageClassificationInferencer, topk } from '../../../apis';
import { formatLoadReport, isCleanLoad } from '../../../models/nn/state_dict';
import { setBackendDirectly, startOnce, type BackendStarter, type StartedBackend } from '../../engine/backends';
import type { CheckpointFile, ModelRequest, ModelStore, StoredModel } from '../../engine/modelStore';
import type { ConfigSource, ImagePrediction, LoadResult } from './protocol';

export class InferenceSession {
  /** What the panel loaded last (asked again of the store when another panel's model replaced it). */
  private request: (Omit<ModelRequest, 'backend' | 'onProgress'> & { requested: string }) | null = null;
  private stored: StoredModel | null = null;
  private inferencer: ImageClassificationInferencer | null = null;
  /** Class names given by the user (a classes.txt), or null for the model's own. */
  private classes: string[] | null = null;
  /** True until the first image after a load has run (its time includes shader compilation on GPU backends). */
  private firstPending = false;
  private readonly start: (name: string) => Promise<StartedBackend>;

  constructor(
    private readonly models: ModelStore,
    startBackend: BackendStarter = setBackendDirectly,
  ) {
    this.start = startOnce(startBackend);
  }

  async load(backend: string, config: ConfigSource, checkpoint: CheckpointFile | null, options: { fuseConvBn?: boolean; onProgress?: (loaded: number, total: number) => void } = {}): Promise<LoadResult> {
    const fuseConvBn = options.fuseConvBn ?? false;
    const running = await this.start(backend);
    this.request = null;
    this.stored = null;
    this.inferencer = null;
    this.classes = null;
    const t0 = performance.now();
    const { stored } = await this.models.acquire({ config, checkpoint, backend: running.backend, fuseConvBn, onProgress: options.onProgress });
    const inferencer = this.inferencerOf(stored, config.name);
    this.request = { config, checkpoint, fuseConvBn, requested: backend };
    this.stored = stored;
    this.inferencer = inferencer;
    this.firstPending = true;
    const m = stored.model;
    return {
      name: config.name.replace(/\.(py|json)$/, ''),
      backend: running.backend,
      requestedBackend: backend,
      backendNote: running.backend === backend ? '' : running.note,
      checkpoint: m.checkpoint,
      numClasses: m.numClasses,
      classes: inferencer.classes,
      classesNote: m.classesNote,
      loadWarning: m.loadReport && !isCleanLoad(m.loadReport) ? formatLoadReport(m.loadReport) : '',
      pipeline: inferencer.pipelineCfg.map((t) => String((t as { type?: string }).type ?? (t as { typeName?: string }).typeName)),
      pipelineFromConfig: inferencer.pipelineFromConfig,
      fusedConvBn: fuseConvBn,
      ms: performance.now() - t0,
    };
  }

  /** The inferencer of a stored model (with the user's class names); a model whose pipeline cannot be built is let go. */
  private inferencerOf(stored: StoredModel, configName: string): ImageClassificationInferencer {
    try {
      return new ImageClassificationInferencer(stored.model, this.classes ? { classes: this.classes } : {});
    } catch (e) {
      this.models.release(stored);
      throw new Error(`${configName}: the test pipeline cannot be built: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * The panel's model and its inferencer, on the backend it runs on: asked of the store again (reloaded) when
   * another panel's model replaced it; the next image is then the first again.
   */
  private async ensure(): Promise<{ stored: StoredModel; inferencer: ImageClassificationInferencer }> {
    const req = this.request;
    if (!req) throw new Error('no model loaded: choose a config and checkpoint first');
    const running = await this.start(req.requested);
    if (!this.stored?.live || !this.inferencer || this.stored.backend !== running.backend) {
      const { stored, reused } = await this.models.acquire({ ...req, backend: running.backend });
      this.inferencer = this.inferencerOf(stored, req.config.name);
      this.stored = stored;
      if (!reused) this.firstPending = true;
    }
    return { stored: this.stored, inferencer: this.inferencer };
  }

  /** Replaces the class names (MMPretrain's inferencer `classes=`); null restores the model's own. */
  async setClasses(classes: string[] | null, source: string): Promise<{ classes: string[] | null; classesNote: string }> {
    const { stored } = await this.ensure();
    const n = stored.model.numClasses;
    if (classes && n !== null && classes.length !== n) throw new Error(`${source}: ${classes.length} class names for a model with ${n} classes`);
    this.inferencer = new ImageClassificationInferencer(stored.model, classes ? { classes } : {});
    this.classes = classes;
    return { classes: this.inferencer.classes, classesNote: classes ? `from ${source}` : stored.model.classesNote };
  }

  /**
   * One image's top-k; errors name the image (0-byte, not an image, pipeline failures). The inferencer's pipeline
   * and post-processing, with the forward pass through `testStepAsync` (no synchronous GPU read).
   */
  async predict(name: string, bytes: Uint8Array, k: number): Promise<ImagePrediction> {
    const { stored, inferencer } = await this.ensure();
    const t0 = performance.now();
    const packed = await inferencer.preprocess({ bytes, name });
    const t1 = performance.now();
    const x = tf.tensor(packed.dtype === 'float32' ? (packed.data as Float32Array) : Float32Array.from(packed.data), packed.shape, 'float32');
    let samples;
    try {
      samples = await stored.model.model.testStepAsync({ inputs: [x] });
    } finally {
      x.dispose();
    }
    const [r] = inferencer.postprocess(samples);
    const end = performance.now();
    const first = this.firstPending;
    this.firstPending = false;
    return {
      image: name,
      pred_label: r.pred_label,
      pred_score: r.pred_score,
      ...(r.pred_class !== undefined ? { pred_class: r.pred_class } : {}),
      topk: topk(r.pred_scores, k, inferencer.classes),
      pred_scores: Array.from(r.pred_scores),
      ms: end - t0,
      forwardMs: end - t1,
      first,
      backend: tf.getBackend(),
    };
  }

  /** Lets the panel's model go (disposed when it is still the one the store holds). */
  release(): void {
    this.models.release(this.stored);
    this.request = null;
    this.stored = null;
    this.inferencer = null;
  }
}
