/**
 * Every mode of CrossEntropyLoss and LabelSmoothLoss as MMPretrain 1.2 computes them (reduction none / mean / sum,
 * sample weights, class_weight, pos_weight, avg_factor, loss_weight, reduction_override, soft and (N, 1) labels),
 * each against values computed here with plain loops, and against MMPretrain 1.2's own loss code on PyTorch
 * (`__fixtures__/loss_modes.json`, written by `__fixtures__/make_loss_modes.py`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { useBackend } from '../node';
import { CrossEntropyLoss, LabelSmoothLoss } from '.';

beforeAll(async () => {
  await useBackend('wasm');
});

const logits = [
  [1.5, -0.5, 0.25, 2.0],
  [-1.0, 0.75, 0.5, -0.25],
  [0.0, 3.0, -2.0, 1.0],
];
const labels = [3, 0, 1];
const N = logits.length;
const K = logits[0].length;
const sampleW = [0.5, 2.0, 1.5];
const classW = [1.0, 0.5, 2.0, 3.0];

const logSoftmax = (r: number[]) => {
  const m = Math.max(...r);
  const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
  return r.map((v) => v - lse);
};
const logSig = (v: number) => -Math.log1p(Math.exp(-v));
const log1mSig = (v: number) => -v + logSig(v);
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const x = () => tf.tensor2d(logits);
const hard = () => tf.tensor1d(labels, 'int32');
const vals = (t: Tensor) => Array.from(t.dataSync());
const close = (got: Tensor, want: number | number[], digits = 5) => {
  const g = vals(got);
  const w = typeof want === 'number' ? [want] : want;
  expect(g.length).toBe(w.length);
  w.forEach((v, i) => expect(g[i]).toBeCloseTo(v, digits));
};

/** −Σ_k t_k w_k log softmax(x)_k per row. */
const softCE = (t: number[][], cw: number[] | null = null) => logits.map((r, i) => -sum(logSoftmax(r).map((l, k) => t[i][k] * (cw ? cw[k] : 1) * l)));
/** Element-wise BCE with logits, with class weight and pos weight. */
const bce = (t: number[][], cw: number[] | null = null, pw: number[] | null = null) =>
  logits.map((r, i) => r.map((v, k) => -(cw ? cw[k] : 1) * ((pw ? pw[k] : 1) * t[i][k] * logSig(v) + (1 - t[i][k]) * log1mSig(v))));
const oneHot = labels.map((l) => Array.from({ length: K }, (_, k) => (k === l ? 1 : 0)));

describe('CrossEntropyLoss (softmax, hard labels)', () => {
  const per = logits.map((r, i) => -logSoftmax(r)[labels[i]]);
  it("reduction 'none' gives the per-sample losses; class_weight scales each by w[y]", () => {
    close(new CrossEntropyLoss({ reduction: 'none' }).forward(x(), hard()), per);
    close(new CrossEntropyLoss({ reduction: 'none', class_weight: classW }).forward(x(), hard()), per.map((p, i) => p * classW[labels[i]]));
  });
  it("'mean' is the plain mean of the weighted losses (not PyTorch's weight-normalised mean); 'sum' and loss_weight", () => {
    const weighted = per.map((p, i) => p * classW[labels[i]] * sampleW[i]);
    const ce = new CrossEntropyLoss({ class_weight: classW, loss_weight: 0.5 });
    close(ce.forward(x(), hard(), { weight: tf.tensor1d(sampleW) }), (0.5 * sum(weighted)) / N);
    close(new CrossEntropyLoss({ reduction: 'sum' }).forward(x(), hard(), { weight: tf.tensor1d(sampleW) }), sum(per.map((p, i) => p * sampleW[i])));
  });
  it('avg_factor divides the sum in mean mode and is ignored with none; reduction_override wins', () => {
    const ce = new CrossEntropyLoss();
    close(ce.forward(x(), hard(), { avgFactor: 7 }), sum(per) / 7);
    close(ce.forward(x(), hard(), { avgFactor: 7, reductionOverride: 'none' }), per);
    close(ce.forward(x(), hard(), { reductionOverride: 'sum' }), sum(per));
    expect(() => ce.forward(x(), hard(), { avgFactor: 7, reductionOverride: 'sum' })).toThrow('avg_factor can not be used with reduction="sum"');
  });
  it('a probability target (N, C) without use_soft is the soft cross entropy (F.cross_entropy with class probabilities)', () => {
    const t = [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]];
    close(new CrossEntropyLoss({ reduction: 'none', class_weight: classW }).forward(x(), tf.tensor2d(t)), softCE(t, classW));
  });
});

