import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../backends/tf';
import { buildClassifier } from '../builder';
import { Generator } from '../nn/rng';
import { CutMix, Mixup, setBatchAugmentGenerator } from './batch_augments';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('batch augments', () => {
  const x = () => tf.tensor4d(Array.from({ length: 2 * 1 * 4 * 4 }, (_, i) => (i < 16 ? 0 : 1)), [2, 1, 4, 4]) as Tensor4D;
  const y = () => tf.tensor2d([[1, 0], [0, 1]]);
  it('Mixup mixes inputs and scores with the same λ and permutation', () => {
    const [mx, my] = new Mixup({ alpha: 1 }).mixWith(x(), y(), 0.3, [1, 0]);
    expect(mx.dataSync()[0]).toBeCloseTo(0.7, 6);
    expect([...my.dataSync()].map((v) => +v.toFixed(6))).toEqual([0.3, 0.7, 0.7, 0.3]);
  });
  it('CutMix pastes the box and sets λ to the kept area', () => {
    const cm = new CutMix({ alpha: 1 });
    const [box, lam] = cm.bboxAndLam(4, 4, 0.75, new Generator(3));
    const area = (box[1] - box[0]) * (box[3] - box[2]);
    expect(lam).toBeCloseTo(1 - area / 16, 9);
    const [mx, my] = cm.mixWith(x(), y(), [0, 2, 0, 2], 0.75, [1, 0]);
    const v = mx.arraySync() as number[][][][];
    expect(v[0][0][0][0]).toBe(1);
    expect(v[0][0][3][3]).toBe(0);
    expect([...my.dataSync()]).toEqual([0.75, 0.25, 0.25, 0.75]);
  });
  it('a classifier with train_cfg augments mixes only in training and yields soft gt_score', () => {
    setBatchAugmentGenerator(new Generator(1));
    const model = buildClassifier({
      model: { type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 3 }, head: { type: 'ClsHead' }, train_cfg: { augments: [{ type: 'Mixup', alpha: 0.8 }, { type: 'CutMix', alpha: 1.0 }] } },
      data_preprocessor: { num_classes: 3, mean: [0], std: [1] },
    });
    const imgs = tf.randomUniform([2, 1, 32, 32], 0, 255, 'float32', 1);
    const samples = [{ gt_label: [0] }, { gt_label: [2] }];
    const train = model.dataPreprocessor.forward({ inputs: imgs, data_samples: samples }, true);
    const s = train.data_samples!.map((d) => [...d.gt_score!]);
    expect(s.every((r) => Math.abs(r.reduce((a, b) => a + b) - 1) < 1e-6)).toBe(true);
    const test = model.dataPreprocessor.forward({ inputs: imgs, data_samples: samples }, false);
    expect(test.data_samples!.map((d) => [...d.gt_score!])).toEqual([[1, 0, 0], [0, 0, 1]]);
    const losses = model.loss(train.inputs, train.data_samples!);
    expect(Number.isFinite(losses.loss.dataSync()[0])).toBe(true);
    model.dispose();
  });
});
