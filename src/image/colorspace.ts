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
