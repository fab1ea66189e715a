/** Colour conversions as `cv2.cvtColor` computes them for uint8 (mmcv `image/colorspace.py`). */
import { assertUint8, createImage, type ImageArray } from './image';

// OpenCV 4.x's fixed-point luma weights for uint8 BGR2GRAY (15 bits): R 0.299, G 0.587, B 0.114.
const R2Y = 9798;
const G2Y = 19235;
const B2Y = 3735;

/** Luma of one pixel given its R, G, B values, as cv2's `RGB2Gray<uchar>`. */
export function luma(r: number, g: number, b: number): number {
  return (b * B2Y + g * G2Y + r * R2Y + 16384) >> 15;
}

/** `mmcv.bgr2gray`: BGR → one channel (`keepdim` keeps an HxWx1 shape; it is always HxWx1 here). */
export function bgr2gray(img: ImageArray): ImageArray {
  assertUint8(img, 'bgr2gray');
  const n = img.width * img.height;
  const out = createImage(img.height, img.width, 1);
  const s = img.data;
  const cn = img.channels;
  for (let i = 0; i < n; i++) out.data[i] = luma(s[i * cn + 2], s[i * cn + 1], s[i * cn]);
  return out;
}

/** `mmcv.rgb2gray`. */
export function rgb2gray(img: ImageArray): ImageArray {
  return bgr2gray(bgr2rgb(img));
}

/** `mmcv.gray2bgr`: one channel repeated three times. */
export function gray2bgr(img: ImageArray): ImageArray {
  assertUint8(img, 'gray2bgr');
  const n = img.width * img.height;
  const out = createImage(img.height, img.width, 3);
  for (let i = 0; i < n; i++) {
    const v = img.data[i * img.channels];
    out.data[i * 3] = v;
    out.data[i * 3 + 1] = v;
    out.data[i * 3 + 2] = v;
  }
  return out;
}

/** Swaps the first and third channels (`bgr2rgb` and `rgb2bgr` are the same operation). */
export function bgr2rgb(img: ImageArray): ImageArray {
  assertUint8(img, 'bgr2rgb');
  const out = { ...img, data: img.data.slice() };
  const cn = img.channels;
  if (cn < 3) return out;
  const d = out.data;
  for (let i = 0; i < d.length; i += cn) {
    const t = d[i];
    d[i] = d[i + 2];
    d[i + 2] = t;
  }
  return out;
}

export const rgb2bgr = bgr2rgb;

/**
 * RGBA bytes for a canvas `ImageData` from an HWC image: `order` says how the image's channels are stored
 * ('bgr' after LoadImageFromFile). Grey images are replicated; float images are clamped to 0–255.
 */
export function imageToRGBA(img: { data: ArrayLike<number>; height: number; width: number; channels: number }, order: 'bgr' | 'rgb' = 'bgr'): Uint8ClampedArray {
  const n = img.width * img.height;
  const cn = img.channels;
  const out = new Uint8ClampedArray(n * 4);
  const [ri, bi] = order === 'bgr' ? [2, 0] : [0, 2];
  for (let i = 0; i < n; i++) {
    const s = i * cn;
    if (cn >= 3) {
      out[i * 4] = img.data[s + ri];
      out[i * 4 + 1] = img.data[s + 1];
      out[i * 4 + 2] = img.data[s + bi];
    } else {
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = img.data[s];
    }
    out[i * 4 + 3] = cn === 4 ? img.data[s + 3] : 255;
  }
  return out;
}
