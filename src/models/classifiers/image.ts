/**
 * `ImageClassifier` (MMPretrain `classifiers/image.py`): data preprocessor → backbone → neck → head, with
 * `extract_feat(inputs, stage)`, `loss`, `predict` and `forward(inputs, data_samples, mode)`.
 * Inputs and 4-D outputs are NCHW at this API; the modules compute in NHWC.
 */
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { MODELS, type BuildConfig } from '../../registry';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { InitCfg } from '../nn/init';
import { toNCHW, toNHWC } from '../nn/layout';
import { Sequential } from '../nn/container';
import { Module, type AnyModule } from '../nn/module';
import type { DataSample } from '../structures';
import { ClsDataPreprocessor, type PreprocessorInput } from '../utils/data_preprocessor';
import type { ClsHead } from '../heads/cls_head';

export type FeatStage = 'backbone' | 'neck' | 'pre_logits';
export type ForwardMode = 'tensor' | 'loss' | 'predict';

export interface ImageClassifierOptions {
  backbone: BuildConfig | AnyModule;
  neck?: BuildConfig | BuildConfig[] | AnyModule | null;
  head?: BuildConfig | AnyModule | null;
  /** Shorthand for `init_cfg = {type: 'Pretrained', checkpoint: pretrained}`. */
  pretrained?: string | null;
  /** `{augments: [...]}`: batch augments for training (moved into the data preprocessor). */
  train_cfg?: Record<string, unknown> | null;
  /** Default: `{type: 'ClsDataPreprocessor'}`. */
  data_preprocessor?: (Record<string, unknown> & { type?: string }) | ClsDataPreprocessor | null;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** A module from its config; a list of configs (`neck=[dict(type='HRFuseScales', …), dict(type='GlobalAveragePooling')]`) builds a `Sequential`, as mmengine's `build_model_from_cfg`. */
function build(cfg: BuildConfig | BuildConfig[] | AnyModule): AnyModule {
  if (cfg instanceof Module) return cfg;
  if (Array.isArray(cfg)) return new Sequential(...cfg.map((c) => build(c)));
  return MODELS.build<AnyModule>(cfg);
}

export class ImageClassifier extends Module<Tensor, Tensor | Tensor[]> {
  readonly backbone: Module<Tensor, Tensor[]>;
  readonly neck: Module<Tensor[], Tensor[]> | null;
  /** Its `call` gives one score tensor, or several for a tuple head (ConformerHead). */
  readonly head: ClsHead<Tensor | Tensor[]> | null;
  readonly dataPreprocessor: ClsDataPreprocessor;
  initCfg: InitCfg | InitCfg[] | null;

  constructor(opts: ImageClassifierOptions) {
    super();
    checkKeys(opts, ['backbone', 'neck', 'head', 'pretrained', 'train_cfg', 'data_preprocessor', 'init_cfg'], 'ImageClassifier');
    assert(opts.backbone, () => "ImageClassifier: 'backbone' is required");
    this.initCfg = opts.pretrained ? { type: 'Pretrained', checkpoint: opts.pretrained } : (opts.init_cfg ?? null);
    const dp = opts.data_preprocessor ?? {};
    if (dp instanceof ClsDataPreprocessor) this.dataPreprocessor = dp;
    else {
      const { type = 'ClsDataPreprocessor', ...rest } = dp as Record<string, unknown>;
      const cfg = { type, ...rest } as BuildConfig;
      if (!('batch_augments' in cfg) || cfg.batch_augments === undefined) cfg.batch_augments = opts.train_cfg ?? null;
      this.dataPreprocessor = MODELS.build<ClsDataPreprocessor>(cfg);
    }
    this.backbone = this.addModule('backbone', build(opts.backbone));
    this.neck = opts.neck ? this.addModule('neck', build(opts.neck)) : null;
    this.head = opts.head ? (this.addModule('head', build(opts.head)) as ClsHead<Tensor | Tensor[]>) : null;
  }

  protected override reprExtras(): [string, string][] {
    return [['data_preprocessor', 'ClsDataPreprocessor()']];
  }

  /**
   * Features of an NCHW batch at `stage` ('neck' default): backbone and neck give tuples (4-D maps NCHW),
   * 'pre_logits' the head's input to its last layer.
   */
  extractFeat(inputs: Tensor, stage: 'pre_logits'): Tensor;
  extractFeat(inputs: Tensor, stage?: 'backbone' | 'neck'): Tensor[];
  extractFeat(inputs: Tensor, stage: FeatStage = 'neck'): Tensor | Tensor[] {
    assert(['backbone', 'neck', 'pre_logits'].includes(stage), () => `Invalid output stage "${stage}", please choose from "backbone", "neck" and "pre_logits"`);
    return tf.tidy(() => {
      const feats = this.featuresNHWC(inputs, stage === 'backbone' ? 'backbone' : 'neck');
      if (stage !== 'pre_logits') return feats.map((f) => toNCHW(f));
      assert(this.head, () => "No head or the head doesn't implement `pre_logits` method.");
      return toNCHW(this.head.preLogits(feats));
    });
  }

