/**
 * `ClsDataPreprocessor` (MMPretrain `models/utils/data_preprocessor.py`), the model's first step:
 * uint8 (or float) images → BGR→RGB when `to_rgb` → float → (x − mean)/std → padded to the batch's largest
 * size (and `pad_size_divisor`) → stacked NCHW batch; `gt_label` → one-hot `gt_score` when `to_onehot`.
 */
import { tf, type Tensor, type Tensor3D, type Tensor4D } from '../../backends/tf';
import { MODELS } from '../../registry';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { Generator } from '../../utils/random';
import type { DataSample } from '../structures';

export interface ClsDataPreprocessorOptions {
  /** Per-channel mean (pixel units, after `to_rgb`). Default: none (no normalisation). */
  mean?: number[] | null;
  /** Per-channel std. Default: none. */
  std?: number[] | null;
  /** Pad H and W up to a multiple of this. Default: 1. */
  pad_size_divisor?: number;
  /** Value of padded pixels (after normalisation). Default: 0. */
  pad_value?: number;
  /** Flip the channel order (BGR → RGB) of 3-channel input. Default: false. */
  to_rgb?: boolean;
  /** Turn `gt_label` into a one-hot `gt_score`. Default: false (true when `batch_augments` is set). */
  to_onehot?: boolean;
  /** Needed by `to_onehot`. Default: null. */
  num_classes?: number | null;
  /** Mixup / CutMix config (`{augments: [...], probs}`), applied in training. Default: null. */
  batch_augments?: Record<string, unknown> | null;
}

/** A batch as the data loader gives it: NCHW tensor(s) and data samples. */
export interface PreprocessorInput {
  /** One NCHW tensor, or a list of CHW images of possibly different sizes. */
  inputs: Tensor | Tensor[];
  data_samples?: DataSample[] | null;
}

export interface PreprocessorOutput {
  /** NCHW float32. */
  inputs: Tensor4D;
  data_samples: DataSample[] | null;
}

/** Applies Mixup / CutMix-style augments to (inputs, one-hot scores), drawing from `g`; supplied by the batch-augment module. */
export interface BatchAugment {
  apply(inputs: Tensor4D, scores: Tensor, g: Generator): [Tensor4D, Tensor];
}

export class ClsDataPreprocessor {
  readonly mean: number[] | null;
  readonly std: number[] | null;
  readonly padSizeDivisor: number;
  readonly padValue: number;
  readonly toRgb: boolean;
  readonly toOnehot: boolean;
  readonly numClasses: number | null;
  readonly batchAugments: BatchAugment | null;
  /** What the batch augments draw from: the model's stream for them (`buildClassifier` seeds it from the run's seed). */
  generator = new Generator(0);

  constructor(opts: ClsDataPreprocessorOptions = {}) {
    checkKeys(opts, ['mean', 'std', 'pad_size_divisor', 'pad_value', 'to_rgb', 'to_onehot', 'num_classes', 'batch_augments'], 'ClsDataPreprocessor');
    assert((opts.mean == null) === (opts.std == null), () => 'ClsDataPreprocessor: mean and std should be both None or tuple');
    this.mean = opts.mean ?? null;
    this.std = opts.std ?? null;
    this.padSizeDivisor = opts.pad_size_divisor ?? 1;
    this.padValue = opts.pad_value ?? 0;
    this.toRgb = opts.to_rgb ?? false;
    this.numClasses = opts.num_classes ?? null;
    this.batchAugments = opts.batch_augments ? MODELS.build<BatchAugment>({ type: 'RandomBatchAugment', ...opts.batch_augments }) : null;
    this.toOnehot = (opts.to_onehot ?? false) || !!this.batchAugments;
    if (this.toOnehot) assert(this.numClasses, () => 'ClsDataPreprocessor: to_onehot (or batch_augments) needs num_classes');
  }

