/** AutoAugment / RandAugment and their ops: presets, hparams merging, magnitude levels, draws and replay. */
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../../registry';
import { createImage, type ImageArray } from '../../image/image';
import { imrotate, imshear, imtranslate } from '../../image/geometric';
import { adjustColor, adjustContrast, cutout, posterize, solarize } from '../../image/photometric';
import { AutoAugment, RandAugment, type BaseAugTransform } from './auto_augment';
import type { BaseTransform, Results } from './base';
import { Generator } from '../../utils/random';
import { registerTransforms } from './register_all';

registerTransforms();

function testImage(h: number, w: number): ImageArray {
  const img = createImage(h, w, 3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 53 + (i >> 4)) & 255;
  return img;
}
const img = testImage(24, 32);
const run = (t: BaseTransform, extra: Partial<Results> = {}, seed = 0): Results => t.transform({ img, rng: new Generator(seed), ...extra })!;
const build = (cfg: Record<string, unknown>) => TRANSFORMS.build<BaseTransform>(cfg as { type: string });

describe('RandAugment', () => {
  const ra = new RandAugment({ policies: 'timm_increasing', num_policies: 2, magnitude_level: 9, magnitude_std: 0.5, hparams: { pad_val: [104, 116, 124], interpolation: 'bicubic' } });

  it('builds the 15 timm_increasing ops; hparams go only to ops that take them', () => {
    expect(ra.policies.map((p) => p.type)).toEqual(['AutoContrast', 'Equalize', 'Invert', 'Rotate', 'Posterize', 'Solarize', 'SolarizeAdd', 'ColorTransform', 'Contrast', 'Brightness', 'Sharpness', 'Shear', 'Shear', 'Translate', 'Translate']);
    const rotate = ra.policies[3];
    expect(rotate).toMatchObject({ pad_val: [104, 116, 124], interpolation: 'bicubic', magnitude_level: 9, magnitude_std: 0.5, total_level: 10 });
    expect(ra.policies[0]).toEqual({ type: 'AutoContrast' });
    expect(() => new RandAugment({ policies: 'timm', num_policies: 2, magnitude_level: 9 })).toThrow(/Invalid policies 'timm'/);
    expect(() => new RandAugment({ policies: 'timm_increasing', num_policies: 0, magnitude_level: 9 })).toThrow(/num_policies must be greater than 0/);
  });

  it('replays chosen ops and their magnitudes exactly', () => {
    const params = { RandAugment: { indices: [3, 11] }, Rotate: { apply: true, magnitude: -12.5 }, Shear: { apply: true, magnitude: 0.21 } };
    const r = run(ra, { replay_params: params });
    const want = imshear(imrotate(img, -12.5, { borderValue: [104, 116, 124], interpolation: 'bicubic' }), 0.21, 'horizontal', [104, 116, 124], 'bicubic');
    expect((r.img as ImageArray).data).toEqual(want.data);
  });

  it('records what it drew; the record replays to the same image', () => {
    for (let seed = 0; seed < 10; seed++) {
      const a = run(ra, {}, seed);
      const b = run(ra, { replay_params: a.random_params }, 1000 + seed);
      expect((b.img as ImageArray).data).toEqual((a.img as ImageArray).data);
      expect((a.random_params!.RandAugment as { indices: number[] }).indices).toHaveLength(2);
    }
  });
});

