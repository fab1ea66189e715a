/** Colour ops against mmcv's formulas on OpenCV 4.6 / Pillow 9.4 (`__fixtures__/photometric.npz`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpz, type NpyArray } from '../fileio/npy';
import { imageFromHWC, type ImageArray } from './image';
import {
  adjustBrightness, adjustColor, adjustContrast, adjustHue, adjustLighting, adjustSharpness, autoContrast, cutout,
  gaussianBlurPillow, imequalize, iminvert, posterize, solarize, solarizeAdd,
} from './photometric';

const ref = parseNpz(new Uint8Array(readFileSync(join(__dirname, '__fixtures__/photometric.npz'))));
const img = imageFromHWC(ref.img.data as Uint8Array, ref.img.shape);
const low = imageFromHWC(ref.low.data as Uint8Array, ref.low.shape);

function maxDiff(got: ImageArray, want: NpyArray): number {
  expect([got.height, got.width, got.channels]).toEqual(want.shape);
  let m = 0;
  for (let i = 0; i < want.data.length; i++) m = Math.max(m, Math.abs(got.data[i] - (want.data as Uint8Array)[i]));
  return m;
}

const report: string[] = [];
function check(name: string, got: ImageArray, tol = 0): void {
  const d = maxDiff(got, ref[name]);
  report.push(`${name}: ${d}`);
  expect(d, name).toBeLessThanOrEqual(tol);
}

describe('photometric ops match mmcv', () => {
  for (const f of [0.0, 0.35, 1.0, 1.7]) {
    const k = Number.isInteger(f) ? f.toFixed(1) : String(f);
    it(`brightness / contrast / color / sharpness, factor ${k}`, () => {
      check(`brightness_cv2_${k}`, adjustBrightness(img, f, 'cv2'));
      check(`brightness_pillow_${k}`, adjustBrightness(img, f, 'pillow'));
      check(`contrast_cv2_${k}`, adjustContrast(img, f, 'cv2'));
      check(`contrast_pillow_${k}`, adjustContrast(img, f, 'pillow'));
      check(`color_cv2_${k}`, adjustColor(img, f, null, 0, 'cv2'));
      check(`color_pillow_${k}`, adjustColor(img, f, null, 0, 'pillow'));
      check(`sharpness_${k}`, adjustSharpness(img, f));
    });
  }
  for (const hf of [-0.5, -0.23, 0.1, 0.37]) {
    it(`adjust_hue ${hf}`, () => {
      check(`hue_cv2_${hf}`, adjustHue(img, hf, 'cv2'), 1);
      check(`hue_pillow_${hf}`, adjustHue(img, hf, 'pillow'), 1);
    });
  }
  it('equalize, auto_contrast', () => {
    check('equalize', imequalize(img));
    check('equalize_low', imequalize(low));
    check('autocontrast_0', autoContrast(low, 0));
    check('autocontrast_5_2', autoContrast(img, [5, 2]));
  });
  for (const r of [0.5, 1.3, 2.0, 4.7]) {
    it(`Pillow GaussianBlur radius ${r}`, () => check(`gaussian_blur_${r.toFixed(1)}`, gaussianBlurPillow(img, r)));
  }
  it('adjust_lighting (to_rgb and not) with numpy astype wrap-around', () => {
    const eigval = [55.46, 4.794, 1.148];
    const eigvec = [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.814], [-0.5836, -0.6948, 0.4203]];
    check('lighting_rgb', adjustLighting(img, eigval, eigvec, [0.3, -1.7, 2.2], true));
    check('lighting_bgr', adjustLighting(img, eigval, eigvec, [0.3, -1.7, 2.2], false));
    console.log(`[photometric] max |diff|: ${report.join(', ')}`);
  });
  it('invert, solarize, solarize_add, posterize, cutout', () => {
    const px = imageFromHWC(Uint8Array.from([0, 100, 127, 128, 200, 255]), [1, 2, 3]);
    expect(Array.from(iminvert(px).data)).toEqual([255, 155, 128, 127, 55, 0]);
    expect(Array.from(solarize(px, 128).data)).toEqual([0, 100, 127, 127, 55, 0]);
    expect(Array.from(solarizeAdd(px, 110, 128).data)).toEqual([110, 210, 237, 128, 200, 255]);
    expect(Array.from(posterize(px, 3).data)).toEqual([0, 96, 96, 128, 192, 224]);
    const c = cutout(img, [4, 6], 10.7, 0.4, [1, 2, 3]);
    // y1 = int(10.7 - 2) = 8, x1 = max(0, 0.4 - 3) = 0 → rows 8..11, cols 0..5
    expect(Array.from(c.data.subarray((8 * 31 + 5) * 3, (8 * 31 + 5) * 3 + 3))).toEqual([1, 2, 3]);
    expect(c.data[(8 * 31 + 6) * 3]).toBe(img.data[(8 * 31 + 6) * 3]);
    expect(c.data[(12 * 31) * 3]).toBe(img.data[(12 * 31) * 3]);
  });
});

describe('imageToRGBA', () => {
  it('orders channels for a canvas', async () => {
    const { imageToRGBA } = await import('./colorspace');
    const px = imageFromHWC(Uint8Array.from([1, 2, 3]), [1, 1, 3]);
    expect(Array.from(imageToRGBA(px))).toEqual([3, 2, 1, 255]);
    expect(Array.from(imageToRGBA(px, 'rgb'))).toEqual([1, 2, 3, 255]);
    expect(Array.from(imageToRGBA(imageFromHWC(Uint8Array.from([9]), [1, 1, 1])))).toEqual([9, 9, 9, 255]);
  });
});
