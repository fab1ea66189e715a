/** RandomApply / RandomChoice (mmcv wrappers), Normalize, and the pipeline-config utils. */
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../../registry';
import { createImage, type ImageArray } from '../../image/image';
import type { BaseTransform, Results } from './base';
import { Generator } from '../../utils/random';
import { registerTransforms } from './register_all';
import { getTransformIdx, removeTransform } from './utils';

registerTransforms();
const build = (cfg: Record<string, unknown>) => TRANSFORMS.build<BaseTransform>(cfg as { type: string });
const img = createImage(4, 5, 3);
img.data.forEach((_, i) => (img.data[i] = (i * 29) & 255));

describe('wrappers', () => {
  it('RandomApply runs its transforms at rate prob and records the draw', () => {
    const t = build({ type: 'RandomApply', transforms: [{ type: 'RandomFlip', prob: 1.0 }], prob: 0.8 });
    const rng = new Generator(1);
    let applied = 0;
    for (let i = 0; i < 2000; i++) {
      const r = t.transform({ img, rng })!;
      if ((r.random_params!.RandomApply as { apply: boolean }).apply) {
        applied++;
        expect(r.flip).toBe(true);
      } else {
        expect(r.img).toBe(img);
      }
    }
    expect(applied / 2000).toBeCloseTo(0.8, 1);
  });
  it('RandomChoice picks a pipeline (weighted when prob is given) and replays the choice', () => {
    const t = build({ type: 'RandomChoice', transforms: [[{ type: 'CenterCrop', crop_size: 2 }], [{ type: 'CenterCrop', crop_size: 3 }]], prob: [0.25, 0.75] });
    const rng = new Generator(2);
    let second = 0;
    for (let i = 0; i < 2000; i++) if (t.transform({ img, rng })!.img!.width === 3) second++;
    expect(second / 2000).toBeCloseTo(0.75, 1);
    const r = t.transform({ img, replay_params: { RandomChoice: { index: 0 } } })!;
    expect(r.img!.width).toBe(2);
    expect(() => build({ type: 'RandomChoice', transforms: [[]], prob: [0.5] })).toThrow(/probs must sum to 1/);
  });
});

describe('Normalize', () => {
  it('(img - mean) / std in float32 after BGR → RGB', () => {
    const r = build({ type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }).transform({ img } as Results)!;
    const out = r.img as unknown as ImageArray<Float32Array>;
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.data[0]).toBeCloseTo((img.data[2] - 123.675) / 58.395, 5);
    expect(out.data[2]).toBeCloseTo((img.data[0] - 103.53) / 57.375, 5);
    expect(r.img_norm_cfg).toEqual({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true });
    const packed = build({ type: 'PackInputs' }).transform(r)! as { inputs: { dtype: string; shape: number[] } };
    expect(packed.inputs.dtype).toBe('float32');
    expect(packed.inputs.shape).toEqual([3, 4, 5]);
  });
});

describe('utils', () => {
  it('get_transform_idx / remove_transform', () => {
    const p = [{ type: 'LoadImageFromFile' }, { type: 'RandomFlip', prob: 0.5 }, { type: 'PackInputs' }, { type: 'RandomFlip', prob: 0.1 }];
    expect(getTransformIdx(p, 'RandomFlip')).toBe(1);
    expect(getTransformIdx(p, ['PackInputs', 'Collect'])).toBe(2);
    expect(getTransformIdx(p, 'Resize')).toBe(-1);
    const removed = removeTransform(p, 'RandomFlip');
    expect(removed.map((t) => t.type)).toEqual(['LoadImageFromFile', 'PackInputs']);
    expect(p).toHaveLength(4);
    removeTransform(p, 'PackInputs', true);
    expect(p).toHaveLength(3);
  });
});

describe('mask generators', () => {
  it('SimMIMMaskGenerator masks ceil(36 × 0.6) = 22 blocks of 8×8 cells; replays', () => {
    const t = build({ type: 'SimMIMMaskGenerator' });
    const r = t.transform({ rng: new Generator(1) })!;
    const mask = r.mask as { shape: number[]; data: Uint8Array };
    expect(mask.shape).toEqual([48, 48]);
    expect(mask.data.reduce((a, b) => a + b, 0)).toBe(22 * 64);
    const again = t.transform({ replay_params: r.random_params })!;
    expect((again.mask as { data: Uint8Array }).data).toEqual(mask.data);
    expect(() => build({ type: 'SimMIMMaskGenerator', input_size: 100 })).toThrow(/not a multiple of mask_patch_size/);
  });
  it('BEiTMaskGenerator masks exactly num_masking_patches cells', () => {
    const t = build({ type: 'BEiTMaskGenerator', input_size: 14, num_masking_patches: 75, max_num_patches: null, min_num_patches: 16 });
    for (let seed = 0; seed < 5; seed++) {
      const r = t.transform({ rng: new Generator(seed) })!;
      const mask = r.mask as { shape: number[]; data: Uint8Array };
      expect(mask.shape).toEqual([14, 14]);
      expect(mask.data.reduce((a, b) => a + b, 0)).toBe(75);
    }
  });
});

describe('NumpyToPIL / PILToNumpy', () => {
  it('swap channels when asked, convert dtype', () => {
    const r = build({ type: 'NumpyToPIL', to_rgb: true }).transform({ img })!;
    expect([r.img!.data[0], r.img!.data[2]]).toEqual([img.data[2], img.data[0]]);
    const back = build({ type: 'PILToNumpy', to_bgr: true, dtype: 'float32' }).transform(r)!;
    expect(back.img!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.img!.data.subarray(0, 3))).toEqual(Array.from(img.data.subarray(0, 3)));
    expect(build({ type: 'NumpyToPIL' }).transform({ img })!.img).toBe(img);
  });
});
