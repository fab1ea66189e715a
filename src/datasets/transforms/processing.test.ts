/** Behaviour of the processing / formatting / loading transforms: options, draws, replay, shapes and keys. */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { TRANSFORMS, registryWarnings } from '../../registry';
import { createImage, type ImageArray } from '../../image/image';
import { imcrop, imresize } from '../../image/geometric';
import { adjustBrightness, adjustContrast, adjustHue } from '../../image/photometric';
import { sharedPath, missingShared } from '../../testing/shared';
import type { BaseTransform, Results } from './base';
import { Compose, runWithIntermediates } from './compose';
import type { PackedResults } from './formatting';
import { Generator } from '../../utils/random';
import { registerTransforms } from './register_all';

registerTransforms();

/** A deterministic test image with distinct values per pixel and channel. */
function testImage(h: number, w: number, c = 3): ImageArray {
  const img = createImage(h, w, c);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37 + (i >> 5)) & 255;
  return img;
}
const build = (cfg: Record<string, unknown>) => TRANSFORMS.build<BaseTransform>(cfg as { type: string });
const run = (cfg: Record<string, unknown>, img: ImageArray, extra: Partial<Results> = {}, seed = 0): Results =>
  build(cfg).transform({ img, img_shape: [img.height, img.width], ori_shape: [img.height, img.width], rng: new Generator(seed), ...extra })!;

describe('Resize / RandomResize / ResizeEdge', () => {
  it('keep_ratio fits inside (long, short) like mmcv.imrescale and records scale_factor per axis', () => {
    const r = run({ type: 'Resize', scale: [1333, 800], keep_ratio: true }, testImage(375, 500));
    expect(r.img_shape).toEqual([800, 1067]);
    expect(r.scale_factor).toEqual([1067 / 500, 800 / 375]);
    expect(r.keep_ratio).toBe(true);
  });
  it('scale_factor without scale uses _scale_size (int(x*f + 0.5))', () => {
    const r = run({ type: 'Resize', scale_factor: 0.35 }, testImage(61, 47));
    expect(r.scale).toEqual([16, 21]);
    expect(r.img_shape).toEqual([21, 16]);
  });
  it('RandomResize draws within the two scales, records and replays them', () => {
    const img = testImage(40, 50);
    const cfg = { type: 'RandomResize', scale: [[20, 30], [24, 36]], keep_ratio: false };
    const r = run(cfg, img, {}, 3);
    const s = (r.random_params!.RandomResize as { scale: number[] }).scale;
    expect(s[0]).toBeGreaterThanOrEqual(20);
    expect(s[0]).toBeLessThanOrEqual(24);
    expect(s[1]).toBeGreaterThanOrEqual(30);
    expect(s[1]).toBeLessThanOrEqual(36);
    expect(r.img_shape).toEqual([s[1], s[0]]);
    const again = run(cfg, img, { replay_params: { RandomResize: { scale: [21, 33] } } }, 99);
    expect(again.img_shape).toEqual([33, 21]);
    const ratio = run({ type: 'RandomResize', scale: [100, 60], ratio_range: [0.5, 1.5] }, img, {}, 5);
    const rs = (ratio.random_params!.RandomResize as { scale: number[] }).scale;
    expect(rs[0] / 100).toBeCloseTo(rs[1] / 60, 1);
  });
  it('ResizeEdge resizes each edge kind', () => {
    const img = testImage(30, 40);
    expect(run({ type: 'ResizeEdge', scale: 15, edge: 'short' }, img).img_shape).toEqual([15, 20]);
    expect(run({ type: 'ResizeEdge', scale: 20, edge: 'long' }, img).img_shape).toEqual([15, 20]);
    expect(run({ type: 'ResizeEdge', scale: 10, edge: 'width' }, img).img_shape).toEqual([7, 10]);
    expect(run({ type: 'ResizeEdge', scale: 10, edge: 'height' }, img).img_shape).toEqual([10, 13]);
    expect(() => build({ type: 'ResizeEdge', scale: 10, edge: 'diagonal' })).toThrow(/ResizeEdge.edge: expected one of short, long, width, height/);
  });
});

