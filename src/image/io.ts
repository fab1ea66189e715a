/**
 * Image decoding (`mmcv.imfrombytes`): JPEG and PNG bytes to an HWC uint8 image in BGR (cv2's order).
 * JPEG goes through libjpeg-turbo in WebAssembly (`jpeg_turbo.ts`, bit-exact with cv2) when it is loaded,
 * else the pure-JS `jpeg-js`; PNG through `fast-png`. Decoding is synchronous in Node, pages and workers;
 * a page may install a faster asynchronous decoder (`createImageBitmap` + `OffscreenCanvas`)
 * with {@link setAsyncImageDecoder} / {@link browserImageDecoder}.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { decode as decodePng } from 'fast-png';
import { assert } from '../utils/assert';
import { decodeJpegTurbo, jpegTurboAvailable } from './jpeg_turbo';
import { applyExifOrientation, jpegExifOrientation } from './exif';
import { createImage, type ImageArray } from './image';
import { sizeProblem, structureProblem } from './structure';

/** mmcv's `flag` / `color_type` values. */
export type ColorType = 'color' | 'grayscale' | 'unchanged' | 'color_ignore_orientation' | 'grayscale_ignore_orientation';
export const COLOR_TYPES: readonly ColorType[] = ['color', 'grayscale', 'unchanged', 'color_ignore_orientation', 'grayscale_ignore_orientation'];

/** Decoded pixels before the colour conversion: RGB(A) or grey, interleaved. */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) */
  channels: number;
}

/** Which container the bytes hold, from their magic number. */
export function imageFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'bmp' | 'gif' | 'webp' | 'unknown' {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'gif';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[8] === 0x57 && bytes[9] === 0x45) return 'webp';
  return 'unknown';
}

/**
 * Decodes JPEG or PNG bytes. `gray` asks for one channel the way cv2's `IMREAD_GRAYSCALE` makes it
 * (libjpeg's own luma output for JPEG; for PNG the caller converts with libpng's weights).
 */
