/**
 * `predictAsync` (heads and `ImageClassifier`): the same predictions as `predict`, read without `dataSync` (the
 * WebGPU backend's synchronous read loses the device on SwiftShader), and no tensor left behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import type { ImageClassifier } from '../classifiers/image';
import type { ClsHead } from './cls_head';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModels();
});

/** Runs `predictAsync` with `dataSync` forbidden on every tensor, so a synchronous read anywhere fails the test. */
async function withoutDataSync<T>(run: () => Promise<T>): Promise<T> {
  const probe = tf.scalar(0);
  const proto = Object.getPrototypeOf(probe) as { dataSync: () => unknown };
  probe.dispose();
  const original = proto.dataSync;
  proto.dataSync = () => {
    throw new Error('dataSync called');
  };
  try {
    return await run();
  } finally {
    proto.dataSync = original;
  }
}

describe('predictAsync', () => {
  it('ClsHead / multi-label heads: equal to predict (softmax argmax; sigmoid with thr and with topk), no dataSync, no leak', async () => {
    const heads = [
      MODELS.build<ClsHead>({ type: 'LinearClsHead', num_classes: 5, in_channels: 8 }),
      MODELS.build<ClsHead>({ type: 'MultiLabelLinearClsHead', num_classes: 5, in_channels: 8, thr: 0.5 }),
      MODELS.build<ClsHead>({ type: 'MultiLabelLinearClsHead', num_classes: 5, in_channels: 8, topk: 2 }),
    ];
    const f = tf.randomNormal([3, 8], 0, 2, 'float32', 4);
    for (const head of heads) {
      initWeights(head, new Generator(1));
      head.eval();
      const ds = [{ gt_label: [1] }, null, { gt_label: [3] }];
      const sync = head.predict([f], ds);
      const before = tf.memory().numTensors;
      const async_ = await withoutDataSync(() => head.predictAsync([f], ds));
      expect(tf.memory().numTensors).toBe(before);
      expect(async_).toEqual(sync);
      expect(async_[0].gt_label).toEqual([1]);
      expect(new Set(sync.map((s) => s.pred_label!.join())).size).toBeGreaterThan(1); // not a constant answer
      head.dispose();
    }
    f.dispose();
  });

  it('ImageClassifier.predictAsync / testStepAsync equal predict / testStep', async () => {
    const model = MODELS.build<ImageClassifier>({
      type: 'ImageClassifier',
      backbone: { type: 'LeNet5', num_classes: 10 },
      head: { type: 'ClsHead' },
      data_preprocessor: { mean: [33.46], std: [78.87] },
    });
    initWeights(model, new Generator(0));
    model.eval();
    const x = tf.randomNormal([2, 1, 32, 32], 0, 1, 'float32', 5);
    expect(await withoutDataSync(() => model.predictAsync(x))).toEqual(model.predict(x));
    const raw = tf.randomUniform([2, 1, 32, 32], 0, 255, 'int32', 6);
    const before = tf.memory().numTensors;
    expect(await withoutDataSync(() => model.testStepAsync({ inputs: raw }))).toEqual(model.testStep({ inputs: raw }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, raw]);
    model.dispose();
  });
});