describe('augmentation ops', () => {
  it('magnitude level maps linearly into magnitude_range (Posterize rounds bits up)', () => {
    const t = build({ type: 'Posterize', magnitude_range: [4, 0], magnitude_level: 9, prob: 1.0 });
    const r = run(t);
    expect((r.random_params!.Posterize as { magnitude: number }).magnitude).toBeCloseTo(0.4, 12);
    expect((r.img as ImageArray).data).toEqual(posterize(img, 1).data);
    const s = build({ type: 'Solarize', magnitude_range: [256, 0], magnitude_level: 5, prob: 1.0 });
    expect((run(s).img as ImageArray).data).toEqual(solarize(img, 128).data);
  });
  it("magnitude_std 'inf' draws the level uniformly in [0, level]; a positive std clips to [0, total_level]", () => {
    const inf = build({ type: 'Rotate', magnitude_range: [0, 30], magnitude_level: 6, magnitude_std: 'inf', prob: 1.0, random_negative_prob: 0 }) as BaseAugTransform;
    const normal = build({ type: 'Rotate', magnitude_range: [0, 30], magnitude_level: 10, magnitude_std: 5, prob: 1.0, random_negative_prob: 0 }) as BaseAugTransform;
    for (let seed = 0; seed < 30; seed++) {
      const m = (run(inf, {}, seed).random_params!.Rotate as { magnitude: number }).magnitude;
      expect(m).toBeGreaterThanOrEqual(0);
      expect(m).toBeLessThanOrEqual(18);
      expect((run(normal, {}, seed).random_params!.Rotate as { magnitude: number }).magnitude).toBeLessThanOrEqual(30);
    }
  });
  it('prob 0 never applies; random_negative_prob 1 always negates', () => {
    expect(run(build({ type: 'Invert', prob: 0.0 })).img).toBe(img);
    const t = build({ type: 'Translate', magnitude: 0.25, prob: 1.0, random_negative_prob: 1.0, pad_val: 9 });
    const r = run(t);
    expect((r.random_params!.Translate as { magnitude: number }).magnitude).toBe(-0.25);
    expect((r.img as ImageArray).data).toEqual(imtranslate(img, -0.25 * 32, 'horizontal', 9, 'nearest').data);
  });
  it('Contrast / ColorTransform use 1 + magnitude; Cutout fills around the drawn centre', () => {
    const c = run(build({ type: 'Contrast', magnitude: 0.3, prob: 1.0, random_negative_prob: 0 }));
    expect((c.img as ImageArray).data).toEqual(adjustContrast(img, 1.3).data);
    const col = run(build({ type: 'ColorTransform', magnitude: 0.5, prob: 1.0, random_negative_prob: 1 }));
    expect((col.img as ImageArray).data).toEqual(adjustColor(img, 0.5).data);
    const cut = run(build({ type: 'Cutout', shape: 6, pad_val: [1, 2, 3], prob: 1.0 }), {}, 4);
    const p = cut.random_params!.Cutout as { y0: number; x0: number };
    expect(p.y0).toBeGreaterThanOrEqual(1);
    expect(p.y0).toBeLessThan(24);
    expect((cut.img as ImageArray).data).toEqual(cutout(img, 6, p.y0, p.x0, [1, 2, 3]).data);
  });
  it('rejects both or neither of a fixed magnitude and magnitude_range', () => {
    expect(() => build({ type: 'Rotate' })).toThrow(/Please specify only one of `angle` and `magnitude_range`/);
    expect(() => build({ type: 'Shear', magnitude: 0.1, magnitude_range: [0, 0.3] })).toThrow(/only one of `magnitude`/);
    expect(() => build({ type: 'Rotate', angle: 10, interpolation: 'lanczos' })).toThrow(/interpolation 'lanczos' is not supported/);
  });
});

describe('AutoAugment', () => {
  it('the imagenet preset has 25 two-op sub-policies with pad_val merged', () => {
    const aa = new AutoAugment({ policies: 'imagenet' });
    expect(aa.policies).toHaveLength(25);
    expect(aa.policies.every((p) => p.length === 2)).toBe(true);
    expect(aa.policies[0][1]).toEqual({ type: 'Rotate', angle: 30, prob: 0.6, pad_val: 128 });
  });
  it('replays a chosen sub-policy with its draws; records the choice', () => {
    const aa = new AutoAugment({ policies: 'imagenet' });
    const r = run(aa, { replay_params: { AutoAugment: { policy: 0 }, Posterize: { apply: true, magnitude: 4 }, Rotate: { apply: true, magnitude: -30 } } });
    expect((r.img as ImageArray).data).toEqual(imrotate(posterize(img, 4), -30, { borderValue: 128, interpolation: 'nearest' }).data);
    const drawn = run(aa, {}, 5).random_params!;
    expect((drawn.AutoAugment as { policy: number }).policy).toBeLessThan(25);
    const custom = new AutoAugment({ policies: [[{ type: 'Invert', prob: 1.0 }]], hparams: {} });
    expect((run(custom).img as ImageArray).data[0]).toBe(255 - img.data[0]);
  });
});
