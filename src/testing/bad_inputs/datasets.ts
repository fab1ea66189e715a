/**
 * Bad dataset files for `browse-dataset` (builds the phase's dataset and draws one sample): CIFAR binary batches of
 * the wrong size or with out-of-range labels, MNIST IDX files with wrong magic numbers or shapes, CIFAR python
 * batches that are malicious pickles, archives with `../` entry names or an entry failing its CRC-32, and annotation files whose lines point
 * outside the data folder or are not `path label`.
 */
import { join } from 'node:path';
import { gzipSync, zipSync } from 'fflate';
import { createTar } from 'nanotar';
import { PyCall, pickle } from '../../fileio/pickle/pickler';
import { smallPng } from './images';
import { crcMismatch, enc, esc, flipZipBit, forgeZipCrc, put, type BadInputCase } from './types';

const RECORD = 3073;

function browse(id: string, describe: string, dataset: (dir: string) => string, files: (dir: string) => void, expect: RegExp[], sentinel?: string): BadInputCase {
  return {
    id: `dataset_${id}`, kind: 'dataset', describe,
    async make(dir) {
      files(dir);
      const cfg = put(dir, 'cfg.py', `train_dataloader = dict(batch_size=1, dataset=${dataset(dir)})\n`);
      return { argv: ['browse-dataset', cfg, '-o', join(dir, 'out'), '-n', '1', '-m', 'original'] };
    },
    expect,
    sentinel,
  };
}

const cifar = (root: string, split = 'test'): string => `dict(type='CIFAR10', data_root='${root}', split='${split}', pipeline=[dict(type='PackInputs')])`;
const mnist = (root: string): string => `dict(type='MNIST', data_root='${root}', split='test', pipeline=[dict(type='PackInputs')])`;

const cifarSizeCases = [1, 100, RECORD - 1, RECORD + 1, 2 * RECORD - 7, 3072 * 2].map((size) =>
  browse(`cifar_size_${size}`, `CIFAR-10 test_batch.bin of ${size} bytes`, (d) => cifar(`${d}/c`), (d) => put(d, 'c/cifar-10-batches-bin/test_batch.bin', new Uint8Array(size)),
    [/test_batch\.bin/, new RegExp(`size ${size} bytes`), /record size 3073/]));

const cifarLabelCase = browse('cifar_label_range', 'a CIFAR-10 record with label 200', (d) => cifar(`${d}/c`), (d) => {
  const b = new Uint8Array(RECORD * 3);
  b[RECORD * 2] = 200;
  put(d, 'c/cifar-10-batches-bin/test_batch.bin', b);
}, [/test_batch\.bin/, /record 2 \(byte 6146\)/, /label 200 is out of range/]);

const cifarPickleEvil = browse('cifar_pickle_evil', 'CIFAR-10 python test_batch is a pickle calling os.system', (d) => cifar(`${d}/c`), (d) => {
  put(d, 'c/cifar-10-batches-py/test_batch', pickle(new PyCall('os', 'system', ['touch SENTINEL'])));
  put(d, 'c/cifar-10-batches-py/batches.meta', pickle(new Map([['label_names', ['a']]])));
}, [/test_batch/, /forbidden global 'os\.system'/], 'SENTINEL');

const cifarPickleShape = browse('cifar_pickle_shape', "CIFAR-10 python test_batch whose 'data' is a list", (d) => cifar(`${d}/c`), (d) => {
  put(d, 'c/cifar-10-batches-py/test_batch', pickle(new Map<string, unknown>([['data', [1, 2, 3]], ['labels', [0]]])));
  put(d, 'c/cifar-10-batches-py/batches.meta', pickle(new Map([['label_names', ['a']]])));
}, [/test_batch/, /'data'/, /uint8 array|shape/]);

