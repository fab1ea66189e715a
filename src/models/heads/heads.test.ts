import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import type { ClsHead } from './cls_head';
import { ClsDataPreprocessor } from '../utils/data_preprocessor';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModels();
});

describe('heads', () => {
  it('ClsHead: softmax predictions, CE loss with avg_factor = N and top-k accuracy with cal_acc', () => {
    const head = MODELS.build<ClsHead>({ type: 'ClsHead', topk: [1, 2], cal_acc: true });
    const score = tf.tensor2d([[3, 1, 0], [0, 1, 2], [1, 2, 0]]);
    const preds = head.predict([score]);
    expect(preds.map((p) => p.pred_label)).toEqual([[0], [2], [1]]);
    expect([...preds[0].pred_score!].reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    const losses = head.loss([score], [{ gt_label: [0] }, { gt_label: [1] }, { gt_label: [1] }]);
    expect(losses['accuracy_top-1'].dataSync()[0]).toBeCloseTo(200 / 3, 4);
    expect(losses['accuracy_top-2'].dataSync()[0]).toBeCloseTo(100, 4);
    expect(losses.loss.dataSync()[0]).toBeGreaterThan(0);
  });

  it('StackedLinearClsHead / VisionTransformerClsHead / MultiLabelLinearClsHead: keys, pre_logits, predictions', () => {
    const stacked = MODELS.build<ClsHead>({ type: 'StackedLinearClsHead', num_classes: 5, in_channels: 8, mid_channels: [6, 4], norm_cfg: { type: 'BN1d' }, dropout_rate: 0.2 });
    expect([...stacked.stateDictShapes().keys()].filter((k) => k.endsWith('weight'))).toEqual(['layers.0.fc.weight', 'layers.0.norm.weight', 'layers.1.fc.weight', 'layers.1.norm.weight', 'layers.2.fc.weight']);
    stacked.eval();
    const f = tf.randomNormal([3, 8], 0, 1, 'float32', 2);
    expect(stacked.preLogits([f]).shape).toEqual([3, 4]);
    expect(stacked.call([f]).shape).toEqual([3, 5]);
    const vit = MODELS.build<ClsHead>({ type: 'VisionTransformerClsHead', num_classes: 5, in_channels: 8, hidden_dim: 16 });
    expect([...vit.stateDictShapes().keys()]).toEqual(['layers.pre_logits.weight', 'layers.pre_logits.bias', 'layers.head.weight', 'layers.head.bias']);
    initWeights(vit, new Generator(0));
    expect([...(vit.stateDict().get('layers.head.weight')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    const ml = MODELS.build<ClsHead>({ type: 'MultiLabelLinearClsHead', num_classes: 4, in_channels: 8, thr: 0.5 });
    initWeights(ml, new Generator(0));
    const p = ml.predict([f]);
    expect(p[0].pred_score!.length).toBe(4);
    expect(p[0].pred_label).toEqual([...p[0].pred_score!.keys()].filter((j) => p[0].pred_score![j] >= 0.5));
    const l = ml.loss([f], [{ gt_label: [0, 3] }, { gt_label: [] }, { gt_label: [1] }]);
    expect(l.loss.dataSync()[0]).toBeCloseTo(Math.log(2) * 4, 1); // ≈ 4·log 2 (BCE summed over classes, / N) at near-zero logits
    const topk = MODELS.build<ClsHead>({ type: 'MultiLabelClsHead', topk: 2 });
    expect(topk.predict([tf.tensor2d([[0.1, 3, -1, 2]])])[0].pred_label).toEqual([1, 3]);
  });
});

describe('ClsDataPreprocessor', () => {
  it('BGR→RGB, normalisation, padding a list of images to the batch max (and divisor), one-hot scores', () => {
    const dp = new ClsDataPreprocessor({ mean: [1, 2, 3], std: [2, 2, 2], to_rgb: true, pad_size_divisor: 4, pad_value: -9, to_onehot: true, num_classes: 3 });
    const a = tf.tensor3d(Array.from({ length: 3 * 2 * 3 }, (_, i) => i), [3, 2, 3], 'int32');
    const b = tf.tensor3d(Array.from({ length: 3 * 3 * 2 }, () => 5), [3, 3, 2], 'int32');
    const { inputs, data_samples } = dp.forward({ inputs: [a, b], data_samples: [{ gt_label: [2] }, { gt_label: [0] }] });
    expect(inputs.shape).toEqual([2, 3, 4, 4]);
    const v = inputs.arraySync() as number[][][][];
    // channel 0 of the output = input channel 2 (BGR→RGB), minus mean[0]=1, / 2
    expect(v[0][0][0][0]).toBeCloseTo((12 - 1) / 2, 6);
    expect(v[0][2][1][2]).toBeCloseTo((5 - 3) / 2, 6);
    expect(v[0][0][3][3]).toBe(-9);
    expect(v[1][1][2][1]).toBeCloseTo((5 - 2) / 2, 6);
    expect(data_samples!.map((d) => [...d.gt_score!])).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(() => new ClsDataPreprocessor({ mean: [1] })).toThrow(/mean and std should be both None or tuple/);
    expect(() => new ClsDataPreprocessor({ to_onehot: true })).toThrow(/needs num_classes/);
  });
});