describe('CrossEntropyLoss (use_soft)', () => {
  const t = [[0.6, 0.2, 0.0, 0.2], [0.0, 0.5, 0.5, 0.0], [0.1, 0.7, 0.1, 0.1]];
  it('class_weight inside the class sum, sample weight, every reduction, avg_factor, loss_weight', () => {
    const per = softCE(t, classW);
    const ce = new CrossEntropyLoss({ use_soft: true, class_weight: classW, loss_weight: 3 });
    close(ce.forward(x(), tf.tensor2d(t), { reductionOverride: 'none' }), per.map((p) => 3 * p));
    close(ce.forward(x(), tf.tensor2d(t), { weight: tf.tensor1d(sampleW) }), (3 * sum(per.map((p, i) => p * sampleW[i]))) / N);
    close(ce.forward(x(), tf.tensor2d(t), { reductionOverride: 'sum' }), 3 * sum(per));
    close(ce.forward(x(), tf.tensor2d(t), { avgFactor: 2 }), (3 * sum(per)) / 2);
  });
});

describe('CrossEntropyLoss (use_sigmoid)', () => {
  const t = [[1, 0, 0, 1], [0, 0, 1, 0], [0.5, 1, 0, 0]];
  it("'none' keeps (N, C); class_weight and pos_weight per class; sample weight per row", () => {
    const el = bce(t, classW, [2, 1, 1, 0.5]);
    const ce = new CrossEntropyLoss({ use_sigmoid: true, reduction: 'none', class_weight: classW, pos_weight: [2, 1, 1, 0.5] });
    const y = ce.forward(x(), tf.tensor2d(t), { weight: tf.tensor1d(sampleW) });
    expect(y.shape).toEqual([N, K]);
    close(y, el.flatMap((r, i) => r.map((v) => v * sampleW[i])));
  });
  it("'mean' over all N·C elements, 'sum', avg_factor (the head's batch size), loss_weight", () => {
    const el = bce(t).flat();
    const ce = new CrossEntropyLoss({ use_sigmoid: true, loss_weight: 2 });
    close(ce.forward(x(), tf.tensor2d(t)), (2 * sum(el)) / (N * K));
    close(ce.forward(x(), tf.tensor2d(t), { reductionOverride: 'sum' }), 2 * sum(el));
    close(ce.forward(x(), tf.tensor2d(t), { avgFactor: N }), (2 * sum(el)) / N);
  });
  it('pos_weight is ignored without use_sigmoid', () => {
    const a = new CrossEntropyLoss({ pos_weight: [5, 5, 5, 5] }).forward(x(), hard());
    const b = new CrossEntropyLoss().forward(x(), hard());
    close(a, vals(b));
  });
});

