import { existsSync, readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../testing/shared';
import { loadCheckpoint } from './checkpoint';
import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from './pickle/pickler';
import { concatParts } from './safetensors';
import { zipStoredParts } from './zip/zip_writer';

const lenet = sharedPath('reference/models/lenet5.pth');

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` */
function tensor(pid: PyTuple, offset: number, size: number[], stride: number[]): PyCall {
  return new PyCall('torch._utils', '_rebuild_tensor_v2', [new PyPersistent(pid), offset, new PyTuple(...size), new PyTuple(...stride), false, new PyOrderedDict([])]);
}
const floatStorage = new PyGlobalRef('torch', 'FloatStorage');

function bigEndianFloats(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, false));
  return out;
}

describe('format variants', () => {
  it.skipIf(!existsSync(lenet))('zip checkpoint with deflated entries (fflate inflate)', async () => {
    const stored = readFileSync(lenet);
    const files = unzipSync(stored);
    const deflated = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: 6 }]])));
    expect(deflated.length).toBeLessThan(stored.length);
    const a = await loadCheckpoint(stored, 'stored.pth');
    const b = await loadCheckpoint(deflated, 'deflated.pth');
    for (const [k, t] of a.stateDict) expect(b.stateDict.get(k)!.data, k).toEqual(t.data);
  });

  it("zip checkpoint written on a big-endian machine ('byteorder' = big)", async () => {
    const pkl = pickle(new PyOrderedDict([['w', tensor(new PyTuple('storage', floatStorage, '0', 'cpu', 3), 0, [3], [1])]]));
    const bytes = concatParts(zipStoredParts([
      { name: 'be/data.pkl', data: pkl },
      { name: 'be/byteorder', data: new TextEncoder().encode('big') },
      { name: 'be/data/0', data: bigEndianFloats([1.5, -2, 1e-3]) },
    ]));
    const ck = await loadCheckpoint(bytes, 'be.pth');
    expect(ck.stateDict.get('w')!.data).toEqual(new Float32Array([1.5, -2, 1e-3]));
  });

  it('legacy format: storage views (view_metadata), offsets, strides, big-endian system info', async () => {
    const root = (view: PyTuple | null) => new PyTuple('storage', floatStorage, 'root', 'cpu', 6, view);
    const obj = new PyOrderedDict([
      ['from_view', tensor(root(new PyTuple('view1', 2, 3)), 0, [3], [1])], // storage view: elements 2..4
      ['strided', tensor(root(null), 1, [2], [2])], // elements 1 and 3
      ['matrix_t', tensor(root(null), 0, [3, 2], [1, 3])], // transposed 2×3
    ]);
    const numel = new Uint8Array(8);
    new DataView(numel.buffer).setBigInt64(0, 6n, false);
    const file = concatParts([
      pickle(0x1950a86a20f9469cfc6cn),
      pickle(1001),
      pickle({ protocol_version: 1001, little_endian: false, type_sizes: { short: 2, int: 4, long: 4 } }),
      pickle(obj),
      pickle(['root']),
      numel,
      bigEndianFloats([0, 1, 2, 3, 4, 5]),
    ]);
    const ck = await loadCheckpoint(file, 'legacy_be.pth');
    expect(ck.format).toBe('pth-legacy');
    expect(ck.stateDict.get('from_view')!.data).toEqual(new Float32Array([2, 3, 4]));
    expect(ck.stateDict.get('strided')!.data).toEqual(new Float32Array([1, 3]));
    expect(ck.stateDict.get('matrix_t')).toMatchObject({ shape: [3, 2], data: new Float32Array([0, 3, 1, 4, 2, 5]) });
    // a wrong element count in a storage record is reported
    new DataView(numel.buffer).setBigInt64(0, 7n, false);
    const bad = concatParts([file.subarray(0, file.length - 32), numel, bigEndianFloats([0, 1, 2, 3, 4, 5])]);
    await expect(loadCheckpoint(bad, 'legacy_bad.pth')).rejects.toThrow("legacy_bad.pth: legacy storage 'root' records 7 elements, the pickle says 6: corrupt file");
  });

  it('a view reaching past its storage is an error naming the tensor', async () => {
    const pkl = pickle(new PyOrderedDict([['w', tensor(new PyTuple('storage', floatStorage, '0', 'cpu', 2), 1, [2], [1])]]));
    const bytes = concatParts(zipStoredParts([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: new Uint8Array(8) }]));
    await expect(loadCheckpoint(bytes, 'oob.pth')).rejects.toThrow(/^oob\.pth: tensor 'w': view \(offset 1, shape \[2\], stride \[1\]\) reaches element 2 of a storage of 2/);
  });

  it('a missing storage record is an error naming it', async () => {
    const pkl = pickle(new PyOrderedDict([['w', tensor(new PyTuple('storage', floatStorage, '7', 'cpu', 2), 0, [2], [1])]]));
    const bytes = concatParts(zipStoredParts([{ name: 'a/data.pkl', data: pkl }]));
    await expect(loadCheckpoint(bytes, 'nostorage.pth')).rejects.toThrow("nostorage.pth: storage record 'a/data/7' is missing from the archive");
  });
});