describe('crops', () => {
  it('CenterCrop: (w, h) crop_size, round-half-even offsets; auto_pad pads bottom/right first', () => {
    const img = testImage(11, 20);
    const r = run({ type: 'CenterCrop', crop_size: [8, 4] }, img);
    expect(r.img_shape).toEqual([4, 8]);
    // y1 = round((11-4)/2) = round(3.5) = 4, x1 = 6
    expect((r.img as ImageArray).data).toEqual(imcrop(img, [6, 4, 13, 7]).data);
    const small = run({ type: 'CenterCrop', crop_size: 32 }, testImage(10, 12));
    expect(small.img_shape).toEqual([10, 12]);
    const padded = run({ type: 'CenterCrop', crop_size: 16, auto_pad: true, pad_cfg: { type: 'Pad', pad_val: 7 } }, testImage(10, 12));
    const p = padded.img as ImageArray;
    expect(padded.img_shape).toEqual([16, 16]);
    expect(p.data[(15 * 16 + 15) * 3]).toBe(7);
    expect(p.data[0]).toBe(testImage(10, 12).data[0]);
  });
  it('Pad: fixed size (w, h), size_divisor, pad_to_square as mmcv', () => {
    const img = testImage(10, 13);
    expect(run({ type: 'Pad', size: [20, 12] }, img).img_shape).toEqual([12, 20]);
    expect(run({ type: 'Pad', size_divisor: 8 }, img).img_shape).toEqual([16, 16]);
    expect(run({ type: 'Pad', pad_to_square: true }, img).img_shape).toEqual([13, 13]);
    expect(run({ type: 'Pad', pad_to_square: true, size_divisor: 4 }, img).img_shape).toEqual([16, 16]);
    const v = run({ type: 'Pad', size: [14, 11], pad_val: { img: [1, 2, 3] } }, img).img as ImageArray;
    expect(Array.from(v.data.subarray((11 * 14 - 1) * 3))).toEqual([1, 2, 3]);
  });
  it('RandomCrop: pad_if_needed with reflect padding, drawn offsets in range and replayable', () => {
    const img = testImage(20, 24);
    const r = run({ type: 'RandomCrop', crop_size: [28, 30], pad_if_needed: true, padding_mode: 'reflect' }, img, {}, 1);
    const p = r.random_params!.RandomCrop as { padded_shape: number[]; offset_h: number; offset_w: number };
    expect(p.padded_shape).toEqual([28, 30]);
    expect(r.img_shape).toEqual([28, 30, 3]);
    const fixed = run({ type: 'RandomCrop', crop_size: 16, padding: [1, 2, 3, 4] }, img, { replay_params: { RandomCrop: { offset_h: 2, offset_w: 1, target_h: 16, target_w: 16 } } });
    // with padding (left 1, top 2) the window starting at (2, 1) is the image's (0, 0) corner
    expect((fixed.img as ImageArray).data.subarray(0, 3)).toEqual(img.data.subarray(0, 3));
  });
  it('RandomResizedCrop: params satisfy the ranges; fallback is a central crop with the aspect clamped', () => {
    const img = testImage(100, 400);
    for (let seed = 0; seed < 20; seed++) {
      const r = run({ type: 'RandomResizedCrop', scale: 32 }, img, {}, seed);
      const p = r.random_params!.RandomResizedCrop as { offset_h: number; offset_w: number; target_h: number; target_w: number };
      expect(p.offset_h + p.target_h).toBeLessThanOrEqual(100);
      expect(p.offset_w + p.target_w).toBeLessThanOrEqual(400);
      expect(r.img_shape).toEqual([32, 32, 3]);
    }
    const fb = run({ type: 'RandomResizedCrop', scale: [20, 30], max_attempts: 0 }, img);
    expect(fb.random_params!.RandomResizedCrop).toEqual({ offset_h: 0, offset_w: 133, target_h: 100, target_w: 133 });
    expect(fb.img_shape).toEqual([20, 30, 3]);
    const replay = { offset_h: 10, offset_w: 20, target_h: 50, target_w: 60 };
    const rr = run({ type: 'RandomResizedCrop', scale: 24, interpolation: 'bicubic', backend: 'pillow' }, img, { replay_params: { RandomResizedCrop: replay } });
    expect((rr.img as ImageArray).data).toEqual(imresize(imcrop(img, [20, 10, 79, 59]), [24, 24], 'bicubic', 'pillow').data);
    expect(() => build({ type: 'RandomResizedCrop', scale: 24, crop_ratio_range: [1, 0.5] })).toThrow(/range should be of kind \(min, max\)/);
  });
  it('EfficientNetCenterCrop / EfficientNetRandomCrop', () => {
    const img = testImage(60, 51);
    const r = run({ type: 'EfficientNetCenterCrop', crop_size: 24 }, img);
    // crop = 24 / (24 + 32) * 51 = 21.857; offsets round((60-21.857)/2)=19, round((51-21.857)/2)=15; x2 = 15 + 21.857 - 1 → int 35
    expect((r.img as ImageArray).data).toEqual(imresize(imcrop(img, [15, 19, 15 + 24 / 56 * 51 - 1, 19 + 24 / 56 * 51 - 1]), [24, 24], 'bicubic').data);
    const e = run({ type: 'EfficientNetRandomCrop', scale: 16, min_covered: 0.2 }, img, {}, 4);
    const p = e.random_params!.EfficientNetRandomCrop as { target_h: number; target_w: number };
    expect(p.target_h * p.target_w).toBeGreaterThanOrEqual(0.2 * 60 * 51 - 1e-9);
    expect(e.img_shape).toEqual([16, 16, 3]);
    expect(() => build({ type: 'EfficientNetRandomCrop', scale: [16, 16] })).toThrow(/scale must be an int/);
  });
});

