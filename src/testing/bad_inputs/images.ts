/**
 * Bad images for `transform` with a `LoadImageFromFile` pipeline (mmcv's `imfrombytes`): PNG and JPEG cut at many
 * offsets, 0-byte files, headers that claim 30000×30000 pixels (never allocated), broken chunks and markers, formats
 * the Node decoders lack (animated GIF), and unusual but valid images (CMYK JPEG, 16-bit PNG, a PNG named .jpg) that
 * must load. Valid images come from fast-png and jpeg-js (the decoders' own encoders).
 */
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { crc32 } from '../../fileio/zip/crc32';
import { cutOffsets, enc, esc, put, type BadInputCase } from './types';

function gradient(w: number, h: number, ch: number): Uint8Array {
  return Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 37) & 255);
}
export const smallPng = (): Uint8Array => encodePng({ width: 16, height: 12, data: gradient(16, 12, 3), channels: 3, depth: 8 });
export const smallJpeg = (): Uint8Array => new Uint8Array(jpeg.encode({ width: 16, height: 12, data: gradient(16, 12, 4) }, 90).data);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(enc(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const PNG_SIG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]);
function ihdr(w: number, h: number, depth = 8, color = 2): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, w); v.setUint32(4, h); d[8] = depth; d[9] = color;
  return chunk('IHDR', d);
}
/** A PNG with the given IHDR and a tiny (wrong-sized) IDAT. */
const pngClaim = (w: number, h: number, depth = 8, color = 2): Uint8Array =>
  cat(PNG_SIG, ihdr(w, h, depth, color), chunk('IDAT', Uint8Array.from([0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1])), chunk('IEND', new Uint8Array(0)));

/** A baseline JPEG whose SOF0 claims w×h (the scan is the small image's: the decoder must refuse before allocating). */
function jpegClaim(w: number, h: number): Uint8Array {
  const b = Uint8Array.from(smallJpeg());
  for (let i = 2; i + 9 < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] === 0xc0) {
      new DataView(b.buffer).setUint16(i + 5, h);
      new DataView(b.buffer).setUint16(i + 7, w);
      break;
    }
  }
  return b;
}

/**
 * A 16×16 four-component (Adobe CMYK) baseline JPEG written by hand: every block has DC difference 0 and ends at once
 * (one Huffman code '0' for DC category 0, one for EOB), so the whole scan is 4 bytes of zero bits.
 */
