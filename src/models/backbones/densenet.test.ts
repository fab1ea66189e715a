/**
 * DenseNet: outputs equal the real MMPretrain module's on deterministic weights (`__fixtures__/group_d`: 121 with
 * every stage out, and a custom arch dict with bn_size 2, compression 0.7, drop_rate, mixed out_indices), the
 * metafile's parameter counts of 121 / 169 / 201 / 161, out_indices, frozen_stages, dropout and the error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { runGroupDCase } from './__fixtures__/group_d/load';
import { DENSENET_ARCH_SETTINGS, DenseLayer, DenseNet } from './densenet';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const SMALL = { growth_rate: 4, depths: [2, 1, 2], init_channels: 8 };

describe('DenseNet against MMPretrain (deterministic weights)', () => {
  for (const name of ['densenet121', 'densenet_custom']) {
    it(name, async () => {
      const r = await runGroupDCase(name);
      expect(r.keysMatch.backbone).toBe(true);
      for (const [i, e] of r.errors.entries()) expect(e, `out_${i}`).toBeLessThan(1e-4);
    }, 30000);
  }
});

describe('DenseNet structure', () => {
  const counts: [string, number, number][] = [['121', 1024, 7_978_856], ['169', 1664, 14_149_480], ['201', 1920, 20_013_928], ['161', 2208, 28_681_000]];
  for (const [arch, channels, params] of counts) {
    it(`densenet${arch}: ${params} parameters as the metafile`, () => {
      const model = MODELS.build<ImageClassifier>({
        type: 'ImageClassifier',
        backbone: { type: 'DenseNet', arch },
        neck: { type: 'GlobalAveragePooling' },
        head: { type: 'LinearClsHead', in_channels: channels, num_classes: 1000 },
      } as never);
      try {
        expect(model.numParameters()).toBe(params);
        expect((model.backbone as DenseNet).stageChannels.at(-1)).toBe(channels);
        const keys = [...model.stateDictShapes().keys()];
        const last = DENSENET_ARCH_SETTINGS[arch].depths.length - 1;
        expect(keys.slice(0, 2)).toEqual(['backbone.stem.0.weight', 'backbone.stem.1.weight']);
        expect(keys).toContain('backbone.stages.0.block.5.conv2.weight');
        expect(keys).toContain('backbone.transitions.2.conv.weight');
        expect(keys).toContain(`backbone.transitions.${last}.0.running_var`);
      } finally {
        model.dispose();
      }
    });
  }

  it('returns the stages of out_indices (negative from the end) after their transitions', () => {
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 1);
    for (const [outIndices, shapes] of [
      [undefined, [[1, 2, 2, 14]]],
      [-1, [[1, 2, 2, 14]]],
      [[0, 1, 2], [[1, 4, 4, 8], [1, 2, 2, 6], [1, 2, 2, 14]]],
      [[-2, 0], [[1, 4, 4, 8], [1, 2, 2, 6]]],
    ] as const) {
      const m = new DenseNet({ arch: SMALL, out_indices: outIndices as never });
      m.eval();
      const outs = m.call(x);
      expect(outs.map((o) => o.shape)).toEqual(shapes);
      tf.dispose(outs);
      m.dispose();
    }
    x.dispose();
    expect(() => new DenseNet({ arch: SMALL, out_indices: [-4] })).toThrow('Invalid out_indices -4');
  });

  it('frozen_stages freezes the first stages and their transitions (not the stem), also after train()', () => {
    const m = new DenseNet({ arch: SMALL, frozen_stages: 2 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((n) => /^(stages|transitions)\.[01]\./.test(n))).toBe(true);
    expect(m.namedParameters().filter(([n]) => /^(stages|transitions)\.[01]\./.test(n)).every(([, v]) => !v.trainable)).toBe(true);
    expect(m.namedParameters().filter(([n]) => n.startsWith('stem.') || n.startsWith('stages.2.')).every(([, v]) => v.trainable)).toBe(true);
    const stages = m.child('stages');
    expect([stages.child('0').training, stages.child('1').training, stages.child('2').training, m.child('stem').training]).toEqual([false, false, true, true]);
    m.dispose();
  });

  it('drop_rate drops features of each dense layer in training mode only; memory_efficient is accepted', () => {
    const m = new DenseNet({ arch: SMALL, drop_rate: 0.5, memory_efficient: true });
    initWeights(m, new Generator(0));
    const layer = m.child('stages').child('0').child('block').child('0') as DenseLayer;
    const x = tf.randomNormal([2, 8, 8, 8], 0, 1, 'float32', 2);
    layer.eval();
    const a = layer.call([x]);
    layer.train();
    const b = layer.call([x]);
    const zerosEval = a.dataSync().filter((v) => v === 0).length;
    const zerosTrain = b.dataSync().filter((v) => v === 0).length;
    expect(zerosTrain).toBeGreaterThan(zerosEval + a.size / 4);
    tf.dispose([x, a, b]);
    m.dispose();
  });

  it('leaves no tensor behind', () => {
    const m = new DenseNet({ arch: SMALL, out_indices: [0, 2] });
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3);
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    tf.dispose(m.call(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('rejects bad archs with MMPretrain messages', () => {
    expect(() => new DenseNet({ arch: '100' })).toThrow("Unavailable arch, please choose from ({'121', '169', '201', '161'}) or pass a dict.");
    expect(() => new DenseNet({ arch: { growth_rate: 4, depths: [1] } as never })).toThrow("Custom arch needs a dict with keys {'growth_rate', 'depths', 'init_channels'}");
    expect(() => new DenseNet({ arch: '121', depth: 121 } as never)).toThrow(/unknown option 'depth'/);
  });
});
