/**
 * MMPretrain's `ImageClassificationInferencer` and `inference_model` (`mmpretrain/apis/image_classification.py`):
 * images through the config's test pipeline (`test_dataloader.dataset.pipeline`), batched through the data
 * preprocessor into `model.predict`, and turned into `{pred_scores, pred_label, pred_score, pred_class}`.
 * An already decoded image (HWC BGR, as `mmcv.imread`) skips the pipeline's `LoadImageFromFile`, as there.
 */
import { tf } from '../backends/tf';
import { Compose, type TransformSpec } from '../datasets/transforms/compose';
import type { PackedInput } from '../datasets/transforms/formatting';
import { registerTransforms } from '../datasets/transforms/register_all';
import type { ImageArray, PixelData } from '../image/image';
import { modelConfigOf } from '../models/builder';
import type { DataSample } from '../models/structures';
import { testPipelineOf } from './test_pipeline';
import { checkImageSize, MAX_IMAGE_PIXELS } from './image_size';
import type { InferenceModel } from './model';

type Dict = Record<string, unknown>;

/**
 * An image file's bytes with its name (for messages and results), a decoded HWC BGR image, or a file path (read by
 * `LoadImageFromFile`'s file reader: Node's `fs` by default; in the browser pass bytes).
 */
export type ImageInput = { bytes: Uint8Array; name: string } | (ImageArray<PixelData> & { name?: string }) | string;

/** One image's prediction, as MMPretrain's inferencer returns it. */
export interface ClassificationResult {
  /** Scores of every class (softmax, or sigmoid for multi-label heads). */
  pred_scores: Float32Array;
  /** The top class. */
  pred_label: number;
  /** Its score. */
  pred_score: number;
  /** Its name, when the model has class names. */
  pred_class?: string;
}

/** One of the top-k classes of a result. */
export interface TopKEntry {
  label: number;
  score: number;
  name?: string;
}

/** The `k` best classes of a score vector, best first (ties: lower index first, as a stable sort). */
export function topk(scores: ArrayLike<number>, k: number, classes?: readonly string[] | null): TopKEntry[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.max(0, k)).map((label) => ({ label, score: scores[label], ...(classes?.[label] !== undefined ? { name: classes[label] } : {}) }));
}

function stepType(t: TransformSpec): string {
  return (t as { type?: string }).type ?? (t as { typeName?: string }).typeName ?? '';
}

/** Channels the data preprocessor normalises (`mean` length), 3 when it does not say. */
function inputChannels(cfg: Dict): number {
  const pre = (modelConfigOf(cfg).data_preprocessor ?? {}) as Dict;
  return Array.isArray(pre.mean) ? pre.mean.length : 3;
}

function isDecoded(img: Exclude<ImageInput, string>): img is ImageArray<PixelData> & { name?: string } {
  return 'data' in img && 'width' in img;
}

/** Options of {@link ImageClassificationInferencer}. */
export interface InferencerOptions {
  /** A pipeline to use instead of the config's test pipeline. */
  pipeline?: TransformSpec[];
  /** Class names overriding the model's `dataset_meta.classes`. */
  classes?: string[] | null;
  /** Images whose header declares more pixels are refused before decoding. Default: {@link MAX_IMAGE_PIXELS} (Pillow's). */
  max_pixels?: number;
}

/** Options of {@link ImageClassificationInferencer.call}. */
export interface InferencerCallOptions {
  /** Images per forward pass. Default: 1. */
  batch_size?: number;
}

/** Batched inference with a loaded model (MMPretrain `ImageClassificationInferencer`). */
export class ImageClassificationInferencer {
  readonly pipelineCfg: TransformSpec[];
  /** Whether the pipeline came from the config (else a default for a bare model dict: Resize to the input size). */
  readonly pipelineFromConfig: boolean;
  readonly classes: string[] | null;
  readonly maxPixels: number;
  private readonly fileCompose: Compose;
  private arrayCompose: Compose | null = null;