/** IDX files: [id, images bytes, labels bytes, file named, problem]. */
function idx(magic: number, dims: number[], data: number): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length + data);
  const v = new DataView(b.buffer);
  v.setUint32(0, magic);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return b;
}
const goodImages = (): Uint8Array => idx(0x803, [2, 28, 28], 2 * 784);
const goodLabels = (): Uint8Array => idx(0x801, [2], 2);
const IDX_CASES: Array<[string, () => Uint8Array, () => Uint8Array, string, RegExp[]]> = [
  ...[0x0, 0x801, 0x804, 0x0d03, 0x1f8b0800, 0x504b0304].map((m): [string, () => Uint8Array, () => Uint8Array, string, RegExp[]] =>
    [`idx_images_magic_${m.toString(16)}`, () => idx(m, [2, 28, 28], 2 * 784), goodLabels, 't10k-images-idx3-ubyte', m === 0x1f8b0800
      ? [/Cannot decompress gzip file/, /truncated or damaged/] // gzip's magic number: read as a .gz
      : [/wrong IDX magic number/, new RegExp(`0x${m.toString(16).padStart(8, '0')}`), /expected 0x00000803/]]),
  ...[0x803, 0x0901].map((m): [string, () => Uint8Array, () => Uint8Array, string, RegExp[]] =>
    [`idx_labels_magic_${m.toString(16)}`, goodImages, () => idx(m, [2], 2), 't10k-labels-idx1-ubyte', [/wrong IDX magic number/, new RegExp(`0x${m.toString(16).padStart(8, '0')}`), /expected 0x00000801/]]),
  ['idx_images_short', () => Uint8Array.from([0, 0]), goodLabels, 't10k-images-idx3-ubyte', [/2 bytes is too short/]],
  ['idx_header_cut', () => goodImages().subarray(0, 10), goodLabels, 't10k-images-idx3-ubyte', [/truncated IDX header \(10 bytes\)/]],
  ['idx_data_cut', () => goodImages().subarray(0, 1000), goodLabels, 't10k-images-idx3-ubyte', [/IDX shape \(2, 28, 28\) needs 1568 data bytes/, /has 984/]],
  ['idx_claims_huge', () => idx(0x803, [60000000, 28, 28], 10), goodLabels, 't10k-images-idx3-ubyte', [/IDX shape \(60000000, 28, 28\)/, /truncated|damaged/]],
  ['idx_count_mismatch', goodImages, () => idx(0x801, [3], 3), 't10k-labels-idx1-ubyte', [/3 labels but/, /holds 2 images/]],
  ['idx_label_range', goodImages, () => { const b = goodLabels(); b[9] = 77; return b; }, 't10k-labels-idx1-ubyte', [/item 1 \(byte 9\)/, /label 77 is out of range/]],
];
const idxCases = IDX_CASES.map(([id, images, labels, named, problem]) => browse(id, `MNIST ${id}`, (d) => mnist(`${d}/m`), (d) => {
  put(d, 'm/t10k-images-idx3-ubyte', images());
  put(d, 'm/t10k-labels-idx1-ubyte', labels());
}, [new RegExp(esc(named)), ...problem]));

/**
 * A tar whose first entry is named `name` as given: nanotar's writer cleans `../` from names, so the entry is written
 * under a placeholder of the same length and its header's name and checksum are patched.
 */
