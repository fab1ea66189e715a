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

/** A 2×3 affine matrix, row-major `[a, b, c, d, e, f]` (forward: dst = M · src). */
export type AffineMatrix = [number, number, number, number, number, number];

/** `cvRound`: round half to even, as `saturate_cast<int>(double)`. */
function cvRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
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
  interpolation: 'nearest' | 'bilinear' = 'bilinear', border: number | readonly number[] = 0,
): ImageArray {
  assertUint8(src, 'warpAffine');
  assert(interpolation === 'nearest' || interpolation === 'bilinear', () => `warpAffine: interpolation '${interpolation}' is not supported (nearest, bilinear)`);
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
