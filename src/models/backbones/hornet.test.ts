/**
 * HorNet beyond the zoo fixture (which uses depthwise convs only): parameter counts of the released archs against
 * MMPretrain's metafile, the global-local filter against a direct float64 computation (DFT sums, align-corners
 * bilinear resize of the complex weight) and against MMPretrain's own HorNet, a training step through the filter, out_indices / gap / frozen_stages
 * (with MMPretrain 1.2's norm naming), drop path, layer scale and the arch error texts.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import type { ImageClassifier } from '../classifiers/image';
import { DropPath } from '../nn/dropout';
import { initWeights } from '../nn/init';
import type { StateDict } from '../nn/state_dict';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { toNCHW, toNHWC } from '../nn/layout';
import { directIrfft2, directRfft2 } from '../testing/direct_dft';
import { fillLcg, Lcg, summaryErrors, type OutputSummary } from '../testing/lcg_weights';
import { GlobalLocalFilter, HORNET_ARCH_ZOO, HorNet } from './hornet';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels(tf.getBackend());
});

function rand(n: number, seed: number, amp = 1): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 1073741824 - 1) * amp;
  });
}

const entry = (shape: number[], data: Float64Array) => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

/** LayerNorm of each pixel's channels (eps 1e-6), [H·W, C] row-major. */
function layerNorm(x: Float64Array, c: number, w: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length / c; p++) {
    let mean = 0;
    for (let i = 0; i < c; i++) mean += x[p * c + i] / c;
    let v = 0;
    for (let i = 0; i < c; i++) v += (x[p * c + i] - mean) ** 2 / c;
    for (let i = 0; i < c; i++) out[p * c + i] = ((x[p * c + i] - mean) / Math.sqrt(v + 1e-6)) * w[i] + b[i];
  }
  return out;
}

/** The filter written out: LN → [3×3 depthwise | spectral filter] interleaved → LN, for one NHWC image. */
function referenceFilter(x: Float64Array, hh: number, ww: number, dim: number, p: Record<string, Float64Array>, wh: number, wwid: number): Float64Array {
  const half = dim / 2;
  const y = layerNorm(x, dim, p.pre_w, p.pre_b);
  const wf = Math.floor(ww / 2) + 1;
  const mixed = new Float64Array(hh * ww * dim);
  for (let c = 0; c < half; c++) {
    for (let i = 0; i < hh; i++) {
      for (let j = 0; j < ww; j++) {
        let s = 0;
        for (let di = -1; di <= 1; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            const [ii, jj] = [i + di, j + dj];
            if (ii >= 0 && ii < hh && jj >= 0 && jj < ww) s += y[(ii * ww + jj) * dim + c] * p.dw[c * 9 + (di + 1) * 3 + (dj + 1)];
          }
        }
        mixed[(i * ww + j) * dim + 2 * c] = s;
      }
    }
    const map = Float64Array.from({ length: hh * ww }, (_, k) => y[k * dim + half + c]);
    const [re, im] = directRfft2(map, hh, ww, 'ortho');
    const zr = new Float64Array(hh * wf);
    const zi = new Float64Array(hh * wf);
    for (let m = 0; m < hh; m++) {
      for (let k = 0; k < wf; k++) {
        // complex_weight[c] resized from (wh, wwid) to (hh, wf), bilinear with aligned corners.
        const sy = hh > 1 ? (m * (wh - 1)) / (hh - 1) : 0;
        const sx = wf > 1 ? (k * (wwid - 1)) / (wf - 1) : 0;
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        const [y1, x1] = [Math.min(y0 + 1, wh - 1), Math.min(x0 + 1, wwid - 1)];
        const [ty, tx] = [sy - y0, sx - x0];
        const at = (yy: number, xx: number, part: number) => p.cw[((c * wh + yy) * wwid + xx) * 2 + part];
        const lerp = (part: number) =>
          (1 - ty) * ((1 - tx) * at(y0, x0, part) + tx * at(y0, x1, part)) + ty * ((1 - tx) * at(y1, x0, part) + tx * at(y1, x1, part));
        const [wr, wi] = [lerp(0), lerp(1)];
        const q = m * wf + k;
        zr[q] = re[q] * wr - im[q] * wi;
        zi[q] = re[q] * wi + im[q] * wr;
      }
    }
    const back = directIrfft2(zr, zi, hh, ww, 'ortho');
    for (let k = 0; k < hh * ww; k++) mixed[k * dim + 2 * c + 1] = back[k];
  }
  return layerNorm(mixed, dim, p.post_w, p.post_b);
}

