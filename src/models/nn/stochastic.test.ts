/**
 * Stochastic layers draw from their model's generator (no generator is shared between models through a module):
 * `setStochasticGenerator` reaches every Dropout / DropPath (and the backbones' own stochastic layers), and
 * `buildClassifier` seeds it from the run's seed, so the same seed drops the same units.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { buildClassifier } from '../builder';
import { Generator } from '../../utils/random';
import { Sequential } from './container';
import { Dropout, DropPath, isStochastic, setStochasticGenerator } from './dropout';

const x = tf.ones([4, 8, 8, 3]);
afterAll(() => x.dispose());

/** Which entries a training forward zeroed. */
const zeros = (m: { call(t: Tensor): unknown }): number[] => {
  const y = m.call(x) as Tensor;
  const out = [...y.dataSync()].map((v) => (v === 0 ? 1 : 0));
  y.dispose();
  return out;
};

describe('stochastic layers and their generator', () => {
  it('setStochasticGenerator gives every stochastic layer the one generator; the same seed repeats the masks', () => {
    const net = () => new Sequential(new Dropout(0.5), new DropPath(0.5), new Sequential(new Dropout(0.3))).train();
    const a = net();
    const g = new Generator(9);
    setStochasticGenerator(a, g);
    const layers = a.namedModules().map(([, m]) => m).filter(isStochastic);
    expect(layers).toHaveLength(3);
    expect(layers.every((m) => m.generator === g)).toBe(true);
    const first = [zeros(a), zeros(a)];
    expect(first[1]).not.toEqual(first[0]); // the stream moves on
    const b = net();
    setStochasticGenerator(b, new Generator(9));
    expect([zeros(b), zeros(b)]).toEqual(first);
    const c = net();
    setStochasticGenerator(c, new Generator(10));
    expect(zeros(c)).not.toEqual(first[0]);
    expect(zeros(a.eval())).toEqual(new Array(x.size).fill(0)); // nothing dropped in eval mode
  });

  it("buildClassifier seeds the model's stochastic layers from the run's seed (one generator per model)", () => {
    const cfg = { model: { type: 'ImageClassifier', backbone: { type: 'VisionTransformer', arch: { embed_dims: 8, num_layers: 2, num_heads: 2, feedforward_channels: 16 }, img_size: 8, patch_size: 4, drop_rate: 0.5, drop_path_rate: 0.5 }, neck: null, head: { type: 'VisionTransformerClsHead', num_classes: 3, in_channels: 8 } } };
    const stochasticOf = (seed: number) => {
      const model = buildClassifier(cfg, { seed });
      const layers = model.namedModules().map(([, m]) => m).filter(isStochastic);
      return { model, layers };
    };
    const a = stochasticOf(3);
    const b = stochasticOf(3);
    expect(a.layers.length).toBeGreaterThan(2);
    expect(new Set(a.layers.map((m) => m.generator)).size).toBe(1);
    expect(a.layers[0].generator).not.toBe(b.layers[0].generator);
    expect(a.layers[0].generator.getState()).toEqual(b.layers[0].generator.getState());
    expect(stochasticOf(4).layers[0].generator.getState()).not.toEqual(a.layers[0].generator.getState());
    // the batch augments' stream is another one of the same seed
    expect(a.model.dataPreprocessor.generator.getState()).not.toEqual(a.layers[0].generator.getState());
    expect(a.model.dataPreprocessor.generator.getState()).toEqual(b.model.dataPreprocessor.generator.getState());
    a.model.dispose();
    b.model.dispose();
  });
});
