/** `LeNet5` (MMPretrain `backbones/lenet.py`): 32×32 grey input; keys `features.{0,3,6}`, `classifier.{0,2}`. */
import { tf, type Tensor } from '../../backends/tf';
import { Tanh } from '../nn/activation';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { Sequential } from '../nn/container';
import { Linear } from '../nn/linear';
import { AvgPool2d } from '../nn/pooling';
import type { InitCfg } from '../nn/init';
import { BaseBackbone } from './base_backbone';

export interface LeNet5Options {
  /** Classes of the built-in classifier; ≤ 0 returns the 120-channel feature map. Default: -1. */
  num_classes?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export class LeNet5 extends BaseBackbone {
  readonly numClasses: number;
  readonly features: Sequential;
  readonly classifier: Sequential | null = null;

  constructor(opts: LeNet5Options = {}) {
    checkKeys(opts, ['num_classes', 'init_cfg'], 'LeNet5');
    super(opts.init_cfg);
    this.numClasses = opts.num_classes ?? -1;
    const conv = (i: number, o: number) => new Conv2d({ in_channels: i, out_channels: o, kernel_size: 5 });
    this.features = this.addModule(
      'features',
      new Sequential(conv(1, 6), new Tanh(), new AvgPool2d({ kernel_size: 2 }), conv(6, 16), new Tanh(), new AvgPool2d({ kernel_size: 2 }), conv(16, 120), new Tanh()),
    );
    if (this.numClasses > 0) {
      this.classifier = this.addModule(
        'classifier',
        new Sequential(new Linear({ in_features: 120, out_features: 84 }), new Tanh(), new Linear({ in_features: 84, out_features: this.numClasses })),
      );
    }
  }

  forward(x: Tensor): Tensor[] {
    const f = this.features.call(x);
    if (!this.classifier) return [f];
    // PyTorch squeezes (N, 120, 1, 1); the batch axis is kept here even for N = 1.
    const y = tf.tidy(() => this.classifier!.call(tf.reshape(f, [f.shape[0], -1])));
    if (!this.features.hasForwardHooks()) f.dispose();
    return [y];
  }
}