  /** Normalises one CHW or NCHW tensor (channel axis `axis`). */
  private normalise(x: Tensor, axis: number): Tensor {
    return tf.tidy(() => {
      let y = tf.cast(x, 'float32');
      const c = y.shape[axis]!;
      if (this.toRgb && c === 3) y = tf.reverse(y, axis);
      if (this.mean && this.std) {
        assert(this.mean.length === c || this.mean.length === 1, () => `ClsDataPreprocessor: mean has ${this.mean!.length} values for ${c}-channel input`);
        const shape = Array(y.rank).fill(1);
        shape[axis] = this.mean.length;
        y = tf.div(tf.sub(y, tf.tensor(this.mean, shape)), tf.tensor(this.std, shape));
      }
      return y;
    });
  }

  private padTo(x: Tensor, h: number, w: number): Tensor {
    const [ih, iw] = x.shape.slice(-2) as [number, number];
    if (ih === h && iw === w) return x;
    const pads = x.shape.map(() => [0, 0] as [number, number]);
    pads[x.rank - 2] = [0, h - ih];
    pads[x.rank - 1] = [0, w - iw];
    return tf.pad(x, pads, this.padValue);
  }

  private ceilTo(v: number): number {
    return Math.ceil(v / this.padSizeDivisor) * this.padSizeDivisor;
  }

  /** Stacks/normalises `data.inputs`; in training applies batch augments. Input tensors are not disposed. */
  forward(data: PreprocessorInput, training = false): PreprocessorOutput {
    let samples = data.data_samples ?? null;
    const inputs = tf.tidy(() => {
      if (Array.isArray(data.inputs)) {
        assert(data.inputs.length > 0, () => 'ClsDataPreprocessor: empty batch');
        const imgs = data.inputs.map((x) => {
          assert(x.rank === 3, () => `ClsDataPreprocessor: list inputs must be CHW images, got shape [${x.shape}]`);
          return this.normalise(x, 0);
        });
        const h = this.ceilTo(Math.max(...imgs.map((x) => x.shape[1]!)));
        const w = this.ceilTo(Math.max(...imgs.map((x) => x.shape[2]!)));
        return tf.stack(imgs.map((x) => this.padTo(x as Tensor3D, h, w))) as Tensor4D;
      }
      const x = data.inputs;
      assert(x.rank === 4, () => `ClsDataPreprocessor: expected an NCHW batch, got shape [${x.shape}]`);
      const y = this.normalise(x, 1);
      return this.padTo(y, this.ceilTo(y.shape[2]!), this.ceilTo(y.shape[3]!)) as Tensor4D;
    });
    if (samples && samples.length) {
      let scores: Tensor | null = null;
      if (this.toOnehot && samples[0].gt_label) {
        scores = samples[0].gt_score ? tf.stack(samples.map((s) => tf.tensor1d(s.gt_score!))) : oneHotScores(samples, this.numClasses!);
      } else if (samples[0].gt_score) {
        scores = tf.stack(samples.map((s) => tf.tensor1d(s.gt_score!)));
      }
      let out = inputs;
      if (training && this.batchAugments && scores) {
        const [xi, si] = this.batchAugments.apply(inputs, scores, this.generator);
        if (xi !== inputs) inputs.dispose();
        if (si !== scores) scores.dispose();
        out = xi;
        scores = si;
      }
      if (scores) {
        const d = scores.dataSync() as Float32Array;
        const c = scores.shape[1]!;
        samples = samples.map((s, i) => ({ ...s, gt_score: d.slice(i * c, (i + 1) * c) }));
        scores.dispose();
      }
      return { inputs: out, data_samples: samples };
    }
    return { inputs, data_samples: samples };
  }
}

/** Multi-hot (N, C) from each sample's `gt_label` (as `batch_label_to_onehot`). */
export function oneHotScores(samples: DataSample[], numClasses: number): Tensor {
  const v = new Float32Array(samples.length * numClasses);
  samples.forEach((s, i) => {
    for (const l of s.gt_label ?? []) {
      assert(l >= 0 && l < numClasses, () => `label ${l} outside [0, ${numClasses})`);
      v[i * numClasses + l] = 1;
    }
  });
  return tf.tensor2d(v, [samples.length, numClasses]);
}