describe('RandomFlip, RandomGrayscale, RandomErasing', () => {
  it('RandomFlip with list probs flips each direction at its rate', () => {
    const t = build({ type: 'RandomFlip', prob: [0.3, 0.5], direction: ['horizontal', 'vertical'] });
    const rng = new Generator(11);
    const counts: Record<string, number> = { horizontal: 0, vertical: 0, none: 0 };
    const img = testImage(2, 2);
    for (let i = 0; i < 4000; i++) {
      const r = t.transform({ img, rng })!;
      counts[(r.flip_direction as string | null) ?? 'none']++;
    }
    expect(counts.horizontal / 4000).toBeCloseTo(0.3, 1);
    expect(counts.vertical / 4000).toBeCloseTo(0.5, 1);
    expect(counts.none / 4000).toBeCloseTo(0.2, 1);
  });
  it('RandomFlip float prob over a direction list splits it evenly; bad directions fail', () => {
    const t = build({ type: 'RandomFlip', prob: 1.0, direction: ['horizontal', 'diagonal'] });
    const rng = new Generator(2);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(t.transform({ img: testImage(2, 2), rng })!.flip_direction as string);
    expect([...seen].sort()).toEqual(['diagonal', 'horizontal']);
    expect(() => build({ type: 'RandomFlip', prob: 0.5, direction: 'sideways' })).toThrow(/direction must be one of/);
  });
  it('RandomGrayscale: normalised weights, truncation, keep_channels', () => {
    const img = testImage(3, 4);
    const r = run({ type: 'RandomGrayscale', prob: 1.0, channel_weights: [1, 2, 1], keep_channels: true }, img);
    const out = r.img as ImageArray;
    expect(out.channels).toBe(3);
    const d = img.data;
    expect(out.data[0]).toBe(Math.trunc(0.25 * d[0] + 0.5 * d[1] + 0.25 * d[2]));
    expect(run({ type: 'RandomGrayscale', prob: 1.0 }, img).img!.channels).toBe(1);
    expect(run({ type: 'RandomGrayscale', prob: 0.0 }, img).img).toBe(img);
  });
  it('RandomErasing const fills the drawn box; rand mode replays the same noise', () => {
    const img = testImage(40, 30);
    const r = run({ type: 'RandomErasing', erase_prob: 1.0, fill_color: [1, 2, 3] }, img, {}, 8);
    const p = r.random_params!.RandomErasing as { top: number; left: number; h: number; w: number };
    const out = r.img as ImageArray;
    expect(Array.from(out.data.subarray((p.top * 30 + p.left) * 3, (p.top * 30 + p.left) * 3 + 3))).toEqual([1, 2, 3]);
    expect(p.h * p.w).toBeGreaterThanOrEqual(0.02 * 1200 * 0.5);
    const cfg = { type: 'RandomErasing', erase_prob: 1.0, mode: 'rand', fill_std: 20, fill_color: 100 };
    const a = run(cfg, img, {}, 3);
    const b = run(cfg, img, { replay_params: a.random_params }, 77);
    expect((b.img as ImageArray).data).toEqual((a.img as ImageArray).data);
    expect(() => build({ type: 'RandomErasing', min_area_ratio: 0.5, max_area_ratio: 0.1 })).toThrow(/min_area_ratio should be smaller/);
  });
});

