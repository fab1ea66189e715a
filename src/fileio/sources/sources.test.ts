import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zipSync, strToU8 } from 'fflate';
import { createTar } from 'nanotar';
import { FileSystem, MemorySource, NodeFsSource, openArchive, singleFileSource, TarSource, ZipSource, joinPath, normalizePath } from './index';
import { sharedPath } from '../../testing/shared';

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
    await expect(fs.get('a/none.txt')).rejects.toThrow(/No such file: 'a\/none.txt'/);
  });

  const cifar = sharedPath('data/cifar-100-binary-train20k.tar.gz');
  it.skipIf(!existsSync(cifar))('lists the real CIFAR-100 tarball', async () => {
    const fs = new FileSystem(new NodeFsSource('/'));
    const names = await fs.list(cifar);
    expect(names.map((n) => n.slice(cifar.length + 1))).toEqual(
      expect.arrayContaining(['cifar-100-binary/train.bin', 'cifar-100-binary/test.bin', 'cifar-100-binary/fine_label_names.txt']),
    );
    expect((await fs.get(`${cifar}/cifar-100-binary/test.bin`)).length).toBe(10000 * 3074);
  });
});
