/** `VisionTransformerClsHead` (MMPretrain `heads/vision_transformer_head.py`): `layers.head` (and `layers.pre_logits` + `layers.act` with `hidden_dim`). */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface VisionTransformerClsHeadOptions extends ClsHeadOptions {
  num_classes: number;
  in_channels: number;
  /** Hidden pre-logits layer width. Default: null (none). */
  hidden_dim?: number | null;
  /** Default: Tanh. */
  act_cfg?: ActCfg;
}

/** A named container (PyTorch `Sequential(OrderedDict(...))`). */
class NamedLayers extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
  override typeNames(): string[] {
    return ['Sequential'];
  }
}

export class VisionTransformerClsHead extends ClsHead {
  readonly hiddenDim: number | null;
  readonly layers: Module;

  constructor(opts: VisionTransformerClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels', 'hidden_dim', 'act_cfg'], { type: 'Constant', layer: 'Linear', val: 0 });
    assert(opts.num_classes > 0, () => `num_classes=${opts.num_classes} must be a positive integer`);
    this.hiddenDim = opts.hidden_dim ?? null;
    this.layers = this.addModule('layers', new NamedLayers());
    if (this.hiddenDim === null) {
      this.layers.addModule('head', new Linear({ in_features: opts.in_channels, out_features: opts.num_classes }));
    } else {
      this.layers.addModule('pre_logits', new Linear({ in_features: opts.in_channels, out_features: this.hiddenDim }));
      this.layers.addModule('act', buildActivationLayer(opts.act_cfg ?? { type: 'Tanh' }));
      this.layers.addModule('head', new Linear({ in_features: this.hiddenDim, out_features: opts.num_classes }));
    }
  }

  afterInitWeights(rng: Generator): void {
    if (this.hiddenDim === null) return;
    const pre = this.layers.child<Linear>('pre_logits');
    const std = Math.sqrt(1 / pre.inFeatures);
    tf.tidy(() => {
      pre.weight.assign(tf.tensor(rng.truncNormalArray(pre.weight.size, 0, std, -2, 2), pre.weight.shape));
      pre.bias!.assign(tf.zerosLike(pre.bias!));
    });
  }

  override preLogits(feats: Tensor[]): Tensor {
    const cls = feats[feats.length - 1];
    if (this.hiddenDim === null) return cls;
    return tf.tidy(() => this.layers.child('act').call(this.layers.child('pre_logits').call(cls)) as Tensor);
  }

  override forward(feats: Tensor[]): Tensor {
    const pre = this.preLogits(feats);
    const out = this.layers.child<Linear>('head').call(pre);
    if (!feats.includes(pre)) pre.dispose();
    return out;
  }
}

/** `DeiTClsHead` (MMPretrain `heads/deit_head.py`): mean of `layers.head(cls)` and `layers.head_dist(dist)`. */
export class DeiTClsHead extends VisionTransformerClsHead {
  constructor(opts: VisionTransformerClsHeadOptions) {
    super(opts);
    this.layers.addModule('head_dist', new Linear({ in_features: this.hiddenDim ?? opts.in_channels, out_features: opts.num_classes }));
  }

  /** (cls, dist) pre-logits from the backbone's last two outputs. */
  private tokens(feats: Tensor[]): [Tensor, Tensor] {
    assert(feats.length >= 2, () => 'DeiTClsHead: expected the class and distillation tokens (DistilledVisionTransformer, out_type cls_token)');
    const cls = feats[feats.length - 2];
    const dist = feats[feats.length - 1];
    if (this.hiddenDim === null) return [cls, dist];
    const f = (t: Tensor) => this.layers.child('act').call(this.layers.child('pre_logits').call(t)) as Tensor;
    return [f(cls), f(dist)];
  }

  override preLogits(feats: Tensor[]): Tensor {
    return tf.tidy(() => tf.stack(this.tokens(feats), 1));
  }

  override forward(feats: Tensor[]): Tensor {
    return tf.tidy(() => {
      const [cls, dist] = this.tokens(feats);
      return tf.div(tf.add(this.layers.child<Linear>('head').call(cls), this.layers.child<Linear>('head_dist').call(dist)), 2);
    });
  }
}
