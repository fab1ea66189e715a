/**
 * `cv2.warpAffine` for uint8 images with a constant border, as OpenCV computes it: the matrix is inverted,
 * source coordinates are quantised to 1/32 pixel (`INTER_BITS = 5`, `AB_BITS = 10`) and bilinear weights
 * come from a 15-bit fixed-point table (`INTER_REMAP_COEF_BITS`).
 */
import { assert } from '../utils/assert';
import { assertUint8, createImage, type ImageArray } from './image';

const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const REMAP_BITS = 15;

/** Interpolations `warpAffine` implements (mmcv's names). */
export type WarpInterpolation = 'nearest' | 'bilinear' | 'bicubic';

/** A 2×3 affine matrix, row-major `[a, b, c, d, e, f]` (forward: dst = M · src). */
export type AffineMatrix = [number, number, number, number, number, number];

/** `cvRound`: round half to even, as `saturate_cast<int>(double)`. */
function cvRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/** OpenCV's `interpolateCubic` (A = -0.75) in float32. */
function cubic1D(x: number): number[] {
  const f = Math.fround;
  const A = -0.75;
  const c0 = f(f(f(f(f(A * f(x + 1)) - 5 * A) * f(x + 1)) + 8 * A) * f(x + 1) - 4 * A);
  const c1 = f(f(f(f((A + 2) * x) - (A + 3)) * x) * x + 1);
  const y = f(1 - x);
  const c2 = f(f(f(f((A + 2) * y) - (A + 3)) * y) * y + 1);
  return [c0, c1, c2, f(1 - c0 - c1 - c2)];
}

let cubicTab: Int16Array | null = null;

/** `initInterTab2D(INTER_CUBIC, fixpt)`: 32×32 tables of 4×4 weights in 15-bit fixed point, summing to 32768. */
function bicubicTable(): Int16Array {
  if (cubicTab) return cubicTab;
  const ksize = 4;
  const tab1 = Array.from({ length: INTER_TAB_SIZE }, (_, i) => cubic1D(Math.fround(i / INTER_TAB_SIZE)));
  const tab = new Int16Array(INTER_TAB_SIZE * INTER_TAB_SIZE * 16);
  for (let i = 0; i < INTER_TAB_SIZE; i++) {
    for (let j = 0; j < INTER_TAB_SIZE; j++) {
      const o = (i * INTER_TAB_SIZE + j) * 16;
      let isum = 0;
      for (let k1 = 0; k1 < ksize; k1++) {
        for (let k2 = 0; k2 < ksize; k2++) {
          const v = Math.fround(tab1[i][k1] * tab1[j][k2]);
          const q = Math.min(32767, Math.max(-32768, cvRound(Math.fround(v * (1 << REMAP_BITS))))); // saturate_cast<short>
          tab[o + k1 * ksize + k2] = q;
          isum += q;
        }
      }
      if (isum !== 1 << REMAP_BITS) {
        const diff = isum - (1 << REMAP_BITS);
        const k0 = ksize / 2;
        let [mk1, mk2, Mk1, Mk2] = [k0, k0, k0, k0];
        for (let k1 = k0; k1 < k0 + 2; k1++) {
          for (let k2 = k0; k2 < k0 + 2; k2++) {
            if (tab[o + k1 * ksize + k2] < tab[o + mk1 * ksize + mk2]) [mk1, mk2] = [k1, k2];
            else if (tab[o + k1 * ksize + k2] > tab[o + Mk1 * ksize + Mk2]) [Mk1, Mk2] = [k1, k2];
          }
        }
        if (diff < 0) tab[o + Mk1 * ksize + Mk2] -= diff;
        else tab[o + mk1 * ksize + mk2] -= diff;
      }
    }
  }
  cubicTab = tab;
  return tab;
}

/** Inverts a forward affine matrix as `warpAffine` does without `WARP_INVERSE_MAP`. */
export function invertAffine(m: AffineMatrix): AffineMatrix {
  let D = m[0] * m[4] - m[1] * m[3];
  D = D !== 0 ? 1 / D : 0;
  const a0 = m[4] * D;
  const a1 = -m[1] * D;
  const a3 = -m[3] * D;
  const a4 = m[0] * D;
  return [a0, a1, -a0 * m[2] - a1 * m[5], a3, a4, -a3 * m[2] - a4 * m[5]];
}

