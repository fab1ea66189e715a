/**
 * EXIF orientation, as `cv2.imdecode` applies it for `IMREAD_COLOR` / `IMREAD_GRAYSCALE` (mmcv's `color`,
 * `grayscale`); the `*_ignore_orientation` flags and `unchanged` leave the pixels as stored.
 */
import { createImage, type ImageArray } from './image';

/** The orientation tag (1–8) of a JPEG's APP1 Exif block, or 1 when there is none or it is unreadable. */
export function jpegExifOrientation(bytes: Uint8Array): number {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  let p = 2;
  while (p + 4 <= bytes.length && bytes[p] === 0xff) {
    const marker = bytes[p + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (marker === 0xe1 && len >= 8 && String.fromCharCode(...bytes.subarray(p + 4, p + 8)) === 'Exif') {
      return tiffOrientation(bytes.subarray(p + 10, p + 2 + len));
    }
    p += 2 + len;
  }
  return 1;
}

function tiffOrientation(t: Uint8Array): number {
  if (t.length < 8) return 1;
  const little = t[0] === 0x49 && t[1] === 0x49;
  if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const u16 = (o: number) => view.getUint16(o, little);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > t.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > t.length) break;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** Applies an EXIF orientation (OpenCV's `ApplyExifOrientation`: transpose and flips). */
export function applyExifOrientation(img: ImageArray, orientation: number): ImageArray {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, channels: cn, data: s } = img;
  const transpose = orientation >= 5;
  const ow = transpose ? h : w;
  const oh = transpose ? w : h;
  // After the optional transpose: which axes are mirrored.
  const flipX = orientation === 2 || orientation === 3 || orientation === 6 || orientation === 7;
  const flipY = orientation === 3 || orientation === 4 || orientation === 7 || orientation === 8;
  const out = createImage(oh, ow, cn);
  for (let y = 0; y < oh; y++) {
    const ty = flipY ? oh - 1 - y : y;
    for (let x = 0; x < ow; x++) {
      const tx = flipX ? ow - 1 - x : x;
      // (tx, ty) in the transposed (or not) image → source pixel.
      const sx = transpose ? ty : tx;
      const sy = transpose ? tx : ty;
      const si = (sy * w + sx) * cn;
      const di = (y * ow + x) * cn;
      for (let c = 0; c < cn; c++) out.data[di + c] = s[si + c];
    }
  }
  return out;
}
