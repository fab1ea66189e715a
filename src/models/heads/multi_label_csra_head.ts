/**
 * `CSRAClsHead` (MMPretrain `heads/multi_label_csra_head.py`, class-specific residual attention): a multi-label head
 * whose logits are the sum over `num_heads` `CSRAModule`s (`csra_heads.<i>.head`, a bias-free 1×1 conv) of
 * mean + λ·attention pooling of the class score maps, each head with its own softmax temperature (99: max pooling).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Conv2d } from '../nn/conv';
import { ModuleList } from '../nn/container';
import { Module } from '../nn/module';
import { MultiLabelClsHead, type MultiLabelClsHeadOptions } from './multi_label_cls_head';

/** Temperatures per `num_heads` (99 means max pooling). */
export const CSRA_TEMPERATURES: Record<number, number[]> = {
  1: [1],
  2: [1, 99],
  4: [1, 2, 4, 99],
  6: [1, 2, 3, 4, 5, 99],
  8: [1, 2, 3, 4, 5, 6, 7, 99],
};

/** One residual-attention head: scores = conv(x) / ‖w_k‖, then mean + λ·(softmax(T·s)-weighted sum, or max). */
export class CSRAModule extends Module {
  readonly conv: Conv2d;

  constructor(numClasses: number, inChannels: number, readonly T: number, readonly lam: number) {
    super();
    this.conv = this.addModule('head', new Conv2d({ in_channels: inChannels, out_channels: numClasses, kernel_size: 1, bias: false }));
  }

  override typeNames(): string[] {
    return ['CSRAModule'];
  }

  /** x: NHWC → logits (B, classes). */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const w = this.conv.weight; // (K, C, 1, 1)
      const norm = tf.sqrt(tf.sum(tf.square(w), [1, 2, 3]));
      const s = tf.div(this.conv.call(x), norm); // (B, H, W, K)
      const [b, h, wd, k] = s.shape as [number, number, number, number];
      const score = tf.transpose(tf.reshape(s, [b, h * wd, k]), [0, 2, 1]); // (B, K, HW), as PyTorch's flatten(2)
      const base = tf.mean(score, -1);
      const att = this.T === 99 ? tf.max(score, -1) : tf.sum(tf.mul(score, tf.softmax(tf.mul(score, this.T), -1)), -1);
      return tf.add(base, tf.mul(att, this.lam));
    });
  }
}

export interface CSRAClsHeadOptions extends MultiLabelClsHeadOptions {
  num_classes: number;
  in_channels: number;
  /** 1, 2, 4, 6 or 8. */
  num_heads: number;
  /** Weight of the attention logits (> 0). */
  lam: number;
}

export class CSRAClsHead extends MultiLabelClsHead {
  readonly tempList: number[];
  readonly csraHeads: ModuleList<CSRAModule>;

  constructor(opts: CSRAClsHeadOptions) {
    const { num_classes, in_channels, num_heads, lam, ...rest } = opts;
    assert(Object.prototype.hasOwnProperty.call(CSRA_TEMPERATURES, num_heads), () => 'The num of heads is not in temperature setting.');
    assert(lam > 0, () => 'Lambda should be between 0 and 1.');
    super(rest, ['loss', 'thr', 'topk', 'init_cfg'], { type: 'Normal', layer: 'Linear', std: 0.01 });
    this.tempList = CSRA_TEMPERATURES[num_heads];
    this.csraHeads = this.addModule('csra_heads', new ModuleList(this.tempList.map((t) => new CSRAModule(num_classes, in_channels, t, lam))));
  }

  override forward(feats: Tensor[]): Tensor {
    const x = this.preLogits(feats);
    return tf.tidy(() => tf.addN(this.csraHeads.items().map((h) => h.call(x))));
  }
}
