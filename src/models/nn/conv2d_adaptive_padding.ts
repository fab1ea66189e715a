/**
 * mmcv's `Conv2dAdaptivePadding`: TensorFlow "SAME" padding. The input is zero-padded so that the output has
 * ceil(in / stride) positions; an odd total padding puts the extra row / column at the bottom / right. Any
 * `padding` given is ignored (as mmcv, which always builds the underlying convolution with padding 0).
 */
import type { Tensor4D } from '../../backends/tf';
import { Conv2d, type Conv2dOptions } from './conv';

/** TF-"SAME" padding [before, after] along one axis of length `size`. */
export function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [total >> 1, total - (total >> 1)];
}

export class Conv2dAdaptivePadding extends Conv2d {
  constructor(opts: Conv2dOptions) {
    super({ ...opts, padding: 0 });
  }

  override typeNames(): string[] {
    return ['Conv2dAdaptivePadding', 'Conv2d', '_ConvNd'];
  }

  /** The padding for this input's size (the convolution itself pads, no separate copy where it can). */
  protected override pad(x: Tensor4D): 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] {
    const [, h, w] = x.shape;
    const ph = samePadding(h, this.kernelSize[0], this.stride[0], this.dilation[0]);
    const pw = samePadding(w, this.kernelSize[1], this.stride[1], this.dilation[1]);
    if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return 'valid';
    if (ph[0] === ph[1] && pw[0] === pw[1] && ph[0] === pw[0]) return ph[0];
    return [[0, 0], ph, pw, [0, 0]];
  }
}
