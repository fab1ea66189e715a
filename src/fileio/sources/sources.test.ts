import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zipSync, strToU8 } from 'fflate';
import { createTar } from 'nanotar';
import { FileSystem, MemorySource, NodeFsSource, openArchive, openArchiveAsync, singleFileSource, TarSource, ZipSource, joinPath, normalizePath } from './index';
import { sharedPath, missingShared } from '../../testing/shared';
import { crc32 } from '../zip/crc32';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const files = { 'train/cat/1.jpg': strToU8('cat one'), 'train/dog/2.jpg': strToU8('dog two'), 'meta/train.txt': strToU8('cat/1.jpg 0\n') };

describe('path helpers', () => {
  it('normalise and join like os.path', () => {
    expect(normalizePath('./a//b/../c/')).toBe('a/c');
    expect(joinPath('data', 'cifar', 'x.bin')).toBe('data/cifar/x.bin');
    expect(joinPath('data', '/abs/x')).toBe('/abs/x');
    expect(joinPath('', 'a', '')).toBe('a');
  });
});

describe('archive sources', () => {
  const tar = createTar(Object.entries(files).map(([name, data]) => ({ name, data })));

  it('reads zip, tar and tar.gz with the same listing and contents', async () => {
    for (const src of [new ZipSource(zipSync(files), 'x.zip'), new TarSource(tar, 'x.tar'), openArchive(gzipSync(tar), 'x.tar.gz')]) {
      expect(await src.list()).toEqual(['meta/train.txt', 'train/cat/1.jpg', 'train/dog/2.jpg']);
      expect(await src.list('train')).toEqual(['train/cat/1.jpg', 'train/dog/2.jpg']);
      expect(await src.listDirs!('train')).toEqual(['cat', 'dog']);
      expect(text(await src.read('train/dog/2.jpg'))).toBe('dog two');
      expect(await src.exists('train/cat')).toBe(true);
      await expect(src.read('nope.jpg')).rejects.toThrow(/No such file: 'nope.jpg'.*x\.(zip|tar)/);
    }
  });

  it('names the archive when it is truncated', () => {
    const gz = gzipSync(tar);
    expect(() => openArchive(gz.slice(0, gz.length - 20), 'cifar-10-binary.tar.gz')).toThrow(/cifar-10-binary\.tar\.gz.*truncated/);
    expect(() => openArchive(tar.slice(0, 700), 'x.tar')).toThrow(/x\.tar.*truncated/);
    const zip = zipSync(files);
    expect(() => new ZipSource(zip.slice(0, zip.length - 30), 'd.zip')).toThrow(/d\.zip.*truncated/);
    expect(() => openArchive(strToU8('hello world'), 'x.bin')).toThrow(/not a zip, tar or tar.gz/);
  });

  it('the native (async) gunzip path names a truncated archive too, also when reached through a path', async () => {
    const gz = gzipSync(tar);
    await expect(openArchiveAsync(gz.slice(0, gz.length - 20), 'cifar-10-binary.tar.gz')).rejects.toThrow(/cifar-10-binary\.tar\.gz.*truncated/);
    expect(await (await openArchiveAsync(gz, 'x.tgz')).list()).toEqual(['meta/train.txt', 'train/cat/1.jpg', 'train/dog/2.jpg']);
    const fs = new FileSystem(null);
    fs.mount('', new MemorySource({ 'd/cut.tar.gz': gz.slice(0, 60) }));
    await expect(fs.get('d/cut.tar.gz/meta/train.txt')).rejects.toThrow(/d\/cut\.tar\.gz.*truncated or damaged/);
  });

  it('zip: random access to stored and deflated entries; a damaged entry is named', async () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    const zip = zipSync({ 'a/stored.bin': [big, { level: 0 }], 'a/deflated.bin': [big, { level: 9 }], 'b/': new Uint8Array(0) });
    const src = new ZipSource(zip, 'mixed.zip');
    expect(await src.list()).toEqual(['a/deflated.bin', 'a/stored.bin']);
    expect(await src.listDirs!('')).toEqual(['a', 'b']);
    expect(await src.read('a/stored.bin')).toEqual(big);
    expect(await src.read('a/deflated.bin')).toEqual(big);
    const damaged = zip.slice();
    damaged[0] ^= 0xff; // first local header signature
    const broken = new ZipSource(damaged, 'damaged.zip');
    const results = await Promise.allSettled((await broken.list()).map((p) => broken.read(p)));
    expect(results.some((r) => r.status === 'rejected' && /damaged\.zip: zip entry '.*' has a corrupt local header \(byte 0\)/.test(String(r.reason)))).toBe(true);
  });

  it('zip: an entry whose bytes changed fails its CRC-32, naming the archive, the entry and both checksums', async () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 13) % 256);
    const hex = (c: number) => `0x${c.toString(16).padStart(8, '0')}`;
    for (const level of [0, 9] as const) {
      const damaged = zipSync({ 'train/ok.bin': [data, { level }], 'train/bad.bin': [data, { level }] });
      const v = new DataView(damaged.buffer);
      // the central directory record of train/bad.bin, and where its data start (after the local header)
      let central = damaged.length - 22;
      while (!(v.getUint32(central, true) === 0x02014b50 && text(damaged.subarray(central + 46, central + 59)) === 'train/bad.bin')) central--;
      const local = v.getUint32(central + 42, true);
      const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
      const recorded = v.getUint32(central + 16, true);
      expect(recorded).toBe(crc32(data));
      // stored: one data bit flips; deflated: the recorded CRC is off instead (a changed deflate stream may not inflate)
      if (level === 0) damaged[start + 100] ^= 0x01;
      else v.setUint32(central + 16, recorded ^ 0x00010000, true);
      const actual = level === 0 ? crc32(damaged.subarray(start, start + data.length)) : recorded;
      const claimed = v.getUint32(central + 16, true);
      const src = new ZipSource(damaged, 'photos.zip');
      expect(await src.read('train/ok.bin')).toEqual(data);
      await expect(src.read('train/bad.bin')).rejects.toThrow(`photos.zip: zip entry 'train/bad.bin' is corrupt: its data have CRC-32 ${hex(actual)}, the archive records ${hex(claimed)}`);
    }
  });

  it('opens a plain .gz as a one-file source', async () => {
    const src = openArchive(gzipSync(strToU8('idx')), 'labels-idx1-ubyte.gz');
    expect(await src.list()).toEqual(['labels-idx1-ubyte']);
  });
});