function tarWithName(name: string, rest: Array<{ name: string; data: Uint8Array }>): Uint8Array {
  const tar = createTar([{ name: 'x'.repeat(name.length), data: new Uint8Array(RECORD) }, ...rest]);
  tar.set(enc(name), 0);
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i];
  tar.set(enc(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return tar;
}

/** Archives whose entry names climb out of the archive: refused by name, nothing written outside. */
const TAR_NAMES = ['../evil.bin', '../../etc/cron.d/evil', 'cifar-10-batches-bin/../../../x.bin', '/abs/evil.bin'];
const tarCases = TAR_NAMES.map((name, i) => browse(`tar_traversal_${i}`, `cifar-10-binary.tar.gz with entry '${name}'`, (d) => cifar(`${d}/cifar-10-binary.tar.gz`), (d) => {
  put(d, 'cifar-10-binary.tar.gz', gzipSync(tarWithName(name, [{ name: 'cifar-10-batches-bin/test_batch.bin', data: new Uint8Array(RECORD) }])));
}, [/cifar-10-binary\.tar\.gz/, new RegExp(`entry 1 \\(header at byte 0\\) '${esc(name)}' points outside the archive`)]));

const tarMisc = [
  browse('tar_truncated', 'a tar cut in its first header', (d) => cifar(`${d}/cifar-10-binary.tar`), (d) => {
    put(d, 'cifar-10-binary.tar', createTar([{ name: 'cifar-10-batches-bin/test_batch.bin', data: new Uint8Array(RECORD) }]).subarray(0, 300));
  }, [/cifar-10-binary\.tar/, /truncated|damaged|empty/]),
  browse('gzip_garbage', 'a .tar.gz that is not gzip', (d) => cifar(`${d}/cifar-10-binary.tar.gz`), (d) => {
    put(d, 'cifar-10-binary.tar.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]));
  }, [/cifar-10-binary\.tar\.gz/, /gzip|inflate|truncated|damaged|invalid/i]),
];

/** A dropped `images.zip` (one class folder) whose image fails its CRC-32: one flipped bit (stored), a forged CRC (deflated). */
const imagesZip = (level: 0 | 9): Uint8Array => zipSync({ 'cat/1.png': [smallPng(), { level }] });
const custom = (root: string): string => `dict(type='CustomDataset', data_root='${root}', pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])`;
const zipCrcCases = [
  browse('zip_crc_stored', 'images.zip whose stored cat/1.png has one bit flipped', (d) => custom(`${d}/images.zip`),
    (d) => put(d, 'images.zip', flipZipBit(imagesZip(0), 'cat/1.png', 40)), [/images\.zip/, crcMismatch('cat/1.png')]),
  browse('zip_crc_deflated', 'images.zip whose deflated cat/1.png has a wrong recorded CRC-32', (d) => custom(`${d}/images.zip`),
    (d) => put(d, 'images.zip', forgeZipCrc(imagesZip(9), 'cat/1.png')), [/images\.zip/, crcMismatch('cat/1.png')]),
];

/** CustomDataset annotation files: [id, the file's text, problem]. */
const ANN_CASES: Array<[string, string, RegExp[]]> = [
  ['ann_parent', '../../../nowhere/outside.png 0\nok.png 0\n', [/ann\.txt line 1/, /No such file: '[^']*nowhere\/outside\.png'/]],
  ['ann_absolute', '/etc/passwd 0\nok.png 0\n', [/ann\.txt line 1/, /\/etc\/passwd: cannot decode image/]],
  ['ann_no_label', 'ok.png 0\nonly_a_path.png\n', [/line 2/, /expected 'path label'/]],
  ['ann_float_label', 'ok.png 0.5\n', [/line 1/, /expected 'path label'/]],
  ['ann_empty', '\n\n', [/lists no samples/]],
  ['ann_missing_image', 'nope.png 1\nok.png 0\n', [/ann\.txt line 1/, /No such file: '[^']*nope\.png'/]],
  ['ann_broken_image', 'broken.png 0\nok.png 0\n', [/ann\.txt line 1/, /broken\.png: cannot decode image/]],
  ['ann_label_range', 'ok.png 5\n', [/line 1|label 5|5/, /out of range|classes/]],
];
const annCases = ANN_CASES.map(([id, text, problem]) => browse(id, `annotation file: ${id}`,
  (d) => `dict(type='CustomDataset', data_root='${d}/data', ann_file='meta/ann.txt', data_prefix='imgs', ${id === 'ann_label_range' ? "metainfo=dict(classes=('a', 'b')), " : ''}pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])`,
  (d) => {
    put(d, 'data/meta/ann.txt', text);
    put(d, 'data/imgs/ok.png', smallPng());
    put(d, 'outside.png', smallPng());
    put(d, 'data/imgs/broken.png', enc('x'));
  }, [/ann\.txt|outside\.png|passwd|nope\.png/, ...problem]));

export const datasetCases: BadInputCase[] = [...cifarSizeCases, cifarLabelCase, cifarPickleEvil, cifarPickleShape, ...idxCases, ...tarCases, ...tarMisc, ...zipCrcCases, ...annCases];
