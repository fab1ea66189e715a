import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { loadCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { crc32 } from './zip/crc32';
import { writeSafetensors } from './safetensors';
import type { TensorData } from './tensor_data';

const lenet = sharedPath('reference/models/lenet5.pth');
const legacy = sharedPath('reference/checkpoints/lenet5_legacy.pth');

async function problem(bytes: Uint8Array, name: string): Promise<string> {
  try {
    await loadCheckpoint(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).file).toBe(name);
    expect((e as Error).message.startsWith(`${name}: `)).toBe(true);
    return (e as CheckpointError).problem;
  }
  throw new Error(`${name} loaded without error`);
}

const tiny = (): Uint8Array => writeSafetensors(new Map<string, TensorData>([
  ['w', { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]), originalDtype: 'float32' }],
]));

describe('bad input gives a CheckpointError naming the file and the problem', () => {
  it('0-byte file', async () => {
    expect(await problem(new Uint8Array(0), 'empty.pth')).toBe('file is empty (0 bytes)');
  });

  it('wrong magic / unknown format', async () => {
    expect(await problem(new TextEncoder().encode('hello, this is not a checkpoint'), 'notes.pth')).toMatch(/^not a checkpoint: unknown format \(first bytes 68 65 6c 6c/);
    expect(await problem(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]), 'image.png')).toMatch(/not a checkpoint/);
  });

  it('a zip that is not a checkpoint', async () => {
    const zip = zipSync({ 'readme.txt': new TextEncoder().encode('hi'), 'img/a.png': new Uint8Array(4) });
    expect(await problem(zip, 'dataset.zip')).toMatch(/zip archive is not a PyTorch checkpoint: no <archive>\/data\.pkl \(entries: readme\.txt, img\/a\.png\)/);
  });

  it('a TorchScript archive', async () => {
    const zip = zipSync({ 'model/data.pkl': new Uint8Array([0x80, 2, 0x4e, 0x2e]), 'model/constants.pkl': new Uint8Array([0x80, 2, 0x29, 0x2e]), 'model/code/__torch__.py': new Uint8Array(1) });
    expect(await problem(zip, 'scripted.pt')).toMatch(/TorchScript archive \(torch\.jit\.save\), not a checkpoint/);
  });

  it.skipIf(missingShared(lenet))('truncated zip .pth (central directory lost, or a storage cut)', async () => {
    const bytes = readFileSync(lenet);
    expect(await problem(bytes.subarray(0, 120_000), 'cut.pth')).toMatch(/end-of-central-directory record not found/);
    // keep the central directory but drop bytes from the middle: the directory then points past the end
    const spliced = Buffer.concat([bytes.subarray(0, 100_000), bytes.subarray(150_000)]);
    expect(await problem(spliced, 'spliced.pth')).toMatch(/lies past the end of the file|corrupt|truncated/);
  });

  it.skipIf(missingShared(lenet))('corrupt pickle inside a .pth: the CRC-32 names it; with a matching CRC, the unpickler does', async () => {
    const bytes = Buffer.from(readFileSync(lenet));
    const at = bytes.indexOf('lenet5/data.pkl') + 'lenet5/data.pkl'.length;
    // the local header extra field pads the data to 64 bytes: the pickle starts at the next multiple of 64
    const pklStart = Math.ceil(at / 64) * 64;
    expect(bytes[pklStart]).toBe(0x80);
    const central = bytes.lastIndexOf('lenet5/data.pkl') - 46; // its central directory record
    const recorded = bytes.readUInt32LE(central + 16);
    const size = bytes.readUInt32LE(central + 24);
    expect(crc32(bytes.subarray(pklStart, pklStart + size))).toBe(recorded);
    bytes[pklStart + 2] = 0xff;
    const actual = crc32(bytes.subarray(pklStart, pklStart + size));
    const hex = (c: number) => `0x${c.toString(16).padStart(8, '0')}`;
    expect(await problem(bytes, 'corrupt.pth')).toBe(`zip entry 'lenet5/data.pkl' is corrupt: its data have CRC-32 ${hex(actual)}, the archive records ${hex(recorded)}`);
    bytes.writeUInt32LE(actual, central + 16);
    expect(await problem(bytes, 'corrupt.pth')).toMatch(/lenet5\/data\.pkl: invalid pickle opcode 0xff at byte 2/);
  });

  it.skipIf(missingShared(lenet))('a flipped bit in a storage of a .pth is a CRC-32 error naming the storage record', async () => {
    const bytes = Buffer.from(readFileSync(lenet));
    const record = /lenet5\/data\/\d+/.exec(bytes.toString('latin1', bytes.lastIndexOf('lenet5/data/') - 4))![0];
    const central = bytes.lastIndexOf(record) - 46;
    const local = bytes.readUInt32LE(central + 42);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    bytes[start + 3] ^= 0x10;
    expect(await problem(bytes, 'flipped.pth')).toMatch(new RegExp(`^zip entry '${record.replace(/\//g, '\\/')}' is corrupt: its data have CRC-32 0x[0-9a-f]{8}, the archive records 0x${bytes.readUInt32LE(central + 16).toString(16).padStart(8, '0')}$`));
  });

  it.skipIf(missingShared(legacy))('truncated legacy .pth', async () => {
    const bytes = readFileSync(legacy);
    expect(await problem(bytes.subarray(0, 1000), 'legacy_cut.pth')).toMatch(/legacy checkpoint is truncated/);
    expect(await problem(bytes.subarray(0, bytes.length - 100), 'legacy_cut2.pth')).toMatch(/truncated/);
  });

  it('truncated or corrupt .safetensors', async () => {
    const bytes = tiny();
    expect(await problem(bytes.subarray(0, bytes.length - 4), 'cut.safetensors')).toMatch(/tensor 'w' .* lies past the end of the file .*truncated/);
    expect(await problem(bytes.subarray(0, 40), 'cut2.safetensors')).toMatch(/header length \d+ exceeds the file|not a checkpoint/);
    const badJson = Uint8Array.from(bytes);
    badJson[12] = 0x7d; // the ':' after "w" becomes '}'
    expect(await problem(badJson, 'badjson.safetensors')).toMatch(/safetensors header is not valid JSON/);
    const badDtype = new TextEncoder().encode('{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}');
    const file = new Uint8Array(8 + badDtype.length + 8);
    new DataView(file.buffer).setBigUint64(0, BigInt(badDtype.length), true);
    file.set(badDtype, 8);
    expect(await problem(file, 'c64.safetensors')).toMatch(/tensor 'w' has unsupported safetensors dtype 'C64'/);
    const badSize = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}');
    const file2 = new Uint8Array(8 + badSize.length + 8);
    new DataView(file2.buffer).setBigUint64(0, BigInt(badSize.length), true);
    file2.set(badSize, 8);
    expect(await problem(file2, 'size.safetensors')).toMatch(/tensor 'w' has 8 bytes, expected 12/);
  });
});

describe('hostile files fail with a CheckpointError, not a crash', () => {
  it('deeply nested pickle', async () => {
    const depth = 200_000;
    const str = (t: string) => [0x58, t.length, 0, 0, 0, ...new TextEncoder().encode(t)]; // BINUNICODE
    const head = [0x80, 2, 0x7d, ...str('state_dict'), 0x7d, 0x73, ...str('x'), 0x5d]; // {'state_dict': {}, 'x': [] …
    const pkl = new Uint8Array([...head, ...new Array(depth).fill(0x85), 0x73, 0x2e]); // … wrapped in 200,000 tuples}
    const zip = zipSync({ 'deep/data.pkl': [pkl, { level: 0 }] });
    const p = await problem(zip, 'deep.pth');
    expect(p).toMatch(/^cannot be read: RangeError: Maximum call stack size exceeded/);
  });
});
