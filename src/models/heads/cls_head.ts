/**
 * `ClsHead` (MMPretrain `heads/cls_head.py`): `pre_logits` → `forward` (scores) → `loss` / `predict`.
 * The loss is built from `loss` (default `CrossEntropyLoss`); `cal_acc` adds `accuracy_top-k` to losses.
 */
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import { assert } from '../../utils/assert';
import type { LossModule } from '../losses';
import type { InitCfg } from '../nn/init';
import { checkKeys } from '../../utils/options';
import { Module } from '../nn/module';
import type { DataSample } from '../structures';

export interface ClsHeadOptions {
  /** Default: `{type: 'CrossEntropyLoss', loss_weight: 1.0}`. */
  loss?: Record<string, unknown> | LossModule;
  /** Default: [1]. */
  topk?: number | number[];
  /** Add top-k accuracy to the losses. Default: false. */
  cal_acc?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export const CLS_HEAD_KEYS = ['loss', 'topk', 'cal_acc', 'init_cfg'];

/** Builds a loss from a config dict (or passes a built one through). */
export function buildLoss(loss: Record<string, unknown> | LossModule): LossModule {
  return 'forward' in loss && typeof loss.forward === 'function' ? (loss as LossModule) : MODELS.build<LossModule>(loss as { type: string });
}

/** Top-k accuracy in percent, as `Accuracy.calculate` (a tie-free top-k). */
export function topkAccuracy(scores: Tensor, target: Int32Array, topk: number[]): number[] {
  const n = scores.shape[0];
  const maxk = Math.min(Math.max(...topk), scores.shape[1]!);
  const { indices } = tf.topk(scores, maxk);
  const idx = indices.dataSync();
  indices.dispose();
  return topk.map((k) => {
    let correct = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < Math.min(k, maxk); j++) if (idx[i * maxk + j] === target[i]) correct++;
    return (correct * 100) / n;
  });
}

/** The target of a batch: stacked `gt_score` (N, C) when present, else concatenated `gt_label` (N,). */
export function batchTarget(dataSamples: DataSample[]): Tensor {
  assert(dataSamples.length > 0, () => 'loss: no data samples');
  if (dataSamples[0].gt_score) return tf.stack(dataSamples.map((d) => tf.tensor1d(d.gt_score!)));
  const labels = dataSamples.flatMap((d) => {
    assert(d.gt_label && d.gt_label.length, () => 'loss: a data sample has neither gt_label nor gt_score');
    return d.gt_label;
  });
  return tf.tensor1d(labels, 'int32');
}

