/**
 * `TensorMaterialiser.loadInto`: a tensor is read straight into its destination only when it is all of a float32
 * little-endian storage, in C order, and no other tensor needs that storage; otherwise it says no and `load` reads it.
 */
import { describe, expect, it } from 'vitest';
import { TensorMaterialiser } from './materialise';
import { StorageRef, TensorRef } from './torch_globals';

const bytesOf = (values: number[], type: 'float32' | 'float64' = 'float32') => new Uint8Array((type === 'float32' ? Float32Array : Float64Array).from(values).buffer);

/** A materialiser over storages by key, counting the reads of each kind. */
function materialiser(storages: Record<string, Uint8Array>, opts: { bigEndian?: boolean } = {}) {
  const reads = { whole: 0, into: 0 };
  const m = new TensorMaterialiser('test.pth', async (ref) => (reads.whole++, storages[ref.key]), {
    ...opts,
    readStorageInto: async (ref, dest) => {
      reads.into++;
      dest.set(storages[ref.key]);
    },
  });
  return { m, reads };
}

describe('reading a tensor straight into its destination', () => {
  it('all of a float32 storage: read into the destination, nothing kept', async () => {
    const storage = new StorageRef('0', 'float32', 6, 'cpu');
    const t = new TensorRef(storage, 0, [2, 3], [3, 1], false);
    const { m, reads } = materialiser({ 0: bytesOf([1, 2, 3, 4, 5, 6]) });
    m.expect(t);
    const dest = new Float32Array(6);
    expect(await m.loadInto(t, dest)).toBe(true);
    expect([...dest]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reads).toEqual({ whole: 0, into: 1 });
  });

  it('a storage two tensors share, a part of one, a transposed view, float64 or big-endian: no, and load reads them', async () => {
    const shared = new StorageRef('0', 'float32', 4, 'cpu');
    const a = new TensorRef(shared, 0, [4], [1], false);
    const b = new TensorRef(shared, 0, [2, 2], [2, 1], false);
    const part = new TensorRef(new StorageRef('1', 'float32', 4, 'cpu'), 1, [3], [1], false);
    const transposed = new TensorRef(new StorageRef('2', 'float32', 4, 'cpu'), 0, [2, 2], [1, 2], false);
    const double = new TensorRef(new StorageRef('3', 'float64', 2, 'cpu'), 0, [2], [1], false);
    const { m, reads } = materialiser({ 0: bytesOf([1, 2, 3, 4]), 1: bytesOf([5, 6, 7, 8]), 2: bytesOf([1, 2, 3, 4]), 3: bytesOf([9, 10], 'float64') });
    for (const t of [a, b, part, transposed, double]) m.expect(t);
    for (const [t, n] of [[a, 4], [b, 4], [part, 3], [transposed, 4], [double, 2]] as const) expect(await m.loadInto(t, new Float32Array(n))).toBe(false);
    expect(reads.into).toBe(0);
    expect([...(await m.load(b, 'b')).data]).toEqual([1, 2, 3, 4]);
    expect([...(await m.load(part, 'part')).data]).toEqual([6, 7, 8]);
    expect([...(await m.load(transposed, 't')).data]).toEqual([1, 3, 2, 4]);
    const bigEndian = materialiser({ 0: bytesOf([1]) }, { bigEndian: true });
    const one = new TensorRef(new StorageRef('0', 'float32', 1, 'cpu'), 0, [1], [1], false);
    expect(await bigEndian.m.loadInto(one, new Float32Array(1))).toBe(false);
  });

  it('the last pending tensor of a shared storage, once the others are done, is read straight in', async () => {
    const shared = new StorageRef('0', 'float32', 2, 'cpu');
    const a = new TensorRef(shared, 0, [2], [1], false);
    const b = new TensorRef(shared, 0, [2], [1], false);
    const { m, reads } = materialiser({ 0: bytesOf([3, 4]) });
    m.expect(a);
    m.expect(b);
    expect(await m.loadInto(a, new Float32Array(2))).toBe(false);
    m.done(a);
    const dest = new Float32Array(2);
    expect(await m.loadInto(b, dest)).toBe(true);
    expect([...dest]).toEqual([3, 4]);
    expect(reads).toEqual({ whole: 0, into: 1 });
  });
});
