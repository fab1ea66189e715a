/**
 * rfft2 / irfft2 against direct DFT sums computed here in float64 (as `torch.fft.rfft2` / `irfft2` define them), for
 * even and odd sizes and every norm, and their gradients against the transposed sums (both maps are linear).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../node';
import { directIrfft2, directRfft2, dftScale as scale } from '../testing/direct_dft';
import { irfft2, rfft2, type FFTNorm } from './fft';

beforeAll(async () => {
  await useBackend('wasm');
});

function rand(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const sizes: [number, number][] = [
  [4, 6],
  [5, 3],
  [7, 4],
  [3, 8],
  [1, 5],
];
const norms: FFTNorm[] = ['backward', 'ortho', 'forward'];

describe('rfft2 / irfft2 (DFT matrices)', () => {
  for (const [h, w] of sizes) {
    for (const norm of norms) {
      it(`rfft2 and irfft2 of ${h}×${w}, norm '${norm}', equal the direct sums`, () => {
        const wf = Math.floor(w / 2) + 1;
        const before = tf.memory().numTensors;
        const maps = 3; // a [3, H, W] batch: each map transformed on its own
        const x = rand(maps * h * w, h * 31 + w);
        const xt = tf.tensor(Float32Array.from(x), [maps, h, w]);
        const { re, im } = rfft2(xt, norm);
        expect(re.shape).toEqual([maps, h, wf]);
        const reD = re.dataSync();
        const imD = im.dataSync();
        // An arbitrary (not Hermitian) spectrum for the inverse, as HorNet's filtered spectra are.
        const zr = rand(maps * h * wf, 7 + h);
        const zi = rand(maps * h * wf, 11 + w);
        const z = { re: tf.tensor(Float32Array.from(zr), [maps, h, wf]), im: tf.tensor(Float32Array.from(zi), [maps, h, wf]) };
        const back = irfft2(z, [h, w], norm);
        expect(back.shape).toEqual([maps, h, w]);
        const backD = back.dataSync();
        for (let c = 0; c < maps; c++) {
          const [r, i] = directRfft2(x.subarray(c * h * w, (c + 1) * h * w), h, w, norm);
          expect(maxDiff(reD.subarray(c * h * wf, (c + 1) * h * wf), r)).toBeLessThan(1e-5 * Math.max(1, h * w * scale(h * w, norm, false)));
          expect(maxDiff(imD.subarray(c * h * wf, (c + 1) * h * wf), i)).toBeLessThan(1e-5 * Math.max(1, h * w * scale(h * w, norm, false)));
          const inv = directIrfft2(zr.subarray(c * h * wf, (c + 1) * h * wf), zi.subarray(c * h * wf, (c + 1) * h * wf), h, w, norm);
          expect(maxDiff(backD.subarray(c * h * w, (c + 1) * h * w), inv)).toBeLessThan(1e-5 * Math.max(1, h * w * scale(h * w, norm, true)));
        }
        // Round trip.
        const rt = irfft2({ re, im }, [h, w], norm);
        expect(maxDiff(rt.dataSync(), Float32Array.from(x))).toBeLessThan(1e-5);
        tf.dispose([xt, re, im, z.re, z.im, back, rt]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('gradients are the transposed transforms (checked on basis vectors by the direct sums)', () => {
    const [h, w] = [5, 4];
    const wf = 3;
    const a = rand(h * wf, 3);
    const b = rand(h * wf, 5);
    const at = tf.tensor(Float32Array.from(a), [h, wf]);
    const bt = tf.tensor(Float32Array.from(b), [h, wf]);
    // f(x) = Σ a·Re(rfft2(x)) + b·Im(rfft2(x)) is linear: ∂f/∂x_j = f(e_j).
    const g = tf.grad((x: tf.Tensor) => {
      const { re, im } = rfft2(x, 'ortho');
      return tf.add(tf.sum(tf.mul(re, at)), tf.sum(tf.mul(im, bt)));
    })(tf.zeros([h, w]));
    const expected = new Float64Array(h * w);
    for (let j = 0; j < h * w; j++) {
      const e = new Float64Array(h * w);
      e[j] = 1;
      const [r, i] = directRfft2(e, h, w, 'ortho');
      for (let k = 0; k < h * wf; k++) expected[j] += a[k] * r[k] + b[k] * i[k];
    }
    expect(maxDiff(g.dataSync(), expected)).toBeLessThan(1e-5);
    // g(re, im) = Σ c·irfft2(re, im): the gradient w.r.t. each spectrum entry is g at that basis spectrum.
    const c = rand(h * w, 9);
    const ct = tf.tensor(Float32Array.from(c), [h, w]);
    const [gre, gim] = tf.grads((re: tf.Tensor, im: tf.Tensor) => tf.sum(tf.mul(irfft2({ re, im }, [h, w], 'ortho'), ct)))([tf.zeros([h, wf]), tf.zeros([h, wf])]);
    const expRe = new Float64Array(h * wf);
    const expIm = new Float64Array(h * wf);
    for (let j = 0; j < h * wf; j++) {
      const e = new Float64Array(h * wf);
      e[j] = 1;
      const zero = new Float64Array(h * wf);
      const xr = directIrfft2(e, zero, h, w, 'ortho');
      const xi = directIrfft2(zero, e, h, w, 'ortho');
      for (let k = 0; k < h * w; k++) {
        expRe[j] += c[k] * xr[k];
        expIm[j] += c[k] * xi[k];
      }
    }
    expect(maxDiff(gre.dataSync(), expRe)).toBeLessThan(1e-5);
    expect(maxDiff(gim.dataSync(), expIm)).toBeLessThan(1e-5);
    tf.dispose([at, bt, g, ct, gre, gim]);
  });
});
