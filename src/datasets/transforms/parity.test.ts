/**
 * Parity with the real mmcv / MMPretrain: every case of `shared/reference/pipeline/manifest.json` is run
 * through our pipeline, replaying the recorded random parameters, and must match within one grey level.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../fileio/npy';
import { imageFromHWC, type ImageArray } from '../../image/image';
import { sharedPath, missingShared } from '../../testing/shared';
import { Compose } from './compose';
import type { PackedResults } from './formatting';
import { registerTransforms } from './register_all';

interface Case {
  name: string;
  input: string;
  transforms: { type: string }[];
  random_params: Record<string, unknown>;
  out: string;
  out_shape: number[];
  results_meta: Record<string, unknown>;
}

const manifestPath = sharedPath('reference/pipeline/manifest.json');
const cases: Case[] = !missingShared(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : [];
const dir = dirname(manifestPath);

/** The manifest writes RandomFlip's draw as "see results_meta.flip": turn it into replayable params. */
function replayParams(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.random_params)) {
    out[k] = k === 'RandomFlip' && typeof v === 'string' ? { flip: c.results_meta.flip, flip_direction: c.results_meta.flip_direction } : v;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.skipIf(cases.length === 0)('pipeline parity with mmcv/MMPretrain (manifest.json)', () => {
  registerTransforms();
  for (const c of cases) {
    it(c.name, () => {
      const input = parseNpy(new Uint8Array(readFileSync(join(dir, c.input))), c.input);
      const expected = parseNpy(new Uint8Array(readFileSync(join(dir, c.out))), c.out);
      const img = imageFromHWC(input.data as Uint8Array, input.shape, c.input);
      const pipeline = new Compose(c.transforms, { seed: 0 });
      const results = pipeline.transform({ img, img_shape: [img.height, img.width], ori_shape: [img.height, img.width] }, { params: replayParams(c) });
      expect(results).not.toBeNull();
      let got: ArrayLike<number>;
      let shape: number[];
      let meta: Record<string, unknown>;
      if ('data_samples' in results!) {
        const packed = results as PackedResults;
        const inp = packed.inputs as { shape: number[]; data: Uint8Array };
        got = inp.data;
        shape = inp.shape;
        meta = packed.data_samples.metainfo ?? {};
      } else {
        const out = results!.img as ImageArray;
        got = out.data;
        shape = [out.height, out.width, out.channels];
        meta = results!;
      }
      // cv2 drops a single channel (HxW); our images keep HxWx1.
      expect(shape.filter((v, i) => !(v === 1 && i === shape.length - 1))).toEqual(c.out_shape);
      expect(got.length).toBe(expected.data.length);
      const diff = maxAbsDiff(got, expected.data as Uint8Array);
      console.log(`[parity] ${c.name}: max |diff| = ${diff}`);
      expect(diff).toBeLessThanOrEqual(1);
      for (const [k, v] of Object.entries(c.results_meta)) {
        if (k === 'img_shape' && Array.isArray(v) && v.length === 3 && v[2] === 3 && Array.isArray(meta[k]) && (meta[k] as number[]).length === 3) {
          expect(meta[k]).toEqual(v);
          continue;
        }
        if (typeof v === 'number' || (Array.isArray(v) && typeof v[0] === 'number' && !Number.isInteger(v[0]))) {
          expect((meta[k] as number[]).map((x) => +x.toFixed(12))).toEqual((v as number[]).map((x) => +x.toFixed(12)));
        } else {
          expect(meta[k]).toEqual(v);
        }
      }
    });
  }
});
