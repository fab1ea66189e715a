/** Training mode: gradients reach trainable parameters only, BN statistics move, no tensor leaks (CPU, tiny). */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { buildClassifier } from '../builder';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ImageClassifier in training mode', () => {
  it('loss gradients flow to trainable parameters, frozen stages get none, running stats update', () => {
    const model = buildClassifier({
      model: {
        type: 'ImageClassifier',
        backbone: { type: 'ResNet_CIFAR', depth: 18, stem_channels: 4, base_channels: 4, frozen_stages: 1, drop_path_rate: 0.1 },
        neck: { type: 'GlobalAveragePooling' },
        head: { type: 'LinearClsHead', num_classes: 3, in_channels: 32, cal_acc: true },
      },
      data_preprocessor: { num_classes: 3, mean: [125, 123, 114], std: [51, 51, 51] },
    });
    model.train();
    expect(model.backbone.child('layer1').training).toBe(false); // frozen stage stays in eval
    const trainable = model.namedParameters().filter(([, v]) => v.trainable);
    const frozen = model.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.some((n) => n.startsWith('backbone.layer1.'))).toBe(true);
    expect(frozen.some((n) => n.startsWith('backbone.layer2.'))).toBe(false);
    const raw = tf.randomUniform([4, 3, 16, 16], 0, 255, 'float32', 3);
    const samples = [0, 1, 2, 1].map((l) => ({ gt_label: [l] }));
    const rm = model.stateDict().get('backbone.layer2.0.bn1.running_mean')!.data as Float32Array;
    const rmBefore = Float32Array.from(rm);
    const step = () => {
      const { inputs, data_samples } = model.dataPreprocessor.forward({ inputs: raw, data_samples: samples }, true);
      const { value, grads } = tf.variableGrads(() => model.loss(inputs, data_samples!).loss as tf.Scalar, trainable.map(([, v]) => v));
      const out = { loss: value.dataSync()[0], names: Object.keys(grads).length };
      tf.dispose([value, inputs, ...Object.values(grads)]);
      return out;
    };
    const first = step();
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(first.names).toBe(trainable.length);
    const rmAfter = model.stateDict().get('backbone.layer2.0.bn1.running_mean')!.data as Float32Array;
    expect(rmAfter.some((v, i) => v !== rmBefore[i])).toBe(true);
    const n = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(n);
    raw.dispose();
    model.dispose();
  });
});
