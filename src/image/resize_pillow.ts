/**
 * `PIL.Image.resize` for uint8 images, computed as Pillow's `libImaging/Resample.c` does: a filter with
 * support scaled by the reduction factor (antialiasing), coefficients normalised then rounded to
 * 22-bit fixed point (`PRECISION_BITS = 32 - 8 - 2`), horizontal pass to uint8, then vertical pass.
 * `nearest` follows `ImagingScaleAffine` (centre sampling with an accumulated double coordinate).
 */
import { assert } from '../utils/assert';
import { assertUint8, createImage, type ImageArray } from './image';

/** Pillow's resampling filters as mmcv names them (`pillow_interp_codes`). */
export type PillowInterpolation = 'nearest' | 'bilinear' | 'bicubic' | 'box' | 'lanczos' | 'hamming';

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 2 ** PRECISION_BITS;

interface Filter { support: number; fn(x: number): number }

const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(x * Math.PI) / (x * Math.PI));

const FILTERS: Record<Exclude<PillowInterpolation, 'nearest'>, Filter> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, fn: (x) => { x = Math.abs(x); return x < 1 ? 1 - x : 0; } },
  hamming: {
    support: 1,
    fn: (x) => {
      x = Math.abs(x);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x *= Math.PI;
      return (Math.sin(x) / x) * (0.54 + 0.46 * Math.cos(x));
    },
  },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

interface Coeffs { ksize: number; bounds: Int32Array; kk: Int32Array }

/** `precompute_coeffs` + `normalize_coeffs_8bpc`. */
function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number, filter: Filter): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const wgt = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = wgt;
      ww += wgt;
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax ? (ww !== 0 ? k[x] / ww : k[x]) : 0;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow's `clip8`: fixed-point accumulator to a byte. */
function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / ONE);
}

/** Resizes `src` to `dw`×`dh` as `Image.fromarray(src).resize((dw, dh), filter)` with the default box. */
export function resizePillow(src: ImageArray, dw: number, dh: number, interpolation: PillowInterpolation = 'bilinear'): ImageArray {
  assertUint8(src, 'imresize(pillow)');
  assert(Number.isInteger(dw) && Number.isInteger(dh) && dw > 0 && dh > 0, () => `imresize(pillow): bad target size (${dw}, ${dh})`);
  if (dw === src.width && dh === src.height) return { ...src, data: src.data.slice() };
  if (interpolation === 'nearest') return resizeNearestPillow(src, dw, dh);
  const filter = FILTERS[interpolation];
  assert(filter, () => `imresize(pillow): unknown interpolation '${interpolation}' (use ${Object.keys(FILTERS).join(', ')}, nearest)`);
  const { width: w, height: h, channels: cn } = src;
  const horiz = precomputeCoeffs(w, 0, w, dw, filter);
  const vert = precomputeCoeffs(h, 0, h, dh, filter);
  let tmp = src;
  if (dw !== w) {
    // Only the rows the vertical pass reads.
    const yFirst = vert.bounds[0];
    const yLast = vert.bounds[dh * 2 - 2] + vert.bounds[dh * 2 - 1];
    tmp = resampleHorizontal(src, yFirst, yLast - yFirst, dw, horiz);
    if (dh === h) return tmp;
    for (let i = 0; i < dh; i++) vert.bounds[i * 2] -= yFirst;
  }
  return resampleVertical(tmp, dh, vert, cn);
}

function resampleHorizontal(src: ImageArray, y0: number, rows: number, dw: number, c: Coeffs): ImageArray {
  const { width: w, channels: cn, data: s } = src;
  const out = createImage(rows, dw, cn);
  const d = out.data;
  const { bounds, kk, ksize } = c;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + y0) * w * cn;
    for (let xx = 0; xx < dw; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const kOff = xx * ksize;
      const o = (y * dw + xx) * cn;
      if (cn === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0, i = rowBase + xmin * 3; x < xmax; x++, i += 3) {
          const k = kk[kOff + x];
          s0 += s[i] * k;
          s1 += s[i + 1] * k;
          s2 += s[i + 2] * k;
        }
        d[o] = clip8(s0);
        d[o + 1] = clip8(s1);
        d[o + 2] = clip8(s2);
        continue;
      }
      for (let ch = 0; ch < cn; ch++) {
        let ss = HALF;
        for (let x = 0; x < xmax; x++) ss += s[rowBase + (x + xmin) * cn + ch] * kk[kOff + x];
        d[o + ch] = clip8(ss);
      }
    }
  }
  return out;
}

function resampleVertical(src: ImageArray, dh: number, c: Coeffs, cn: number): ImageArray {
  const { width: w, data: s } = src;
  const out = createImage(dh, w, cn);
  const d = out.data;
  const rowLen = w * cn;
  const acc = new Float64Array(rowLen);
  for (let yy = 0; yy < dh; yy++) {
    const ymin = c.bounds[yy * 2];
    const ymax = c.bounds[yy * 2 + 1];
    const kOff = yy * c.ksize;
    acc.fill(HALF);
    for (let y = 0; y < ymax; y++) {
      const k = c.kk[kOff + y];
      const base = (y + ymin) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += s[base + i] * k;
    }
    const o = yy * rowLen;
    for (let i = 0; i < rowLen; i++) d[o + i] = clip8(acc[i]);
  }
  return out;
}

/** `ImagingScaleAffine` with a = [w/dw, 0, 0, 0, h/dh, 0]: `COORD` truncation of an accumulated coordinate. */
function resizeNearestPillow(src: ImageArray, dw: number, dh: number): ImageArray {
  const { width: w, height: h, channels: cn, data: s } = src;
  const out = createImage(dh, dw, cn);
  const d = out.data;
  const a0 = w / dw;
  const a4 = h / dh;
  const xin = new Int32Array(dw).fill(-1);
  let xo = a0 * 0.5;
  for (let x = 0; x < dw; x++) {
    const xi = xo < 0 ? -1 : Math.trunc(xo);
    if (xi >= 0 && xi < w) xin[x] = xi;
    xo += a0;
  }
  let yo = a4 * 0.5;
  for (let y = 0; y < dh; y++) {
    const yi = yo < 0 ? -1 : Math.trunc(yo);
    if (yi >= 0 && yi < h) {
      for (let x = 0; x < dw; x++) {
        if (xin[x] < 0) continue;
        const si = (yi * w + xin[x]) * cn;
        const di = (y * dw + x) * cn;
        for (let ch = 0; ch < cn; ch++) d[di + ch] = s[si + ch];
      }
    }
    yo += a4;
  }
  return out;
}
