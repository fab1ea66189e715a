/** Losses against closed-form values computed independently with plain numbers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { AsymmetricLoss, CrossEntropyLoss, FocalLoss, LabelSmoothLoss, weightReduceLoss } from '.';
import { MODELS } from '../../registry';
import { registerModels } from '../register_all';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModels();
});

const logits = [
  [2.0, -1.0, 0.5, 0.0],
  [-0.3, 0.8, 1.5, -2.0],
];
const labels = [0, 2];

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const val = (t: tf.Tensor) => t.dataSync()[0];

describe('CrossEntropyLoss', () => {
  const x = () => tf.tensor2d(logits);
  it('hard labels, mean, loss_weight, class_weight, avg_factor', () => {
    const ce = MODELS.build<CrossEntropyLoss>({ type: 'CrossEntropyLoss', loss_weight: 2 });
    const per = logits.map((r, i) => -logSoftmax(r)[labels[i]]);
    expect(val(ce.forward(x(), tf.tensor1d(labels, 'int32')))).toBeCloseTo((2 * (per[0] + per[1])) / 2, 5);
    const cw = new CrossEntropyLoss({ class_weight: [1, 1, 3, 1] });
    expect(val(cw.forward(x(), tf.tensor1d(labels, 'int32'), { avgFactor: 4 }))).toBeCloseTo((per[0] + 3 * per[1]) / 4, 5);
    expect(val(cw.forward(x(), tf.tensor1d(labels, 'int32'), { reductionOverride: 'sum' }))).toBeCloseTo(per[0] + 3 * per[1], 5);
  });
  it('soft targets (use_soft) and sigmoid BCE (use_sigmoid, pos_weight)', () => {
    const target = [[0.7, 0.1, 0.1, 0.1], [0, 0.5, 0.5, 0]];
    const soft = new CrossEntropyLoss({ use_soft: true });
    const expSoft = logits.map((r, i) => -logSoftmax(r).reduce((a, l, j) => a + target[i][j] * l, 0));
    expect(val(soft.forward(x(), tf.tensor2d(target)))).toBeCloseTo((expSoft[0] + expSoft[1]) / 2, 5);
    const bce = new CrossEntropyLoss({ use_sigmoid: true, pos_weight: [1, 2, 1, 1] });
    let sum = 0;
    logits.forEach((r, i) => r.forEach((v, j) => {
      const pw = j === 1 ? 2 : 1;
      sum += -(pw * target[i][j] * Math.log(sig(v)) + (1 - target[i][j]) * Math.log(1 - sig(v)));
    }));
    expect(val(bce.forward(x(), tf.tensor2d(target)))).toBeCloseTo(sum / 8, 5);
    expect(val(bce.forward(x(), tf.tensor2d(target), { avgFactor: 2 }))).toBeCloseTo(sum / 2, 5);
  });
  it('rejects use_sigmoid with use_soft, unknown keys, and avg_factor with sum', () => {
    expect(() => new CrossEntropyLoss({ use_sigmoid: true, use_soft: true })).toThrow(/could not be set simultaneously/);
    expect(() => MODELS.build({ type: 'CrossEntropyLoss', loss_weigth: 1 })).toThrow(/unknown option 'loss_weigth' — did you mean 'loss_weight'/);
    expect(() => weightReduceLoss(tf.ones([2]), { reduction: 'sum', avgFactor: 2 })).toThrow(/avg_factor can not be used with reduction="sum"/);
  });
});

describe('LabelSmoothLoss', () => {
  it('original, classy_vision and multi_label modes', () => {
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    const smoothCE = (eps: number) => logits.map((r, i) => -logSoftmax(r).reduce((a, l, j) => a + ((j === labels[i] ? 1 - eps : 0) + eps / 4) * l, 0)).reduce((a, b) => a + b) / 2;
    expect(val(new LabelSmoothLoss({ label_smooth_val: 0.1 }).forward(x, y))).toBeCloseTo(smoothCE(0.1), 5);
    expect(val(new LabelSmoothLoss({ label_smooth_val: 0.1, mode: 'classy_vision' }).forward(x, y))).toBeCloseTo(smoothCE(0.1 / 1.1), 5);
    let s = 0;
    logits.forEach((r, i) => r.forEach((v, j) => {
      const t = j === labels[i] ? 0.9 : 0.1;
      s += -(t * Math.log(sig(v)) + (1 - t) * Math.log(1 - sig(v)));
    }));
    expect(val(new LabelSmoothLoss({ label_smooth_val: 0.1, mode: 'multi_label', use_sigmoid: true }).forward(x, y))).toBeCloseTo(s / 8, 5);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 1.2 })).toThrow(/over \[0, 1\)/);
    expect(() => new LabelSmoothLoss({ label_smooth_val: 0.1, num_classes: 5 }).forward(x, y)).toThrow(/num_classes should equal to cls_score.shape\[1\]/);
  });
});

describe('FocalLoss and AsymmetricLoss', () => {
  it('match their formulas element by element', () => {
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    let focal = 0, asl = 0;
    logits.forEach((r, i) => r.forEach((v, j) => {
      const t = j === labels[i] ? 1 : 0;
      const p = sig(v);
      const pt = (1 - p) * t + p * (1 - t);
      const bce = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
      focal += bce * (0.25 * t + 0.75 * (1 - t)) * pt ** 2;
      const ptA = Math.min(1 - p + 0.05, 1) * (1 - t) + p * t;
      asl += -Math.log(Math.max(ptA, 1e-8)) * (1 - ptA) ** (0 * t + 4 * (1 - t));
    }));
    expect(val(new FocalLoss().forward(x, y))).toBeCloseTo(focal / 8, 6);
    expect(val(new AsymmetricLoss().forward(x, y))).toBeCloseTo(asl / 8, 6);
    expect(val(new FocalLoss({ loss_weight: 3 }).forward(x, y, { avgFactor: 2 }))).toBeCloseTo((3 * focal) / 2, 5);
  });
});
