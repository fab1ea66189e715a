/**
 * The image maths after the CAM: `cv2.resize` of a float map (INTER_LINEAR), `cv2.applyColorMap(…, COLORMAP_JET)`
 * and pytorch-grad-cam's `show_cam_on_image`. Pure functions on typed arrays (no DOM, no tfjs).
 */

const f32 = Math.fround;

/**
 * `cv2.resize(map, (dw, dh))` of a single-channel float32 map with INTER_LINEAR: half-pixel centres, replicated
 * border, float coefficients (OpenCV's float path, no fixed point).
 */
export function resizeBilinearF32(src: Float32Array, sh: number, sw: number, dh: number, dw: number): Float32Array {
  if (sh === dh && sw === dw) return src.slice();
  const taps = (dsize: number, ssize: number) => {
    const scale = ssize / dsize;
    const i0 = new Int32Array(dsize);
    const i1 = new Int32Array(dsize);
    const w1 = new Float32Array(dsize);
    for (let d = 0; d < dsize; d++) {
      let f = f32((d + 0.5) * scale - 0.5);
      let s = Math.floor(f);
      f = f32(f - s);
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= ssize - 1) {
        s = ssize - 1;
        f = 0;
      }
      i0[d] = s;
      i1[d] = Math.min(s + 1, ssize - 1);
      w1[d] = f;
    }
    return { i0, i1, w1 };
  };
  const x = taps(dw, sw);
  const y = taps(dh, sh);
  const rows = new Float32Array(sh * dw);
  for (let r = 0; r < sh; r++) {
    for (let d = 0; d < dw; d++) {
      const a = src[r * sw + x.i0[d]];
      const b = src[r * sw + x.i1[d]];
      rows[r * dw + d] = f32(f32(a * f32(1 - x.w1[d])) + f32(b * x.w1[d]));
    }
  }
  const out = new Float32Array(dh * dw);
  for (let d = 0; d < dh; d++) {
    const w = y.w1[d];
    const r0 = y.i0[d] * dw;
    const r1 = y.i1[d] * dw;
    for (let c = 0; c < dw; c++) out[d * dw + c] = f32(f32(rows[r0 + c] * f32(1 - w)) + f32(rows[r1 + c] * w));
  }
  return out;
}

/** Round half to even (OpenCV's `cvRound` / `saturate_cast<uchar>` of a float). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * OpenCV's COLORMAP_JET lookup table as BGR bytes (256 × 3): GNU Octave's `jet` (r = 4x − 1.5, g = 4x − 0.5,
 * b = 4x + 0.5 rising, mirrored falling, clipped to [0, 1]) at x = i/255 in float32, interpolated by `interp1` on
 * the same grid and converted with `convertTo(CV_8U, 255)`.
 */
export const JET_LUT_BGR: Uint8Array = (() => {
  const n = 256;
  const step = f32(1 / (n - 1));
  const xs = Float32Array.from({ length: n }, (_, i) => f32(i * step));
  const channel = (offset: number, fall: number) =>
    Float32Array.from({ length: n }, (_, i) => f32(Math.min(1, Math.max(0, Math.min(4 * (i / 255) - offset, -4 * (i / 255) + fall)))));
  const r = channel(1.5, 4.5);
  const g = channel(0.5, 3.5);
  const b = channel(-0.5, 2.5);
  const lut = new Uint8Array(n * 3);
  const interp = (y: Float32Array, i: number) => {
    if (i === 0) return y[0];
    const dx = f32(xs[i] - xs[i - 1]);
    return f32(y[i - 1] + f32(f32(f32(xs[i] - xs[i - 1]) * f32(y[i] - y[i - 1])) / dx));
  };
  for (let i = 0; i < n; i++) {
    [b, g, r].forEach((ch, k) => (lut[i * 3 + k] = Math.min(255, Math.max(0, roundHalfEven(f32(interp(ch, i) * 255))))));
  }
  return lut;
})();

/**
 * `cv2.applyColorMap(np.uint8(255 * mask), cv2.COLORMAP_JET)`: a [0, 1] float map → HWC BGR (or RGB) bytes.
 * `np.uint8(255 * mask)` truncates toward zero.
 */
export function applyJet(mask: ArrayLike<number>, channelOrder: 'bgr' | 'rgb' = 'bgr'): Uint8Array {
  const out = new Uint8Array(mask.length * 3);
  for (let i = 0; i < mask.length; i++) {
    const v = Math.min(255, Math.max(0, Math.trunc(f32(255 * mask[i])))) * 3;
    if (channelOrder === 'bgr') out.set(JET_LUT_BGR.subarray(v, v + 3), i * 3);
    else {
      out[i * 3] = JET_LUT_BGR[v + 2];
      out[i * 3 + 1] = JET_LUT_BGR[v + 1];
      out[i * 3 + 2] = JET_LUT_BGR[v];
    }
  }
  return out;
}

/**
 * pytorch-grad-cam's `show_cam_on_image(img, mask, use_rgb, COLORMAP_JET, image_weight)`:
 * `cam = (1 − w)·heatmap + w·img; cam /= max(cam); uint8(255·cam)`. `img` is HWC float in [0, 1] with 3
 * channels in `channelOrder`; `mask` is H×W in [0, 1]. The heat map's weight (the panel's alpha) is `1 − imageWeight`.
 */
export function showCamOnImage(img: Float32Array, mask: ArrayLike<number>, { imageWeight = 0.5, channelOrder = 'bgr' }: { imageWeight?: number; channelOrder?: 'bgr' | 'rgb' } = {}): Uint8Array {
  if (img.length !== mask.length * 3) throw new Error(`show_cam_on_image: image has ${img.length / 3} pixels, mask ${mask.length}`);
  if (imageWeight < 0 || imageWeight > 1) throw new Error(`image_weight should be in the range [0, 1]. Got: ${imageWeight}`);
  let imgMax = 0;
  for (const v of img) if (v > imgMax) imgMax = v;
  if (imgMax > 1) throw new Error('The input image should np.float32 in the range [0, 1]');
  const heat = applyJet(mask, channelOrder);
  const cam = new Float32Array(img.length);
  const hw = f32(1 - imageWeight);
  const iw = f32(imageWeight);
  let max = 0;
  for (let i = 0; i < img.length; i++) {
    cam[i] = f32(f32(hw * f32(heat[i] / 255)) + f32(iw * img[i]));
    if (cam[i] > max) max = cam[i];
  }
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.trunc(f32(255 * f32(cam[i] / max)));
  return out;
}