describe('FileSystem', () => {
  it('mounts drops and traverses a nested archive (tar.gz inside a dropped folder)', async () => {
    const inner = gzipSync(createTar([{ name: 'cifar-10-batches-bin/test_batch.bin', data: strToU8('records') }]));
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({ 'data/cifar-10-binary.tar.gz': inner, 'data/readme.txt': strToU8('hi') }, 'dropped folder'));
    expect(text(await fs.get('drop/data/cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin'))).toBe('records');
    expect(await fs.list('drop/data/cifar-10-binary.tar.gz')).toEqual(['drop/data/cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin']);
    expect(await fs.listDirs('drop/data/cifar-10-binary.tar.gz')).toEqual(['cifar-10-batches-bin']);
    expect(await fs.exists('drop/data/cifar-10-binary.tar.gz/cifar-10-batches-bin')).toBe(true);
    expect(await fs.exists('drop/data/missing.bin')).toBe(false);
    await expect(fs.get('elsewhere/x')).rejects.toThrow(/No such file: 'elsewhere\/x'.*mounted sources/);
  });

  it('single dropped files mount too', async () => {
    const fs = new FileSystem(null);
    fs.mount('', singleFileSource('a.txt', { arrayBuffer: async () => strToU8('blob!').buffer as ArrayBuffer }));
    expect(text(await fs.get('a.txt'))).toBe('blob!');
  });

  it('reads the Node file system with relative and absolute paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'src-test-'));
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'a/b/x.txt'), 'xx');
    writeFileSync(join(dir, 'a/y.zip'), zipSync({ 'in/z.txt': strToU8('zz') }));
    const fs = new FileSystem(new NodeFsSource(dir));
    expect(await fs.list('a')).toEqual(['a/b/x.txt', 'a/y.zip']);
    expect(await fs.listDirs('')).toEqual(['a', 'empty']);
    expect(text(await fs.get('a/y.zip/in/z.txt'))).toBe('zz');
    expect(text(await fs.get(join(dir, 'a/b/x.txt')))).toBe('xx');
    // a class folder linked in from elsewhere, and a link cycle
    symlinkSync(join(dir, 'a/b'), join(dir, 'empty/linked'));
    symlinkSync(dir, join(dir, 'a/loop'));
    expect(await fs.listDirs('empty')).toEqual(['linked']);
    expect(await fs.list('empty')).toEqual(['empty/linked/x.txt']);
    expect((await fs.list('a')).filter((p) => p.startsWith('a/loop/')).length).toBeLessThan(10);
    await expect(fs.get('a/none.txt')).rejects.toThrow(/No such file: 'a\/none.txt'/);
  });

  const cifar = sharedPath('data/cifar-100-binary-train20k.tar.gz');
  it.skipIf(missingShared(cifar))('lists the real CIFAR-100 tarball', async () => {
    const fs = new FileSystem(new NodeFsSource('/'));
    const names = await fs.list(cifar);
    expect(names.map((n) => n.slice(cifar.length + 1))).toEqual(
      expect.arrayContaining(['cifar-100-binary/train.bin', 'cifar-100-binary/test.bin', 'cifar-100-binary/fine_label_names.txt']),
    );
    expect((await fs.get(`${cifar}/cifar-100-binary/test.bin`)).length).toBe(10000 * 3074);
  });
});

