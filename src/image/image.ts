/**
 * Images as plain typed arrays, the engine's equivalent of the HWC `np.ndarray` that mmcv's image functions take.
 * No tfjs and no DOM here, so the same code runs in a page, a Web Worker and Node.
 */
import { assert } from '../utils/assert';

/** Pixel storage: `uint8` images everywhere, `float32` only after `LoadImageFromFile(to_float32=True)`. */
export type PixelData = Uint8Array | Float32Array;

/** An HWC image, row-major, channels interleaved (BGR after `LoadImageFromFile`, as cv2 gives). */
export interface ImageArray<T extends PixelData = Uint8Array> {
  data: T;
  height: number;
  width: number;
  channels: number;
}

/** A new zero-filled uint8 image. */
export function createImage(height: number, width: number, channels: number): ImageArray {
  assert(Number.isInteger(height) && Number.isInteger(width) && height >= 0 && width >= 0, () => `createImage: bad size ${height}x${width}`);
  assert(Number.isInteger(channels) && channels > 0, () => `createImage: bad channel count ${channels}`);
  return { data: new Uint8Array(height * width * channels), height, width, channels };
}

/** A deep copy. */
export function cloneImage<T extends PixelData>(img: ImageArray<T>): ImageArray<T> {
  return { ...img, data: img.data.slice() as T };
}

/** Wraps an HWC (or HW) uint8 array, e.g. a parsed `.npy`, checking its length. */
export function imageFromHWC(data: Uint8Array, shape: readonly number[], name = 'image'): ImageArray {
  assert(shape.length === 2 || shape.length === 3, () => `${name}: expected an HWC or HW array, got shape (${shape.join(', ')})`);
  const [height, width, channels = 1] = shape;
  assert(data.length === height * width * channels, () => `${name}: ${data.length} values do not fill shape (${shape.join(', ')})`);
  return { data, height, width, channels };
}

/** The numpy-style shape `[H, W, C]`. */
export function imageShape(img: ImageArray<PixelData>): [number, number, number] {
  return [img.height, img.width, img.channels];
}

/** Throws with `who` in the message unless `img` is a non-empty uint8 image. */
export function assertUint8(img: ImageArray<PixelData>, who: string): asserts img is ImageArray {
  assert(img && img.data instanceof Uint8Array, () => `${who}: expects a uint8 image (got ${img?.data?.constructor?.name ?? typeof img})`);
  assert(img.height > 0 && img.width > 0, () => `${who}: empty image ${img.height}x${img.width}`);
}

/** Rounds half to even and clamps to 0–255, as OpenCV's `saturate_cast<uchar>(float)`. */
export function saturateRound(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 255) return 255;
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Clamps an integer to 0–255. */
export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** A new zero-filled image of the same pixel type as `like` (uint8 or float32). */
export function createLike<T extends PixelData>(like: ImageArray<T>, height: number, width: number, channels = like.channels): ImageArray<T> {
  const n = height * width * channels;
  const data = (like.data instanceof Float32Array ? new Float32Array(n) : new Uint8Array(n)) as T;
  return { data, height, width, channels };
}

/** Throws with `who` in the message unless `img` is a non-empty uint8 or float32 image. */
export function assertImage(img: ImageArray<PixelData>, who: string): void {
  assert(img && (img.data instanceof Uint8Array || img.data instanceof Float32Array), () => `${who}: expects a uint8 or float32 image (got ${img?.data?.constructor?.name ?? typeof img})`);
  assert(img.height > 0 && img.width > 0, () => `${who}: empty image ${img.height}x${img.width}`);
}