describe('LabelSmoothLoss', () => {
  const eps = 0.2;
  const smoothOriginal = (t: number[][], e: number) => t.map((r) => r.map((v) => v * (1 - e) + e / K));
  const smoothMulti = (t: number[][], e: number) => t.map((r) => r.map((v) => (v > 0 ? 1 - e : e)));

  it("original: (N,) and (N, 1) labels, reduction 'none' / 'sum', avg_factor, loss_weight, sample weight", () => {
    const per = softCE(smoothOriginal(oneHot, eps));
    close(new LabelSmoothLoss({ label_smooth_val: eps, reduction: 'none' }).forward(x(), hard()), per);
    close(new LabelSmoothLoss({ label_smooth_val: eps, reduction: 'sum' }).forward(x(), tf.tensor2d(labels.map((l) => [l]), [N, 1], 'int32')), sum(per));
    close(new LabelSmoothLoss({ label_smooth_val: eps, loss_weight: 4 }).forward(x(), hard(), { avgFactor: 2 }), (4 * sum(per)) / 2);
    close(new LabelSmoothLoss({ label_smooth_val: eps }).forward(x(), hard(), { weight: tf.tensor1d(sampleW) }), sum(per.map((p, i) => p * sampleW[i])) / N);
    close(new LabelSmoothLoss({ label_smooth_val: eps }).forward(x(), hard(), { reductionOverride: 'none' }), per);
  });

  it('original on soft (Mixup) targets and with class_weight', () => {
    const mix = [[0.7, 0.3, 0, 0], [0, 0, 0.4, 0.6], [0.5, 0.5, 0, 0]];
    close(new LabelSmoothLoss({ label_smooth_val: eps, reduction: 'none', class_weight: classW }).forward(x(), tf.tensor2d(mix)), softCE(smoothOriginal(mix, eps), classW));
  });

  it('classy_vision: ε / (1 + ε)', () => {
    const e = eps / (1 + eps);
    close(new LabelSmoothLoss({ label_smooth_val: eps, mode: 'classy_vision', reduction: 'none' }).forward(x(), hard()), softCE(smoothOriginal(oneHot, e)));
  });

  it('use_sigmoid in original mode: BCE on the (1−ε)·y + ε/K targets', () => {
    const el = bce(smoothOriginal(oneHot, eps)).flat();
    close(new LabelSmoothLoss({ label_smooth_val: eps, use_sigmoid: true }).forward(x(), hard()), sum(el) / (N * K));
  });

  it('multi_label: multi-hot targets, sigmoid by default, pos_weight, reduction none; use_sigmoid=false gives soft CE', () => {
    const multi = [[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]];
    const t = smoothMulti(multi, eps);
    const y = new LabelSmoothLoss({ label_smooth_val: eps, mode: 'multi_label', reduction: 'none', pos_weight: [1, 2, 3, 4] }).forward(x(), tf.tensor2d(multi));
    expect(y.shape).toEqual([N, K]);
    close(y, bce(t, null, [1, 2, 3, 4]).flat());
    close(new LabelSmoothLoss({ label_smooth_val: eps, mode: 'multi_label' }).forward(x(), tf.tensor2d(multi), { avgFactor: N }), sum(bce(t).flat()) / N);
    close(new LabelSmoothLoss({ label_smooth_val: eps, mode: 'multi_label', use_sigmoid: false, reduction: 'none' }).forward(x(), tf.tensor2d(multi)), softCE(t));
  });

  it('label_smooth_val 0 is the plain loss; bad mode, reduction and target shapes are rejected', () => {
    const per = logits.map((r, i) => -logSoftmax(r)[labels[i]]);
    close(new LabelSmoothLoss({ label_smooth_val: 0, reduction: 'none' }).forward(x(), hard()), per);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 0.1, mode: 'timm' as never })).toThrow(/supports mode/);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 0.1, reduction: 'avg' as never })).toThrow(/supports reduction/);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 0.1 }).forward(x(), tf.tensor2d([[1, 0, 0]]))).toThrow(/same shape/);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 0.1 }).forward(x(), tf.tensor1d([0, 1, 4], 'int32'))).toThrow(/Class Index must be less than number of classes/);
  });
});

describe('against MMPretrain 1.2 on PyTorch (__fixtures__/loss_modes.json)', () => {
  type Case = { name: string; loss: string; cfg: Record<string, unknown>; target: number[] | number[][]; target_dtype: 'int' | 'float'; call: { weight?: number[]; avg_factor?: number; reduction_override?: 'none' | 'mean' | 'sum' }; shape: number[]; out: number[] };
  const ref = JSON.parse(readFileSync(fileURLToPath(new URL('./__fixtures__/loss_modes.json', import.meta.url)), 'utf8')) as { logits: number[][]; cases: Case[] };
  it.each(ref.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const loss = c.loss === 'CrossEntropyLoss' ? new CrossEntropyLoss(c.cfg) : new LabelSmoothLoss(c.cfg as never);
    const target = tf.tensor(c.target, undefined, c.target_dtype === 'int' ? 'int32' : 'float32');
    const y = loss.forward(tf.tensor2d(ref.logits), target, { weight: c.call.weight ? tf.tensor1d(c.call.weight) : null, avgFactor: c.call.avg_factor ?? null, reductionOverride: c.call.reduction_override ?? null });
    expect(y.shape).toEqual(c.shape);
    close(y, c.out);
  });
});
