/**
 * `CIFAR10` and `CIFAR100` (MMPretrain `datasets/cifar.py`). Reads the official binary version — the archives
 * `cifar-10-binary.tar.gz` / `cifar-100-binary.tar.gz` or their extracted `.bin` files — and the python version
 * MMPretrain itself downloads (`cifar-10-python.tar.gz` / `cifar-100-python.tar.gz`, or the extracted
 * `cifar-10-batches-py/` / `cifar-100-python/` pickles, through the safe unpickler), from a folder, a dropped
 * archive or the archive itself given as `data_root`.
 *
 * Samples are `{img, gt_label}` with `img` HWC uint8 in **RGB** order: MMPretrain reshapes the stored R, G, B planes
 * to (N, 3, 32, 32) and transposes to HWC without swapping channels, and its CIFAR configs set `to_rgb=False`.
 * CIFAR-100 uses the fine labels.
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { CIFAR10_CATEGORIES, CIFAR100_CATEGORIES } from './categories';
import type { DataInfo, Metainfo, RawImage } from './types';
import { findLayout, resolveSplit, type Layout } from './utils/builtin_dataset';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';
import { joinPath } from '../fileio/sources';
import { readCifarPickleBatch, readCifarPickleMeta } from './cifar_pickle';

/** Options of `CIFAR10` / `CIFAR100`. */
export interface CifarOptions extends Omit<BaseDatasetOptions, 'ann_file' | 'data_prefix'> {
  /** 'train' or 'test'. Default: 'test' when `test_mode`, else 'train' (MMPretrain 1.x defaults to 'train'). */
  split?: 'train' | 'test';
  /** Accepted for compatibility; nothing is downloaded (drop the files instead). Default: true. */
  download?: boolean;
  /** Folder (joined to `data_root`) holding the files. Default: ''. */
  data_prefix?: string;
}

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

interface CifarSpec {
  title: string;
  numClasses: number;
  /** Label bytes before the pixels of each record; the label used is the last one (CIFAR-100: coarse, fine). */
  labelBytes: number;
  binFolder: string;
  binArchive: string;
  train: string[];
  test: string[];
  metaTxt: string;
  pyFolder: string;
  pyArchive: string;
  pyTrain: string[];
  pyTest: string[];
  pyMeta: string;
  pyMetaKey: string;
}

