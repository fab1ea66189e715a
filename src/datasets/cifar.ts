/**
 * `CIFAR10` and `CIFAR100` (MMPretrain `datasets/cifar.py`). Reads the official binary version — the archives
 * `cifar-10-binary.tar.gz` / `cifar-100-binary.tar.gz` or their extracted `.bin` files — from a folder, a dropped
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
import { rejectUnknownKeys } from './utils/options';
import { joinPath } from '../fileio/sources';

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
};

/**
 * Parses CIFAR binary records (`labelBytes` label bytes + 3,072 pixel bytes as R, G, B planes) into HWC RGB images.
 * @returns images sharing one HWC buffer, and the labels (the last label byte of each record).
 */
export function parseCifarBinary(bytes: Uint8Array, file: string, labelBytes: number, numClasses: number): { images: RawImage[]; labels: number[] } {
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(
      `${file}: size ${bytes.length} bytes is not a multiple of the record size ${record} (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${PIXELS} pixels) — the file is truncated or not in the CIFAR binary format`,
    );
  }
  const n = bytes.length / record;
  const hwc = new Uint8Array(n * PIXELS);
  const images: RawImage[] = new Array(n);
  const labels: number[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const off = r * record;
    const label = bytes[off + labelBytes - 1];
    if (label >= numClasses) throw new Error(`${file}, record ${r} (byte ${off + labelBytes - 1}): label ${label} is out of range (${numClasses} classes)`);
    labels[r] = label;
    const src = off + labelBytes;
    const dst = r * PIXELS;
    for (let p = 0; p < SIDE * SIDE; p++) {
      hwc[dst + p * 3] = bytes[src + p];
      hwc[dst + p * 3 + 1] = bytes[src + 1024 + p];
      hwc[dst + p * 3 + 2] = bytes[src + 2048 + p];
    }
    images[r] = { data: hwc.subarray(dst, dst + PIXELS), height: SIDE, width: SIDE, channels: 3 };
  }
  return { images, labels };
}

const CIFAR_KEYS = [...BASE_DATASET_KEYS.filter((k) => k !== 'ann_file'), 'split', 'download'];

abstract class CifarBase extends BaseDataset {
  protected abstract readonly spec: CifarSpec;
  readonly split: string;

  constructor(cfg: CifarOptions = {}, ctx: DatasetContext = {}) {
    rejectUnknownKeys(cfg, CIFAR_KEYS, new.target.name);
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
    return [
      { label: 'the extracted binary version', folder: s.binFolder, files },
      { label: 'the .bin files directly in the folder', folder: '', files },
      { label: `the binary archive ${s.binArchive}`, folder: joinPath(s.binArchive, s.binFolder), files },
    ];
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const s = this.spec;
    const { paths } = await findLayout(this.fs, this.constructor.name, this.root, this.layouts(), `https://www.cs.toronto.edu/~kriz/cifar.html (the "binary version" for C programs, ${s.binArchive})`);
    const list: DataInfo[] = [];
    for (const path of paths) {
      const { images, labels } = parseCifarBinary(await this.fs.get(path), path, s.labelBytes, s.numClasses);
      for (let i = 0; i < images.length; i++) list.push({ img: images[i], gt_label: labels[i] });
    }
    if (!this.CLASSES) await this.loadMeta(paths[0]);
    return list;
  }

  /** Class names from the archive's `batches.meta.txt` / `fine_label_names.txt` (when no classes were given). */
  private async loadMeta(firstFile: string): Promise<void> {
    const metaPath = joinPath(firstFile.slice(0, firstFile.lastIndexOf('/') + 1), this.spec.metaTxt);
    if (!(await this.fs.exists(metaPath))) throw new Error(`${this.constructor.name}: no class names given and the metadata file '${metaPath}' is missing`);
    this._metainfo.classes = linesOf(await this.fs.getText(metaPath)).map((l) => l.trim()).filter((l) => l !== '');
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
