/**
 * `cv2.resize` for uint8 images, computed the way OpenCV's `imgproc/src/resize.cpp` does:
 * separable passes with coefficients rounded to 11-bit fixed point (`INTER_RESIZE_COEF_BITS`),
 * a horizontal pass into int rows and a vertical pass with OpenCV's rounding.
 */
import { assert } from '../utils/assert';
import { assertImage, createImage, createLike, saturateRound, type ImageArray, type PixelData } from './image';

/** OpenCV's interpolation flags as mmcv names them (`cv2_interp_codes`). */
export type Cv2Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'area' | 'lanczos';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;
const f32 = Math.fround;

/** Resizes `src` to `dw`×`dh` exactly as `cv2.resize(src, (dw, dh), interpolation=...)`. */
export function resizeCv2<T extends PixelData = Uint8Array>(src: ImageArray<T>, dw: number, dh: number, interpolation: Cv2Interpolation = 'bilinear'): ImageArray<T> {
  assertImage(src, 'imresize(cv2)');
  if (src.data instanceof Float32Array) return resizeCv2Float(src as ImageArray<Float32Array>, dw, dh, interpolation) as ImageArray<T>;
  return resizeCv2Uint8(src as ImageArray, dw, dh, interpolation) as ImageArray<T>;
}

function resizeCv2Uint8(src: ImageArray, dw: number, dh: number, interpolation: Cv2Interpolation): ImageArray {
  assert(Number.isInteger(dw) && Number.isInteger(dh) && dw > 0 && dh > 0, () => `imresize(cv2): bad target size (${dw}, ${dh})`);
  if (dw === src.width && dh === src.height) return { ...src, data: src.data.slice() };
  const invScaleX = dw / src.width;
  const invScaleY = dh / src.height;
  const scaleX = 1 / invScaleX;
  const scaleY = 1 / invScaleY;
  if (interpolation === 'nearest') return resizeNearest(src, dw, dh, 1 / invScaleX, 1 / invScaleY);
  const iscaleX = Math.round(scaleX);
  const iscaleY = Math.round(scaleY);
  const isAreaFast = Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON;
  let mode = interpolation;
  // OpenCV: an exact 2x downscale with INTER_LINEAR is computed by the (identical) fast INTER_AREA path.
  if (mode === 'bilinear' && isAreaFast && iscaleX === 2 && iscaleY === 2) mode = 'area';
  if (mode === 'area' && scaleX >= 1 && scaleY >= 1) {
    return isAreaFast ? resizeAreaFast(src, dw, dh, iscaleX, iscaleY) : resizeArea(src, dw, dh, scaleX, scaleY);
  }
  return resizeSeparable(src, dw, dh, mode, scaleX, scaleY, invScaleX, invScaleY);
}

function resizeNearest(src: ImageArray, dw: number, dh: number, ifx: number, ify: number): ImageArray {
  const { width: w, height: h, channels: cn, data: s } = src;
  const out = createImage(dh, dw, cn);
  const xofs = new Int32Array(dw);
  for (let x = 0; x < dw; x++) xofs[x] = Math.min(Math.floor(x * ifx), w - 1) * cn;
  const d = out.data;
  let o = 0;
  for (let y = 0; y < dh; y++) {
    const row = Math.min(Math.floor(y * ify), h - 1) * w * cn;
    for (let x = 0; x < dw; x++) {
      const si = row + xofs[x];
      for (let c = 0; c < cn; c++) d[o++] = s[si + c];
    }
  }
  return out;
}

/** OpenCV's `interpolateCubic` (A = -0.75), in float32. */
function cubicCoeffs(x: number, out: Float64Array): void {
  const A = -0.75;
  const x1 = f32(x + 1);
  out[0] = f32(f32(f32(f32(f32(A * x1) - 5 * A) * x1) + 8 * A) * x1 - 4 * A);
  out[1] = f32(f32(f32(f32((A + 2) * x) - (A + 3)) * x) * x + 1);
  const y = f32(1 - x);
  out[2] = f32(f32(f32(f32((A + 2) * y) - (A + 3)) * y) * y + 1);
  out[3] = f32(1 - out[0] - out[1] - out[2]);
}

