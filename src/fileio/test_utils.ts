/** Helpers shared by the fileio tests (Node only). */
import { expect } from 'vitest';
import type { TensorData } from './tensor_data';

/** A tensor's raw bytes, for fast exact comparison. */
export const bytesOf = (t: TensorData): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Same keys in the same order, same shapes and types, bit-identical values. */
export function expectSameTensors(a: Map<string, TensorData>, b: Map<string, TensorData>, opts: { originalDtype?: boolean } = {}): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k)!;
    expect(u.shape, k).toEqual(t.shape);
    expect(u.dtype, k).toBe(t.dtype);
    if (opts.originalDtype !== false) expect(u.originalDtype, k).toBe(t.originalDtype);
    expect(u.data.constructor, k).toBe(t.data.constructor);
    expect(bytesOf(u).equals(bytesOf(t)), `${k}: same values`).toBe(true);
  }
}
