/**
 * Geometric image ops with mmcv's signatures and semantics (`mmcv/image/geometric.py`):
 * `imresize`, `imrescale`, `rescaleSize`, `imflip`, `imcrop`, `impad`, `imrotate`, `imshear`, `imtranslate`.
 */
import { assert } from '../utils/assert';
import { assertImage, createLike, type ImageArray, type PixelData } from './image';
import { resizeCv2, type Cv2Interpolation } from './resize_cv2';
import { resizePillow, type PillowInterpolation } from './resize_pillow';
import { warpAffine, type AffineMatrix, type WarpInterpolation } from './warp_affine';

export type ResizeBackend = 'cv2' | 'pillow';
export type Interpolation = Cv2Interpolation | PillowInterpolation;

const CV2_MODES: readonly string[] = ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos'];
const PILLOW_MODES: readonly string[] = ['nearest', 'bilinear', 'bicubic', 'box', 'lanczos', 'hamming'];

/**
 * `mmcv.imresize(img, (w, h), interpolation, backend)`: resizes to width `size[0]`, height `size[1]`.
 * @param backend `'cv2'` (default, OpenCV's arithmetic) or `'pillow'` (Pillow's antialiasing filters)
 */
export function imresize<T extends PixelData = Uint8Array>(img: ImageArray<T>, size: readonly [number, number], interpolation: Interpolation = 'bilinear', backend: ResizeBackend = 'cv2'): ImageArray<T> {
  const [w, h] = size;
  if (backend === 'cv2') {
    assert(CV2_MODES.includes(interpolation), () => `imresize: interpolation '${interpolation}' is not available with backend 'cv2' (${CV2_MODES.join(', ')})`);
    return resizeCv2(img, w, h, interpolation as Cv2Interpolation);
  }
  assert(img.data instanceof Uint8Array, () => 'imresize: Pillow backend only support uint8 type');
  assert(backend === 'pillow', () => `imresize: backend '${backend}' is not supported for resize. Supported backends are 'cv2', 'pillow'`);
  assert(PILLOW_MODES.includes(interpolation), () => `imresize: interpolation '${interpolation}' is not available with backend 'pillow' (${PILLOW_MODES.join(', ')})`);
  return resizePillow(img as ImageArray, w, h, interpolation as PillowInterpolation) as ImageArray<T>;
}

/** mmcv `_scale_size`: `(int(w*sx + 0.5), int(h*sy + 0.5))`. */
export function scaleSize(size: readonly [number, number], scale: number | readonly [number, number]): [number, number] {
  const [sx, sy] = typeof scale === 'number' ? [scale, scale] : scale;
  return [Math.trunc(size[0] * sx + 0.5), Math.trunc(size[1] * sy + 0.5)];
}

/**
 * mmcv `rescale_size((w, h), scale)`: a number scales by that factor; a pair `(a, b)` fits the image inside
 * long edge `max(a, b)` and short edge `min(a, b)`. Returns the new `[w, h]` and the factor.
 */
export function rescaleSize(oldSize: readonly [number, number], scale: number | readonly [number, number]): { size: [number, number]; scaleFactor: number } {
  const [w, h] = oldSize;
  let factor: number;
  if (typeof scale === 'number') {
    assert(scale > 0, () => `rescale_size: invalid scale ${scale}, must be positive`);
    factor = scale;
  } else {
    factor = Math.min(Math.max(...scale) / Math.max(h, w), Math.min(...scale) / Math.min(h, w));
  }
  return { size: scaleSize([w, h], factor), scaleFactor: factor };
}

/** `mmcv.imrescale`: resizes keeping the aspect ratio (see {@link rescaleSize}). */
export function imrescale<T extends PixelData = Uint8Array>(img: ImageArray<T>, scale: number | readonly [number, number], interpolation: Interpolation = 'bilinear', backend: ResizeBackend = 'cv2'): { img: ImageArray<T>; scaleFactor: number } {
  const { size, scaleFactor } = rescaleSize([img.width, img.height], scale);
  return { img: imresize(img, size, interpolation, backend), scaleFactor };
}

export type FlipDirection = 'horizontal' | 'vertical' | 'diagonal';

/** `mmcv.imflip`: mirrors left–right, top–bottom, or both (`diagonal`). */
export function imflip<T extends PixelData = Uint8Array>(img: ImageArray<T>, direction: FlipDirection = 'horizontal'): ImageArray<T> {
  assertImage(img, 'imflip');
  assert(['horizontal', 'vertical', 'diagonal'].includes(direction), () => `imflip: direction must be horizontal, vertical or diagonal, got '${direction}'`);
  const { width: w, height: h, channels: cn, data: s } = img;
  const out = createLike(img, h, w);
  const d = out.data;
  const flipX = direction !== 'vertical';
  const flipY = direction !== 'horizontal';
  const rowLen = w * cn;
  for (let y = 0; y < h; y++) {
    const sRow = (flipY ? h - 1 - y : y) * rowLen;
    const dRow = y * rowLen;
    if (!flipX) {
      d.set(s.subarray(sRow, sRow + rowLen), dRow);
      continue;
    }
    if (cn === 3) {
      for (let x = 0, si = sRow + rowLen - 3; x < w; x++, si -= 3) {
        const o = dRow + x * 3;
        d[o] = s[si];
        d[o + 1] = s[si + 1];
        d[o + 2] = s[si + 2];
      }
    } else {
      for (let x = 0; x < w; x++) {
        const si = sRow + (w - 1 - x) * cn;
        for (let c = 0; c < cn; c++) d[dRow + x * cn + c] = s[si + c];
      }
    }
  }
  return out;
}