  /**
   * MMPretrain `get_layer_depth(param_name)` for layer-wise lr decay (`LearningRateDecayOptimWrapperConstructor`):
   * the backbone's, with the `backbone.` prefix; a backbone without one fails as MMPretrain's does.
   */
  getLayerDepth(paramName: string): [number, number] {
    const bb = this.backbone as unknown as { getLayerDepth?: (name: string, prefix: string) => [number, number] };
    if (!bb.getLayerDepth) throw new Error(`The backbone ${this.backbone.typeName} doesn't support \`get_layer_depth\` by now.`);
    return bb.getLayerDepth(paramName, 'backbone.');
  }

  /** Backbone (and neck) outputs in the internal NHWC layout. */
  featuresNHWC(inputs: Tensor, upTo: 'backbone' | 'neck' = 'neck'): Tensor[] {
    assert(inputs.rank === 4, () => `ImageClassifier: expected an NCHW batch, got shape [${inputs.shape}]`);
    return tf.tidy(() => {
      const x = toNHWC(inputs as Tensor4D);
      const feats = this.backbone.call(x);
      if (upTo === 'backbone' || !this.neck) return feats;
      return this.neck.call(feats);
    });
  }

  /** mode 'tensor': the head's scores (or the neck features without a head). */
  forward(inputs: Tensor): Tensor | Tensor[] {
    return tf.tidy(() => {
      const feats = this.featuresNHWC(inputs);
      return this.head ? this.head.call(feats) : feats.map((f) => toNCHW(f));
    });
  }

  /** MMPretrain's `forward(inputs, data_samples, mode)`. */
  run(inputs: Tensor, dataSamples: DataSample[] | null, mode: 'loss'): Record<string, Tensor>;
  run(inputs: Tensor, dataSamples: DataSample[] | null, mode: 'predict'): DataSample[];
  run(inputs: Tensor, dataSamples?: DataSample[] | null, mode?: 'tensor'): Tensor | Tensor[];
  run(inputs: Tensor, dataSamples: DataSample[] | null = null, mode: ForwardMode = 'tensor'): unknown {
    switch (mode) {
      case 'tensor':
        return this.call(inputs);
      case 'loss':
        assert(dataSamples, () => "ImageClassifier: mode 'loss' needs data samples");
        return this.loss(inputs, dataSamples);
      case 'predict':
        return this.predict(inputs, dataSamples);
      default:
        throw new Error(`Invalid mode "${String(mode)}".`);
    }
  }

  /** Loss dict of a batch (`{loss, …}`). */
  loss(inputs: Tensor, dataSamples: DataSample[]): Record<string, Tensor> {
    assert(this.head, () => 'ImageClassifier: loss needs a head');
    return tf.tidy(() => this.head!.loss(this.featuresNHWC(inputs), dataSamples));
  }

  /** Predictions (`pred_score`, `pred_label`) of a batch. */
  predict(inputs: Tensor, dataSamples: (DataSample | null)[] | null = null): DataSample[] {
    assert(this.head, () => 'ImageClassifier: predict needs a head');
    const feats = this.featuresNHWC(inputs);
    try {
      return this.head.predict(feats, dataSamples);
    } finally {
      tf.dispose(feats);
    }
  }

  /**
   * `predict` with an asynchronous read of the scores (same predictions): on WebGPU a synchronous read goes through
   * canvases and loses the device on SwiftShader, so the panels and the WebGPU paths use this one.
   */
  async predictAsync(inputs: Tensor, dataSamples: (DataSample | null)[] | null = null): Promise<DataSample[]> {
    assert(this.head, () => 'ImageClassifier: predict needs a head');
    const feats = this.featuresNHWC(inputs);
    try {
      return await this.head.predictAsync(feats, dataSamples);
    } finally {
      tf.dispose(feats);
    }
  }

  /** mmengine `test_step`: preprocess a loader batch, then predict. */
  testStep(data: PreprocessorInput): DataSample[] {
    const { inputs, data_samples } = this.dataPreprocessor.forward(data, false);
    try {
      return this.predict(inputs, data_samples);
    } finally {
      inputs.dispose();
    }
  }

  /** `testStep` through {@link predictAsync} (no synchronous GPU read). */
  async testStepAsync(data: PreprocessorInput): Promise<DataSample[]> {
    const { inputs, data_samples } = this.dataPreprocessor.forward(data, false);
    try {
      return await this.predictAsync(inputs, data_samples);
    } finally {
      inputs.dispose();
    }
  }

  /** mmengine `val_step` (same as `testStep`). */
  valStep(data: PreprocessorInput): DataSample[] {
    return this.testStep(data);
  }
}
