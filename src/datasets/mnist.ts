/**
 * `MNIST` and `FashionMNIST` (MMPretrain `datasets/mnist.py`): IDX ("SN3 Pascal Vincent") files, gzipped or not.
 * Samples are `{img, gt_label}` with `img` the 28×28 single-channel uint8 image (`channels: 1`).
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { FASHIONMNIST_CATEGORIES, MNIST_CATEGORIES } from './categories';
import type { DataInfo, Metainfo, RawImage } from './types';
import { resolveSplit } from './utils/builtin_dataset';
import { checkKeys } from '../utils/options';
import { joinPath, maybeGunzipAsync } from '../fileio/sources';

/** Options of `MNIST` / `FashionMNIST`. */
export interface MnistOptions extends Omit<BaseDatasetOptions, 'ann_file' | 'data_prefix'> {
  /** 'train' or 'test'. Default: 'test' when `test_mode`, else 'train'. */
  split?: 'train' | 'test';
  /** Accepted for compatibility; nothing is downloaded. Default: true. */
  download?: boolean;
  /** Folder (joined to `data_root`) holding the files. Default: ''. */
  data_prefix?: string;
}

/** A parsed IDX array. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file holding unsigned bytes (type 0x08), checking the magic number, the dimension count and that the
 * data fill the declared shape.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims: number): IdxArray {
  if (bytes.length < 4) throw new Error(`${file}: ${bytes.length} bytes is too short for an IDX file`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const expected = 0x800 + expectedDims;
  if (magic !== expected) {
    throw new Error(
      `${file}: wrong IDX magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x${expected.toString(16).padStart(8, '0')}: unsigned bytes, ${expectedDims} dimension${expectedDims > 1 ? 's' : ''}) — not an MNIST ${expectedDims === 1 ? 'label' : 'image'} file`,
    );
  }
  const header = 4 + 4 * expectedDims;
  if (bytes.length < header) throw new Error(`${file}: truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: expectedDims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== count) {
    throw new Error(`${file}: IDX shape (${dims.join(', ')}) needs ${count} data bytes but the file has ${bytes.length - header} — truncated or damaged`);
  }
  return { dims, data: bytes.subarray(header) };
}

const MNIST_KEYS = [...BASE_DATASET_KEYS.filter((k) => k !== 'ann_file'), 'split', 'download'];

/** The MNIST family: file names per split, classes from the constants. */
export class MNIST extends BaseDataset {
  static override METAINFO: Metainfo = { classes: MNIST_CATEGORIES };
  /** Where the files come from, for the "not found" message. */
  protected readonly urlPrefix: string = 'http://yann.lecun.com/exdb/mnist/';
  readonly split: string;

  static readonly FILES = {
    train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
    test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
  } as const;

  constructor(cfg: MnistOptions = {}, ctx: DatasetContext = {}) {
    checkKeys(cfg, MNIST_KEYS, new.target.name);
    const { split, download: _download, data_prefix, ...rest } = cfg;
    if (!cfg.data_root && !data_prefix) throw new Error(`${new.target.name}: please set data_root to the folder holding the IDX files`);
    super({ ...rest, data_prefix: { root: data_prefix ?? '' } }, ctx);
    this.split = resolveSplit(new.target.name, split, this.testMode, ['train', 'test']);
  }

  get root(): string {
    return this.dataPrefix.root || this.dataRoot;
  }

  /** `name` or `name.gz` under the root, whichever exists. */
  private async locate(name: string): Promise<string> {
    for (const candidate of [name, `${name}.gz`]) {
      const p = joinPath(this.root, candidate);
      if (await this.fs.exists(p)) return p;
    }
    const [images, labels] = MNIST.FILES[this.split as 'train' | 'test'];
    throw new Error(
      `${this.constructor.name}: '${joinPath(this.root, name)}(.gz)' not found. The ${this.split} split needs ${images}(.gz) and ${labels}(.gz) in '${this.root || '.'}'; ` +
        `get them from ${this.urlPrefix} and place (or drop) them there; nothing is downloaded at run time.`,
    );
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const [imagesName, labelsName] = MNIST.FILES[this.split as 'train' | 'test'];
    const imagesPath = await this.locate(imagesName);
    const labelsPath = await this.locate(labelsName);
    const images = parseIdx(await maybeGunzipAsync(await this.fs.get(imagesPath), imagesPath), imagesPath, 3);
    const labels = parseIdx(await maybeGunzipAsync(await this.fs.get(labelsPath), labelsPath), labelsPath, 1);
    const [n, h, w] = images.dims;
    if (labels.dims[0] !== n) throw new Error(`${labelsPath}: ${labels.dims[0]} labels but ${imagesPath} holds ${n} images`);
    const numClasses = this.CLASSES?.length ?? 10;
    const list: DataInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const label = labels.data[i];
      if (label >= numClasses) throw new Error(`${labelsPath}, item ${i} (byte ${8 + i}): label ${label} is out of range (${numClasses} classes)`);
      const img: RawImage = { data: images.data.subarray(i * h * w, (i + 1) * h * w), height: h, width: w, channels: 1 };
      list[i] = { img, gt_label: label };
    }
    return list;
  }

  protected override extraRepr(): string[] {
    return [`Prefix of data: \t${this.root}`, `Split: \t${this.split}`];
  }
}

/** Fashion-MNIST: same files and format, its own classes. */
export class FashionMNIST extends MNIST {
  static override METAINFO: Metainfo = { classes: FASHIONMNIST_CATEGORIES };
  protected override readonly urlPrefix: string = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
}
