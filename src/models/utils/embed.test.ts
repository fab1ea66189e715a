import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { buildClassifier } from '../builder';
import { pretrainedSource } from '../nn/init';
import { interpolationMatrix, resizePosEmbed } from './embed';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('position embeddings', () => {
  it('bicubic weights (A = −0.75) sum to 1 and reproduce linear ramps away from the clamped border', () => {
    const m = interpolationMatrix(4, 7);
    for (let o = 0; o < 7; o++) expect([...m.slice(o * 4, o * 4 + 4)].reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    // output 3 of 4→7 sits at input coordinate (3.5·4/7 − 0.5) = 1.5: the ramp value there is 1.5.
    const ramp = [0, 1, 2, 3];
    expect(ramp.reduce((a, v, i) => a + v * m[3 * 4 + i], 0)).toBeCloseTo(1.5, 6);
    // same size: identity
    const id = interpolationMatrix(5, 5);
    for (let i = 0; i < 5; i++) expect(id[i * 5 + i]).toBeCloseTo(1, 6);
  });

  it('a checkpoint pos_embed for a 2×2 grid loads into a 3×3 model resized, class token kept', () => {
    const cfg = { type: 'ImageClassifier', backbone: { type: 'VisionTransformer', arch: { embed_dims: 8, num_layers: 1, num_heads: 2, feedforward_channels: 16 }, img_size: 24, patch_size: 8 } };
    const model = buildClassifier(cfg, { seed: 0 });
    const sd = model.stateDict();
    const pe = new Float32Array(5 * 8).map((_, i) => i);
    sd.set('backbone.pos_embed', { dtype: 'float32', shape: [1, 5, 8], data: pe });
    const report = model.loadStateDict(sd);
    expect(report.shapeMismatches).toEqual([]);
    const loaded = model.backbone.param('pos_embed');
    expect(loaded.shape).toEqual([1, 10, 8]);
    const expected = resizePosEmbed(tf.tensor(pe, [1, 5, 8]), [2, 2], [3, 3]);
    expect([...loaded.dataSync()]).toEqual([...expected.dataSync()]);
    expect([...loaded.dataSync().slice(0, 8)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expected.dispose();
    model.dispose();
  });

  it("init_cfg Pretrained with prefix='backbone' loads only the backbone", () => {
    const cfg = { type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 4 }, head: { type: 'ClsHead' } };
    const src = buildClassifier(cfg, { seed: 5 });
    const sd = src.stateDict();
    pretrainedSource.load = (name) => {
      expect(name).toBe('lenet.pth');
      return sd;
    };
    const model = buildClassifier({ ...cfg, backbone: { ...cfg.backbone, init_cfg: { type: 'Pretrained', checkpoint: 'lenet.pth', prefix: 'backbone' } } }, { seed: 9 });
    expect(Array.from(model.stateDict().get('backbone.features.0.weight')!.data as Float32Array)).toEqual(Array.from(sd.get('backbone.features.0.weight')!.data as Float32Array));
    pretrainedSource.load = null;
    src.dispose();
    model.dispose();
  });
});