describe('ColorJitter and Lighting', () => {
  it('ColorJitter applies the drawn factors in the drawn order', () => {
    const img = testImage(9, 7);
    const params = { order: [3, 1, 0, 2], brightness: 1.2, contrast: 0.7, saturation: null, hue: -0.1 };
    const r = run({ type: 'ColorJitter', brightness: 0.4, contrast: 0.4, hue: 0.2 }, img, { replay_params: { ColorJitter: params } });
    const want = adjustBrightness(adjustContrast(adjustHue(img, -0.1, 'pillow'), 0.7, 'pillow'), 1.2, 'pillow');
    expect((r.img as ImageArray).data).toEqual(want.data);
    const drawn = run({ type: 'ColorJitter', brightness: 0.4, hue: [-0.7, 0.2] }, img, {}, 4).random_params!.ColorJitter as typeof params;
    expect(drawn.brightness).toBeGreaterThanOrEqual(0.6);
    expect(drawn.brightness).toBeLessThanOrEqual(1.4);
    expect(drawn.hue).toBeGreaterThanOrEqual(-0.5);
    expect(drawn.contrast).toBeNull();
    expect([...drawn.order].sort()).toEqual([0, 1, 2, 3]);
  });
  it('Lighting draws alpha ~ N(0, alphastd) per eigenvalue', () => {
    const eigval = [55.46, 4.794, 1.148];
    const eigvec = [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.814], [-0.5836, -0.6948, 0.4203]];
    const r = run({ type: 'Lighting', eigval, eigvec, alphastd: 0.1 }, testImage(4, 4), {}, 1);
    const { alpha } = r.random_params!.Lighting as { alpha: number[] };
    expect(alpha).toHaveLength(3);
    expect(Math.max(...alpha.map(Math.abs))).toBeLessThan(0.6);
  });
});

