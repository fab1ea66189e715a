import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { bytesOf } from './test_utils';
import { loadCheckpoint } from './checkpoint';
import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from './pickle/pickler';
import { concatParts } from './safetensors';
import { crc32 } from './zip/crc32';
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

/** A ZIP64 archive (central directory fields 0xffffffff + 0x0001 extra, ZIP64 end record and locator), stored entries. */
function zip64(files: Record<string, Uint8Array>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const cd = new Uint8Array(46 + n.length + 28);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint32(16, crc32(data), true);
    cv.setUint32(20, 0xffffffff, true);
    cv.setUint32(24, 0xffffffff, true);
    cv.setUint16(28, n.length, true);
    cv.setUint16(30, 28, true);
    cv.setUint32(42, 0xffffffff, true);
    cd.set(n, 46);
    const e = 46 + n.length;
    cv.setUint16(e, 0x0001, true);
    cv.setUint16(e + 2, 24, true);
    cv.setBigUint64(e + 4, BigInt(data.length), true);
    cv.setBigUint64(e + 12, BigInt(data.length), true);
    cv.setBigUint64(e + 20, BigInt(offset), true);
    central.push(cd);
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const tail = new Uint8Array(56 + 20 + 22);
  const tv = new DataView(tail.buffer);
  tv.setUint32(0, 0x06064b50, true);
  tv.setBigUint64(4, 44n, true);
  tv.setBigUint64(24, BigInt(central.length), true);
  tv.setBigUint64(32, BigInt(central.length), true);
  tv.setBigUint64(40, BigInt(cdSize), true);
  tv.setBigUint64(48, BigInt(offset), true);
  tv.setUint32(56, 0x07064b50, true);
  tv.setBigUint64(64, BigInt(offset + cdSize), true); // locator: signature, disk, ZIP64 end record offset, disks
  tv.setUint32(72, 1, true);
  tv.setUint32(76, 0x06054b50, true);
  tv.setUint16(84, 0xffff, true);
  tv.setUint16(86, 0xffff, true);
  tv.setUint32(88, 0xffffffff, true);
  tv.setUint32(92, 0xffffffff, true);
  return concatParts([...parts, ...central, tail]);
}

describe('format variants', () => {
  it.skipIf(missingShared(lenet))('ZIP64 archive (as PyTorch writes for files over 4 GiB)', async () => {
    const stored = readFileSync(lenet);
    const a = await loadCheckpoint(stored, 'stored.pth');
    const b = await loadCheckpoint(zip64(unzipSync(stored)), 'zip64.pth');
    expect([...b.stateDict.keys()]).toEqual([...a.stateDict.keys()]);
    for (const [k, t] of a.stateDict) expect(bytesOf(b.stateDict.get(k)!).equals(bytesOf(t)), k).toBe(true);
  });

  it.skipIf(missingShared(lenet))('zip checkpoint with deflated entries (fflate inflate)', async () => {
    const stored = readFileSync(lenet);
    const files = unzipSync(stored);
    const deflated = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: 1 }]])));
    expect(deflated.length).toBeLessThan(stored.length);
    const a = await loadCheckpoint(stored, 'stored.pth');
    const b = await loadCheckpoint(deflated, 'deflated.pth');
    for (const [k, t] of a.stateDict) expect(bytesOf(b.stateDict.get(k)!).equals(bytesOf(t)), k).toBe(true);
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
