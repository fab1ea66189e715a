import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { camOnOriginal, prepareCamSample, testPipelineOf } from './vis_cam';

/** A 60×40 RGB PNG whose red channel is the column index. */
function rampPng(): Uint8Array {
  const w = 60;
  const h = 40;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 4, y * 4, 0], (y * w + x) * 3);
  return encode({ width: w, height: h, data, channels: 3, depth: 8 });
}

describe('vis_cam tool steps', () => {
  it('traces resize + centre crop so the model input maps back onto the original', async () => {
    const pipeline = [{ type: 'LoadImageFromFile' }, { type: 'ResizeEdge', scale: 20, edge: 'short' }, { type: 'CenterCrop', crop_size: 16 }, { type: 'PackInputs' }];
    const s = await prepareCamSample(pipeline, rampPng(), 'ramp.png');
    expect(s.packed.shape).toEqual([3, 16, 16]);
    expect([s.original.width, s.original.height]).toEqual([60, 40]);
    // resize ×½ (x_prev = 2x + 0.5), then crop at (7, 2): x_orig = 2x + 14.5, y_orig = 2y + 4.5
    expect(s.geometry).toEqual({ ax: 2, bx: 14.5, ay: 2, by: 4.5 });
    expect(s.steps[2]).toBe('CenterCrop (crop 16×16 at 7, 2)');
    // the packed input's red channel (BGR order: index 2) at x is the original column 2x + 14.5 (×4)
    const red = (x: number) => s.packed.data[2 * 256 + 8 * 16 + x] as number;
    expect(Math.abs(red(0) - 14.5 * 4)).toBeLessThanOrEqual(2);
    expect(Math.abs(red(15) - (2 * 15 + 14.5) * 4)).toBeLessThanOrEqual(2);
    // a map that is 1 on the input's left half lands on original columns 14.5 … 30.5
    const gray = Float32Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? 1 : 0));
    const mapped = camOnOriginal(gray, 16, 16, s.geometry!, 40, 60);
    const row = Array.from(mapped.subarray(20 * 60, 21 * 60));
    expect(row.slice(0, 14).every((v) => v === -1)).toBe(true);
    expect(row.slice(15, 29).every((v) => v === 1)).toBe(true);
    expect(row.slice(33, 46).every((v) => v === 0)).toBe(true);
    expect(row.slice(47).every((v) => v === -1)).toBe(true);
  });

  it('a random crop makes the geometry unmappable; a bare model dict gets a default pipeline', async () => {
    const s = await prepareCamSample([{ type: 'LoadImageFromFile' }, { type: 'RandomCrop', crop_size: 16 }, { type: 'PackInputs' }], rampPng(), 'ramp.png');
    expect(s.geometry).toBeNull();
    expect(testPipelineOf({ type: 'ImageClassifier', backbone: { type: 'LeNet5' }, data_preprocessor: { mean: [33.46], std: [78.87] } }).pipeline).toEqual([
      { type: 'LoadImageFromFile', color_type: 'grayscale' },
      { type: 'Resize', scale: [32, 32] },
      { type: 'PackInputs' },
    ]);
  });
});