  constructor(
    readonly model: InferenceModel,
    opts: InferencerOptions = {},
  ) {
    registerTransforms();
    const { pipeline, fromConfig } = opts.pipeline ? { pipeline: opts.pipeline, fromConfig: true } : testPipelineOf(model.cfg);
    // As MMPretrain's inferencer, images are loaded first whatever the pipeline starts with: its own LoadImage*
    // step, or (in-memory dataset pipelines such as MNIST's) LoadImageFromFile, grayscale for a one-channel model.
    const hasLoad = pipeline.length > 0 && /^LoadImage/.test(stepType(pipeline[0]));
    this.rest = hasLoad ? pipeline.slice(1) : pipeline;
    const load = hasLoad ? pipeline[0] : { type: 'LoadImageFromFile', ...(inputChannels(model.cfg) === 1 ? { color_type: 'grayscale' } : {}) };
    this.pipelineCfg = [load, ...this.rest];
    this.pipelineFromConfig = fromConfig;
    this.classes = opts.classes === undefined ? model.dataset_meta.classes : opts.classes;
    this.maxPixels = opts.max_pixels ?? MAX_IMAGE_PIXELS;
    this.fileCompose = new Compose(this.pipelineCfg, { seed: 0 });
  }

  /** The pipeline after loading (what decoded images go through). */
  private readonly rest: TransformSpec[];

  /** The pipeline for decoded images: the test pipeline without its loading step. */
  private composeForArrays(): Compose {
    this.arrayCompose ??= new Compose(this.rest, { seed: 0 });
    return this.arrayCompose;
  }

  /** One image through the pipeline: the packed CHW input. Errors name the image. */
  async preprocess(img: ImageInput, index = 0): Promise<PackedInput> {
    const name = typeof img === 'string' ? img : (img.name ?? `image ${index}`);
    let out: Dict | null;
    try {
      if (typeof img === 'string') {
        out = await this.fileCompose.transformAsync({ img_path: img });
      } else if (isDecoded(img)) {
        const { name: _n, ...image } = img;
        out = await this.composeForArrays().transformAsync({ img: image, img_shape: [img.height, img.width], ori_shape: [img.height, img.width] });
      } else {
        if (img.bytes.length === 0) throw new Error('the file is empty (0 bytes)');
        checkImageSize(img.bytes, name, this.maxPixels);
        out = await this.fileCompose.transformAsync({ img_path: name, img_bytes: img.bytes });
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.includes(name) ? msg : `${name}: ${msg}`);
    }
    if (!out) throw new Error(`${name}: the test pipeline dropped the image`);
    const packed = out.inputs as PackedInput | PackedInput[] | undefined;
    if (!packed || Array.isArray(packed)) throw new Error(`${name}: the test pipeline must end with PackInputs giving one input (got ${packed ? 'several' : 'none'})`);
    return packed;
  }

  /** Preprocessed inputs through the data preprocessor and `predict` (one forward pass; no synchronous GPU read). */
  async forward(batch: PackedInput[]): Promise<DataSample[]> {
    const tensors = batch.map((p) => tf.tensor(p.dtype === 'float32' ? (p.data as Float32Array) : Float32Array.from(p.data), p.shape, 'float32'));
    try {
      return await this.model.model.testStepAsync({ inputs: tensors });
    } finally {
      tf.dispose(tensors);
    }
  }

  /** MMPretrain `postprocess`: the full score vector, the top class, its score and name. */
  postprocess(samples: DataSample[]): ClassificationResult[] {
    return samples.map((s) => {
      const scores = s.pred_score!;
      let best = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
      const result: ClassificationResult = { pred_scores: scores, pred_label: best, pred_score: scores[best] };
      if (this.classes?.[best] !== undefined) result.pred_class = this.classes[best];
      return result;
    });
  }

  /** Predictions for every image, in order. */
  async call(images: ImageInput | ImageInput[], { batch_size = 1 }: InferencerCallOptions = {}): Promise<ClassificationResult[]> {
    const list = Array.isArray(images) ? images : [images];
    const results: ClassificationResult[] = [];
    for (let i = 0; i < list.length; i += batch_size) {
      const chunk = list.slice(i, i + batch_size);
      const packed: PackedInput[] = [];
      for (let j = 0; j < chunk.length; j++) packed.push(await this.preprocess(chunk[j], i + j));
      results.push(...this.postprocess(await this.forward(packed)));
    }
    return results;
  }
}

/** MMPretrain `inference_model(model, img)`: one image's prediction. */
export async function inferenceModel(model: InferenceModel, image: ImageInput): Promise<ClassificationResult> {
  const [result] = await new ImageClassificationInferencer(model).call(image);
  return result;
}
