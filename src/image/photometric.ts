/**
 * Colour ops with mmcv's semantics (`mmcv/image/photometric.py`): the `cv2` backend as OpenCV's
 * `addWeighted` / `filter2D` / `cvtColor` compute it, the `pillow` backend as `PIL.ImageEnhance` /
 * `Image.blend` / `convert('HSV')` do. All take and return uint8 HWC images (BGR for colour).
 */
import { assert } from '../utils/assert';
import { bgr2gray, luma } from './colorspace';
import { assertUint8, createImage, saturateRound, type ImageArray } from './image';

export type ColorBackend = 'cv2' | 'pillow';
const f32 = Math.fround;

function checkBackend(backend: string, who: string): asserts backend is ColorBackend {
  assert(backend === 'cv2' || backend === 'pillow', () => `${who}: backend '${backend}' is not supported. Supported backends are 'cv2', 'pillow'`);
}

function mapPixels(img: ImageArray, fn: (v: number) => number): ImageArray {
  const out = createImage(img.height, img.width, img.channels);
  const s = img.data;
  const d = out.data;
  for (let i = 0; i < s.length; i++) d[i] = fn(s[i]);
  return out;
}

/** `mmcv.iminvert`: 255 - img. */
export function iminvert(img: ImageArray): ImageArray {
  assertUint8(img, 'iminvert');
  return mapPixels(img, (v) => 255 - v);
}

/** `mmcv.solarize`: inverts pixels at or above `thr`. */
export function solarize(img: ImageArray, thr = 128): ImageArray {
  assertUint8(img, 'solarize');
  return mapPixels(img, (v) => (v < thr ? v : 255 - v));
}

/** `SolarizeAdd`: adds `magnitude` to pixels below `thr` (capped at 255, truncated to uint8). */
export function solarizeAdd(img: ImageArray, magnitude: number, thr = 128): ImageArray {
  assertUint8(img, 'solarize_add');
  return mapPixels(img, (v) => (v < thr ? Math.trunc(Math.min(v + magnitude, 255)) & 255 : v));
}

/** `mmcv.posterize`: keeps the top `bits` bits. */
export function posterize(img: ImageArray, bits: number): ImageArray {
  assertUint8(img, 'posterize');
  assert(Number.isInteger(bits) && bits >= 0 && bits <= 8, () => `posterize: bits must be an int in [0, 8], got ${bits}`);
  const shift = 8 - bits;
  return mapPixels(img, (v) => ((v >> shift) << shift) & 255);
}

