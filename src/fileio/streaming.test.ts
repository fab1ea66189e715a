import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { bytesOf } from './test_utils';
import { blobSource, syncAccessSource, type ByteSource, type SyncAccessHandleLike } from './byte_source';
import { loadCheckpoint } from './checkpoint';
import { loadCheckpointFile, writeParts } from './node';
import { pthParts } from './pth/pth_writer';
import { safetensorsParts } from './safetensors';

const FILES = [
  'reference/models/resnet18_cifar_w16.pth',
  'reference/models/resnet18_cifar_w16.safetensors',
  'reference/checkpoints/lenet5_legacy.pth',
  'reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth',
].map(sharedPath);


/** Wraps a source and records every read, to check nothing reads the whole file at once. */
function spy(source: ByteSource): { source: ByteSource; reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return { reads, source: { size: source.size, inMemory: false, read: (o, n) => (reads.push([o, n]), source.read(o, n)) } };
}

describe('streaming sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-stream-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of FILES) {
    it.skipIf(missingShared(file))(`${file.split('/').pop()}: Blob and file-handle loads equal the in-memory load; reads are per storage; progress is monotone`, async () => {
      const bytes = readFileSync(file);
      const inMemory = await loadCheckpoint(bytes, 'x');
      const progress: Array<[number, number]> = [];
      const { source, reads } = spy(blobSource(new Blob([bytes]), 'x'));
      const fromBlob = await loadCheckpoint(source, 'x', { onProgress: (a, b) => progress.push([a, b]) });
      const fromFile = await loadCheckpointFile(file);
      for (const ck of [fromBlob, fromFile]) {
        expect([...ck.stateDict.keys()]).toEqual([...inMemory.stateDict.keys()]);
        for (const [k, t] of inMemory.stateDict) expect(bytesOf(ck.stateDict.get(k)!).equals(bytesOf(t)), k).toBe(true);
        expect(ck.meta).toEqual(inMemory.meta);
      }
      const largest = Math.max(...reads.map(([, n]) => n));
      expect(largest).toBeLessThan(Math.max(bytes.length / 2, 1 << 20) + 1); // never the whole file in one read (legacy reads a ≤1 MiB prefix)
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
      for (let i = 1; i < progress.length; i++) expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0]);
    });
  }

  /** An OPFS synchronous access handle over `bytes` that reads at most `chunk` bytes a call, recording the buffers it is given. */
  function syncHandle(bytes: Uint8Array, chunk: number, size = bytes.length): SyncAccessHandleLike & { buffers: ArrayBufferLike[] } {
    const buffers: ArrayBufferLike[] = [];
    return {
      buffers,
      getSize: () => size,
      read(buffer, { at }) {
        buffers.push(buffer.buffer);
        const n = Math.max(0, Math.min(buffer.length, chunk, bytes.length - at));
        buffer.set(bytes.subarray(at, at + n));
        return n;
      },
    };
  }

  it.skipIf(missingShared(FILES[0]))('an OPFS synchronous access handle: the same state dict; readInto reads into the destination itself, through short reads; a file shorter than it says is an error', async () => {
    const bytes = readFileSync(FILES[0]);
    const inMemory = await loadCheckpoint(bytes, 'x');
    const fromHandle = await loadCheckpoint(syncAccessSource(syncHandle(bytes, 4096), 'x'), 'x');
    expect([...fromHandle.stateDict.keys()]).toEqual([...inMemory.stateDict.keys()]);
    for (const [k, t] of inMemory.stateDict) expect(bytesOf(fromHandle.stateDict.get(k)!).equals(bytesOf(t)), k).toBe(true);

    const handle = syncHandle(bytes, 1000);
    const dest = new Uint8Array(new ArrayBuffer(6000), 1000, 4500);
    await syncAccessSource(handle, 'x').readInto!(200, dest);
    expect(Buffer.from(dest).equals(bytes.subarray(200, 4700))).toBe(true);
    expect(handle.buffers).toHaveLength(5); // 4500 bytes in reads of at most 1000
    expect(handle.buffers.every((b) => b === dest.buffer)).toBe(true); // no buffer between the file and the destination

    const lying = syncAccessSource(syncHandle(bytes.subarray(0, 100), 1000, 5000), 'cut.pth');
    await expect(lying.readInto!(0, new Uint8Array(300))).rejects.toThrow('cut.pth: file is truncated: read stopped at byte 100');
    await expect(lying.read(4900, 200)).rejects.toThrow(/cut\.pth.*truncated/);
  });

  it.skipIf(missingShared(FILES[3]))('writeParts streams writer output to disk', async () => {
    const ck = await loadCheckpoint(readFileSync(FILES[3]), 'runner');
    const pth = join(dir, 'out.pth');
    const st = join(dir, 'out.safetensors');
    await writeParts(pth, pthParts(ck.stateDict, ck.meta));
    await writeParts(st, safetensorsParts(ck.stateDict, ck.meta));
    for (const p of [pth, st]) {
      const back = await loadCheckpointFile(p);
      expect(back.classes).toEqual(['cat', 'dog']);
      expect(back.stateDict.size).toBe(ck.stateDict.size);
    }
  });

  it.skipIf(missingShared(FILES[3]))('ReadableStream input (a fetch body), with and without a known size', async () => {
    const bytes = readFileSync(FILES[3]);
    const chunked = () => new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < bytes.length; o += 65536) c.enqueue(Uint8Array.from(bytes.subarray(o, o + 65536)));
        c.close();
      },
    });
    const progress: number[] = [];
    const a = await loadCheckpoint(chunked(), 'dl.pth', { totalBytes: bytes.length, onProgress: (l) => progress.push(l) });
    const b = await loadCheckpoint(new Blob([bytes]).stream(), 'dl.pth');
    for (const ck of [a, b]) {
      expect(ck.classes).toEqual(['cat', 'dog']);
      expect(ck.stateDict.size).toBe(122);
    }
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(bytes.length);
    await expect(loadCheckpoint(chunked(), 'short.pth', { totalBytes: bytes.length + 5 })).rejects.toThrow(/^short\.pth: stream ended after \d+ bytes, expected \d+: truncated download\?/);
    await expect(loadCheckpoint(chunked(), 'long.pth', { totalBytes: 1000 })).rejects.toThrow('long.pth: stream is longer than the expected 1000 bytes');
  });

  it('a missing file is a CheckpointError naming it', async () => {
    await expect(loadCheckpointFile(join(dir, 'nope.pth'))).rejects.toThrow(/^nope\.pth: cannot open .*ENOENT/);
  });
});
