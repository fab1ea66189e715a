/**
 * The Inference panel's engine side (a Web Worker, or inline where workers fail): holds one model loaded through
 * the APIs (`initModel`) and classifies images with `ImageClassificationInferencer`'s test pipeline and
 * post-processing. No DOM. The scores are read asynchronously (`testStepAsync`), so WebGPU works here too.
 */
import { tf } from '../../../backends/tf';
import { ensureRegistered } from '../../../backends/register';
import { ImageClassificationInferencer, initModel, topk, type InferenceModel } from '../../../apis';
import { formatLoadReport, isCleanLoad } from '../../../models/nn/state_dict';
import type { ConfigSource, ImagePrediction, LoadResult } from './protocol';

/** The backend a starter got: its name, and why it is not the one asked for (empty when it is). */
export interface StartedBackend {
  backend: string;
  note: string;
}

/** Starts a backend by name and returns the one actually running (a name, or the name with a note). */
export type BackendStarter = (name: string) => Promise<string | StartedBackend>;

/** Plain-Node / inline default: registers the backend's package and `tf.setBackend`s it. */
export const setBackendDirectly: BackendStarter = async (name) => {
  if (!tf.findBackendFactory(name) && !(await ensureRegistered(name as Parameters<typeof ensureRegistered>[0]))) throw new Error(`the ${name} backend is not available here`);
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to start here`);
  await tf.ready();
  return tf.getBackend();
};

export class InferenceSession {
  private loaded: InferenceModel | null = null;
  private inferencer: ImageClassificationInferencer | null = null;
  /** True until the first image after a load has run (its time includes shader compilation on GPU backends). */
  private firstPending = false;

  constructor(private readonly startBackend: BackendStarter = setBackendDirectly) {}

  async load(backend: string, config: ConfigSource, checkpoint: { name: string; blob: Blob | ArrayBuffer } | null, onProgress?: (loaded: number, total: number) => void, fuseConvBn = false): Promise<LoadResult> {
    const started = await this.startBackend(backend);
    const running = typeof started === 'string' ? { backend: started, note: started === backend ? '' : `${backend} is not available here` } : started;
    this.release();
    const t0 = performance.now();
    const m = await initModel(config.dict, checkpoint && { data: checkpoint.blob instanceof ArrayBuffer ? new Uint8Array(checkpoint.blob) : checkpoint.blob, name: checkpoint.name }, { name: config.name.replace(/\.(py|json)$/, ''), onProgress, fuse_conv_bn: fuseConvBn });
    let inferencer: ImageClassificationInferencer;
    try {
      inferencer = new ImageClassificationInferencer(m);
    } catch (e) {
      m.model.dispose();
      throw new Error(`${config.name}: the test pipeline cannot be built: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.loaded = m;
    this.inferencer = inferencer;
    this.firstPending = true;
    return {
      name: m.name,
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

  /** Replaces the class names (MMPretrain's inferencer `classes=`); null restores the model's own. */
  setClasses(classes: string[] | null, source: string): { classes: string[] | null; classesNote: string } {
    if (!this.loaded) throw new Error('no model loaded: choose a config and checkpoint first');
    const n = this.loaded.numClasses;
    if (classes && n !== null && classes.length !== n) throw new Error(`${source}: ${classes.length} class names for a model with ${n} classes`);
    this.inferencer = new ImageClassificationInferencer(this.loaded, classes ? { classes } : {});
    return { classes: this.inferencer.classes, classesNote: classes ? `from ${source}` : this.loaded.classesNote };
  }

  /**
   * One image's top-k; errors name the image (0-byte, not an image, pipeline failures). The inferencer's pipeline
   * and post-processing, with the forward pass through `testStepAsync` (no synchronous GPU read).
   */
  async predict(name: string, bytes: Uint8Array, k: number): Promise<ImagePrediction> {
    if (!this.inferencer || !this.loaded) throw new Error('no model loaded: choose a config and checkpoint first');
    const t0 = performance.now();
    const packed = await this.inferencer.preprocess({ bytes, name });
    const t1 = performance.now();
    const x = tf.tensor(packed.dtype === 'float32' ? (packed.data as Float32Array) : Float32Array.from(packed.data), packed.shape, 'float32');
    let samples;
    try {
      samples = await this.loaded.model.testStepAsync({ inputs: [x] });
    } finally {
      x.dispose();
    }
    const [r] = this.inferencer.postprocess(samples);
    const end = performance.now();
    const first = this.firstPending;
    this.firstPending = false;
    return {
      image: name,
      pred_label: r.pred_label,
      pred_score: r.pred_score,
      ...(r.pred_class !== undefined ? { pred_class: r.pred_class } : {}),
      topk: topk(r.pred_scores, k, this.inferencer.classes),
      pred_scores: Array.from(r.pred_scores),
      ms: end - t0,
      forwardMs: end - t1,
      first,
      backend: tf.getBackend(),
    };
  }

  release(): void {
    this.loaded?.model.dispose();
    this.loaded = null;
    this.inferencer = null;
  }
}
