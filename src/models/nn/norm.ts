/**
 * Normalisation layers with PyTorch names and semantics: `BatchNorm2d` / `BatchNorm1d` (channel-last inside),
 * `LayerNorm` (last dimension), `GroupNorm`.
 */
import { pyBool, pyFloat } from './repr';
import { tf, type Tensor, type Tensor1D } from '../../backends/tf';
import { layerNorm } from '../../backends/fused_ops';
import { batchNormTrain } from './batch_norm_train';
import { assert } from '../../utils/assert';
import { Module } from './module';

/** Options of `BatchNorm2d` / `BatchNorm1d`, as `torch.nn.BatchNorm2d`. */
export interface BatchNormOptions {
  num_features: number;
  /** Default: 1e-5. */
  eps?: number;
  /** Weight of the batch statistic in the running average. Default: 0.1. */
  momentum?: number;
  /** Learnable `weight` and `bias`. Default: true. */
  affine?: boolean;
}

/**
 * Batch normalisation over every axis but the last (channels, NHWC inside). Eval mode uses the running
 * statistics; training mode normalises with the batch's biased variance and updates `running_mean` /
 * `running_var` with the unbiased one, `momentum` 0.1, as PyTorch.
 */
export class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  weight: tf.Variable | null;
  bias: tf.Variable | null;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(opts: BatchNormOptions, private readonly pytorchName = 'BatchNorm2d') {
    super();
    const { num_features, eps = 1e-5, momentum = 0.1, affine = true } = opts;
    this.numFeatures = num_features;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? this.registerParameter('weight', [num_features], 1) : null;
    this.bias = affine ? this.registerParameter('bias', [num_features]) : null;
    this.runningMean = this.registerBuffer('running_mean', [num_features], 0);
    this.runningVar = this.registerBuffer('running_var', [num_features], 1);
    this.registerCounter('num_batches_tracked', 0);
  }

  override typeNames(): string[] {
    return [this.pytorchName, '_BatchNorm', '_NormBase'];
  }

  forward(x: Tensor): Tensor {
    assert(x.shape[x.rank - 1] === this.numFeatures, () => `${this.typeName}: expected ${this.numFeatures} channels, got shape [${x.shape}]`);
    if (!this.training) {
      return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias ?? undefined, this.weight ?? undefined, this.eps);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(x, this.weight as Tensor1D | null, this.bias as Tensor1D | null, this.eps);
      const n = x.size / this.numFeatures;
      tf.tidy(() => {
        const m = this.momentum;
        const mu = mean;
        const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mu, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      });
      tf.dispose([mean, variance]);
      this.setCounter('num_batches_tracked', this.getCounter('num_batches_tracked') + 1);
      return y;
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(!!this.weight)}, track_running_stats=True`;
  }
}

/** `nn.BatchNorm2d` (NCHW at the API, NHWC inside). */
export class BatchNorm2d extends BatchNorm {
  constructor(opts: BatchNormOptions) {
    super(opts, 'BatchNorm2d');
  }
}

/** `nn.BatchNorm1d` on (N, C). */
export class BatchNorm1d extends BatchNorm {
  constructor(opts: BatchNormOptions) {
    super(opts, 'BatchNorm1d');
  }
}

/** Options of `LayerNorm` (normalises the last dimension). */
export interface LayerNormOptions {
  normalized_shape: number;
  /** Default: 1e-5 (MMPretrain's ViT uses 1e-6). */
  eps?: number;
  /** Default: true. */
  elementwise_affine?: boolean;
}

/** `nn.LayerNorm` over the last dimension. */
export class LayerNorm extends Module {
  readonly dim: number;
  readonly eps: number;
  weight: tf.Variable | null;
  bias: tf.Variable | null;

  constructor(opts: LayerNormOptions) {
    super();
    const { normalized_shape, eps = 1e-5, elementwise_affine = true } = opts;
    this.dim = normalized_shape;
    this.eps = eps;
    this.weight = elementwise_affine ? this.registerParameter('weight', [this.dim], 1) : null;
    this.bias = elementwise_affine ? this.registerParameter('bias', [this.dim]) : null;
  }

  override typeNames(): string[] {
    return ['LayerNorm'];
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.dim},), eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(!!this.weight)}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormOptions {
  num_groups: number;
  num_channels: number;
  /** Default: 1e-5. */
  eps?: number;
  /** Default: true. */
  affine?: boolean;
}

/** `nn.GroupNorm` on NHWC. */
export class GroupNorm extends Module {
  readonly groups: number;
  readonly channels: number;
  readonly eps: number;
  weight: tf.Variable | null;
  bias: tf.Variable | null;

  constructor(opts: GroupNormOptions) {
    super();
    const { num_groups, num_channels, eps = 1e-5, affine = true } = opts;
    assert(num_channels % num_groups === 0, () => `GroupNorm: num_channels ${num_channels} not divisible by num_groups ${num_groups}`);
    this.groups = num_groups;
    this.channels = num_channels;
    this.eps = eps;
    this.weight = affine ? this.registerParameter('weight', [num_channels], 1) : null;
    this.bias = affine ? this.registerParameter('bias', [num_channels]) : null;
  }

  override typeNames(): string[] {
    return ['GroupNorm'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const g = tf.reshape(x, [n, h, w, this.groups, c / this.groups]);
      const { mean, variance } = tf.moments(g, [1, 2, 4], true);
      let y = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps))), x.shape);
      if (this.weight) y = tf.add(tf.mul(y, this.weight), this.bias!);
      return y;
    });
  }
}