describe('browser drops (structural shapes, no DOM)', () => {
  const blob = (text: string) => ({ arrayBuffer: async () => strToU8(text).buffer as ArrayBuffer });

  it('a FileList from a folder picker keeps webkitRelativePath', async () => {
    const { sourceFromFiles } = await import('./index');
    const src = sourceFromFiles([{ name: '1.png', webkitRelativePath: 'pets/cat/1.png', ...blob('c') }, { name: 'x.txt', ...blob('x') }]);
    expect(await src.list()).toEqual(['pets/cat/1.png', 'x.txt']);
    expect(text(await src.read('pets/cat/1.png'))).toBe('c');
  });

  it('directory drag-and-drop entries are walked recursively (batched readEntries)', async () => {
    const { sourceFromDropEntries } = await import('./index');
    const file = (fullPath: string, body: string) => ({ isFile: true, isDirectory: false, name: fullPath.split('/').pop()!, fullPath, file: (ok: (f: never) => void) => ok({ name: fullPath, ...blob(body) } as never) });
    const dir = (fullPath: string, children: unknown[]) => {
      let served = false;
      return { isFile: false, isDirectory: true, name: fullPath.split('/').pop()!, fullPath, createReader: () => ({ readEntries: (ok: (e: never[]) => void) => { ok((served ? [] : children) as never[]); served = true; } }) };
    };
    const root = dir('/pets', [dir('/pets/dog', [file('/pets/dog/2.jpg', 'd')]), file('/pets/readme.txt', 'r')]);
    const src = await sourceFromDropEntries([root as never]);
    expect(await src.list()).toEqual(['pets/dog/2.jpg', 'pets/readme.txt']);
    expect(text(await src.read('pets/dog/2.jpg'))).toBe('d');
  });

  it('a directory handle from showDirectoryPicker', async () => {
    const { sourceFromDirectoryHandle } = await import('./index');
    const fileHandle = (name: string, body: string) => ({ kind: 'file' as const, name, getFile: async () => ({ name, ...blob(body) }) });
    const dirHandle = (name: string, children: unknown[]) => ({ kind: 'directory' as const, name, values: async function* () { yield* children as never[]; } });
    const src = await sourceFromDirectoryHandle(dirHandle('cifar', [fileHandle('batches.meta.txt', 'airplane\n'), dirHandle('sub', [fileHandle('a.bin', 'b')])]) as never);
    expect(await src.list()).toEqual(['cifar/batches.meta.txt', 'cifar/sub/a.bin']);
    expect(text(await src.read('cifar/sub/a.bin'))).toBe('b');
  });
});
