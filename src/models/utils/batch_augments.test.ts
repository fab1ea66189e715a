import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../backends/tf';
import { buildClassifier } from '../builder';
import { Generator } from '../../utils/random';
import { CutMix, Mixup, ResizeMix } from './batch_augments';

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
  it('ResizeMix pastes the whole other image, resized as F.interpolate(bilinear, align_corners=False)', () => {
    // Expected from PyTorch 1.13: x = arange(32).reshape(2,1,4,4); x[:, :, 1:4, 0:3] = F.interpolate(x[[1, 0]], (3, 3), mode='bilinear', align_corners=False)
    const expected = [
      0, 1, 2, 3, 16.83333396911621, 18.16666603088379, 19.5, 7, 22.16666603088379, 23.5, 24.83333396911621, 11, 27.500001907348633, 28.83333396911621,
      30.16666603088379, 15, 16, 17, 18, 19, 0.8333333730697632, 2.1666667461395264, 3.500000238418579, 23, 6.1666669845581055, 7.500000476837158,
      8.833333969116211, 27, 11.500000953674316, 12.833333969116211, 14.166666984558105, 31,
    ];
    const rm = new ResizeMix({ alpha: 1 });
    const x = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i), [2, 1, 4, 4]);
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    const before = tf.memory().numTensors;
    const [mx, my] = rm.mixWith(x, y, [1, 4, 0, 3], 1 - 9 / 16, [1, 0]);
    Array.from(mx.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(Array.from(my.dataSync())).toEqual([7 / 16, 9 / 16, 9 / 16, 7 / 16]);
    tf.dispose([mx, my]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new ResizeMix({ alpha: 1, lam_min: 0.9, lam_max: 0.2 })).toThrow(/lam_min <= lam_max/);
    tf.dispose([x, y]);
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
  const mixing = (seed: number) => buildClassifier({
    model: { type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 3 }, head: { type: 'ClsHead' }, train_cfg: { augments: [{ type: 'Mixup', alpha: 0.8 }, { type: 'CutMix', alpha: 1.0 }] } },
    data_preprocessor: { num_classes: 3, mean: [0], std: [1] },
  }, { seed });
  it('a classifier with train_cfg augments mixes only in training and yields soft gt_score', () => {
    const model = mixing(1);
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
  it("the batch augments draw from the model's own stream, seeded by the run's seed: same seed, same mixing", () => {
    const imgs = tf.randomUniform([4, 1, 32, 32], 0, 255, 'float32', 1);
    const samples = [{ gt_label: [0] }, { gt_label: [2] }, { gt_label: [1] }, { gt_label: [0] }];
    const scores = (seed: number, batches: number): number[][][] => {
      const model = mixing(seed);
      const out = Array.from({ length: batches }, () => {
        const r = model.dataPreprocessor.forward({ inputs: imgs, data_samples: samples }, true);
        r.inputs.dispose();
        return r.data_samples!.map((d) => [...d.gt_score!]);
      });
      model.dispose();
      return out;
    };
    const a = scores(5, 3);
    expect(scores(5, 3)).toEqual(a); // a second model of the same seed repeats the draws (no shared generator moved on)
    expect(scores(6, 3)).not.toEqual(a);
    expect(a[1]).not.toEqual(a[0]); // the stream goes on from batch to batch
    imgs.dispose();
  });
});
