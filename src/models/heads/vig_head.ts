/**
 * `VigClsHead` (MMPretrain `heads/vig_head.py`): on the last feature, `fc1` Linear → `bn` BatchNorm1d → `act` →
 * `drop` Dropout (the pre-logits), then `fc2` Linear.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { Dropout } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { BatchNorm1d } from '../nn/norm';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface VigClsHeadOptions extends ClsHeadOptions {
  num_classes: number;
  in_channels: number;
  /** Default: 1024. */
  hidden_dim?: number;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: 0. */
  dropout?: number;
}

export class VigClsHead extends ClsHead {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly hiddenDim: number;

  constructor(opts: VigClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels', 'hidden_dim', 'act_cfg', 'dropout']);
    assert(opts.num_classes > 0, () => `num_classes=${opts.num_classes} must be a positive integer`);
    this.numClasses = opts.num_classes;
    this.inChannels = opts.in_channels;
    this.hiddenDim = opts.hidden_dim ?? 1024;
    this.addModule('fc1', new Linear({ in_features: this.inChannels, out_features: this.hiddenDim }));
    this.addModule('bn', new BatchNorm1d({ num_features: this.hiddenDim }));
    this.addModule('act', buildActivationLayer(opts.act_cfg ?? { type: 'GELU' }));
    this.addModule('drop', new Dropout(opts.dropout ?? 0));
    this.addModule('fc2', new Linear({ in_features: this.hiddenDim, out_features: this.numClasses }));
  }

  override preLogits(feats: Tensor[]): Tensor {
    return tf.tidy(() => {
      let x = feats[feats.length - 1];
      for (const name of ['fc1', 'bn', 'act', 'drop']) x = this.child(name).call(x) as Tensor;
      return x;
    });
  }

  override forward(feats: Tensor[]): Tensor {
    return tf.tidy(() => this.child('fc2').call(this.preLogits(feats)) as Tensor);
  }
}
