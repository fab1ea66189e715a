/**
 * T2T_ViT beyond the zoo fixture: MMPretrain 1.2's source on PyTorch (no class token with featmap outputs on a larger
 * input, so the position table is resized at run time; per-layer `layer_cfgs` without final norm), the sinusoid
 * table, load-time position-table resizing, `nn.Unfold` against a direct gather, metafile parameter counts, errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { entryToFloat32 } from '../nn/state_dict';
import { resizePosEmbed } from '../utils/embed';
import { unfoldNHWC } from '../utils/unfold';
import type { T2T_ViT } from './t2t_vit';
import { groupLCase, measureGroupLCase } from './__fixtures__/group_l/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<T2T_ViT>({ type: 'T2T_ViT', ...cfg });

describe('T2T_ViT', () => {
  for (const name of ['t2t_nocls_featmap', 't2t_avg_layers']) {
    it(`${name}: PyTorch keys, strict load, outputs within 1e-4, no leak`, async () => {
      const r = await measureGroupLCase(name, build);
      console.log(`[T2T_ViT ${name}] ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keys).toEqual(r.refKeys);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(r.leak).toBe(0);
    });
  }

  it("sinusoid pos_embed equals MMPretrain's table; another grid's checkpoint table is resized on load", () => {
    const c = groupLCase('t2t_avg_layers');
    const { type, ...cfg } = c.meta.cfg;
    void type;
    const m = build(cfg);
    const ref = entryToFloat32(c.stateDict.get('pos_embed')!);
    const ours = m.posEmbed.dataSync();
    expect(ours.length).toBe(ref.length);
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(ours[i] - ref[i]));
    expect(err).toBeLessThan(1e-6);
    const big = build({ ...cfg, img_size: 96 });
    const report = big.loadStateDict(c.stateDict, { strict: true });
    expect(report.shapeMismatches).toEqual([]);
    expect(big.posEmbed.shape).toEqual([1, 37, 24]);
    const expected = tf.tidy(() => resizePosEmbed(tf.tensor(ref, [1, 17, 24]), [4, 4], [6, 6], 'bicubic', 1));
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(big.posEmbed, expected))).dataSync()[0]);
    expect(d).toBeLessThan(1e-6);
    tf.dispose(expected);
    m.dispose();
    big.dispose();
  });

  for (const [k, s, p, d] of [[3, 2, 1, 1], [7, 4, 2, 1], [3, 1, 2, 2]] as const) {
    it(`unfoldNHWC (k ${k}, stride ${s}, pad ${p}, dilation ${d}) and its gradient match a direct nn.Unfold / nn.Fold`, () => {
      const [b, h, w, c] = [2, 9, 7, 2];
      const data = Float32Array.from({ length: b * h * w * c }, (_, i) => Math.sin(i * 0.7));
      const x = tf.tensor4d(data, [b, h, w, c]);
      const o = { kernel_size: k, stride: s, padding: p, dilation: d };
      const y = unfoldNHWC(x, o);
      const [ho, wo] = [Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1, Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1];
      expect(y.shape).toEqual([b, ho, wo, c * k * k]);
      const wts = Float32Array.from({ length: y.size }, (_, i) => Math.cos(i * 0.3));
      const got = y.dataSync();
      const fold = new Float32Array(data.length);
      let err = 0;
      for (let n = 0; n < b; n++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        const iy = oy * s - p + i * d, ix = ox * s - p + j * d;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        const src = ((n * h + iy) * w + ix) * c + ch;
        const dst = (((n * ho + oy) * wo + ox) * c + ch) * k * k + i * k + j;
        err = Math.max(err, Math.abs(got[dst] - (inside ? data[src] : 0)));
        if (inside) fold[src] += wts[dst];
      }
      expect(err).toBe(0);
      const wt = tf.tensor(wts, y.shape);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(unfoldNHWC(t, o), wt)))(x);
      const gd = g.dataSync();
      let gerr = 0;
      for (let i = 0; i < fold.length; i++) gerr = Math.max(gerr, Math.abs(gd[i] - fold[i]));
      expect(gerr).toBeLessThan(1e-5);
      tf.dispose([x, y, wt, g]);
    });
  }

  // Exact counts from MMPretrain's source; + VisionTransformerClsHead(1000) they round to the metafile's 21.47M / 39.08M.
  for (const [layers, d, heads, params, meta] of [[14, 384, 6, 21_080_422, 21.47], [19, 448, 7, 38_635_686, 39.08]] as const) {
    it(`t2t-vit-t-${layers}: ${params} backbone parameters`, () => {
      const m = build({ embed_dims: d, num_layers: layers, t2t_cfg: { token_dims: 64, use_performer: false }, layer_cfgs: { num_heads: heads, feedforward_channels: 3 * d } });
      expect(m.numParameters()).toBe(params);
      expect(Math.round((params + d * 1000 + 1000) / 1e4) / 100).toBe(meta);
      m.dispose();
    });
  }

  it('errors as MMPretrain', () => {
    const base = { img_size: 32, embed_dims: 12, num_layers: 1, t2t_cfg: { token_dims: 4 }, layer_cfgs: { num_heads: 2 } };
    expect(() => build({ ...base, t2t_cfg: { use_performer: true } })).toThrow("Performer hasn't been implemented.");
    expect(() => build({ ...base, out_type: 'tokens' })).toThrow("Unsupported `out_type` tokens, please choose from {'raw', 'cls_token', 'featmap', 'avg_featmap'}");
    expect(() => build({ ...base, with_cls_token: false })).toThrow('with_cls_token must be True when `out_type="cls_token"`.');
    expect(() => build({ ...base, out_indices: [2] })).toThrow('Invalid out_indices 2');
    const m = build({ ...base, out_type: 'raw', out_indices: [-1] });
    m.eval();
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 4);
    const [o] = m.call(x);
    expect(o.shape).toEqual([2, 5, 12]);
    tf.dispose([x, o]);
    m.dispose();
  });

  it('training mode with dropout and drop path: every parameter gets a finite, non-zero gradient, no leak', () => {
    const m = build({ img_size: 32, embed_dims: 12, num_layers: 2, drop_rate: 0.1, drop_path_rate: 0.2, t2t_cfg: { token_dims: 4 }, layer_cfgs: { num_heads: 2 }, out_indices: [0, 1] });
    initWeights(m, new Generator(3));
    registerTrainingKernels('wasm');
    m.train();
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 5);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.addN(m.call(x).map((o) => tf.sum(tf.square(o)))) as tf.Scalar));
      const bad = Object.entries(grads).filter(([, g]) => {
        const d = g.dataSync();
        return !d.every(Number.isFinite) || d.every((v) => v === 0);
      });
      tf.dispose([value, ...Object.values(grads)]);
      return bad.length;
    };
    expect(step()).toBe(0);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