/** `cv2.addWeighted` on float32 inputs, then `np.clip(0, 255).astype(uint8)` (truncation), as mmcv does. */
function blendFloatTrunc(a: Uint8Array | ((i: number) => number), img: ImageArray, factor: number): ImageArray {
  const out = createImage(img.height, img.width, img.channels);
  const s = img.data;
  const beta = 1 - factor;
  for (let i = 0; i < s.length; i++) {
    const deg = typeof a === 'function' ? a(i) : a[i];
    const v = f32(s[i] * factor + deg * beta);
    out.data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

/** `Image.blend(degenerate, img, factor)` (Pillow's `ImagingBlend`, float alpha, truncation/clipping). */
function pillowBlend(deg: (i: number) => number, img: ImageArray, factor: number): ImageArray {
  const out = createImage(img.height, img.width, img.channels);
  const s = img.data;
  const alpha = f32(factor);
  const interp = alpha >= 0 && alpha <= 1;
  for (let i = 0; i < s.length; i++) {
    const a = deg(i);
    const t = f32(a + f32(alpha * (s[i] - a)));
    out.data[i] = interp ? Math.trunc(t) & 255 : t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
  }
  return out;
}

/** Pillow's `convert('L')` of an RGB pixel: ITU-R 601-2 with 16-bit weights. */
function pillowLuma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** Pillow luma of every pixel of a BGR image. */
function pillowGray(img: ImageArray): Uint8Array {
  const n = img.width * img.height;
  const cn = img.channels;
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = cn >= 3 ? pillowLuma(img.data[i * cn + 2], img.data[i * cn + 1], img.data[i * cn]) : img.data[i * cn];
  return g;
}

/** `mmcv.adjust_brightness`: blend with black. */
export function adjustBrightness(img: ImageArray, factor = 1, backend: ColorBackend = 'cv2'): ImageArray {
  assertUint8(img, 'adjust_brightness');
  checkBackend(backend, 'adjust_brightness');
  if (backend === 'pillow') return pillowBlend(() => 0, img, factor);
  return blendFloatTrunc(() => 0, img, factor);
}

/** `mmcv.adjust_contrast`: blend with the mean grey level. */
export function adjustContrast(img: ImageArray, factor = 1, backend: ColorBackend = 'cv2'): ImageArray {
  assertUint8(img, 'adjust_contrast');
  checkBackend(backend, 'adjust_contrast');
  if (backend === 'pillow') {
    const g = pillowGray(img);
    let sum = 0;
    for (let i = 0; i < g.length; i++) sum += g[i];
    const mean = Math.trunc(sum / g.length + 0.5);
    return pillowBlend(() => mean, img, factor);
  }
  const g = img.channels >= 3 ? bgr2gray(img).data : pillowGray(img);
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i];
  const mean = pyRound(sum / g.length);
  return blendFloatTrunc(() => mean, img, factor);
}

/** Python's `round` (half to even). */
function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * `mmcv.adjust_color` (saturation): `img*alpha + gray*beta + gamma` with `beta = 1 - alpha` by default,
 * through uint8 `cv2.addWeighted` (float32 math, rounding); the pillow backend is `ImageEnhance.Color`.
 */
export function adjustColor(img: ImageArray, alpha = 1, beta: number | null = null, gamma = 0, backend: ColorBackend = 'cv2'): ImageArray {
  assertUint8(img, 'adjust_color');
  checkBackend(backend, 'adjust_color');
  const cn = img.channels;
  if (backend === 'pillow') {
    const g = pillowGray(img);
    return pillowBlend((i) => g[Math.floor(i / cn)], img, alpha);
  }
  const g = bgr2gray(img).data;
  const a = f32(alpha);
  const b = f32(beta ?? 1 - alpha);
  const c = f32(gamma);
  const out = createImage(img.height, img.width, cn);
  for (let i = 0; i < img.data.length; i++) {
    // OpenCV's SIMD addWeighted: v_muladd(src1, alpha, v_muladd(src2, beta, gamma)) — fused, one rounding each.
    out.data[i] = saturateRound(f32(img.data[i] * a + f32(g[Math.floor(i / cn)] * b + c)));
  }
  return out;
}

/** `mmcv.imequalize`: per-channel histogram equalisation (PIL's `ImageOps.equalize` algorithm). */
export function imequalize(img: ImageArray): ImageArray {
  assertUint8(img, 'imequalize');
  const cn = img.channels;
  const n = img.width * img.height;
  const out = createImage(img.height, img.width, cn);
  for (let c = 0; c < cn; c++) {
    const hist = new Float64Array(256);
    for (let i = 0; i < n; i++) hist[img.data[i * cn + c]]++;
    let last = 0;
    let total = 0;
    for (let v = 0; v < 256; v++) {
      if (hist[v] > 0) last = hist[v];
      total += hist[v];
    }
    const step = Math.floor((total - last) / 255);
    const lut = new Uint8Array(256);
    if (!step) {
      for (let v = 0; v < 256; v++) lut[v] = v;
    } else {
      let cum = 0;
      for (let v = 0; v < 256; v++) {
        lut[v] = Math.min(Math.floor((cum + Math.floor(step / 2)) / step), 255);
        cum += hist[v];
      }
    }
    for (let i = 0; i < n; i++) out.data[i * cn + c] = lut[img.data[i * cn + c]];
  }
  return out;
}

/** `mmcv.auto_contrast`: per channel, cut `cutoff` percent at both ends and stretch to 0–255. */
export function autoContrast(img: ImageArray, cutoff: number | [number, number] = 0): ImageArray {
  assertUint8(img, 'auto_contrast');
  const [lowCut, highCut] = typeof cutoff === 'number' ? [cutoff, cutoff] : cutoff;
  const cn = img.channels;
  const n = img.width * img.height;
  const out = createImage(img.height, img.width, cn);
  for (let c = 0; c < cn; c++) {
    const hist = new Float64Array(256);
    for (let i = 0; i < n; i++) hist[img.data[i * cn + c]]++;
    const cum = new Float64Array(256);
    let acc = 0;
    for (let v = 0; v < 256; v++) cum[v] = acc += hist[v];
    const total = cum[255];
    const cutLow = Math.floor((total * lowCut) / 100);
    const cutHigh = total - Math.floor((total * highCut) / 100);
    let low = -1;
    let high = -1;
    let prev = 0;
    for (let v = 0; v < 256; v++) {
      const clipped = Math.min(Math.max(cum[v], cutLow), cutHigh) - cutLow;
      const h = v === 0 ? clipped : clipped - prev;
      prev = clipped;
      if (h !== 0) {
        if (low < 0) low = v;
        high = v;
      }
    }
    if (low < 0 || low >= high) {
      for (let i = 0; i < n; i++) out.data[i * cn + c] = img.data[i * cn + c];
      continue;
    }
    const scale = 255 / (high - low);
    const offset = -low * scale;
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.trunc(Math.min(Math.max(v * scale + offset, 0), 255));
    for (let i = 0; i < n; i++) out.data[i * cn + c] = lut[img.data[i * cn + c]];
  }
  return out;
}

/** Reflect-101 index, cv2's default border for `filter2D`. */
function reflect101(p: number, len: number): number {
  if (len === 1) return 0;
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * len - 2 - p;
  return p;
}

/** `cv2.filter2D(img, -1, kernel)` for uint8 with a float kernel (float32 sums, rounding, reflect-101 border). */
export function filter2D(img: ImageArray, kernel: number[][]): ImageArray {
  assertUint8(img, 'filter2D');
  const kh = kernel.length;
  const kw = kernel[0].length;
  const ay = Math.floor(kh / 2);
  const ax = Math.floor(kw / 2);
  const k = kernel.map((row) => row.map((v) => f32(v)));
  const { width: w, height: h, channels: cn, data: s } = img;
  const out = createImage(h, w, cn);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < cn; c++) {
        let acc = 0;
        for (let i = 0; i < kh; i++) {
          const sy = reflect101(y + i - ay, h);
          for (let j = 0; j < kw; j++) {
            if (k[i][j] === 0) continue;
            acc = f32(acc + f32(s[(sy * w + reflect101(x + j - ax, w)) * cn + c] * k[i][j]));
          }
        }
        out.data[(y * w + x) * cn + c] = saturateRound(acc);
      }
    }
  }
  return out;
}