describe('options, Compose, PackInputs, aliases, LoadImageFromFile, MultiView', () => {
  it('crops, flips and pads also take float32 images (to_float32=True)', () => {
    const f = { data: Float32Array.from({ length: 6 * 5 * 3 }, (_, i) => i + 0.5), height: 6, width: 5, channels: 3 };
    const r = build({ type: 'RandomCrop', crop_size: 4, padding: 1 }).transform({ img: f, replay_params: { RandomCrop: { offset_h: 1, offset_w: 1, target_h: 4, target_w: 4 } } })!;
    expect(r.img!.data).toBeInstanceOf(Float32Array);
    expect(r.img!.data[0]).toBe(0.5);
    const flipped = build({ type: 'RandomFlip', prob: 1.0 }).transform({ img: f, rng: new Generator(0) })!;
    expect(flipped.img!.data[0]).toBe(f.data[12]);
    const resized = build({ type: 'RandomResizedCrop', scale: 3 }).transform({ img: f, rng: new Generator(0) })!;
    expect(resized.img!.data).toBeInstanceOf(Float32Array);
    expect(() => build({ type: 'Resize', scale: 3, backend: 'pillow' }).transform({ img: f })).toThrow(/Pillow backend only support uint8/);
    expect(() => build({ type: 'ColorJitter', brightness: 0.5 }).transform({ img: f, rng: new Generator(0) })).toThrow(/expects a uint8 image/);
  });
  it('prints like the Python repr', () => {
    expect(build({ type: 'RandomCrop', crop_size: 32, padding: 4 }).toString()).toBe("RandomCrop(crop_size=32, padding=4, pad_if_needed=False, pad_val=0, padding_mode='constant')");
  });
  it('rejects unknown keys with the closest name and requires required ones', () => {
    expect(() => build({ type: 'RandomFlip', prob: 0.5, directon: 'horizontal' })).toThrow(/RandomFlip: unknown option 'directon' — did you mean 'direction'/);
    expect(() => build({ type: 'RandomCrop' })).toThrow(/RandomCrop: option 'crop_size' is required/);
  });
  it('Compose: the same seed draws the same parameters; another seed draws others', () => {
    const cfg = [{ type: 'RandomResizedCrop', scale: 8 }, { type: 'RandomFlip', prob: 0.5 }];
    const img = testImage(30, 30);
    const draw = (seed: number) => new Compose(cfg, { seed }).transform({ img })!.random_params;
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    const names: string[] = [];
    new Compose(cfg, { seed: 1 }).transform({ img }, { trace: (_i, t) => names.push(t.typeName) });
    expect(names).toEqual(['RandomResizedCrop', 'RandomFlip']);
  });
  it('runWithIntermediates keeps every step (browse_dataset pipeline mode)', () => {
    const pipe = new Compose([{ type: 'ResizeEdge', scale: 16 }, { type: 'RandomCrop', crop_size: 8 }, { type: 'PackInputs' }], { seed: 2 });
    const { results, steps } = runWithIntermediates(pipe, { img: testImage(20, 30) });
    expect(steps.map((s) => s.name)).toEqual(['Original', 'ResizeEdge', 'RandomCrop', 'PackInputs']);
    expect(steps.map((s) => s.shape)).toEqual([[20, 30, 3], [16, 24, 3], [8, 8, 3], null]);
    expect(steps[2].params).toMatchObject({ target_h: 8, target_w: 8 });
    expect((results as PackedResults).inputs).toBeDefined();
  });
  it('PackInputs: CHW, gt_label as a list, meta keys; PackClsInputs/Collect/ToTensor map with a warning', () => {
    const img = testImage(2, 3);
    const packed = run({ type: 'PackInputs' }, img, { gt_label: 4, img_path: 'a.png', flip: false }) as PackedResults;
    const inp = packed.inputs as { shape: number[]; data: Uint8Array };
    expect(inp.shape).toEqual([3, 2, 3]);
    expect(inp.data[1]).toBe(img.data[3]); // channel 0, pixel 1
    expect(inp.data[6]).toBe(img.data[1]); // channel 1, pixel 0
    expect(packed.data_samples.gt_label).toEqual([4]);
    expect(packed.data_samples.metainfo).toMatchObject({ img_path: 'a.png', flip: false, img_shape: [2, 3], ori_shape: [2, 3] });
    const warn = vi.spyOn(registryWarnings, 'warn').mockImplementation(() => {});
    expect((run({ type: 'PackClsInputs' }, img) as PackedResults).inputs).toBeDefined();
    expect(run({ type: 'ToTensor', keys: ['gt_label'] }, img).img).toBe(img);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/'PackClsInputs' is a deprecated name.*'PackInputs'/));
    warn.mockRestore();
    const warn2 = vi.spyOn(registryWarnings, 'warn').mockImplementation(() => {});
    const collected = run({ type: 'Collect', keys: ['img', 'gt_label'] }, img, { gt_label: 1 }) as PackedResults;
    expect(collected.data_samples.gt_label).toEqual([1]);
    expect(warn2).toHaveBeenCalledWith(expect.stringMatching(/'Collect' is an MMClassification 0.x transform/));
    warn2.mockRestore();
  });
  it.skipIf(missingShared(sharedPath('data/images/dog.jpg')))('LoadImageFromFile: bytes or path, to_float32, ignore_empty', () => {
    const bytes = new Uint8Array(readFileSync(sharedPath('data/images/dog.jpg')));
    const r = build({ type: 'LoadImageFromFile', to_float32: true }).transform({ img_bytes: bytes })!;
    expect(r.img!.data).toBeInstanceOf(Float32Array);
    expect(r.ori_shape).toEqual([374, 500]);
    const p = build({ type: 'LoadImageFromFile', color_type: 'grayscale' }).transform({ img_path: sharedPath('data/images/dog.jpg') })!;
    expect(p.img!.channels).toBe(1);
    expect(build({ type: 'LoadImageFromFile', ignore_empty: true }).transform({ img_bytes: bytes.subarray(0, 100) })).toBeNull();
    expect(() => build({ type: 'LoadImageFromFile' }).transform({ img_path: '/nonexistent/x.jpg' })).toThrow(/x\.jpg/);
    expect(() => build({ type: 'LoadImageFromFile', color_type: 'colour' })).toThrow(/expected one of color, grayscale/);
  });
  it('MultiView: views from each pipeline, their params recorded per view', () => {
    const img = testImage(20, 20);
    const r = run({ type: 'MultiView', num_views: [2, 1], transforms: [[{ type: 'RandomResizedCrop', scale: 8 }], [{ type: 'CenterCrop', crop_size: 4 }]] }, img, {}, 3);
    const views = r.img as unknown as ImageArray[];
    expect(views.map((v) => v.width)).toEqual([8, 8, 4]);
    expect((r.random_params!.MultiView as unknown[]).length).toBe(3);
  });
});
