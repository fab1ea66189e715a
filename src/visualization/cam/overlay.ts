/**
 * Heat maps over images without tfjs (the panel's main thread blends with these): channel swaps, the CAM carried
 * back onto the original image through the test pipeline's traced resizes and crops, and that blend.
 */
import type { ImageArray, PixelData } from '../../image/image';
import { showCamOnImage } from './image_ops';

/**
 * Maps model-input pixel coordinates back to the original image: `x_orig = ax·x + bx`, `y_orig = ay·y + by`
 * (pixel centres). Null when a transform changed the geometry in a way that cannot be undone (random crops…).
 */
export interface InputGeometry {
  ax: number;
  bx: number;
  ay: number;
  by: number;
}

/** Swaps the first and third channel of HWC 3-channel bytes. */
export function bgrToRgb(bgr: Uint8Array): Uint8Array {
  const out = new Uint8Array(bgr.length);
  for (let i = 0; i < bgr.length; i += 3) {
    out[i] = bgr[i + 2];
    out[i + 1] = bgr[i + 1];
    out[i + 2] = bgr[i];
  }
  return out;
}

/**
 * The grayscale CAM (h × w over the model input) carried back onto the original image through the traced
 * resizes and crops: bilinear samples inside the region the model saw, -1 outside it.
 */
export function camOnOriginal(grayscale: Float32Array, h: number, w: number, geometry: InputGeometry, origH: number, origW: number): Float32Array {
  const out = new Float32Array(origH * origW);
  for (let v = 0; v < origH; v++) {
    const y = (v - geometry.by) / geometry.ay;
    for (let u = 0; u < origW; u++) {
      const x = (u - geometry.bx) / geometry.ax;
      if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) {
        out[v * origW + u] = -1;
        continue;
      }
      const cx = Math.min(Math.max(x, 0), w - 1);
      const cy = Math.min(Math.max(y, 0), h - 1);
      const x0 = Math.floor(cx);
      const y0 = Math.floor(cy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = cx - x0;
      const fy = cy - y0;
      const top = grayscale[y0 * w + x0] * (1 - fx) + grayscale[y0 * w + x1] * fx;
      const bot = grayscale[y1 * w + x0] * (1 - fx) + grayscale[y1 * w + x1] * fx;
      out[v * origW + u] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

/**
 * The original image (BGR/gray uint8 as loaded) with the mapped CAM blended where the model looked (pixels
 * outside its view are dimmed). Returns RGB bytes of the original's size.
 */
export function originalOverlayRGB(original: ImageArray<PixelData>, mapped: Float32Array, heatAlpha = 0.5): Uint8Array {
  const { width: W, height: H, channels: C, data } = original;
  const img = new Float32Array(W * H * 3);
  const mask = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) {
    for (let k = 0; k < 3; k++) img[i * 3 + k] = Math.min(1, Math.max(0, Number(data[i * C + (C === 1 ? 0 : k)]) / 255));
    mask[i] = Math.max(mapped[i], 0);
  }
  const blended = bgrToRgb(showCamOnImage(img, mask, { imageWeight: 1 - heatAlpha, channelOrder: 'bgr' }));
  for (let i = 0; i < W * H; i++) {
    if (mapped[i] >= 0) continue;
    for (let k = 0; k < 3; k++) blended[i * 3 + k] = Math.round(img[i * 3 + (2 - k)] * 255 * 0.35);
  }
  return blended;
}