/** PIL's `ImageFilter.SMOOTH` kernel, mmcv's default for `adjust_sharpness`. */
export const SMOOTH_KERNEL = [[1 / 13, 1 / 13, 1 / 13], [1 / 13, 5 / 13, 1 / 13], [1 / 13, 1 / 13, 1 / 13]];

/** `mmcv.adjust_sharpness`: blend with the `filter2D`-smoothed image. */
export function adjustSharpness(img: ImageArray, factor = 1, kernel: number[][] = SMOOTH_KERNEL): ImageArray {
  assertUint8(img, 'adjust_sharpness');
  const deg = filter2D(img, kernel);
  return blendFloatTrunc(deg.data, img, factor);
}

/**
 * `mmcv.adjust_lighting` with the drawn `alpha` (one per eigenvalue): adds `eigvec · (alpha ⊙ eigval)`
 * per channel, then casts to uint8 as numpy's `astype` does (truncation, wrapping out-of-range values).
 * @param toRgb convert BGR → RGB first (the result stays RGB, as in mmcv)
 */
export function adjustLighting(img: ImageArray, eigval: number[], eigvec: number[][], alpha: number[], toRgb = true): ImageArray {
  assertUint8(img, 'adjust_lighting');
  assert(img.channels === 3, () => `adjust_lighting: expects a 3-channel image, got ${img.channels}`);
  assert(eigvec.length === 3 && eigvec.every((r) => r.length === eigval.length), () => 'adjust_lighting: eigvec must have shape (3, len(eigval))');
  const alter = eigvec.map((row) => row.reduce((s, v, j) => s + v * alpha[j] * eigval[j], 0));
  const out = createImage(img.height, img.width, 3);
  const s = img.data;
  for (let i = 0; i < s.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const src = toRgb ? s[i + 2 - c] : s[i + c];
      const v = Math.trunc(src + alter[c]);
      out.data[i + c] = ((v % 256) + 256) % 256;
    }
  }
  return out;
}