export function decodeRaw(bytes: Uint8Array, name = '<bytes>', gray = false): RawPixels {
  if (bytes.length === 0) throw new Error(`${name}: cannot decode image: the file is empty (0 bytes)`);
  const format = imageFormat(bytes);
  const tooBig = sizeProblem(bytes, format);
  if (tooBig) throw new Error(`${name}: cannot decode ${format.toUpperCase()} image: ${tooBig}`);
  try {
    if (format === 'jpeg' && jpegTurboAvailable()) {
      try {
        return decodeJpegTurbo(bytes, name, gray);
      } catch (e) {
        // the WASM build cannot longjmp out of libjpeg's error handler: jpeg-js reads what it can (CMYK too) or says why not
        if (structureProblem(bytes, format)) throw e;
      }
    }
    if (format === 'jpeg') {
      const r = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048, maxResolutionInMP: 500 });
      const channels = r.data.length / (r.width * r.height);
      return { data: r.data, width: r.width, height: r.height, channels };
    }
    if (format === 'png') {
      const r = decodePng(bytes);
      let data: Uint8Array;
      if (r.palette) {
        // Indexed colour: expand through the palette to RGB(A).
        const pal = r.palette;
        const alpha = pal[0].length === 4;
        const ch = alpha ? 4 : 3;
        const idx = unpackBits(r.data as Uint8Array, r.depth, r.width, r.height);
        data = new Uint8Array(r.width * r.height * ch);
        for (let i = 0; i < idx.length; i++) for (let c = 0; c < ch; c++) data[i * ch + c] = pal[idx[i]][c];
        return { data, width: r.width, height: r.height, channels: ch };
      }
      if (r.depth === 16) data = Uint8Array.from(r.data as Uint16Array, (v) => v >> 8);
      else if (r.depth < 8) data = unpackBits(r.data as Uint8Array, r.depth, r.width * r.channels, r.height, true);
      else data = r.data as Uint8Array;
      return { data, width: r.width, height: r.height, channels: r.channels };
    }
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(`${name}: `, '');
    const where = structureProblem(bytes, format) ?? (format === 'png' ? 'the image data in the IDAT chunk(s) is corrupt' : null);
    throw new Error(`${name}: cannot decode ${format.toUpperCase()} image: ${where ? `${where} (${why})` : why}`);
  }
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${name}: cannot decode image: format '${format}'${format === 'unknown' ? ` (first bytes ${hex})` : ''} is not supported by the built-in decoders (JPEG, PNG)`);
}

/** Unpacks 1/2/4-bit samples (rows padded to bytes); `scale` maps grey levels to 0–255. */
function unpackBits(packed: Uint8Array, depth: number, rowSamples: number, height: number, scale = false): Uint8Array {
  if (depth === 8) return packed;
  const out = new Uint8Array(rowSamples * height);
  const rowBytes = Math.ceil((rowSamples * depth) / 8);
  const mask = (1 << depth) - 1;
  const mul = scale ? 255 / mask : 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < rowSamples; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      out[y * rowSamples + x] = ((byte >> (8 - depth - (bit & 7))) & mask) * mul;
    }
  }
  return out;
}

/** Converts decoded RGB(A)/grey pixels to what cv2's `imdecode(flag)` returns, in `channelOrder`. */
export function pixelsToImage(raw: RawPixels, flag: ColorType = 'color', channelOrder: 'bgr' | 'rgb' = 'bgr'): ImageArray {
  assert(COLOR_TYPES.includes(flag), () => `imfrombytes: unknown flag/color_type '${flag}' (${COLOR_TYPES.join(', ')})`);
  const { width, height, channels: cn, data } = raw;
  const n = width * height;
  const gray = flag.startsWith('grayscale');
  if (gray && cn >= 3) return pngStyleGray(raw);
  const keepAlpha = flag === 'unchanged';
  const outCn = gray ? 1 : keepAlpha ? cn : cn >= 3 ? 3 : cn === 1 || cn === 2 ? 3 : cn;
  if (keepAlpha && cn <= 2) {
    const out = createImage(height, width, cn);
    out.data.set(data.subarray(0, n * cn));
    return out;
  }
  const bgr = createImage(height, width, gray ? 3 : outCn);
  const d = bgr.data;
  const oc = bgr.channels;
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (cn >= 3) {
      r = data[i * cn];
      g = data[i * cn + 1];
      b = data[i * cn + 2];
    } else {
      r = g = b = data[i * cn];
    }
    d[i * oc] = b;
    d[i * oc + 1] = g;
    d[i * oc + 2] = r;
    if (oc === 4) d[i * oc + 3] = cn === 4 ? data[i * 4 + 3] : 255;
  }
  if (gray) {
    const out = createImage(height, width, 1);
    for (let i = 0; i < n; i++) out.data[i] = data[i * cn];
    return out;
  }
  if (channelOrder === 'rgb') {
    for (let i = 0; i < n; i++) {
      const t = d[i * oc];
      d[i * oc] = d[i * oc + 2];
      d[i * oc + 2] = t;
    }
  }
  return bgr;
}

/**
 * RGB(A) → grey as OpenCV's PNG reader asks libpng for it (`png_set_rgb_to_gray(0.299, 0.587)`):
 * 15-bit weights 9798 / 19235 / 3735 (alpha ignored).
 */
function pngStyleGray(raw: RawPixels): ImageArray {
  const { width, height, channels: cn, data } = raw;
  const out = createImage(height, width, 1);
  for (let i = 0; i < width * height; i++) {
    out.data[i] = (data[i * cn] * 9798 + data[i * cn + 1] * 19235 + data[i * cn + 2] * 3735 + 16384) >> 15;
  }
  return out;
}

/** `mmcv.imfrombytes(content, flag, channel_order)` with the built-in decoders. */
export function imfrombytes(bytes: Uint8Array, flag: ColorType = 'color', channelOrder: 'bgr' | 'rgb' = 'bgr', name = '<bytes>'): ImageArray {
  const img = pixelsToImage(decodeRaw(bytes, name, flag.startsWith('grayscale')), flag, channelOrder);
  return orient(img, bytes, flag);
}

/** cv2 rotates `color` / `grayscale` reads by the EXIF orientation; the other flags keep the stored pixels. */
function orient(img: ImageArray, bytes: Uint8Array, flag: ColorType): ImageArray {
  return flag === 'color' || flag === 'grayscale' ? applyExifOrientation(img, jpegExifOrientation(bytes)) : img;
}

/** An asynchronous decoder (e.g. the browser's), returning RGBA or RGB pixels. */
export type AsyncImageDecoder = (bytes: Uint8Array, name: string) => Promise<RawPixels>;

let asyncDecoder: AsyncImageDecoder | null = null;

/** The environment's own decoder when none is installed: the browser's in pages and workers, none in Node. */
function environmentDecoder(): AsyncImageDecoder | null {
  const g = globalThis as { createImageBitmap?: unknown; OffscreenCanvas?: unknown; process?: { versions?: { node?: string } } };
  return !g.process?.versions?.node && g.createImageBitmap && g.OffscreenCanvas ? browserImageDecoder : null;
}

/** Installs (or with `null` removes) the decoder {@link imfrombytesAsync} prefers. */
export function setAsyncImageDecoder(decoder: AsyncImageDecoder | null): void {
  asyncDecoder = decoder;
}

/** The browser's decoder: `createImageBitmap` + `OffscreenCanvas` (pages and workers); any format the browser reads. */
export const browserImageDecoder: AsyncImageDecoder = async (bytes, name) => {
  const g = globalThis as unknown as { createImageBitmap?: typeof createImageBitmap; OffscreenCanvas?: typeof OffscreenCanvas };
  assert(g.createImageBitmap && g.OffscreenCanvas, () => `${name}: createImageBitmap/OffscreenCanvas are not available here`);
  const bitmap = await g.createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none' });
  const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  assert(ctx, () => `${name}: no 2d context`);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data: new Uint8Array(pixels.data.buffer), width: pixels.width, height: pixels.height, channels: 4 };
};

/**
 * Like {@link imfrombytes}, but formats the built-in decoders lack (or JPEG while libjpeg-turbo is not
 * loaded) go through the installed asynchronous decoder when there is one.
 */
export async function imfrombytesAsync(bytes: Uint8Array, flag: ColorType = 'color', channelOrder: 'bgr' | 'rgb' = 'bgr', name = '<bytes>'): Promise<ImageArray> {
  // libjpeg-turbo (when loaded) is exact with cv2, so it wins over a browser decoder for JPEG.
  const exactJpeg = imageFormat(bytes) === 'jpeg' && jpegTurboAvailable();
  const decoder = asyncDecoder ?? environmentDecoder();
  if (!decoder || exactJpeg || imageFormat(bytes) === 'png') return imfrombytes(bytes, flag, channelOrder, name);
  const raw = await decoder(bytes, name);
  // Browser decoders give RGBA (alpha dropped unless 'unchanged'); createImageBitmap was asked not to orient.
  return orient(pixelsToImage(raw, flag, channelOrder), bytes, flag);
}