/**
 * `mmcv.imcrop(img, np.array([x1, y1, x2, y2]))` for one box: inclusive corners, clipped to the image,
 * truncated to integers.
 */
export function imcrop<T extends PixelData = Uint8Array>(img: ImageArray<T>, bbox: readonly [number, number, number, number]): ImageArray<T> {
  assertImage(img, 'imcrop');
  const { width: w, height: h, channels: cn, data: s } = img;
  const clip = (v: number, hi: number) => Math.trunc(Math.max(Math.min(v, hi), 0));
  const x1 = clip(bbox[0], w - 1);
  const y1 = clip(bbox[1], h - 1);
  const x2 = clip(bbox[2], w - 1);
  const y2 = clip(bbox[3], h - 1);
  const ow = Math.max(x2 - x1 + 1, 0);
  const oh = Math.max(y2 - y1 + 1, 0);
  const out = createLike(img, oh, ow);
  for (let y = 0; y < oh; y++) {
    const si = ((y1 + y) * w + x1) * cn;
    out.data.set(s.subarray(si, si + ow * cn), y * ow * cn);
  }
  return out;
}

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** OpenCV's `borderInterpolate` for replicate (edge), reflect-101 (reflect) and reflect (symmetric). */
function borderIndex(p: number, len: number, mode: Exclude<PaddingMode, 'constant'>): number {
  if (p >= 0 && p < len) return p;
  if (mode === 'edge') return p < 0 ? 0 : len - 1;
  if (len === 1) return 0;
  const delta = mode === 'reflect' ? 1 : 0;
  do {
    p = p < 0 ? -p - 1 + delta : len - 1 - (p - len) - delta;
  } while (p < 0 || p >= len);
  return p;
}

/** Padding as mmcv accepts it: a number (all sides), `[lr, tb]`, or `[left, top, right, bottom]`. */
export type Padding = number | readonly number[];

/** Normalises {@link Padding} to `[left, top, right, bottom]`. */
export function paddingLTRB(padding: Padding): [number, number, number, number] {
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (padding.length === 2) return [padding[0], padding[1], padding[0], padding[1]];
  assert(padding.length === 4, () => `impad: padding must be a number or a sequence of 2 or 4 numbers, got ${JSON.stringify(padding)}`);
  return [padding[0], padding[1], padding[2], padding[3]];
}

/**
 * `mmcv.impad`: pads by `padding` or up to `shape = [h, w]` (bottom/right), like `cv2.copyMakeBorder`.
 * @param padVal fill for `constant` (a number, or one value per channel)
 * @param mode `constant` (default), `edge`, `reflect` (no edge repeat) or `symmetric` (edge repeated)
 */
export function impad<T extends PixelData = Uint8Array>(
  img: ImageArray<T>,
  opts: { shape?: readonly [number, number]; padding?: Padding; padVal?: number | readonly number[]; mode?: PaddingMode },
): ImageArray<T> {
  assertImage(img, 'impad');
  const { shape, padding, padVal = 0, mode = 'constant' } = opts;
  assert((shape === undefined) !== (padding === undefined), () => 'impad: give exactly one of shape and padding');
  const [l, t, r, b] = shape ? [0, 0, Math.max(shape[1] - img.width, 0), Math.max(shape[0] - img.height, 0)] : paddingLTRB(padding!);
  assert([l, t, r, b].every((v) => Number.isInteger(v) && v >= 0), () => `impad: padding must be non-negative integers, got ${[l, t, r, b]}`);
  assert(['constant', 'edge', 'reflect', 'symmetric'].includes(mode), () => `impad: padding_mode must be constant, edge, reflect or symmetric, got '${mode}'`);
  const { width: w, height: h, channels: cn, data: s } = img;
  if (typeof padVal !== 'number') {
    assert(padVal.length === cn, () => `impad: pad_val has ${padVal.length} values for a ${cn}-channel image`);
  }
  const fill = Array.from({ length: cn }, (_, c) => (typeof padVal === 'number' ? padVal : padVal[c]));
  const ow = w + l + r;
  const oh = h + t + b;
  if (mode === 'constant') return padCropConstant(img, -t, -l, oh, ow, fill);
  const out = createLike(img, oh, ow);
  const d = out.data;
  const xIndex = new Int32Array(ow);
  for (let x = 0; x < ow; x++) xIndex[x] = borderIndex(x - l, w, mode) * cn;
  for (let y = 0; y < oh; y++) {
    const rowBase = borderIndex(y - t, h, mode) * w * cn;
    const o = y * ow * cn;
    d.set(s.subarray(rowBase, rowBase + w * cn), o + l * cn);
    for (let x = 0; x < ow; x++) {
      if (x >= l && x < l + w) continue;
      for (let c = 0; c < cn; c++) d[o + x * cn + c] = s[rowBase + xIndex[x] + c];
    }
  }
  return out;
}