/** numpy's `np.uint8(x)` of a float: truncation then wrap-around. */
function npUint8(x: number): number {
  const v = Math.trunc(x);
  return ((v % 256) + 256) % 256;
}

/** cv2 `COLOR_BGR2HSV_FULL` for one pixel (hsv_shift = 12 fixed point, hue range 256). */
function bgr2hsvFull(b: number, g: number, r: number, out: number[]): void {
  const shift = 12;
  const v = Math.max(r, g, b);
  const vmin = Math.min(r, g, b);
  const diff = v - vmin;
  const sdiv = v ? saturateInt((255 << shift) / v) : 0;
  const hdiv = diff ? saturateInt((256 << shift) / (6 * diff)) : 0;
  const s = (diff * sdiv + (1 << (shift - 1))) >> shift;
  let h: number;
  if (v === r) h = g - b;
  else if (v === g) h = b - r + 2 * diff;
  else h = r - g + 4 * diff;
  h = (h * hdiv + (1 << (shift - 1))) >> shift;
  if (h < 0) h += 256;
  out[0] = Math.min(h, 255);
  out[1] = s;
  out[2] = v;
}

/** `saturate_cast<int>(double)`: round half to even. */
function saturateInt(v: number): number {
  return pyRound(v);
}

/**
 * cv2 `COLOR_HSV2BGR_FULL` for one pixel: hue range 255 on the way back (OpenCV uses 256 forward, 255 back),
 * float32 sector maths on the 0–255 value, truncated (matches OpenCV 4.6 within 1 on 0.2% of pixels).
 */
function hsvFull2bgr(h8: number, s8: number, v8: number, out: number[]): void {
  if (s8 === 0) {
    out[0] = out[1] = out[2] = v8;
    return;
  }
  const s = f32(s8 * f32(1 / 255));
  const v = v8;
  const sectors = [[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]];
  let h = f32(h8 * f32(6 / 255));
  let sector = Math.floor(h);
  h = f32(h - sector);
  if (sector < 0 || sector >= 6) {
    sector = 0;
    h = 0;
  }
  const tab = [v, f32(v * f32(1 - s)), f32(v * f32(1 - f32(s * h))), f32(v * f32(1 - f32(s * f32(1 - h))))];
  for (let c = 0; c < 3; c++) out[c] = Math.min(255, Math.max(0, Math.floor(tab[sectors[sector][c]])));
}

