/**
 * `ConformerHead` (MMPretrain `heads/conformer_head.py`): `conv_cls_head` on the pooled conv feature and
 * `trans_cls_head` on the class token of the last backbone output pair; `forward` (mode 'tensor') gives both logits,
 * the loss sums the loss of each, predictions are the softmax of their sum. Init: TruncNormal(std 0.02) on Linear.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Linear } from '../nn/linear';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface ConformerHeadOptions extends ClsHeadOptions {
  num_classes: number;
  /** [conv channels, transformer channels]. */
  in_channels: [number, number] | number[];
}

export class ConformerHead extends ClsHead<Tensor[]> {
  readonly numClasses: number;
  readonly inChannels: number[];

  constructor(opts: ConformerHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels'], { type: 'TruncNormal', layer: 'Linear', std: 0.02 });
    if (!(opts.num_classes > 0)) throw new Error(`num_classes=${opts.num_classes} must be a positive integer`);
    assert(Array.isArray(opts.in_channels) && opts.in_channels.length === 2, () => `ConformerHead: in_channels must be [conv_dim, trans_dim], got ${JSON.stringify(opts.in_channels)}`);
    this.numClasses = opts.num_classes;
    this.inChannels = [...opts.in_channels];
    this.addModule('conv_cls_head', new Linear({ in_features: this.inChannels[0], out_features: opts.num_classes }));
    this.addModule('trans_cls_head', new Linear({ in_features: this.inChannels[1], out_features: opts.num_classes }));
  }

  /** The last backbone output pair (conv feature, class token); the backbone's list is flat, so its last two. */
  private lastPair(feats: Tensor[]): [Tensor, Tensor] {
    assert(feats.length >= 2, () => `ConformerHead: expected (conv feature, class token) pairs from the backbone, got ${feats.length} tensor(s)`);
    return [feats[feats.length - 2], feats[feats.length - 1]];
  }

  /**
   * MMPretrain returns the pair itself; here, one tensor: the conv feature and the class token concatenated along
   * channels (B, conv_dim + trans_dim).
   */
  override preLogits(feats: Tensor[]): Tensor {
    return tf.concat(this.lastPair(feats), -1);
  }

  /** [conv logits, transformer logits]. */
  override forward(feats: Tensor[]): Tensor[] {
    const [conv, trans] = this.lastPair(feats);
    return [this.child<Linear>('conv_cls_head').call(conv), this.child<Linear>('trans_cls_head').call(trans)];
  }
}
