/**
 * Image ops against OpenCV 4.6 / Pillow 9.4 outputs (`__fixtures__/geometric.npz`, made by
 * `make_geometric.py.txt`): every resize mode of both backends, warpAffine (rotate/shear/translate), impad.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpz, type NpyArray } from '../fileio/npy';
import { imageFromHWC, type ImageArray } from './image';
import { imcrop, imflip, impad, imresize, imrotate, imshear, imtranslate, rescaleSize, type Interpolation } from './geometric';

const ref = parseNpz(new Uint8Array(readFileSync(join(__dirname, '__fixtures__/geometric.npz'))));
const img = (a: NpyArray) => imageFromHWC(a.data as Uint8Array, a.shape);

function maxDiff(got: ImageArray, want: NpyArray): number {
  expect([got.height, got.width, got.channels].slice(0, want.shape.length === 2 ? 2 : 3)).toEqual(want.shape);
  let m = 0;
  const w = want.data as Uint8Array;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(got.data[i] - w[i]));
  return m;
}

const SIZES: Record<string, [number, number]> = { down: [29, 23], up: [67, 53], half: [30, 23], third: [20, 15], mixed: [90, 20] };

describe('imresize', () => {
  const stats: string[] = [];
  for (const [backend, modes] of [['cv2', ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos']], ['pillow', ['nearest', 'bilinear', 'bicubic', 'box', 'lanczos', 'hamming']]] as const) {
    for (const mode of modes) {
      it(`${backend} ${mode} matches within 1 (exact for nearest)`, () => {
        for (const [name, size] of Object.entries(SIZES)) {
          const src = img(name === 'half' || name === 'third' ? ref.crop : ref.img);
          const d = maxDiff(imresize(src, size, mode as Interpolation, backend), ref[`${backend}_${mode}_${name}`]);
          stats.push(`${backend}/${mode}/${name}: ${d}`);
          expect(d, `${backend} ${mode} ${name}`).toBeLessThanOrEqual(mode === 'nearest' ? 0 : 1);
        }
      });
    }
  }
  it('single-channel images', () => {
    const gray = img(ref.gray);
    expect(maxDiff(imresize(gray, [67, 53], 'bilinear', 'cv2'), ref.cv2_bilinear_gray_up)).toBeLessThanOrEqual(1);
    expect(maxDiff(imresize(gray, [29, 23], 'bicubic', 'pillow'), ref.pillow_bicubic_gray_down)).toBeLessThanOrEqual(1);
    console.log(`[imresize] max |diff| per case: ${stats.join(', ')}`);
  });
  it('float32 images (to_float32=True) follow cv2.resize\'s float path', () => {
    const f = ref.fimg;
    const fimg = { data: f.data as Float32Array, height: f.shape[0], width: f.shape[1], channels: f.shape[2] };
    const FSIZES: Record<string, [number, number]> = { down: [17, 13], up: [41, 37], half: [15, 12] };
    const errs: string[] = [];
    for (const mode of ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos'] as const) {
      for (const name of ['down', 'up', 'half']) {
        const want = ref[`float_${mode}_${name}`].data as Float32Array;
        const got = imresize(fimg, FSIZES[name], mode, 'cv2');
        expect(got.data).toBeInstanceOf(Float32Array);
        let m = 0;
        for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got.data[i] - want[i]));
        errs.push(`${mode}/${name}: ${m.toExponential(1)}`);
        expect(m, `${mode} ${name}`).toBeLessThan(1e-3);
      }
    }
    console.log(`[imresize float32] max |diff|: ${errs.join(', ')}`);
    expect(() => imresize(fimg, [3, 3], 'bilinear', 'pillow')).toThrow(/Pillow backend only support uint8/);
  });
  it('rejects modes a backend lacks and bad sizes', () => {
    const src = img(ref.small);
    expect(() => imresize(src, [3, 3], 'box', 'cv2')).toThrow(/not available with backend 'cv2'/);
    expect(() => imresize(src, [3, 3], 'area', 'pillow')).toThrow(/not available with backend 'pillow'/);
    expect(() => imresize(src, [0, 3])).toThrow(/bad target size/);
  });
  it('rescaleSize follows mmcv (pair = long/short edge bounds)', () => {
    expect(rescaleSize([500, 375], [1333, 800])).toEqual({ size: [1067, 800], scaleFactor: 800 / 375 });
    expect(rescaleSize([61, 47], 0.5).size).toEqual([31, 24]);
  });
});

describe('warpAffine (imrotate, imshear, imtranslate)', () => {
  const src = img(ref.img);
  const cases: [string, () => ImageArray][] = [
    ['rotate_30_bilinear', () => imrotate(src, 30, { borderValue: [128, 128, 128] })],
    ['rotate_m17_nearest', () => imrotate(src, -17.5, { interpolation: 'nearest' })],
    ['rotate_45_autobound', () => imrotate(src, 45, { borderValue: [1, 2, 3], autoBound: true })],
    ['rotate_10_scale', () => imrotate(src, 10, { scale: 0.8 })],
    ['shear_h_0.3', () => imshear(src, 0.3, 'horizontal', [128, 128, 128])],
    ['shear_v_m0.21', () => imshear(src, -0.21, 'vertical', [128, 128, 128])],
    ['shear_h_0.17_bicubic', () => imshear(src, 0.17, 'horizontal', [128, 128, 128], 'bicubic')],
    ['shear_v_m0.3_bicubic', () => imshear(src, -0.3, 'vertical', [128, 128, 128], 'bicubic')],
    ['rotate_23_bicubic', () => imrotate(src, 23, { borderValue: [5, 6, 7], interpolation: 'bicubic' })],
    ['translate_h_7.3', () => imtranslate(src, 7.3, 'horizontal', [128, 128, 128])],
    ['translate_v_m12.45', () => imtranslate(src, -12.45, 'vertical', [128, 128, 128])],
  ];
  for (const [name, run] of cases) {
    it(name, () => {
      const d = maxDiff(run(), ref[name]);
      console.log(`[warpAffine] ${name}: max |diff| = ${d}`);
      expect(d).toBeLessThanOrEqual(name.includes('nearest') ? 0 : 1);
    });
  }
});

describe('impad, imcrop, imflip', () => {
  const small = img(ref.small);
  for (const mode of ['constant', 'edge', 'reflect', 'symmetric'] as const) {
    it(`impad ${mode} equals cv2.copyMakeBorder`, () => {
      expect(maxDiff(impad(small, { padding: [6, 3, 2, 7], padVal: [10, 20, 30], mode }), ref[`pad_${mode}`])).toBe(0);
    });
  }
  it('impad to a shape pads bottom/right; bad pad_val length fails', () => {
    const out = impad(small, { shape: [8, 9] });
    expect([out.height, out.width]).toEqual([8, 9]);
    expect(out.data[(7 * 9 + 8) * 3]).toBe(0);
    expect(() => impad(small, { padding: 1, padVal: [1, 2] })).toThrow(/pad_val has 2 values/);
  });
  it('imcrop clips to the image with inclusive corners', () => {
    const out = imcrop(small, [2, 1, 10, 3]);
    expect([out.height, out.width]).toEqual([3, 2]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual(Array.from(small.data.subarray((1 * 4 + 2) * 3, (1 * 4 + 2) * 3 + 3)));
  });
  it('imflip directions', () => {
    const h = imflip(small, 'horizontal');
    const v = imflip(small, 'vertical');
    const d = imflip(small, 'diagonal');
    const at = (im: ImageArray, y: number, x: number) => Array.from(im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
    expect(at(h, 0, 0)).toEqual(at(small, 0, 3));
    expect(at(v, 0, 0)).toEqual(at(small, 4, 0));
    expect(at(d, 0, 0)).toEqual(at(small, 4, 3));
    expect(imflip(h, 'horizontal').data).toEqual(small.data);
  });
});
