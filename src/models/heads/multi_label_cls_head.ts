/**
 * `MultiLabelClsHead` and `MultiLabelLinearClsHead` (MMPretrain `heads/multi_label_*.py`): sigmoid scores;
 * labels over `thr` (default 0.5) or the `topk` best; targets one-hot from `gt_label` or `gt_score`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Linear } from '../nn/linear';
import type { DataSample } from '../structures';
import { ClsHead, type ClsHeadOptions } from './cls_head';

export interface MultiLabelClsHeadOptions extends Omit<ClsHeadOptions, 'topk' | 'cal_acc'> {
  /** Score threshold for a positive label. Default: 0.5 when `topk` is unset. */
  thr?: number | null;
  /** Predict the k best labels instead of thresholding. Default: null. */
  topk?: number | null;
}

const ML_KEYS = ['loss', 'thr', 'topk', 'init_cfg'];

export class MultiLabelClsHead extends ClsHead {
  readonly thr: number | null;
  readonly mlTopk: number | null;

  constructor(opts: MultiLabelClsHeadOptions = {}, keys: string[] = ML_KEYS, defaultInit: ClsHeadOptions['init_cfg'] = null) {
    const { thr = null, topk = null, ...rest } = opts;
    super({ ...rest, loss: opts.loss ?? { type: 'CrossEntropyLoss', use_sigmoid: true } }, keys.filter((k) => k !== 'thr' && k !== 'topk'), defaultInit as never);
    this.thr = thr === null && topk === null ? 0.5 : thr;
    this.mlTopk = topk;
  }

  protected override getLoss(score: Tensor, dataSamples: DataSample[]): Record<string, Tensor> {
    return tf.tidy(() => {
      const c = score.shape[score.rank - 1];
      const target = dataSamples[0].gt_score
        ? tf.stack(dataSamples.map((d) => tf.tensor1d(d.gt_score!)))
        : tf.stack(
            dataSamples.map((d) => {
              const v = new Float32Array(c);
              for (const l of d.gt_label ?? []) {
                assert(l >= 0 && l < c, () => `multi-label target ${l} outside [0, ${c})`);
                v[l] = 1;
              }
              return tf.tensor1d(v);
            }),
          );
      return { loss: this.lossModule.forward(score, target, { avgFactor: score.shape[0] }) };
    });
  }

  protected override probabilities(score: Tensor): Tensor {
    return tf.sigmoid(score);
  }

  /** Sigmoid scores; labels are the classes at or above `thr`, or the `topk` best when `thr` is unset. */
  protected override samplesFromProbabilities(data: Float32Array, [n, c]: [number, number], dataSamples?: (DataSample | null)[] | null): DataSample[] {
    return Array.from({ length: n }, (_, i) => {
      const s = data.slice(i * c, (i + 1) * c);
      let label: number[];
      if (this.thr !== null) label = [...s.keys()].filter((j) => s[j] >= this.thr!);
      else label = [...s.keys()].sort((a, b) => s[b] - s[a]).slice(0, this.mlTopk!);
      return { ...(dataSamples?.[i] ?? {}), pred_score: s, pred_label: label };
    });
  }
}

export interface MultiLabelLinearClsHeadOptions extends MultiLabelClsHeadOptions {
  num_classes: number;
  in_channels: number;
}

export class MultiLabelLinearClsHead extends MultiLabelClsHead {
  readonly fc: Linear;
  constructor(opts: MultiLabelLinearClsHeadOptions) {
    const { num_classes, in_channels, ...rest } = opts;
    super(rest, ML_KEYS, { type: 'Normal', layer: 'Linear', std: 0.01 });
    assert(num_classes > 0, () => `num_classes (${num_classes}) must be a positive integer.`);
    this.fc = this.addModule('fc', new Linear({ in_features: in_channels, out_features: num_classes }));
  }
  override forward(feats: Tensor[]): Tensor {
    return this.fc.call(this.preLogits(feats));
  }
}