const CIFAR10_SPEC: CifarSpec = {
  title: 'CIFAR-10',
  numClasses: 10,
  labelBytes: 1,
  binFolder: 'cifar-10-batches-bin',
  binArchive: 'cifar-10-binary.tar.gz',
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: ['test_batch.bin'],
  metaTxt: 'batches.meta.txt',
  pyFolder: 'cifar-10-batches-py',
  pyArchive: 'cifar-10-python.tar.gz',
  pyTrain: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`),
  pyTest: ['test_batch'],
  pyMeta: 'batches.meta',
  pyMetaKey: 'label_names',
};

const CIFAR100_SPEC: CifarSpec = {
  title: 'CIFAR-100',
  numClasses: 100,
  labelBytes: 2,
  binFolder: 'cifar-100-binary',
  binArchive: 'cifar-100-binary.tar.gz',
  train: ['train.bin'],
  test: ['test.bin'],
  metaTxt: 'fine_label_names.txt',
  pyFolder: 'cifar-100-python',
  pyArchive: 'cifar-100-python.tar.gz',
  pyTrain: ['train'],
  pyTest: ['test'],
  pyMeta: 'meta',
  pyMetaKey: 'fine_label_names',
};

/**
 * HWC RGB images from `n` records whose 3,072 pixel bytes (R, G, B planes of 32×32) start at `offset + r * stride`
 * (MMPretrain: `reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)`). The images share one buffer.
 */
export function planesToImages(bytes: Uint8Array, n: number, stride: number, offset: number): RawImage[] {
  const hwc = new Uint8Array(n * PIXELS);
  const images: RawImage[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const src = offset + r * stride;
    const dst = r * PIXELS;
    for (let p = 0; p < SIDE * SIDE; p++) {
      hwc[dst + p * 3] = bytes[src + p];
      hwc[dst + p * 3 + 1] = bytes[src + 1024 + p];
      hwc[dst + p * 3 + 2] = bytes[src + 2048 + p];
    }
    images[r] = { data: hwc.subarray(dst, dst + PIXELS), height: SIDE, width: SIDE, channels: 3 };
  }
  return images;
}

function checkLabel(label: number, numClasses: number, where: () => string): number {
  if (!Number.isInteger(label) || label < 0 || label >= numClasses) throw new Error(`${where()}: label ${label} is out of range (${numClasses} classes)`);
  return label;
}

/**
 * Parses CIFAR binary records (`labelBytes` label bytes + 3,072 pixel bytes as R, G, B planes) into HWC RGB images.
 * @returns the images, and the labels (the last label byte of each record).
 */
export function parseCifarBinary(bytes: Uint8Array, file: string, labelBytes: number, numClasses: number): { images: RawImage[]; labels: number[] } {
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(
      `${file}: size ${bytes.length} bytes is not a multiple of the record size ${record} (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${PIXELS} pixels) — the file is truncated or not in the CIFAR binary format`,
    );
  }
  const n = bytes.length / record;
  const labels = Array.from({ length: n }, (_, r) => checkLabel(bytes[r * record + labelBytes - 1], numClasses, () => `${file}, record ${r} (byte ${r * record + labelBytes - 1})`));
  return { images: planesToImages(bytes, n, record, labelBytes), labels };
}

/** Parses one python-version batch (a pickled dict with `data` N×3,072 and `labels` / `fine_labels`). */
export function parseCifarPickle(bytes: Uint8Array, file: string, numClasses: number): { images: RawImage[]; labels: number[] } {
  const { data, labels } = readCifarPickleBatch(bytes, file);
  labels.forEach((l, i) => checkLabel(l, numClasses, () => `${file}, item ${i}`));
  return { images: planesToImages(data, labels.length, PIXELS, 0), labels };
}

const CIFAR_KEYS = [...BASE_DATASET_KEYS.filter((k) => k !== 'ann_file'), 'split', 'download'];

abstract class CifarBase extends BaseDataset {
  protected abstract readonly spec: CifarSpec;
  readonly split: string;

  constructor(cfg: CifarOptions = {}, ctx: DatasetContext = {}) {
    checkKeys(cfg, CIFAR_KEYS, new.target.name);
    const { split, download: _download, data_prefix, ...rest } = cfg;
    if (!cfg.data_root && !data_prefix) throw new Error(`${new.target.name}: please set data_root to the folder (or archive) holding the dataset`);
    if (data_prefix !== undefined && typeof data_prefix !== 'string') throw new TypeError(`${new.target.name}: data_prefix should be a string, got ${JSON.stringify(data_prefix)}`);
    super({ ...rest, data_prefix: { root: data_prefix ?? '' } }, ctx);
    this.split = resolveSplit(new.target.name, split, this.testMode, ['train', 'test']);
  }

  get root(): string {
    return this.dataPrefix.root || this.dataRoot;
  }

  private layouts(): Layout[] {
    const s = this.spec;
    const files = this.split === 'train' ? s.train : s.test;
    const py = this.split === 'train' ? s.pyTrain : s.pyTest;
    return [
      { label: 'the extracted binary version', folder: s.binFolder, files, kind: 'binary' },
      { label: 'the .bin files directly in the folder', folder: '', files, kind: 'binary' },
      { label: `the binary archive ${s.binArchive}`, folder: joinPath(s.binArchive, s.binFolder), files, kind: 'binary' },
      { label: 'the extracted python version', folder: s.pyFolder, files: py, kind: 'pickle' },
      { label: 'the pickles directly in the folder', folder: '', files: py, kind: 'pickle' },
      { label: `the python archive ${s.pyArchive}`, folder: joinPath(s.pyArchive, s.pyFolder), files: py, kind: 'pickle' },
    ];
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const s = this.spec;
    const { layout, paths } = await findLayout(this.fs, this.constructor.name, this.root, this.layouts(), `https://www.cs.toronto.edu/~kriz/cifar.html (${s.binArchive} or ${s.pyArchive})`);
    const pickled = layout.kind === 'pickle';
    const list: DataInfo[] = [];
    for (const path of paths) {
      const bytes = await this.fs.get(path);
      const { images, labels } = pickled ? parseCifarPickle(bytes, path, s.numClasses) : parseCifarBinary(bytes, path, s.labelBytes, s.numClasses);
      for (let i = 0; i < images.length; i++) list.push({ img: images[i], gt_label: labels[i] });
    }
    // As MMPretrain: the metadata file is read only when no classes are known (METAINFO normally gives them).
    if (!this.CLASSES) await this.loadMeta(joinPath(this.root, layout.folder), pickled);
    return list;
  }

  /** Class names from `batches.meta.txt` / `fine_label_names.txt`, or the pickled `batches.meta` / `meta`. */
  private async loadMeta(folder: string, pickled: boolean): Promise<void> {
    const metaPath = joinPath(folder, pickled ? this.spec.pyMeta : this.spec.metaTxt);
    if (!(await this.fs.exists(metaPath))) throw new Error(`${this.constructor.name}: no class names given and the metadata file '${metaPath}' is missing`);
    this._metainfo.classes = pickled
      ? readCifarPickleMeta(await this.fs.get(metaPath), metaPath, this.spec.pyMetaKey)
      : linesOf(await this.fs.getText(metaPath)).map((l) => l.trim()).filter((l) => l !== '');
  }

  protected override extraRepr(): string[] {
    return [`Prefix of data: \t${this.root}`, `Split: \t${this.split}`];
  }
}

/** CIFAR-10 (10 classes, 50,000 train / 10,000 test images of 32×32). */
export class CIFAR10 extends CifarBase {
  static override METAINFO: Metainfo = { classes: CIFAR10_CATEGORIES };
  protected readonly spec = CIFAR10_SPEC;
}

/** CIFAR-100 with the fine labels (100 classes). */
export class CIFAR100 extends CifarBase {
  static override METAINFO: Metainfo = { classes: CIFAR100_CATEGORIES };
  protected readonly spec = CIFAR100_SPEC;
}