/** OpenCV's `interpolateLanczos4`: 8 taps, normalised to sum 1. */
function lanczos4Coeffs(x: number, out: Float64Array): void {
  const s45 = 0.7071067811865476;
  const cs = [[1, 0], [-s45, -s45], [0, 1], [s45, -s45], [-1, 0], [s45, s45], [0, -1], [-s45, s45]];
  const y0 = -(x + 3) * Math.PI * 0.25;
  const s0 = Math.sin(y0);
  const c0 = Math.cos(y0);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const yi = f32(x + 3 - i);
    if (Math.abs(yi) >= 1e-6) {
      const y = -yi * Math.PI * 0.25;
      out[i] = f32((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
    } else {
      out[i] = f32(1e30);
    }
    sum = f32(sum + out[i]);
  }
  const inv = f32(1 / sum);
  for (let i = 0; i < 8; i++) out[i] = f32(out[i] * inv);
}

/** `saturate_cast<short>(v * INTER_RESIZE_COEF_SCALE)` (round half to even). */
function fixed(v: number): number {
  const r = f32(v * COEF_SCALE);
  const f = Math.floor(r);
  const d = r - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

interface AxisTable {
  /** first source index of the taps, per output position (unclamped) */
  ofs: Int32Array;
  /** fixed-point weights, `ksize` per output position (uint8 images) */
  alpha: Int32Array;
  /** float32 weights, `ksize` per output position (float images) */
  falpha: Float32Array;
}

/** The per-axis table of `resizeGeneric`: source offsets and fixed-point coefficients. */
function axisTable(
  dsize: number, ssize: number, scale: number, invScale: number, mode: 'bilinear' | 'bicubic' | 'lanczos' | 'area', ksize: number, clampEdges: boolean,
): AxisTable {
  const ksize2 = ksize / 2;
  const ofs = new Int32Array(dsize);
  const alpha = new Int32Array(dsize * ksize);
  const falpha = new Float32Array(dsize * ksize);
  const cbuf = new Float64Array(ksize);
  for (let dx = 0; dx < dsize; dx++) {
    let fx: number;
    let sx: number;
    if (mode !== 'area') {
      fx = f32((dx + 0.5) * scale - 0.5);
      sx = Math.floor(fx);
      fx = f32(fx - sx);
    } else {
      sx = Math.floor(dx * scale);
      fx = f32(dx + 1 - (sx + 1) * invScale);
      fx = fx <= 0 ? 0 : f32(fx - Math.floor(fx));
    }
    if (clampEdges && mode !== 'bicubic' && mode !== 'lanczos') {
      if (sx < ksize2 - 1 && sx < 0) { fx = 0; sx = 0; }
      if (sx + ksize2 >= ssize && sx >= ssize - 1) { fx = 0; sx = ssize - 1; }
    }
    ofs[dx] = sx - ksize2 + 1;
    if (mode === 'bicubic') cubicCoeffs(fx, cbuf);
    else if (mode === 'lanczos') lanczos4Coeffs(fx, cbuf);
    else { cbuf[0] = f32(1 - fx); cbuf[1] = fx; }
    for (let k = 0; k < ksize; k++) {
      alpha[dx * ksize + k] = fixed(cbuf[k]);
      falpha[dx * ksize + k] = cbuf[k];
    }
  }
  return { ofs, alpha, falpha };
}

function resizeSeparable(
  src: ImageArray, dw: number, dh: number, mode: 'bilinear' | 'bicubic' | 'lanczos' | 'area',
  scaleX: number, scaleY: number, invScaleX: number, invScaleY: number,
): ImageArray {
  const { width: w, height: h, channels: cn, data: s } = src;
  const ksize = mode === 'bicubic' ? 4 : mode === 'lanczos' ? 8 : 2;
  const xt = axisTable(dw, w, scaleX, invScaleX, mode, ksize, true);
  const yt = axisTable(dh, h, scaleY, invScaleY, mode, ksize, false);
  // Horizontal pass of every source row that is used (computed once, dropped when passed), in int.
  const rowLen = dw * cn;
  const cache: (Int32Array | undefined)[] = new Array(h);
  const xIdx = new Int32Array(dw * ksize);
  for (let dx = 0; dx < dw; dx++) {
    for (let k = 0; k < ksize; k++) xIdx[dx * ksize + k] = Math.min(Math.max(xt.ofs[dx] + k, 0), w - 1) * cn;
  }
  const alpha = xt.alpha;
  const hrow = (sy: number): Int32Array => {
    let r = cache[sy];
    if (r) return r;
    r = new Int32Array(rowLen);
    const base = sy * w * cn;
    if (ksize === 2 && cn === 3) {
      for (let dx = 0, o = 0; dx < dw; dx++, o += 3) {
        const i0 = base + xIdx[dx * 2];
        const i1 = base + xIdx[dx * 2 + 1];
        const a0 = alpha[dx * 2];
        const a1 = alpha[dx * 2 + 1];
        r[o] = s[i0] * a0 + s[i1] * a1;
        r[o + 1] = s[i0 + 1] * a0 + s[i1 + 1] * a1;
        r[o + 2] = s[i0 + 2] * a0 + s[i1 + 2] * a1;
      }
    } else if (ksize === 2) {
      for (let dx = 0, o = 0; dx < dw; dx++) {
        const i0 = base + xIdx[dx * 2];
        const i1 = base + xIdx[dx * 2 + 1];
        const a0 = alpha[dx * 2];
        const a1 = alpha[dx * 2 + 1];
        for (let c = 0; c < cn; c++) r[o++] = s[i0 + c] * a0 + s[i1 + c] * a1;
      }
    } else {
      for (let dx = 0; dx < dw; dx++) {
        for (let c = 0; c < cn; c++) {
          let acc = 0;
          for (let k = 0; k < ksize; k++) acc += s[base + xIdx[dx * ksize + k] + c] * alpha[dx * ksize + k];
          r[dx * cn + c] = acc;
        }
      }
    }
    cache[sy] = r;
    return r;
  };
  const out = createImage(dh, dw, cn);
  const d = out.data;
  const rows: Int32Array[] = new Array(ksize);
  let released = 0;
  for (let dy = 0; dy < dh; dy++) {
    for (let k = 0; k < ksize; k++) rows[k] = hrow(Math.min(Math.max(yt.ofs[dy] + k, 0), h - 1));
    // Rows only move down: free the ones above this output row's first tap.
    for (; released < Math.min(yt.ofs[dy], h); released++) cache[released] = undefined;
    const o = dy * rowLen;
    if (ksize === 2) {
      const b0 = yt.alpha[dy * 2];
      const b1 = yt.alpha[dy * 2 + 1];
      const r0 = rows[0];
      const r1 = rows[1];
      for (let i = 0; i < rowLen; i++) {
        // VResizeLinear<uchar, int, short>: ((b0*(S0>>4))>>16 + (b1*(S1>>4))>>16 + 2) >> 2
        const v = (((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16) + 2) >> 2;
        d[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    } else {
      const beta = yt.alpha.subarray(dy * ksize, dy * ksize + ksize);
      for (let i = 0; i < rowLen; i++) {
        let acc = 0;
        for (let k = 0; k < ksize; k++) acc += rows[k][i] * beta[k];
        // FixedPtCast<int, uchar, 22>: (v + 2^21) >> 22, saturated
        const v = Math.floor((acc + 2097152) / 4194304);
        d[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/** INTER_AREA for integer downscale factors (`resizeAreaFast`). */
function resizeAreaFast(src: ImageArray, dw: number, dh: number, sx: number, sy: number): ImageArray {
  const { width: w, channels: cn, data: s } = src;
  const out = createImage(dh, dw, cn);
  const d = out.data;
  const area = sx * sy;
  const scale = f32(1 / area);
  let o = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      for (let c = 0; c < cn; c++) {
        let sum = 0;
        for (let j = 0; j < sy; j++) {
          const base = ((y * sy + j) * w + x * sx) * cn + c;
          for (let i = 0; i < sx; i++) sum += s[base + i * cn];
        }
        // The 2x2 kernel rounds (sum + 2) >> 2; others saturate_cast(sum * scale).
        d[o++] = area === 4 && sx === 2 ? (sum + 2) >> 2 : saturateRound(f32(sum * scale));
      }
    }
  }
  return out;
}

interface DecimateAlpha { di: number; si: number; alpha: number }

/** `computeResizeAreaTab`: which source cells (with what weight) make each destination cell. */
function areaTab(ssize: number, dsize: number, scale: number): DecimateAlpha[] {
  const tab: DecimateAlpha[] = [];
  for (let dx = 0; dx < dsize; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = Math.min(scale, ssize - fsx1);
    let sx1 = Math.ceil(fsx1);
    let sx2 = Math.floor(fsx2);
    sx2 = Math.min(sx2, ssize - 1);
    sx1 = Math.min(sx1, sx2);
    if (sx1 - fsx1 > 1e-3) tab.push({ di: dx, si: sx1 - 1, alpha: f32((sx1 - fsx1) / cellWidth) });
    for (let sx = sx1; sx < sx2; sx++) tab.push({ di: dx, si: sx, alpha: f32(1 / cellWidth) });
    if (fsx2 - sx2 > 1e-3) tab.push({ di: dx, si: sx2, alpha: f32(Math.min(Math.min(fsx2 - sx2, 1), cellWidth) / cellWidth) });
  }
  return tab;
}

/** INTER_AREA for non-integer downscale factors (`ResizeArea_Invoker`), float accumulation. */
function resizeArea(src: ImageArray, dw: number, dh: number, scaleX: number, scaleY: number): ImageArray {
  const { width: w, height: h, channels: cn, data: s } = src;
  const xtab = areaTab(w, dw, scaleX);
  const ytab = areaTab(h, dh, scaleY);
  const out = createImage(dh, dw, cn);
  const d = out.data;
  const rowLen = dw * cn;
  const buf = new Float32Array(rowLen);
  const sum = new Float32Array(rowLen);
  let prevDy = ytab[0].di;
  const flush = (dy: number) => {
    for (let i = 0; i < rowLen; i++) d[dy * rowLen + i] = saturateRound(sum[i]);
  };
  for (const { di: dy, si: sy, alpha: beta } of ytab) {
    buf.fill(0);
    const base = sy * w * cn;
    for (const { di: dx, si: sx, alpha } of xtab) {
      for (let c = 0; c < cn; c++) buf[dx * cn + c] = f32(buf[dx * cn + c] + s[base + sx * cn + c] * alpha);
    }
    if (dy !== prevDy) {
      flush(prevDy);
      sum.fill(0);
      prevDy = dy;
    }
    for (let i = 0; i < rowLen; i++) sum[i] = f32(sum[i] + beta * buf[i]);
  }
  flush(prevDy);
  return out;
}

/**
 * The float32 path of `cv2.resize` (what mmcv does after `to_float32=True`): the same tables and taps with
 * float coefficients and float sums, no rounding or saturation.
 */
function resizeCv2Float(src: ImageArray<Float32Array>, dw: number, dh: number, interpolation: Cv2Interpolation): ImageArray<Float32Array> {
  assert(Number.isInteger(dw) && Number.isInteger(dh) && dw > 0 && dh > 0, () => `imresize(cv2): bad target size (${dw}, ${dh})`);
  const { width: w, height: h, channels: cn, data: s } = src;
  if (dw === w && dh === h) return { ...src, data: s.slice() };
  const out = createLike(src, dh, dw);
  const d = out.data;
  const invScaleX = dw / w;
  const invScaleY = dh / h;
  const scaleX = 1 / invScaleX;
  const scaleY = 1 / invScaleY;
  if (interpolation === 'nearest') {
    for (let y = 0; y < dh; y++) {
      const sy = Math.min(Math.floor(y * scaleY), h - 1);
      for (let x = 0; x < dw; x++) {
        const sx = Math.min(Math.floor(x * scaleX), w - 1);
        for (let c = 0; c < cn; c++) d[(y * dw + x) * cn + c] = s[(sy * w + sx) * cn + c];
      }
    }
    return out;
  }
  const iscaleX = Math.round(scaleX);
  const iscaleY = Math.round(scaleY);
  const isAreaFast = Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON;
  let mode = interpolation;
  if (mode === 'bilinear' && isAreaFast && iscaleX === 2 && iscaleY === 2) mode = 'area';
  if (mode === 'area' && scaleX >= 1 && scaleY >= 1) {
    // Float INTER_AREA: the average of each cell (weights by covered fraction for non-integer factors).
    const xtab = areaTab(w, dw, scaleX);
    const ytab = areaTab(h, dh, scaleY);
    const acc = new Float64Array(dh * dw * cn);
    for (const { di: dy, si: sy, alpha: beta } of ytab) {
      for (const { di: dx, si: sx, alpha } of xtab) {
        const wgt = beta * alpha;
        for (let c = 0; c < cn; c++) acc[(dy * dw + dx) * cn + c] += s[(sy * w + sx) * cn + c] * wgt;
      }
    }
    for (let i = 0; i < acc.length; i++) d[i] = acc[i];
    return out;
  }
  const ksize = mode === 'bicubic' ? 4 : mode === 'lanczos' ? 8 : 2;
  const xt = axisTable(dw, w, scaleX, invScaleX, mode, ksize, true);
  const yt = axisTable(dh, h, scaleY, invScaleY, mode, ksize, false);
  const rowLen = dw * cn;
  const hrows = new Array<Float32Array | undefined>(h);
  const hrow = (sy: number): Float32Array => {
    let r = hrows[sy];
    if (r) return r;
    r = new Float32Array(rowLen);
    for (let dx = 0; dx < dw; dx++) {
      for (let c = 0; c < cn; c++) {
        let acc = 0;
        for (let k = 0; k < ksize; k++) {
          const sx = Math.min(Math.max(xt.ofs[dx] + k, 0), w - 1);
          acc = f32(acc + f32(s[(sy * w + sx) * cn + c] * xt.falpha[dx * ksize + k]));
        }
        r[dx * cn + c] = acc;
      }
    }
    hrows[sy] = r;
    return r;
  };
  for (let dy = 0; dy < dh; dy++) {
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let k = 0; k < ksize; k++) {
        const row = hrow(Math.min(Math.max(yt.ofs[dy] + k, 0), h - 1));
        acc = f32(acc + f32(row[i] * yt.falpha[dy * ksize + k]));
      }
      d[dy * rowLen + i] = acc;
    }
  }
  return out;
}
