import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeNpy, encodeNpz, halfToFloat, parseNpy, parseNpz } from './npy';
import { sharedPath, missingShared } from '../testing/shared';

describe('npy / npz', () => {
  it('round-trips arrays of several dtypes', () => {
    const a = { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4.5, -5, 6]) };
    const b = { dtype: 'uint8' as const, shape: [4], data: new Uint8Array([0, 1, 254, 255]) };
    expect(parseNpy(encodeNpy(a))).toEqual(a);
    const z = parseNpz(encodeNpz({ a, b }));
    expect(z.a).toEqual(a);
    expect(z.b).toEqual(b);
  });

  it('converts half floats', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.33325, 5);
  });

  const io = sharedPath('reference/models/lenet5_io.npz');
  it.skipIf(missingShared(io))('reads a real numpy .npz written by MMPretrain reference scripts', () => {
    const z = parseNpz(new Uint8Array(readFileSync(io)), io);
    expect(z.input.shape).toEqual([2, 1, 32, 32]);
    expect(z.input.dtype).toBe('float32');
    expect(z.logits.shape).toEqual([2, 10]);
    expect(z.raw_uint8.dtype).toBe('uint8');
  });
});
