/**
 * `nn.Conv2d` with PyTorch semantics (OIHW weight, symmetric zero padding, dilation, groups) computed in NHWC.
 * The HWIO kernel is derived from the OIHW variable; in eval mode it is cached (keyed by the variable's data,
 * so an optimizer step or a load invalidates it).
 */
import { pyTuple } from './repr';
import { CONV_RESIDUAL, convResidualAvailable, GROUPED_CONV, groupedConvAvailable, type ConvResidualAttrs, type GroupedConvAttrs } from '../../backends/wasm_conv/install';
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Module } from './module';
import { pair, type Pair } from './layout';

/** Options of `Conv2d`, named as `torch.nn.Conv2d`'s. */
export interface Conv2dOptions {
  in_channels: number;
  out_channels: number;
  kernel_size: Pair;
  /** Default: 1. */
  stride?: Pair;
  /** Zero padding on each side (PyTorch `int` or pair; 'same' for stride 1). Default: 0. */
  padding?: Pair | 'same' | 'valid';
  /** Default: 1. */
  dilation?: Pair;
  /** Default: 1. `groups == in_channels` is a depthwise convolution. */
  groups?: number;
  /** Default: true. */
  bias?: boolean;
}

/** Activations tfjs can fuse into a convolution or matmul. */
export type FusableActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu' | 'leakyrelu' | 'prelu';

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: tf.Variable;
  bias: tf.Variable | null;
  /**
   * Activation applied inside the kernel (set by inference-time fusion; `linear` means none).
   * Only eval-mode fusion sets it; a training model keeps separate activation modules.
   */
  fusedActivation: FusableActivation = 'linear';
  private cache: { dataId: object; kernel: Tensor } | null = null;

  constructor(opts: Conv2dOptions) {
    super();
    const { in_channels, out_channels, kernel_size, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = opts;
    assert(in_channels % groups === 0 && out_channels % groups === 0, () => `Conv2d: in_channels ${in_channels} and out_channels ${out_channels} must be divisible by groups ${groups}`);
    this.inChannels = in_channels;
    this.outChannels = out_channels;
    this.kernelSize = pair(kernel_size);
    this.stride = pair(stride);
    this.dilation = pair(dilation);
    this.groups = groups;
    if (padding === 'same') {
      assert(this.stride[0] === 1 && this.stride[1] === 1, () => "Conv2d: padding='same' needs stride 1 (as PyTorch)");
      this.padding = [((this.kernelSize[0] - 1) * this.dilation[0]) >> 1, ((this.kernelSize[1] - 1) * this.dilation[1]) >> 1];
    } else this.padding = padding === 'valid' ? [0, 0] : pair(padding);
    this.weight = this.registerParameter('weight', [out_channels, in_channels / groups, ...this.kernelSize]);
    this.bias = bias ? this.registerParameter('bias', [out_channels]) : null;
  }

  override typeNames(): string[] {
    return ['Conv2d', '_ConvNd'];
  }

  get isDepthwise(): boolean {
    return this.groups > 1 && this.groups === this.inChannels;
  }

  /** Adds a bias parameter (zeros) if absent — used when folding BatchNorm into this conv. */
  ensureBias(): tf.Variable {
    if (!this.bias) this.bias = this.registerParameter('bias', [this.outChannels]);
    return this.bias;
  }

  /** Replaces weight and bias values (folding); keeps the variables' identity where shapes agree. */
  setWeights(weight: Tensor, bias: Tensor): void {
    this.weight.assign(weight as Tensor4D);
    this.ensureBias().assign(bias);
    this.onWeightsChanged();
  }

  /** The kernel in tfjs layout: HWIO, or for depthwise [H, W, in, multiplier]. */
  private kernelFromWeight(): Tensor {
    const w = this.weight;
    if (this.isDepthwise) {
      const mult = this.outChannels / this.inChannels;
      return tf.transpose(tf.reshape(w, [this.inChannels, mult, ...this.kernelSize]), [2, 3, 0, 1]);
    }
    return tf.transpose(w, [2, 3, 1, 0]);
  }

  private kernel(): Tensor {
    if (this.training) return this.kernelFromWeight();
    const dataId = (this.weight as unknown as { dataId: object }).dataId;
    if (this.cache?.dataId !== dataId) {
      this.cache?.kernel.dispose();
      this.cache = { dataId, kernel: tf.keep(tf.tidy(() => this.kernelFromWeight())) };
    }
    return this.cache.kernel;
  }

  override onWeightsChanged(): void {
    this.cache?.kernel.dispose();
    this.cache = null;
    super.onWeightsChanged();
  }

  override dispose(): void {
    this.cache?.kernel.dispose();
    this.cache = null;
    super.dispose();
  }

  /**
   * tfjs padding for input `x` (NHWC): 'valid', a number for equal symmetric padding, else explicit NHWC pairs (as
   * PyTorch). Subclasses may pad by input size (`Conv2dAdaptivePadding`).
   */
  protected pad(_x: Tensor4D): 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] {
    const [ph, pw] = this.padding;
    if (ph === 0 && pw === 0) return 'valid';
    return ph === pw ? ph : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const x4 = x as Tensor4D;
      assert(x4.rank === 4 && x4.shape[3] === this.inChannels, () => `Conv2d: expected NHWC input with ${this.inChannels} channels, got shape [${x4.shape}]`);
      const k = this.kernel();
      const common = { strides: this.stride, pad: this.pad(x4), dilations: this.dilation, bias: this.bias ?? undefined, activation: this.fusedActivation };
      if (this.groups === 1) {
        return tf.fused.conv2d({ x: x4, filter: k as Tensor4D, dataFormat: 'NHWC', ...common, pad: common.pad as number });
      }
      if (this.isDepthwise) {
        const pad = common.pad;
        // The fused depthwise op takes only symmetric padding; pad explicitly otherwise.
        const xin = typeof pad === 'object' ? tf.pad(x4, pad) : x4;
        return tf.fused.depthwiseConv2d({ x: xin, filter: k as Tensor4D, dataFormat: 'NHWC', ...common, pad: typeof pad === 'object' ? 'valid' : pad });
      }
      if (!this.training && !recordingGradients() && x4.dtype === 'float32' && groupedConvAvailable(tf.backend(), tf.getBackend())) {
        // Eval on WASM: one kernel, each group reading and writing its channel slice (no split, no concat).
        const attrs: GroupedConvAttrs = { strides: this.stride, pad: common.pad, dilations: this.dilation, groups: this.groups, activation: this.fusedActivation as GroupedConvAttrs['activation'] };
        const inputs = this.bias ? { x: x4, filter: k, bias: this.bias } : { x: x4, filter: k };
        if (['linear', 'relu', 'relu6'].includes(attrs.activation)) return tf.engine().runKernel(GROUPED_CONV, inputs as never, attrs as never) as Tensor;
      }
      const xs = tf.split(x4, this.groups, 3) as Tensor4D[];
      const ks = tf.split(k as Tensor4D, this.groups, 3);
      const ys = xs.map((xi, g) => tf.conv2d(xi, ks[g] as Tensor4D, this.stride, common.pad as number, 'NHWC', this.dilation));
      let y: Tensor = tf.concat(ys, 3);
      if (this.bias) y = tf.add(y, this.bias);
      return applyActivation(y, this.fusedActivation);
    });
  }

  /**
   * act(this(x) + residual) with `residual` of the output's shape: on WASM in eval (no gradient recorded), for an ungrouped 1×1 convolution
   * with no activation of its own and outputs a multiple of 8 (a bottleneck's last convolution once its norm is
   * folded), one kernel that adds the shortcut before the activation; the convolution, an add and the activation
   * elsewhere.
   */
  forwardResidual(x: Tensor, residual: Tensor, activation: 'linear' | 'relu'): Tensor {
    return tf.tidy(() => {
      const [kh, kw] = this.kernelSize;
      const fusable =
        !this.training && !recordingGradients() && this.groups === 1 && kh === 1 && kw === 1 && this.fusedActivation === 'linear' && x.dtype === 'float32' && residual.dtype === 'float32' && convResidualAvailable(tf.backend(), tf.getBackend(), this.outChannels);
      if (fusable) {
        const attrs: ConvResidualAttrs = { strides: this.stride, pad: this.pad(x as Tensor4D), dilations: this.dilation, activation };
        const inputs = this.bias ? { x, filter: this.kernel(), bias: this.bias, residual } : { x, filter: this.kernel(), residual };
        return tf.engine().runKernel(CONV_RESIDUAL, inputs as never, attrs as never) as Tensor;
      }
      return applyActivation(tf.add(this.call(x) as Tensor, residual), activation);
    });
  }

  override extraRepr(): string {
    const s = [`${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}`, `stride=${pyTuple(this.stride)}`];
    if (this.padding[0] || this.padding[1]) s.push(`padding=${pyTuple(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s.push(`dilation=${pyTuple(this.dilation)}`);
    if (this.groups !== 1) s.push(`groups=${this.groups}`);
    if (!this.bias) s.push('bias=False');
    return s.join(', ');
  }
}

/**
 * Whether a gradient tape is recording (inside `tf.grad`: CAM's backward pass, a training step): the one-kernel
 * grouped and residual convolutions have no gradients, so the graph runs there.
 */
function recordingGradients(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/** Applies a fusable activation outside a kernel (grouped convolution path). */
export function applyActivation(y: Tensor, act: FusableActivation): Tensor {
  switch (act) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'elu':
      return tf.elu(y);
    default:
      throw new Error(`Conv2d: activation '${act}' cannot be fused here`);
  }
}