/**
 * MMPretrain 1.2's HorNet (real `hornet.py`, torch.fft) with 'GF' stages — one resizing its complex weight, one not —
 * under the LCG weights of `testing/lcg_weights.ts` (`__fixtures__/group_f/build_refs.sh` made it).
 */
const GF_REF = JSON.parse(readFileSync(new URL('./__fixtures__/group_f/hornet_gf_lcg_ref.json', import.meta.url), 'utf8')) as Record<
  string,
  { arch: unknown; kwargs: unknown; outputs: OutputSummary[] }
>;

const head = (inC: number) => ({ type: 'LinearClsHead', num_classes: 1000, in_channels: inC });

describe('HorNet', () => {
  it('parameter counts of the released archs equal the metafile (backbone + 1000-class head)', () => {
    const cases: [string, number, number][] = [
      ['tiny', 512, 22_409_512],
      ['tiny-gf', 512, 22_991_848],
      ['small', 768, 49_528_264],
      ['small-gf', 768, 50_401_768],
    ];
    for (const [arch, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'HorNet', arch }, head: head(inC) });
      expect(m.numParameters(), arch).toBe(params);
      m.dispose();
    }
  });

  it('has every arch of MMPretrain 1.2 under both names', () => {
    const names = ['tiny', 'tiny-gf', 'small', 'small-gf', 'base', 'base-gf', 'base-gf384', 'large', 'large-gf', 'large-gf384'];
    const short = names.map((n) => n.replace(/^(.)[a-z]+/, '$1'));
    expect(Object.keys(HORNET_ARCH_ZOO).sort()).toEqual([...names, ...short].sort());
    for (const [i, n] of names.entries()) expect(HORNET_ARCH_ZOO[short[i]]).toBe(HORNET_ARCH_ZOO[n]);
    expect(HORNET_ARCH_ZOO['large-gf384'].base_dim).toBe(192);
    expect(HORNET_ARCH_ZOO['base-gf384'].dw_cfg[2]).toEqual({ type: 'GF', h: 24, w: 12 });
    expect(HORNET_ARCH_ZOO['base-gf384'].dw_cfg[3]).toEqual({ type: 'GF', h: 13, w: 7 });
    // the GF keys of a gf arch: half of gnConv's depthwise channels (Σ dim/2^i) per filter
    const m = new HorNet({ arch: 'tiny-gf' });
    const sd = m.stateDictShapes();
    expect(sd.get('stages.1.2.gnconv.dwconv.weight')).toEqual([32 + 64 + 128, 1, 7, 7]);
    expect(sd.get('stages.2.0.gnconv.dwconv.complex_weight')).toEqual([240, 14, 8, 2]);
    expect(sd.get('stages.3.1.gnconv.dwconv.complex_weight')).toEqual([496, 7, 4, 2]);
    expect(sd.get('stages.3.1.gnconv.dwconv.dw.weight')).toEqual([496, 1, 3, 3]);
    expect(sd.get('norm3.weight')).toEqual([512]);
    m.dispose();
  });

  for (const [label, size, wh, ww] of [
    ['resized complex weight (5×5 input, 14×8 weight)', 5, 14, 8],
    ['complex weight of the spectrum size (6×6 input, 6×4 weight)', 6, 6, 4],
  ] as const) {
    it(`GlobalLocalFilter equals a direct float64 computation: ${label}`, () => {
      const dim = 8;
      const half = dim / 2;
      const p = {
        cw: rand(half * wh * ww * 2, 3, 0.5),
        dw: rand(half * 9, 5, 0.5),
        pre_w: rand(dim, 7, 0.5).map((v) => 1 + v),
        pre_b: rand(dim, 11, 0.2),
        post_w: rand(dim, 13, 0.5).map((v) => 1 + v),
        post_b: rand(dim, 17, 0.2),
      };
      const gf = new GlobalLocalFilter(dim, wh, ww);
      const sd: StateDict = new Map([
        ['complex_weight', entry([half, wh, ww, 2], p.cw)],
        ['dw.weight', entry([half, 1, 3, 3], p.dw)],
        ['pre_norm.weight', entry([dim], p.pre_w)],
        ['pre_norm.bias', entry([dim], p.pre_b)],
        ['post_norm.weight', entry([dim], p.post_w)],
        ['post_norm.bias', entry([dim], p.post_b)],
      ]);
      gf.loadStateDict(sd);
      gf.eval();
      const x = rand(2 * size * size * dim, 19);
      const xt = tf.tensor(Float32Array.from(x), [2, size, size, dim]);
      tf.dispose(gf.call(xt)); // the eval-mode conv caches its kernel on the first call
      const before = tf.memory().numTensors;
      const y = gf.call(xt);
      expect(y.shape).toEqual([2, size, size, dim]);
      const got = y.dataSync();
      for (let b = 0; b < 2; b++) {
        const n = size * size * dim;
        const ref = referenceFilter(x.subarray(b * n, (b + 1) * n), size, size, dim, p, wh, ww);
        let err = 0;
        for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(got[b * n + i] - ref[i]));
        expect(err).toBeLessThan(1e-4);
      }
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      xt.dispose();
      gf.dispose();
    });
  }

  for (const [name, size] of [
    ['maps_96', 96],
    ['pooled_64', 64],
  ] as const) {
    it(`global filters match MMPretrain's HorNet (torch.fft) under LCG weights: ${name}`, () => {
      const ref = GF_REF[name];
      const m = new HorNet({ arch: ref.arch as never, ...(ref.kwargs as object) });
      fillLcg(m, 11);
      m.eval();
      const x = toNHWC(tf.tensor(Float32Array.from(new Lcg(99).take(3 * size * size)), [1, 3, size, size]));
      const outs = m.call(x).map((o) => {
        const t = toNCHW(o);
        if (t !== o) o.dispose();
        return t;
      });
      expect(outs.map((o) => o.shape)).toEqual(ref.outputs.map((r) => r.shape));
      outs.forEach((o, i) => {
        const e = summaryErrors(o.dataSync(), ref.outputs[i]);
        expect(Math.max(e.sum, e.absSum), `out ${i} sums`).toBeLessThan(1e-5);
        expect(e.samples, `out ${i} samples`).toBeLessThan(1e-4);
      });
      tf.dispose([x, ...outs]);
      m.dispose();
    });
  }

  it('a training step through the global filters gives every parameter a finite non-zero gradient, no leak', () => {
    const arch = { base_dim: 8, depths: [1, 1, 1, 1], orders: [2, 3, 4, 5], dw_cfg: [{ type: 'DW', kernel_size: 7 }, { type: 'DW', kernel_size: 7 }, { type: 'GF', h: 14, w: 8 }, { type: 'GF', h: 7, w: 4 }] };
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'HorNet', arch, drop_path_rate: 0.1 }, head: { type: 'LinearClsHead', num_classes: 4, in_channels: 64 } });
    initWeights(m);
    m.train();
    const x = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 3);
    const vars = m.namedParameters().filter(([, v]) => v.trainable);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => m.loss(x, [{ gt_label: [0] }, { gt_label: [3] }]).loss as tf.Scalar, vars.map(([, v]) => v));
      const bad = vars.filter(([, v]) => {
        const d = grads[v.name].dataSync();
        return !d.every(Number.isFinite) || d.every((e) => e === 0);
      });
      tf.dispose([value, ...Object.values(grads)]);
      return bad.map(([n]) => n);
    };
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    expect(vars.some(([n]) => n.endsWith('complex_weight'))).toBe(true);
    x.dispose();
    m.dispose();
  });

  it('out_indices and gap_before_final_norm: pooled (N, C) or normalised maps, norms named norm{i}', () => {
    const arch = { base_dim: 8, depths: [1, 1, 1, 1], orders: [2, 3, 4, 5], dw_cfg: Array(4).fill({ type: 'DW', kernel_size: 7 }) };
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 1);
    const pooled = new HorNet({ arch, out_indices: [0, -1, 2] });
    pooled.eval();
    expect(pooled.outIndices).toEqual([0, 3, 2]);
    expect(pooled.namedChildren().map(([n]) => n)).toEqual(['downsample_layers', 'stages', 'norm0', 'norm3', 'norm2']);
    const a = pooled.call(x);
    expect(a.map((t) => t.shape)).toEqual([[1, 8], [1, 32], [1, 64]]);
    const maps = new HorNet({ arch, out_indices: [1, 3], gap_before_final_norm: false });
    maps.eval();
    const b = maps.call(x);
    expect(b.map((t) => t.shape)).toEqual([[1, 8, 8, 16], [1, 2, 2, 64]]);
    for (const t of [...a, ...b]) expect(t.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, ...a, ...b]);
    pooled.dispose();
    maps.dispose();
    expect(() => new HorNet({ arch, out_indices: [4] })).toThrow('Invalid out_indices 4.');
  });

  it('frozen_stages freezes on train() as MMPretrain 1.2 does (an output stage i freezes norm{i+1})', () => {
    const arch = { base_dim: 8, depths: [1, 1, 1, 1], orders: [2, 3, 4, 5], dw_cfg: Array(4).fill({ type: 'DW', kernel_size: 7 }) };
    const m = new HorNet({ arch, out_indices: [0, 1, 2, 3], frozen_stages: 1 });
    m.train();
    const frozen = (prefix: string) => m.namedParameters().filter(([n]) => n.startsWith(prefix)).every(([, v]) => !v.trainable);
    const trainable = (prefix: string) => m.namedParameters().filter(([n]) => n.startsWith(prefix)).every(([, v]) => v.trainable);
    for (const p of ['downsample_layers.0.', 'downsample_layers.1.', 'stages.0.', 'stages.1.', 'norm1.', 'norm2.']) expect(frozen(p), p).toBe(true);
    for (const p of ['downsample_layers.2.', 'stages.2.', 'stages.3.', 'norm0.', 'norm3.']) expect(trainable(p), p).toBe(true);
    expect(m.child('stages').training).toBe(true);
    expect(m.child('stages').child('0').training).toBe(false);
    m.dispose();
    const bad = new HorNet({ arch, frozen_stages: 3 });
    expect(() => bad.train()).toThrow("'HorNet' object has no attribute 'norm4'");
    bad.dispose();
  });

  it('drop_path_rate grows linearly over the blocks; use_layer_scale false drops gamma1/gamma2', () => {
    const arch = { base_dim: 8, depths: [1, 1, 2, 1], orders: [2, 3, 4, 5], dw_cfg: Array(4).fill({ type: 'DW', kernel_size: 7 }) };
    const m = new HorNet({ arch, drop_path_rate: 0.4 });
    const rates = m.namedModules().filter(([, v]) => v instanceof DropPath).map(([n, v]) => [n, (v as DropPath).dropProb]);
    expect(rates.map(([n]) => n)).toEqual(['stages.1.0.drop_path', 'stages.2.0.drop_path', 'stages.2.1.drop_path', 'stages.3.0.drop_path']);
    expect((rates as [string, number][]).map(([, r]) => r)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(m.stateDictShapes().has('stages.0.0.gamma1.weight')).toBe(true);
    m.dispose();
    const n = new HorNet({ arch, use_layer_scale: false });
    expect([...n.stateDictShapes().keys()].some((k) => k.includes('gamma'))).toBe(false);
    n.dispose();
  });

  it('arch errors use MMPretrain text', () => {
    expect(() => new HorNet({ arch: 'huge' })).toThrow(/^Arch huge is not in default archs \{'t', 'tiny', 't-gf', 'tiny-gf', /);
    expect(() => new HorNet({ arch: { base_dim: 8, depths: [1, 1, 1, 1], orders: [2, 3, 4, 5] } as never })).toThrow("Custom arch needs a dict with keys {'base_dim', 'depths', 'orders', 'dw_cfg'}");
    expect(() => new HorNet({ arch: { base_dim: 8, depths: [1, 1, 1, 1], orders: [2, 3, 4, 5], dw_cfg: Array(4).fill({ type: 'XX' }) } as never })).toThrow('dw_type should be `DW` or `GF`');
    expect(() => new HorNet({ arch: 'tiny', out_indice: [3] } as never)).toThrow(/HorNet: unknown option 'out_indice'/);
  });
});

