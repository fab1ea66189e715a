/**
 * Direct float64 DFT sums for tests: `torch.fft.rfft2` / `irfft2` of one [H, W] map written out from their definitions
 * (no matrices, no symmetry shortcuts), to check the matrix implementation in `utils/fft.ts` and its users.
 */
import type { FFTNorm } from '../utils/fft';

export function dftScale(n: number, norm: FFTNorm, inverse: boolean): number {
  if (norm === 'ortho') return 1 / Math.sqrt(n);
  if (norm === 'backward') return inverse ? 1 / n : 1;
  return inverse ? 1 : 1 / n;
}

/** Direct rfft2 of one [H, W] map: [H, W/2+1] re and im. */
export function directRfft2(x: Float64Array, h: number, w: number, norm: FFTNorm): [Float64Array, Float64Array] {
  const wf = Math.floor(w / 2) + 1;
  const re = new Float64Array(h * wf);
  const im = new Float64Array(h * wf);
  const s = dftScale(h * w, norm, false);
  for (let m = 0; m < h; m++) {
    for (let k = 0; k < wf; k++) {
      let a = 0;
      let b = 0;
      for (let p = 0; p < h; p++) {
        for (let q = 0; q < w; q++) {
          const t = -2 * Math.PI * ((m * p) / h + (k * q) / w);
          a += x[p * w + q] * Math.cos(t);
          b += x[p * w + q] * Math.sin(t);
        }
      }
      re[m * wf + k] = a * s;
      im[m * wf + k] = b * s;
    }
  }
  return [re, im];
}

/** Direct irfft2 (s = (H, W)): complex inverse over H, then half-complex to real over W (DC / Nyquist imaginary parts dropped). */
export function directIrfft2(re: Float64Array, im: Float64Array, h: number, w: number, norm: FFTNorm): Float64Array {
  const wf = Math.floor(w / 2) + 1;
  const gr = new Float64Array(h * wf);
  const gi = new Float64Array(h * wf);
  for (let p = 0; p < h; p++) {
    for (let k = 0; k < wf; k++) {
      let a = 0;
      let b = 0;
      for (let m = 0; m < h; m++) {
        const t = (2 * Math.PI * m * p) / h;
        a += re[m * wf + k] * Math.cos(t) - im[m * wf + k] * Math.sin(t);
        b += re[m * wf + k] * Math.sin(t) + im[m * wf + k] * Math.cos(t);
      }
      gr[p * wf + k] = a;
      gi[p * wf + k] = b;
    }
  }
  const out = new Float64Array(h * w);
  const s = dftScale(h * w, norm, true);
  for (let p = 0; p < h; p++) {
    for (let q = 0; q < w; q++) {
      let v = gr[p * wf];
      for (let k = 1; k < wf; k++) {
        const t = (2 * Math.PI * k * q) / w;
        const c = gr[p * wf + k] * Math.cos(t) - gi[p * wf + k] * Math.sin(t);
        v += w % 2 === 0 && k === w / 2 ? c : 2 * c;
      }
      out[p * w + q] = v * s;
    }
  }
  return out;
}

