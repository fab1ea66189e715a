/**
 * Global Response Normalization (MMPretrain `GRN`, `models/utils/norm.py`; ConvNeXt V2): per sample and channel the
 * L2 norm over the spatial axes, divided by its mean over channels; `x + gamma · (x · nx) + beta`. NHWC inside, so
 * MMPretrain's `channel_first` and `channel_last` forms are the same computation here.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Module } from '../nn/module';

export class GRN extends Module {
  readonly inChannels: number;
  readonly eps: number;
  readonly gamma: ReturnType<Module['param']>;
  readonly beta: ReturnType<Module['param']>;

  constructor(inChannels: number, eps = 1e-6) {
    super();
    this.inChannels = inChannels;
    this.eps = eps;
    this.gamma = this.registerParameter('gamma', [inChannels], 0);
    this.beta = this.registerParameter('beta', [inChannels], 0);
  }

  override typeNames(): string[] {
    return ['GRN'];
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    assert(x.rank === 4 && x.shape[3] === this.inChannels, () => `GRN: expected NHWC input with ${this.inChannels} channels, got shape [${x.shape}]`);
    return tf.tidy(() => {
      // The floor only matters for an all-zero map, where it gives torch.norm's zero gradient instead of NaN.
      const gx = tf.sqrt(tf.maximum(tf.sum(tf.square(x), [1, 2], true), 1e-30));
      const nx = tf.div(gx, tf.add(tf.mean(gx, -1, true), this.eps));
      return tf.add(tf.add(tf.mul(this.gamma, tf.mul(x, nx)), this.beta), x);
    });
  }
}
