/** mmcv's transformer `FFN`: `layers.0.0` Linear → act → Dropout, …, `layers.N` Linear, Dropout; identity + DropPath(out). */
import { tf, type Tensor } from '../../backends/tf';
import { buildActivationLayer, type ActCfg } from './activation';
import { Sequential } from './container';
import { Dropout, DropPath } from './dropout';
import { Linear } from './linear';
import { Identity, Module } from './module';

export interface FFNOptions {
  embed_dims?: number;
  feedforward_channels?: number;
  /** Default: 2. */
  num_fcs?: number;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  ffn_drop?: number;
  /** DropPath probability of the branch (`dropout_layer`). Default: 0. */
  drop_path?: number;
  /** Default: true. */
  add_identity?: boolean;
  /** > 0 adds `gamma2` (mmcv LayerScale, parameter `gamma`). Default: 0. */
  layer_scale_init_value?: number;
}

export class FFN extends Module<Tensor, Tensor> {
  readonly addIdentity: boolean;
  constructor(o: FFNOptions) {
    super();
    const { embed_dims = 256, feedforward_channels = 1024, num_fcs = 2, act_cfg = { type: 'ReLU' }, ffn_drop = 0, drop_path = 0, add_identity = true, layer_scale_init_value = 0 } = o;
    const layers = new Sequential();
    let inC = embed_dims;
    for (let i = 0; i < num_fcs - 1; i++) {
      layers.append(new Sequential(new Linear({ in_features: inC, out_features: feedforward_channels }), buildActivationLayer(act_cfg), new Dropout(ffn_drop)));
      inC = feedforward_channels;
    }
    layers.append(new Linear({ in_features: feedforward_channels, out_features: embed_dims }));
    layers.append(new Dropout(ffn_drop));
    this.addModule('layers', layers);
    this.addModule('dropout_layer', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    if (layer_scale_init_value > 0) {
      const g = new (class extends Module {
        readonly g = this.registerParameter('gamma', [embed_dims], layer_scale_init_value);
        forward(x: Tensor): Tensor {
          return tf.mul(x, this.g);
        }
      })();
      this.addModule('gamma2', g);
    } else this.addModule('gamma2', new Identity());
    this.addIdentity = add_identity;
  }

  /** Returns identity + dropout_layer(gamma2(layers(x))) (identity defaults to x). */
  forwardWithIdentity(x: Tensor, identity: Tensor | null = null): Tensor {
    return tf.tidy(() => {
      const out = this.child('gamma2').call(this.child('layers').call(x)) as Tensor;
      const dropped = this.child('dropout_layer').call(out) as Tensor;
      if (!this.addIdentity) return dropped;
      return tf.add(identity ?? x, dropped);
    });
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithIdentity(x);
  }
}