export function cmykJpeg(): Uint8Array {
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  const adobe = seg(0xee, [...enc('Adobe'), 0, 100, 0, 0, 0, 0, 0]); // transform 0: CMYK stored as is
  const dqt = seg(0xdb, [0, ...new Array(64).fill(1)]);
  const sof = seg(0xc0, [8, 0, 16, 0, 16, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
  const counts = [1, ...new Array(15).fill(0)];
  const dht = seg(0xc4, [0x00, ...counts, 0, 0x10, ...counts, 0]); // DC table 0: {0}; AC table 0: {EOB}
  const sos = seg(0xda, [4, 1, 0, 2, 0, 3, 0, 4, 0, 0, 63, 0]);
  // 4 MCUs (2×2 of 8×8), 4 components each, 2 bits per block: 32 bits of zeros
  return Uint8Array.from([0xff, 0xd8, ...adobe, ...dqt, ...sof, ...dht, ...sos, 0, 0, 0, 0, 0xff, 0xd9]);
}

/** A two-frame animated GIF (GIF89a, NETSCAPE2.0 loop), 2×2 pixels each. */
function animatedGif(): Uint8Array {
  const frame = [0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, 2, 0x44, 0x01, 0];
  return Uint8Array.from([...enc('GIF89a'), 2, 0, 2, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
    0x21, 0xff, 11, ...enc('NETSCAPE2.0'), 3, 1, 0, 0, 0, ...frame, ...frame, 0x3b]);
}

function imageCase(id: string, describe: string, file: string, bytes: () => Uint8Array, expect: RegExp[], exit?: 0): BadInputCase {
  return {
    id: `image_${id}`, kind: 'image', describe,
    async make(dir) {
      const pipeline = put(dir, 'pipeline.json', JSON.stringify([{ type: 'LoadImageFromFile' }]));
      return { argv: ['transform', '--pipeline', pipeline, '--input', put(dir, file, bytes()), '--out', join(dir, 'out.npy'), '--seed', '0'] };
    },
    expect: exit === 0 ? [] : [new RegExp(esc(file)), ...expect],
    exit,
  };
}

const pngLen = smallPng().length;
const jpgLen = smallJpeg().length;
const truncCases = [
  ...cutOffsets(pngLen, 10).map((at) => imageCase(`png_cut_${at}`, `PNG cut at byte ${at} of ${pngLen}`, `cut_${at}.png`, () => smallPng().subarray(0, at), [/PNG/, /byte|chunk|offset|IDAT|IHDR|IEND|end/i, /truncated|unexpected end|cannot decode|incomplete/i])),
  ...cutOffsets(jpgLen, 10).map((at) => imageCase(`jpeg_cut_${at}`, `JPEG cut at byte ${at} of ${jpgLen}`, `cut_${at}.jpg`, () => smallJpeg().subarray(0, at), [/JPEG/, /byte|marker|offset|scan|segment|end/i, /truncated|unexpected end|cannot decode|incomplete|premature/i])),
];

const claimCases = [
  imageCase('png_30k', 'PNG header claims 30000×30000', 'huge_30k.png', () => pngClaim(30000, 30000), [/30000×30000|30000x30000/, /pixel|limit|bomb|too large/i]),
  imageCase('png_16bit_30k', '16-bit RGBA PNG header claims 30000×30000', 'huge16.png', () => pngClaim(30000, 30000, 16, 6), [/30000×30000|30000x30000/, /pixel|limit|bomb|too large/i]),
  imageCase('png_zero_width', 'PNG IHDR width 0', 'zero_w.png', () => pngClaim(0, 10), [/IHDR|width|0×10|0x10/i, /zero|invalid|empty|0/i]),
  imageCase('png_bad_depth', 'PNG IHDR bit depth 3', 'depth3.png', () => pngClaim(4, 4, 3, 2), [/depth|IHDR/i, /3/]),
  imageCase('png_bad_color', 'PNG IHDR colour type 5', 'color5.png', () => pngClaim(4, 4, 8, 5), [/colou?r|IHDR/i, /5/]),
  imageCase('png_no_idat', 'PNG without IDAT', 'noidat.png', () => cat(PNG_SIG, ihdr(4, 4), chunk('IEND', new Uint8Array(0))), [/IDAT|data|chunk/i, /missing|no |truncated|cannot|empty/i]),
  imageCase('png_zlib_garbage', 'PNG IDAT that is not zlib', 'zlib.png', () => cat(PNG_SIG, ihdr(4, 4), chunk('IDAT', enc('not zlib at all')), chunk('IEND', new Uint8Array(0))), [/IDAT|zlib|inflate|data/i, /invalid|incorrect|unknown|cannot|error/i]),
  imageCase('jpeg_30k', 'JPEG SOF claims 30000×30000', 'huge_30k.jpg', () => jpegClaim(30000, 30000), [/30000×30000|30000x30000/, /pixel|limit|bomb|too large/i]),
  imageCase('jpeg_zero_height', 'JPEG SOF height 0', 'zero_h.jpg', () => jpegClaim(16, 0), [/JPEG/, /height|0|SOF|dimension/i]),
  imageCase('jpeg_only_soi', 'a JPEG that is only SOI', 'soi.jpg', () => Uint8Array.from([0xff, 0xd8]), [/JPEG/, /truncated|end|marker|SOF|cannot/i]),
  imageCase('bmp_30k', 'BMP header claims 30000×30000', 'huge_30k.bmp', () => {
    const b = new Uint8Array(54);
    const v = new DataView(b.buffer);
    b[0] = 0x42; b[1] = 0x4d; v.setUint32(2, 54, true); v.setUint32(10, 54, true); v.setUint32(14, 40, true);
    v.setInt32(18, 30000, true); v.setInt32(22, 30000, true); v.setUint16(26, 1, true); v.setUint16(28, 24, true);
    return b;
  }, [/format 'bmp'/, /not supported/]),
];

const otherCases = [
  imageCase('empty_png', '0-byte .png', 'empty.png', () => new Uint8Array(0), [/empty|0 bytes/]),
  imageCase('empty_jpg', '0-byte .jpg', 'empty.jpg', () => new Uint8Array(0), [/empty|0 bytes/]),
  imageCase('text_as_png', 'a text file named .png', 'notes.png', () => enc('hello, not an image'), [/first bytes|format/, /unknown|not an image|not supported/i]),
  imageCase('pth_as_jpg', 'a zip named .jpg', 'model.jpg', () => Uint8Array.from([0x50, 0x4b, 3, 4, ...new Array(40).fill(0)]), [/first bytes|format/, /unknown|not an image|not supported/i]),
  imageCase('animated_gif', 'an animated GIF (cv2 reads no GIF)', 'anim.gif', animatedGif, [/format 'gif'/, /not supported|cannot decode/i]),
  imageCase('webp', 'a RIFF/WEBP header only', 'img.webp', () => Uint8Array.from([...enc('RIFF'), 20, 0, 0, 0, ...enc('WEBPVP8 '), 0, 0, 0, 0]), [/WEBP/i, /not supported|cannot decode/i]),
  imageCase('png_as_jpg', 'a valid PNG named .jpg (decoded by content, as cv2)', 'really_png.jpg', smallPng, [], 0),
  imageCase('png_16bit', 'a valid 16-bit PNG (cv2 IMREAD_COLOR gives 8 bits)', 'deep16.png', () => encodePng({ width: 8, height: 8, data: Uint16Array.from({ length: 8 * 8 * 3 }, (_, i) => i * 300), channels: 3, depth: 16 }), [], 0),
  imageCase('cmyk_jpeg', 'a valid CMYK (Adobe) JPEG', 'cmyk.jpg', cmykJpeg, [], 0),
  imageCase('cmyk_jpeg_cut', 'a CMYK JPEG cut inside its scan', 'cmyk_cut.jpg', () => cmykJpeg().subarray(0, cmykJpeg().length - 4), [/JPEG/, /truncated|end|marker|cannot|scan/i]),
  imageCase('png_16bit_cut', 'a 16-bit PNG cut in half', 'deep16_cut.png', () => { const b = encodePng({ width: 8, height: 8, data: new Uint16Array(192), channels: 3, depth: 16 }); return b.subarray(0, b.length >> 1); }, [/PNG/, /truncated|unexpected end|cannot decode/i]),
];

export const imageCases: BadInputCase[] = [...truncCases, ...claimCases, ...otherCases];