/** Pillow `rgb2hsv` for one pixel (float math following colorsys). */
function pillowRgb2hsv(r: number, g: number, b: number, out: number[]): void {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  if (minc === maxc) {
    out[0] = 0;
    out[1] = 0;
    out[2] = maxc;
    return;
  }
  const cr = f32(maxc - minc);
  const s = f32(cr / maxc);
  const rc = f32((maxc - r) / cr);
  const gc = f32((maxc - g) / cr);
  const bc = f32((maxc - b) / cr);
  let h: number;
  if (r === maxc) h = f32(bc - gc);
  else if (g === maxc) h = f32(2 + rc - bc);
  else h = f32(4 + gc - rc);
  h = f32(((h / 6 + 1) % 1 + 1) % 1);
  out[0] = Math.min(255, Math.max(0, Math.trunc(h * 255)));
  out[1] = Math.min(255, Math.max(0, Math.trunc(s * 255)));
  out[2] = maxc;
}

/** Pillow `hsv2rgb` for one pixel. */
function pillowHsv2rgb(h: number, s: number, v: number, out: number[]): void {
  if (s === 0) {
    out[0] = out[1] = out[2] = v;
    return;
  }
  const i = Math.floor((h * 6) / 255);
  const f = f32((h * 6) / 255 - i);
  const fs = f32(s / 255);
  const clip = (x: number) => Math.min(255, Math.max(0, x));
  const p = clip(Math.round(v * (1 - fs)));
  const q = clip(Math.round(v * (1 - fs * f)));
  const t = clip(Math.round(v * (1 - fs * (1 - f))));
  const table = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  const [r, g, b] = table[i % 6];
  out[0] = r;
  out[1] = g;
  out[2] = b;
}

/** `mmcv.adjust_hue`: shifts the hue channel by `hue_factor × 255` (uint8 wrap-around), in [-0.5, 0.5]. */
export function adjustHue(img: ImageArray, hueFactor: number, backend: ColorBackend = 'cv2'): ImageArray {
  assertUint8(img, 'adjust_hue');
  checkBackend(backend, 'adjust_hue');
  assert(hueFactor >= -0.5 && hueFactor <= 0.5, () => `adjust_hue: hue_factor ${hueFactor} is not in [-0.5, 0.5]`);
  assert(img.channels === 3, () => `adjust_hue: expects a 3-channel image, got ${img.channels}`);
  const shift = npUint8(hueFactor * 255);
  const out = createImage(img.height, img.width, 3);
  const s = img.data;
  const hsv = [0, 0, 0];
  const rgb = [0, 0, 0];
  for (let i = 0; i < s.length; i += 3) {
    if (backend === 'cv2') {
      bgr2hsvFull(s[i], s[i + 1], s[i + 2], hsv);
      hsvFull2bgr((hsv[0] + shift) & 255, hsv[1], hsv[2], rgb);
      out.data[i] = rgb[0];
      out.data[i + 1] = rgb[1];
      out.data[i + 2] = rgb[2];
    } else {
      pillowRgb2hsv(s[i + 2], s[i + 1], s[i], hsv);
      pillowHsv2rgb((hsv[0] + shift) & 255, hsv[1], hsv[2], rgb);
      out.data[i] = rgb[2];
      out.data[i + 1] = rgb[1];
      out.data[i + 2] = rgb[0];
    }
  }
  return out;
}

/** `mmcv.cutout` at a given (drawn) centre `(y0, x0)`: fills a `shape` (h, w) box with `padVal`. */
export function cutout(img: ImageArray, shape: number | [number, number], y0: number, x0: number, padVal: number | readonly number[] = 0): ImageArray {
  assertUint8(img, 'cutout');
  const [cutH, cutW] = typeof shape === 'number' ? [shape, shape] : shape;
  const y1 = Math.trunc(Math.max(0, y0 - cutH / 2));
  const x1 = Math.trunc(Math.max(0, x0 - cutW / 2));
  const y2 = Math.min(img.height, y1 + cutH);
  const x2 = Math.min(img.width, x1 + cutW);
  const out = { ...img, data: img.data.slice() };
  const cn = img.channels;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      for (let c = 0; c < cn; c++) out.data[(y * img.width + x) * cn + c] = (typeof padVal === 'number' ? padVal : padVal[c]) & 255;
    }
  }
  return out;
}

