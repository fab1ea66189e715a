/** Main-thread blends for the CAM canvases (cheap per alpha change; the CAMs themselves come from the worker). */
import type { ImageArray, PixelData } from '../../../image/image';
import { bgrToRgb, originalOverlayRGB } from '../../../visualization/cam/overlay';
import { showCamOnImage } from '../../../visualization/cam/image_ops';

/** RGB bytes → RGBA for `ImageData`. */
export function rgbToRgba(rgb: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer((rgb.length / 3) * 4));
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i];
    out[j + 1] = rgb[i + 1];
    out[j + 2] = rgb[i + 2];
    out[j + 3] = 255;
  }
  return out;
}

/** The CAM over the model input (vis_cam's picture), RGB. */
export function blendOnInput(input: { data: Float32Array }, grayscale: Float32Array, alpha: number): Uint8Array {
  return bgrToRgb(showCamOnImage(input.data, grayscale, { imageWeight: 1 - alpha, channelOrder: 'bgr' }));
}

/** The CAM carried back onto the original image, RGB. */
export function blendOnOriginal(original: ImageArray<PixelData>, mapped: Float32Array, alpha: number): Uint8Array {
  return originalOverlayRGB(original, mapped, alpha);
}
