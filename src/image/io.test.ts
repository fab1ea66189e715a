/** Decoding against `cv2.imread` (hashes in `__fixtures__/decode.json`, made by `make_decode.py.txt`). */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { imfrombytes, imfrombytesAsync, imageFormat, setAsyncImageDecoder } from './io';
import { jpegTurboAvailable } from './jpeg_turbo';

const expected = JSON.parse(readFileSync(join(__dirname, '__fixtures__/decode.json'), 'utf8')) as Record<string, { shape: number[]; sha256: string; gray_shape?: number[]; gray_sha256?: string }>;
const dir = sharedPath('data/images');
const sha = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

describe.skipIf(missingShared(dir))('imfrombytes on the demo images (bit-exact with cv2.imread)', () => {
  it('loads libjpeg-turbo in Node', () => {
    expect(jpegTurboAvailable()).toBe(true);
  });
  for (const [file, want] of Object.entries(expected)) {
    it(file, () => {
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      const img = imfrombytes(bytes, 'color', 'bgr', file);
      expect([img.height, img.width, img.channels]).toEqual(want.shape);
      expect(sha(img.data)).toBe(want.sha256);
      if (want.gray_sha256) {
        const g = imfrombytes(bytes, 'grayscale', 'bgr', file);
        expect([g.height, g.width]).toEqual(want.gray_shape);
        expect(sha(g.data)).toBe(want.gray_sha256);
      }
    });
  }
  it('rgb channel order swaps B and R; unchanged keeps alpha', () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'cat-dog.png')));
    const bgr = imfrombytes(bytes);
    const rgb = imfrombytes(bytes, 'color', 'rgb');
    expect([rgb.data[0], rgb.data[2]]).toEqual([bgr.data[2], bgr.data[0]]);
    expect(imfrombytes(bytes, 'unchanged').channels).toBe(4);
  });
  it('truncated and unknown data fail with the file name', () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'demo.JPEG')));
    expect(() => imfrombytes(bytes.subarray(0, 200), 'color', 'bgr', 'demo.JPEG')).toThrow(/demo\.JPEG/);
    expect(() => imfrombytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'color', 'bgr', 'x.bin')).toThrow(/x\.bin: cannot decode image: format 'unknown'/);
    expect(imageFormat(bytes)).toBe('jpeg');
  });
});

describe('imfrombytesAsync', () => {
  it('sends formats the built-in decoders lack to the installed decoder, keeps JPEG on libjpeg-turbo', async () => {
    const calls: string[] = [];
    setAsyncImageDecoder(async (_bytes, name) => {
      calls.push(name);
      return { data: Uint8Array.from([10, 20, 30, 255]), width: 1, height: 1, channels: 4 };
    });
    try {
      const gif = Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0, 0, 0]);
      const img = await imfrombytesAsync(gif, 'color', 'bgr', 'a.gif');
      expect(Array.from(img.data)).toEqual([30, 20, 10]);
      expect(calls).toEqual(['a.gif']);
      if (existsSync(dir)) {
        const jpg = new Uint8Array(readFileSync(join(dir, 'dog.jpg')));
        expect(sha((await imfrombytesAsync(jpg, 'color', 'bgr', 'dog.jpg')).data)).toBe(expected['dog.jpg'].sha256);
        expect(calls).toEqual(['a.gif']);
      }
    } finally {
      setAsyncImageDecoder(null);
    }
  });
});

describe('EXIF orientation (as cv2.imdecode)', () => {
  const exif = JSON.parse(readFileSync(join(__dirname, '__fixtures__/exif.json'), 'utf8')) as Record<string, Record<string, { shape: number[]; sha256: string }>>;
  for (const o of Object.keys(exif)) {
    it(`orientation ${o}`, () => {
      const bytes = new Uint8Array(readFileSync(join(__dirname, `__fixtures__/exif_${o}.jpg`)));
      for (const flag of ['color', 'grayscale', 'color_ignore_orientation'] as const) {
        const img = imfrombytes(bytes, flag, 'bgr', `exif_${o}.jpg`);
        const want = exif[o][flag];
        expect([img.height, img.width, img.channels].slice(0, want.shape.length), `${flag}`).toEqual(want.shape);
        expect(sha(img.data), `${flag}`).toBe(want.sha256);
      }
    });
  }
});
