/**
 * MMPretrain's `FeatureExtractor` (`mmpretrain/apis/feature_extractor.py`): images through the config's test
 * pipeline (as the classification inferencer prepares them), the data preprocessor and `model.extract_feat(inputs,
 * stage)` — the backbone's outputs (`stage: 'backbone'`), the neck's (`'neck'`, the default as in `extract_feat`),
 * or the head's input to its last layer (`'pre_logits'`) — split per image as MMPretrain's `scatter` does. A model
 * is a name (`getModel(name, {pretrained})`: its released weights through the hub by default, as MMPretrain's
 * `pretrained=True`) or an already loaded {@link InferenceModel}.
 *
 * Features come back as plain arrays (`{shape, data}`, CHW per map), so no tensor outlives a call.
 */
import { tf, type Tensor } from '../backends/tf';
import type { PackedInput } from '../datasets/transforms/formatting';
import type { FeatStage } from '../models/classifiers/image';
import { ImageClassificationInferencer, type ImageInput, type InferencerOptions } from './image_classification';
import { getModel, listModels, type GetModelOptions, type InferenceModel } from './model';

/** One feature of one image: its shape without the batch axis (`[C, H, W]` for a map, `[C]` for a vector). */
export interface Feature {
  shape: number[];
  data: Float32Array;
}

/** Per image: one feature per backbone / neck output (`stage` backbone or neck), or the pre-logits vector. */
export type ImageFeatures = Feature[] | Feature;

/** Options of {@link FeatureExtractor.call}. */
export interface FeatureCallOptions {
  /** Images per forward pass. Default: 1. */
  batch_size?: number;
  /** Which features (`extract_feat`'s `stage`). Default: 'neck'. */
  stage?: FeatStage;
}

/** Options of {@link FeatureExtractor.create}: the inferencer's (pipeline, classes) and `getModel`'s. */
export type FeatureExtractorOptions = InferencerOptions & Omit<GetModelOptions, 'pretrained'>;

/** Splits each `[N, ...]` feature tensor into per-image features (MMPretrain's `scatter`). */
async function scatter(feats: Tensor | Tensor[], n: number): Promise<ImageFeatures[]> {
  const list = Array.isArray(feats) ? feats : [feats];
  const split = await Promise.all(
    list.map(async (t) => {
      const data = (await t.data()) as Float32Array;
      const shape = t.shape.slice(1);
      const size = shape.reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => ({ shape, data: data.slice(i * size, (i + 1) * size) }));
    }),
  );
  return Array.from({ length: n }, (_, i) => (Array.isArray(feats) ? split.map((s) => s[i]) : split[0][i]));
}

/** Backbone / neck / pre-logits features of images (MMPretrain `FeatureExtractor`). */
export class FeatureExtractor {
  private readonly inferencer: ImageClassificationInferencer;

  /**
   * @param model a loaded model (kept: {@link dispose} frees it only when {@link create} built it).
   * @param owned whether {@link dispose} frees the model.
   */
  constructor(
    readonly model: InferenceModel,
    opts: InferencerOptions = {},
    private readonly owned = false,
  ) {
    this.inferencer = new ImageClassificationInferencer(model, opts);
  }

  /**
   * MMPretrain `FeatureExtractor(model, pretrained=True, **kwargs)`: a model name is built by `getModel` with
   * `pretrained` (true: its released weights through the hub and the checkpoint store; a checkpoint; false / null:
   * init_cfg weights); `cfgOptions` play MMPretrain's model kwargs (`backbone.out_indices=(0, 1, 2, 3)`).
   */
  static async create(model: string | InferenceModel, pretrained: GetModelOptions['pretrained'] = true, opts: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
    const { pipeline, classes, max_pixels, ...getOpts } = opts;
    const inferOpts: InferencerOptions = { pipeline, classes, max_pixels };
    if (typeof model !== 'string') return new FeatureExtractor(model, inferOpts);
    const m = await getModel(model, { ...getOpts, pretrained });
    return new FeatureExtractor(m, inferOpts, true);
  }

  /** MMPretrain `FeatureExtractor.list_models(pattern)`. */
  static listModels(pattern: string | null = null): string[] {
    return listModels(pattern);
  }

  /**
   * Features of an already collated batch (MMPretrain `forward`): `inputs` is an NCHW tensor (or a list of CHW
   * images) before the data preprocessor, which normalises and pads it; then `extract_feat(inputs, stage)`. The
   * inputs are not disposed; every tensor made here is.
   */
  async extract(inputs: Tensor | Tensor[], stage: FeatStage = 'neck'): Promise<ImageFeatures[]> {
    const model = this.model.model;
    const { inputs: x } = model.dataPreprocessor.forward({ inputs }, false);
    let feats: Tensor | Tensor[] | null = null;
    try {
      feats = stage === 'pre_logits' ? model.extractFeat(x, 'pre_logits') : model.extractFeat(x, stage);
      return await scatter(feats, x.shape[0]);
    } finally {
      x.dispose();
      if (feats) tf.dispose(feats);
    }
  }

  /** Features of each image, in order (`stage` default 'neck'). Images go through the test pipeline as for classification. */
  async call(images: ImageInput | ImageInput[], { batch_size = 1, stage = 'neck' }: FeatureCallOptions = {}): Promise<ImageFeatures[]> {
    const list = Array.isArray(images) ? images : [images];
    const out: ImageFeatures[] = [];
    for (let i = 0; i < list.length; i += batch_size) {
      const packed: PackedInput[] = [];
      for (let j = i; j < Math.min(i + batch_size, list.length); j++) packed.push(await this.inferencer.preprocess(list[j], j));
      const tensors = packed.map((p) => tf.tensor(p.dtype === 'float32' ? (p.data as Float32Array) : Float32Array.from(p.data), p.shape, 'float32'));
      try {
        out.push(...(await this.extract(tensors, stage)));
      } finally {
        tf.dispose(tensors);
      }
    }
    return out;
  }

  /** Frees the model when {@link create} built it from a name. */
  dispose(): void {
    if (this.owned) this.model.model.dispose();
  }
}