/** A head's output as a list of score tensors (a tuple head such as `ConformerHead` gives several). */
export function scoreList(out: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/**
 * The one (N, num_classes) score tensor of a classifier's `mode='tensor'` output: itself, or the sum of a tuple head's
 * scores (what its predictions are read from). A new tensor for a tuple (the caller disposes it), else the same one.
 */
export function summedScores(out: Tensor | Tensor[]): Tensor {
  const scores = scoreList(out);
  return scores.length === 1 ? scores[0] : tf.addN(scores);
}

/**
 * `Out` is the head's `forward` output: one score tensor, or several (ConformerHead's conv and transformer logits,
 * whose losses are summed and whose summed scores are predicted, as MMPretrain's ConformerHead does).
 */
export class ClsHead<Out extends Tensor | Tensor[] = Tensor> extends Module<Tensor[], Out> {
  readonly lossModule: LossModule;
  readonly topk: number[];
  readonly calAcc: boolean;
  initCfg: InitCfg | InitCfg[] | null;

  constructor(opts: ClsHeadOptions = {}, allowedKeys: string[] = CLS_HEAD_KEYS, defaultInit: InitCfg | null = null) {
    super();
    checkKeys(opts, allowedKeys, this.constructor.name);
    this.lossModule = buildLoss(opts.loss ?? { type: 'CrossEntropyLoss', loss_weight: 1.0 });
    this.topk = typeof opts.topk === 'number' ? [opts.topk] : (opts.topk ?? [1]);
    this.calAcc = opts.cal_acc ?? false;
    this.initCfg = opts.init_cfg === undefined ? defaultInit : opts.init_cfg;
  }

  protected override reprExtras(): [string, string][] {
    return [['loss_module', `${this.lossModule.constructor.name}()`]];
  }

  /** The feature the classifier layer sees (the last scale's feature here). */
  preLogits(feats: Tensor[]): Tensor {
    return feats[feats.length - 1];
  }

  forward(feats: Tensor[]): Out {
    return this.preLogits(feats) as Out;
  }

  /** `{loss, accuracy_top-k…}` for a batch; scalars as tensors (accuracies as numbers wrapped in tensors). */
  loss(feats: Tensor[], dataSamples: DataSample[]): Record<string, Tensor> {
    const out = this.call(feats);
    const losses = this.getLoss(out, dataSamples);
    tf.dispose(scoreList(out).filter((s) => !feats.includes(s)));
    return losses;
  }

  /** The loss of each score tensor (summed when the head gives several); accuracy of the summed scores. */
  protected getLoss(out: Out, dataSamples: DataSample[]): Record<string, Tensor> {
    return tf.tidy(() => {
      const scores = scoreList(out);
      const target = batchTarget(dataSamples);
      const terms = scores.map((s) => this.lossModule.forward(s, target, { avgFactor: s.shape[0] }));
      const losses: Record<string, Tensor> = { loss: terms.length === 1 ? terms[0] : tf.addN(terms) };
      if (this.calAcc) {
        assert(target.rank === 1, () => 'If you enable batch augmentation like mixup during training, `cal_acc` is pointless.');
        const acc = topkAccuracy(this.predictionScore(out), target.dataSync() as Int32Array, this.topk);
        this.topk.forEach((k, i) => (losses[`accuracy_top-${k}`] = tf.scalar(acc[i])));
      }
      return losses;
    });
  }

  /** The one score tensor predictions are read from: the output itself, or the sum of several outputs. */
  protected predictionScore(out: Out): Tensor {
    return summedScores(out);
  }

  predict(feats: Tensor[], dataSamples?: (DataSample | null)[] | null): DataSample[] {
    const out = this.call(feats);
    const score = this.predictionScore(out);
    const samples = this.getPredictions(score, dataSamples);
    tf.dispose([...new Set([score, ...scoreList(out)])].filter((s) => !feats.includes(s)));
    return samples;
  }

  /**
   * `predict` reading the scores asynchronously: the same predictions, without a synchronous GPU → CPU read (which
   * tfjs's WebGPU backend does through canvases, and which loses the device on SwiftShader). Use it on GPU backends.
   */
  async predictAsync(feats: Tensor[], dataSamples?: (DataSample | null)[] | null): Promise<DataSample[]> {
    const probs = tf.tidy(() => this.probabilities(this.predictionScore(this.call(feats))));
    try {
      return this.samplesFromProbabilities((await probs.data()) as Float32Array, probs.shape as [number, number], dataSamples);
    } finally {
      probs.dispose();
    }
  }

  /** Scores → probabilities: softmax (sigmoid in the multi-label heads). */
  protected probabilities(score: Tensor): Tensor {
    return tf.softmax(score, -1);
  }

  /** Read probabilities (N, C) → `pred_score` and the argmax `pred_label`, written into (copies of) the data samples. */
  protected samplesFromProbabilities(data: Float32Array, [n, c]: [number, number], dataSamples?: (DataSample | null)[] | null): DataSample[] {
    return Array.from({ length: n }, (_, i) => {
      const s = data.slice(i * c, (i + 1) * c);
      let best = 0;
      for (let j = 1; j < c; j++) if (s[j] > s[best]) best = j;
      return { ...(dataSamples?.[i] ?? {}), pred_score: s, pred_label: [best] };
    });
  }

  /** Softmax scores and argmax labels, written into (copies of) the data samples. */
  protected getPredictions(score: Tensor, dataSamples?: (DataSample | null)[] | null): DataSample[] {
    const probs = tf.tidy(() => this.probabilities(score));
    const data = probs.dataSync() as Float32Array;
    probs.dispose();
    return this.samplesFromProbabilities(data, [score.shape[0], score.shape[1]!], dataSamples);
  }
}