/** Pillow's `_gaussian_blur_radius`: the box radius of `passes` box blurs approximating a Gaussian. */
function boxRadius(radius: number, passes: number): number {
  const sigma2 = f32((radius * radius) / passes);
  const L = f32(Math.sqrt(12 * sigma2 + 1));
  const l = Math.floor((L - 1) / 2);
  let a = f32((2 * l + 1) * (l * (l + 1) - 3 * sigma2));
  a = f32(a / (6 * (sigma2 - (l + 1) * (l + 1))));
  return f32(l + a);
}

/** Pillow's `ImagingLineBoxBlur8` on one strided line (24-bit fixed point). */
function lineBoxBlur(src: Float64Array, dst: Float64Array, lastx: number, radius: number, edgeA: number, edgeB: number, ww: number, fw: number): void {
  let acc = src[0] * (radius + 1);
  for (let x = 0; x < edgeA - 1; x++) acc += src[x];
  acc += src[lastx] * (radius - edgeA + 1);
  const save = (x: number, left: number, right: number) => {
    const bulk = acc * ww + (src[left] + src[right]) * fw;
    dst[x] = Math.floor((bulk + 8388608) / 16777216) & 255;
  };
  if (edgeA <= edgeB) {
    for (let x = 0; x < edgeA; x++) { acc += src[x + radius] - src[0]; save(x, 0, x + radius + 1); }
    for (let x = edgeA; x < edgeB; x++) { acc += src[x + radius] - src[x - radius - 1]; save(x, x - radius - 1, x + radius + 1); }
    for (let x = edgeB; x <= lastx; x++) { acc += src[lastx] - src[x - radius - 1]; save(x, x - radius - 1, lastx); }
  } else {
    for (let x = 0; x < edgeB; x++) { acc += src[x + radius] - src[0]; save(x, 0, x + radius + 1); }
    for (let x = edgeB; x < edgeA; x++) { acc += src[lastx] - src[0]; save(x, 0, lastx); }
    for (let x = edgeA; x <= lastx; x++) { acc += src[lastx] - src[x - radius - 1]; save(x, x - radius - 1, lastx); }
  }
}

/** Box-blurs every line along one axis (`horizontal` = rows), Pillow's `ImagingHorizontalBoxBlur`. */
function boxBlurAxis(img: ImageArray, floatRadius: number, horizontal: boolean): void {
  const radius = Math.trunc(floatRadius);
  const ww = Math.trunc(16777216 / f32(floatRadius * 2 + 1)) >>> 0;
  const fw = Math.trunc((16777216 - (radius * 2 + 1) * ww) / 2);
  const { width: w, height: h, channels: cn, data } = img;
  const len = horizontal ? w : h;
  const lines = horizontal ? h : w;
  const edgeA = Math.min(radius + 1, len);
  const edgeB = Math.max(len - radius - 1, 0);
  const src = new Float64Array(len);
  const dst = new Float64Array(len);
  for (let l = 0; l < lines; l++) {
    for (let c = 0; c < cn; c++) {
      for (let i = 0; i < len; i++) src[i] = data[(horizontal ? l * w + i : i * w + l) * cn + c];
      lineBoxBlur(src, dst, len - 1, radius, edgeA, edgeB, ww, fw);
      for (let i = 0; i < len; i++) data[(horizontal ? l * w + i : i * w + l) * cn + c] = dst[i];
    }
  }
}

/** `PIL.ImageFilter.GaussianBlur(radius)`: three box blurs per axis (Pillow's `ImagingGaussianBlur`). */
export function gaussianBlurPillow(img: ImageArray, radius: number): ImageArray {
  assertUint8(img, 'GaussianBlur');
  const out = { ...img, data: img.data.slice() };
  const passes = 3;
  const r = boxRadius(radius, passes);
  if (r === 0) return out;
  for (let i = 0; i < passes; i++) boxBlurAxis(out, r, true);
  for (let i = 0; i < passes; i++) boxBlurAxis(out, r, false);
  return out;
}

export { luma };
