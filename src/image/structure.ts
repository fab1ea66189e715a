/**
 * Where an image file is damaged, from its container structure alone (no pixels decoded): PNG chunks (length, CRC,
 * IHDR fields, IEND) and JPEG segments (marker lengths, the end of the scan), and the size its header claims, so a
 * decoding error can name the byte offset and a decompression bomb is refused before anything is allocated.
 */
import { crc32 } from '../fileio/zip/crc32';

/**
 * Most pixels an image may have: twice PIL's `MAX_IMAGE_PIXELS` (89,478,485), where PIL raises
 * `DecompressionBombError`. 30000×30000 (2.7 GB as RGB) is refused; 12000×12000 photographs load.
 */
export const MAX_IMAGE_PIXELS = 2 * 89_478_485;

/** Width and height from a PNG's IHDR or a JPEG's SOF segment (null when the header is not there). */
export function claimedSize(bytes: Uint8Array, format: string): { width: number; height: number; at: string } | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png' && bytes.length >= 24) return { width: v.getUint32(16), height: v.getUint32(20), at: 'IHDR (byte 16)' };
  if (format === 'jpeg') {
    for (const s of jpegSegments(bytes).segments) {
      if (s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc && s.at + 9 <= bytes.length) {
        return { width: v.getUint16(s.at + 7), height: v.getUint16(s.at + 5), at: `SOF${s.marker - 0xc0} (byte ${s.at})` };
      }
    }
  }
  return null;
}

/** The decompression-bomb check: a message when the header claims more than {@link MAX_IMAGE_PIXELS}. */
export function sizeProblem(bytes: Uint8Array, format: string): string | null {
  const size = claimedSize(bytes, format);
  if (!size || size.width * size.height <= MAX_IMAGE_PIXELS) return null;
  return `${size.at} claims ${size.width}×${size.height} = ${size.width * size.height} pixels, more than the limit of ${MAX_IMAGE_PIXELS} (PIL's decompression-bomb bound); nothing was decoded`;
}

interface Segment { marker: number; at: number; length: number }

function jpegSegments(bytes: Uint8Array): { segments: Segment[]; problem: string | null } {
  const segments: Segment[] = [];
  let p = 2;
  while (p < bytes.length) {
    if (bytes[p] !== 0xff) return { segments, problem: `expected a marker at byte ${p}, found 0x${bytes[p].toString(16).padStart(2, '0')}` };
    const marker = bytes[p + 1];
    if (marker === undefined) break;
    if (marker === 0xff) { p++; continue; }
    if (marker === 0xd9) return { segments, problem: null };
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    if (p + 4 > bytes.length) break;
    const length = (bytes[p + 2] << 8) | bytes[p + 3];
    if (p + 2 + length > bytes.length) return { segments, problem: `marker 0xff${marker.toString(16)} at byte ${p} needs ${length + 2} bytes but the file ends at byte ${bytes.length}: truncated` };
    segments.push({ marker, at: p, length });
    p += 2 + length;
    if (marker === 0xda) {
      // entropy-coded data: runs to the next marker that is not a stuffed 0xff00 or a restart
      while (p + 1 < bytes.length && !(bytes[p] === 0xff && bytes[p + 1] !== 0 && (bytes[p + 1] < 0xd0 || bytes[p + 1] > 0xd7))) p++;
      if (p + 1 >= bytes.length) return { segments, problem: `the scan starting at byte ${segments[segments.length - 1].at} has no end (no EOI marker before byte ${bytes.length}): truncated` };
    }
  }
  return { segments, problem: `the file ends at byte ${bytes.length} before the EOI marker: truncated` };
}

function pngProblem(bytes: Uint8Array): string | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let sawIdat = false;
  while (p + 8 <= bytes.length) {
    const length = v.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (p + 12 + length > bytes.length) return `chunk ${type} at byte ${p} needs ${length + 12} bytes but the file ends at byte ${bytes.length}: truncated`;
    if (crc32(bytes.subarray(p + 4, p + 8 + length)) !== v.getUint32(p + 8 + length)) return `chunk ${type} at byte ${p} has a wrong CRC: corrupt`;
    if (type === 'IHDR') {
      const [w, h, depth, color] = [v.getUint32(p + 8), v.getUint32(p + 12), bytes[p + 16], bytes[p + 17]];
      if (w === 0 || h === 0) return `IHDR (byte ${p}) gives a ${w}×${h} image: a width and height of 0 are invalid`;
      const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
      if (!depths[color]) return `IHDR (byte ${p}) has colour type ${color}, which PNG does not define`;
      if (!depths[color].includes(depth)) return `IHDR (byte ${p}) has bit depth ${depth}, invalid for colour type ${color}`;
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') return sawIdat ? null : `no IDAT chunk before IEND (byte ${p}): the image data is missing`;
    p += 12 + length;
  }
  return `the file ends at byte ${bytes.length} before the IEND chunk: truncated`;
}

/** What is wrong with the file's structure, naming the byte offset, or null when the structure looks whole. */
export function structureProblem(bytes: Uint8Array, format: string): string | null {
  if (format === 'png') return pngProblem(bytes);
  if (format === 'jpeg') return jpegSegments(bytes).problem;
  return null;
}