/**
 * Warps `src` into a `dw`×`dh` image: `cv2.warpAffine(src, M, (dw, dh), flags=interp, borderValue=border)`.
 * @param border per-channel fill for pixels from outside the source (a number fills every channel)
 */
export function warpAffine(
  src: ImageArray, m: AffineMatrix, dw: number, dh: number,
  interpolation: WarpInterpolation = 'bilinear', border: number | readonly number[] = 0,
): ImageArray {
  assertUint8(src, 'warpAffine');
  assert(['nearest', 'bilinear', 'bicubic'].includes(interpolation), () => `warpAffine: interpolation '${interpolation}' is not supported (nearest, bilinear, bicubic)`);
  const ctab = interpolation === 'bicubic' ? bicubicTable() : null;
  const { width: w, height: h, channels: cn, data: s } = src;
  const cval = Array.from({ length: cn }, (_, c) => (typeof border === 'number' ? border : (border[c] ?? 0)));
  const M = invertAffine(m);
  const out = createImage(dh, dw, cn);
  const d = out.data;
  const nearest = interpolation === 'nearest';
  const roundDelta = nearest ? AB_SCALE / 2 : AB_SCALE / INTER_TAB_SIZE / 2;
  const adelta = new Int32Array(dw);
  const bdelta = new Int32Array(dw);
  for (let x = 0; x < dw; x++) {
    adelta[x] = cvRound(M[0] * x * AB_SCALE);
    bdelta[x] = cvRound(M[3] * x * AB_SCALE);
  }
  const px = (sx: number, sy: number, c: number): number => (sx >= 0 && sx < w && sy >= 0 && sy < h ? s[(sy * w + sx) * cn + c] : cval[c]);
  for (let y = 0; y < dh; y++) {
    const X0 = cvRound((M[1] * y + M[2]) * AB_SCALE) + roundDelta;
    const Y0 = cvRound((M[4] * y + M[5]) * AB_SCALE) + roundDelta;
    for (let x = 0; x < dw; x++) {
      const o = (y * dw + x) * cn;
      if (nearest) {
        const sx = (X0 + adelta[x]) >> AB_BITS;
        const sy = (Y0 + bdelta[x]) >> AB_BITS;
        for (let c = 0; c < cn; c++) d[o + c] = px(sx, sy, c);
        continue;
      }
      const X = (X0 + adelta[x]) >> (AB_BITS - INTER_BITS);
      const Y = (Y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
      const sx = X >> INTER_BITS;
      const sy = Y >> INTER_BITS;
      const fx = X & (INTER_TAB_SIZE - 1);
      const fy = Y & (INTER_TAB_SIZE - 1);
      if (ctab) {
        // remapBicubic: 4×4 taps from (sx-1, sy-1); outside pixels count as the border value.
        const x0 = sx - 1;
        const y0 = sy - 1;
        if (x0 >= w || x0 + 4 <= 0 || y0 >= h || y0 + 4 <= 0) {
          for (let c = 0; c < cn; c++) d[o + c] = cval[c];
          continue;
        }
        const wo = (fy * INTER_TAB_SIZE + fx) * 16;
        for (let c = 0; c < cn; c++) {
          let sum = 0;
          for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) sum += px(x0 + j, y0 + i, c) * ctab[wo + i * 4 + j];
          const r = (sum + (1 << (REMAP_BITS - 1))) >> REMAP_BITS;
          d[o + c] = r < 0 ? 0 : r > 255 ? 255 : r;
        }
        continue;
      }
      if (sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0) {
        for (let c = 0; c < cn; c++) d[o + c] = cval[c];
        continue;
      }
      // (1-fx)(1-fy), fx(1-fy), (1-fx)fy, fx·fy in 1/32 steps: exact in 15-bit fixed point.
      const w00 = (INTER_TAB_SIZE - fx) * (INTER_TAB_SIZE - fy) * 32;
      const w01 = fx * (INTER_TAB_SIZE - fy) * 32;
      const w10 = (INTER_TAB_SIZE - fx) * fy * 32;
      const w11 = fx * fy * 32;
      for (let c = 0; c < cn; c++) {
        const v = px(sx, sy, c) * w00 + px(sx + 1, sy, c) * w01 + px(sx, sy + 1, c) * w10 + px(sx + 1, sy + 1, c) * w11;
        const r = (v + (1 << (REMAP_BITS - 1))) >> REMAP_BITS;
        d[o + c] = r < 0 ? 0 : r > 255 ? 255 : r;
      }
    }
  }
  return out;
}
