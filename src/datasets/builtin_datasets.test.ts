import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync as zlibGunzip, gzipSync as zlibGzip } from 'node:zlib';
import { gzipSync, strToU8 } from 'fflate';
import { createTar } from 'nanotar';
import { sharedPath, missingShared } from '../testing/shared';
import { FileSystem, MemorySource, NodeFsSource } from '../fileio/sources';
import { CIFAR10, CIFAR100 } from './cifar';
import { FashionMNIST, MNIST } from './mnist';
import { CIFAR10_CATEGORIES, CIFAR100_CATEGORIES } from './categories';
import type { RawImage } from './types';

const nodeFs = new FileSystem(new NodeFsSource('/'));

/** Independent tar walk (512-byte headers) to get an entry's bytes without the code under test. */
function tarEntry(tar: Uint8Array, name: string): Uint8Array {
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    const entry = new TextDecoder().decode(header.subarray(0, 100)).replace(/\0.*$/s, '');
    if (!entry) break;
    const size = parseInt(new TextDecoder().decode(header.subarray(124, 136)).replace(/\0.*$/s, '').trim(), 8);
    if (entry === name) return tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no ${name}`);
}

const histogram = (labels: number[], n: number) => labels.reduce((h, l) => (h[l]++, h), new Array(n).fill(0));
const pixel = (img: RawImage, y: number, x: number, c: number) => img.data[(y * img.width + x) * img.channels + c];

describe('CIFAR100 from the real binary tarball', () => {
  const tgz = sharedPath('data/cifar-100-binary-train20k.tar.gz');
  const have = !missingShared(tgz);
  let raw: { test: Uint8Array; train: Uint8Array; names: string[] };
  let test: CIFAR100;
  let train: CIFAR100;

  beforeAll(async () => {
    if (!have) return;
    const tar = new Uint8Array(zlibGunzip(readFileSync(tgz)));
    raw = {
      test: tarEntry(tar, 'cifar-100-binary/test.bin'),
      train: tarEntry(tar, 'cifar-100-binary/train.bin'),
      names: new TextDecoder().decode(tarEntry(tar, 'cifar-100-binary/fine_label_names.txt')).split('\n').filter(Boolean),
    };
    // data_root is the archive itself; one FileSystem so the tarball is opened once for both splits.
    test = new CIFAR100({ data_root: tgz, test_mode: true }, { fileSystem: nodeFs });
    train = new CIFAR100({ data_root: tgz, split: 'train' }, { fileSystem: nodeFs });
    await Promise.all([test.fullInit(), train.fullInit()]);
  }, 60_000);

  it.skipIf(!have)('counts, fine labels and class names', () => {
    expect(test.split).toBe('test');
    expect(test.length).toBe(10000);
    expect(train.length).toBe(20000);
    expect(histogram(test.getGtLabels() as number[], 100).every((c) => c === 100)).toBe(true);
    const trainHist = histogram(train.getGtLabels() as number[], 100);
    expect(Math.min(...trainHist)).toBe(174);
    expect(Math.max(...trainHist)).toBe(231);
    expect(raw.names).toEqual([...CIFAR100_CATEGORIES]);
    expect(test.CLASSES).toEqual(CIFAR100_CATEGORIES);
    for (const i of [0, 1, 4999, 9999]) expect(test.getDataInfo(i).gt_label).toBe(raw.test[i * 3074 + 1]);
    expect(test.getCatIds(7)).toEqual([raw.test[7 * 3074 + 1]]);
  });

  it.skipIf(!have)('pixels are HWC in RGB order, matching the raw R, G, B planes', () => {
    for (const [i, y, x] of [[0, 0, 0], [123, 5, 17], [9999, 31, 31], [4321, 16, 2]]) {
      const img = test.getDataInfo(i).img as RawImage;
      expect([img.height, img.width, img.channels]).toEqual([32, 32, 3]);
      for (let c = 0; c < 3; c++) expect(pixel(img, y, x, c)).toBe(raw.test[i * 3074 + 2 + c * 1024 + y * 32 + x]);
    }
    const img = train.getDataInfo(19999).img as RawImage;
    expect(pixel(img, 10, 20, 1)).toBe(raw.train[19999 * 3074 + 2 + 1024 + 10 * 32 + 20]);
  });

  it.skipIf(!have)('getDataInfo copies: changing a sample does not change the dataset', () => {
    const a = test.getDataInfo(3);
    (a.img as RawImage).data[0] ^= 0xff;
    expect((test.getDataInfo(3).img as RawImage).data[0]).toBe(raw.test[3 * 3074 + 2]);
    expect(a.sample_idx).toBe(3);
  });
});

describe('CIFAR10 from the real first 258 records', () => {
  const bin = sharedPath('data/cifar10/data_batch_1.first258.bin');
  const meta = sharedPath('data/cifar10/batches.meta.txt');
  const have = existsSync(bin) && existsSync(meta);

  it.skipIf(!have)('reads an archive dropped in a folder; classes match batches.meta.txt', async () => {
    const records = new Uint8Array(readFileSync(bin));
    const entries = [1, 2, 3, 4, 5].map((i) => ({ name: `cifar-10-batches-bin/data_batch_${i}.bin`, data: i === 1 ? records : records.subarray(0, 3073 * i) }));
    entries.push({ name: 'cifar-10-batches-bin/batches.meta.txt', data: new Uint8Array(readFileSync(meta)) });
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({ 'cifar10/cifar-10-binary.tar.gz': gzipSync(createTar(entries)) }, 'dropped folder'));
    const ds = new CIFAR10({ data_root: 'drop/cifar10', metainfo: { classes: null } }, { fileSystem: fs });
    await ds.fullInit();
    expect(ds.length).toBe(258 + 2 + 3 + 4 + 5);
    expect(ds.CLASSES).toEqual([...CIFAR10_CATEGORIES]); // read from batches.meta.txt (classes: null)
    expect(ds.getDataInfo(257).gt_label).toBe(records[257 * 3073]);
    const img = ds.getDataInfo(100).img as RawImage;
    expect(pixel(img, 31, 0, 2)).toBe(records[100 * 3073 + 1 + 2048 + 31 * 32]);
    // the test split is absent: the message lists what is expected and where
    const testDs = new CIFAR10({ data_root: 'drop/cifar10', split: 'test' }, { fileSystem: fs });
    await expect(testDs.fullInit()).rejects.toThrow(/drop\/cifar10\/cifar-10-batches-bin\/test_batch\.bin[\s\S]*cifar-10-binary\.tar\.gz[\s\S]*nothing is downloaded/);
  });

  it.skipIf(!have)('rejects a .bin whose size is not a multiple of the record size, and labels out of range', async () => {
    const records = new Uint8Array(readFileSync(bin));
    const fs = new FileSystem(null);
    const bad = records.slice(0, 3073 * 3);
    bad[3073 * 2] = 10;
    fs.mount('', new MemorySource({ 'c/test_batch.bin': records.subarray(0, 3073 * 2 + 100), 'd/test_batch.bin': bad }));
    await expect(new CIFAR10({ data_root: 'c', split: 'test' }, { fileSystem: fs }).fullInit()).rejects.toThrow(
      /c\/test_batch\.bin: size 6246 bytes is not a multiple of the record size 3073/,
    );
    await expect(new CIFAR10({ data_root: 'd', split: 'test' }, { fileSystem: fs }).fullInit()).rejects.toThrow(/d\/test_batch\.bin, record 2 .*label 10 is out of range/);
  });

  it.skipIf(!have)('the python-pickle version (Python 2 pickles, real records) gives the same samples as the binary one', async () => {
    const records = new Uint8Array(readFileSync(bin));
    const fixture = new URL('./testdata/cifar-10-python.tiny.tar.gz', import.meta.url);
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({ 'cifar-10-python.tar.gz': new Uint8Array(readFileSync(fixture)), 'bin/test_batch.bin': records.subarray(0, 12 * 3073) }));
    const train = new CIFAR10({ data_root: 'drop', metainfo: { classes: null } }, { fileSystem: fs });
    const test = new CIFAR10({ data_root: 'drop', split: 'test' }, { fileSystem: fs });
    const binary = new CIFAR10({ data_root: 'drop/bin', split: 'test' }, { fileSystem: fs });
    await Promise.all([train.fullInit(), test.fullInit(), binary.fullInit()]);
    expect(train.length).toBe(10);
    expect(train.getGtLabels()).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(train.CLASSES).toEqual([...CIFAR10_CATEGORIES]); // from the pickled batches.meta
    expect(test.getGtLabels()).toEqual([4, 7]);
    for (let i = 0; i < 12; i++) {
      const fromPickle = (i < 10 ? train.getDataInfo(i) : test.getDataInfo(i - 10)).img as RawImage;
      expect(Array.from(fromPickle.data)).toEqual(Array.from((binary.getDataInfo(i).img as RawImage).data));
    }
    const bad = new FileSystem(null);
    bad.mount('', new MemorySource({ 'p/cifar-10-batches-py/test_batch': strToU8('not a pickle at all') }));
    await expect(new CIFAR10({ data_root: 'p', split: 'test' }, { fileSystem: bad }).fullInit()).rejects.toThrow(/p\/cifar-10-batches-py\/test_batch: cannot read the CIFAR python pickle/);
  });

  it('rejects unknown keys and bad splits', () => {
    expect(() => new CIFAR10({ data_root: 'x', splt: 'test' } as never)).toThrow(/unknown option 'splt' — did you mean 'split'/);
    expect(() => new CIFAR10({ data_root: 'x', split: 'val' } as never)).toThrow(/split must be one of 'train', 'test'/);
  });
});

describe('MNIST and FashionMNIST (real IDX files)', () => {
  const mnistDir = sharedPath('data/mnist');
  const fashionDir = '/usr/share/datasets/fashion-mnist';

  it.skipIf(missingShared(mnistDir))('MNIST test set: counts, labels and pixels vs the raw bytes', async () => {
    const ds = new MNIST({ data_root: mnistDir, test_mode: true }, { fileSystem: nodeFs });
    await ds.fullInit();
    expect(ds.length).toBe(10000);
    expect(histogram(ds.getGtLabels() as number[], 10)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const images = new Uint8Array(zlibGunzip(readFileSync(`${mnistDir}/t10k-images-idx3-ubyte.gz`)));
    const labels = new Uint8Array(zlibGunzip(readFileSync(`${mnistDir}/t10k-labels-idx1-ubyte.gz`)));
    for (const i of [0, 1, 5000, 9999]) {
      const info = ds.getDataInfo(i);
      const img = info.img as RawImage;
      expect([img.height, img.width, img.channels]).toEqual([28, 28, 1]);
      expect(info.gt_label).toBe(labels[8 + i]);
      expect(pixel(img, 14, 14, 0)).toBe(images[16 + i * 784 + 14 * 28 + 14]);
      expect(Array.from(img.data)).toEqual(Array.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784)));
    }
    expect(ds.CLASSES?.[0]).toBe('0 - zero');
    // the train images are not there: the message says which files are expected
    await expect(new MNIST({ data_root: mnistDir }, { fileSystem: nodeFs }).fullInit()).rejects.toThrow(/train-images-idx3-ubyte\(\.gz\)' not found/);
  });

  it.skipIf(missingShared(fashionDir))('FashionMNIST test set: 10,000 images, 1,000 per class', async () => {
    const ds = new FashionMNIST({ data_root: fashionDir, split: 'test' }, { fileSystem: nodeFs });
    await ds.fullInit();
    expect(ds.length).toBe(10000);
    expect(histogram(ds.getGtLabels() as number[], 10)).toEqual(new Array(10).fill(1000));
    expect(ds.CLASSES?.[9]).toBe('Ankle boot');
  });

  it.skipIf(missingShared(mnistDir))('IDX with a wrong magic number, truncated data, out-of-range labels', async () => {
    const labels = new Uint8Array(zlibGunzip(readFileSync(`${mnistDir}/t10k-labels-idx1-ubyte.gz`)));
    const images = new Uint8Array(zlibGunzip(readFileSync(`${mnistDir}/t10k-images-idx3-ubyte.gz`)));
    const badLabels = labels.slice();
    badLabels[8 + 42] = 11;
    const fs = new FileSystem(null);
    fs.mount('', new MemorySource({
      'magic/t10k-images-idx3-ubyte': labels, // a label file where images are expected
      'magic/t10k-labels-idx1-ubyte': labels,
      'cut/t10k-images-idx3-ubyte': images.subarray(0, 5000),
      'cut/t10k-labels-idx1-ubyte': labels,
      'range/t10k-images-idx3-ubyte.gz': new Uint8Array(zlibGzip(images, { level: 1 })),
      'range/t10k-labels-idx1-ubyte': badLabels,
    }));
    const load = (root: string) => new MNIST({ data_root: root, split: 'test' }, { fileSystem: fs }).fullInit();
    await expect(load('magic')).rejects.toThrow(/magic\/t10k-images-idx3-ubyte: wrong IDX magic number 0x00000801 \(expected 0x00000803/);
    await expect(load('cut')).rejects.toThrow(/cut\/t10k-images-idx3-ubyte: IDX shape \(10000, 28, 28\) needs 7840000 data bytes but the file has 4984/);
    await expect(load('range')).rejects.toThrow(/range\/t10k-labels-idx1-ubyte, item 42 .*label 11 is out of range/);
  });
});