/**
 * The `oh`×`ow` window whose top-left corner is at (`y0`, `x0`) in `img`'s coordinates, pixels outside the
 * image set to `fill`: `impad` (constant) followed by `imcrop` in one pass, without the padded copy.
 */
export function padCropConstant<T extends PixelData = Uint8Array>(img: ImageArray<T>, y0: number, x0: number, oh: number, ow: number, fill: readonly number[]): ImageArray<T> {
  const { width: w, height: h, channels: cn, data: s } = img;
  const out = createLike(img, oh, ow);
  const d = out.data;
  const uniform = fill.every((v) => v === fill[0]);
  if (uniform) {
    if (fill[0] !== 0) d.fill(fill[0]);
  } else {
    for (let i = 0; i < d.length; i += cn) for (let c = 0; c < cn; c++) d[i + c] = fill[c];
  }
  const xs = Math.max(0, -x0);
  const xe = Math.min(ow, w - x0);
  if (xe <= xs) return out;
  const ys = Math.max(0, -y0);
  const ye = Math.min(oh, h - y0);
  const rowBytes = (xe - xs) * cn;
  for (let y = ys; y < ye; y++) {
    const si = ((y + y0) * w + (xs + x0)) * cn;
    d.set(s.subarray(si, si + rowBytes), (y * ow + xs) * cn);
  }
  return out;
}

/**
 * `mmcv.imrotate`: rotates by `angle` degrees clockwise about `center` (default the image centre)
 * with `cv2.getRotationMatrix2D` + `cv2.warpAffine`.
 */
export function imrotate(
  img: ImageArray, angle: number,
  opts: { center?: readonly [number, number]; scale?: number; borderValue?: number | readonly number[]; interpolation?: WarpInterpolation; autoBound?: boolean } = {},
): ImageArray {
  const { scale = 1, borderValue = 0, interpolation = 'bilinear', autoBound = false } = opts;
  assert(!(opts.center && autoBound), () => 'imrotate: `auto_bound` conflicts with `center`');
  let w = img.width;
  let h = img.height;
  const [cx, cy] = (opts.center ?? [(w - 1) * 0.5, (h - 1) * 0.5]).map(Math.fround);
  const a = (-angle * Math.PI) / 180;
  const alpha = Math.cos(a) * scale;
  const beta = Math.sin(a) * scale;
  const m: AffineMatrix = [alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy];
  if (autoBound) {
    const cos = Math.abs(m[0]);
    const sin = Math.abs(m[1]);
    const nw = h * sin + w * cos;
    const nh = h * cos + w * sin;
    m[2] += (nw - w) * 0.5;
    m[5] += (nh - h) * 0.5;
    w = Math.round(nw);
    h = Math.round(nh);
  }
  return warpAffine(img, m, w, h, interpolation, borderValue);
}

/** `mmcv.imshear`: shears by `magnitude` (float32, as mmcv builds the matrix). */
export function imshear(img: ImageArray, magnitude: number, direction: 'horizontal' | 'vertical' = 'horizontal', borderValue: number | readonly number[] = 0, interpolation: WarpInterpolation = 'bilinear'): ImageArray {
  assert(direction === 'horizontal' || direction === 'vertical', () => `imshear: invalid direction '${direction}'`);
  const m32 = Math.fround(magnitude);
  const m: AffineMatrix = direction === 'horizontal' ? [1, m32, 0, 0, 1, 0] : [1, 0, 0, m32, 1, 0];
  return warpAffine(img, m, img.width, img.height, interpolation, borderValue);
}

/** `mmcv.imtranslate`: shifts by `offset` pixels (float32, as mmcv builds the matrix). */
export function imtranslate(img: ImageArray, offset: number, direction: 'horizontal' | 'vertical' = 'horizontal', borderValue: number | readonly number[] = 0, interpolation: WarpInterpolation = 'bilinear'): ImageArray {
  assert(direction === 'horizontal' || direction === 'vertical', () => `imtranslate: invalid direction '${direction}'`);
  const o32 = Math.fround(offset);
  const m: AffineMatrix = direction === 'horizontal' ? [1, 0, o32, 0, 1, 0] : [1, 0, 0, 0, 1, o32];
  return warpAffine(img, m, img.width, img.height, interpolation, borderValue);
}
