/**
 * MMPretrain's datasets annotated in MATLAB files (`Flowers102`, `DTD`, `StanfordCars`), read with the level-5
 * reader in `utils/matlab.ts` exactly as their Python classes read `mat4py.loadmat` output. `test_mode` follows the
 * split, as in MMPretrain.
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { DTD_CATEGORIES, STANFORDCARS_CATEGORIES } from './categories';
import type { DataInfo, Metainfo } from './types';
import { loadMat, type MatValue } from './utils/matlab';
import { checkKeys } from '../utils/options';
import { joinPath } from '../fileio/sources';

/** Options of the MATLAB-annotated datasets: `data_root`, `split`, and BaseDataset's (not `test_mode`). */
export interface MatDatasetOptions extends Omit<BaseDatasetOptions, 'ann_file' | 'data_prefix' | 'test_mode'> {
  split?: string;
}

const MAT_KEYS = [...BASE_DATASET_KEYS.filter((k) => !['ann_file', 'data_prefix', 'test_mode'].includes(k)), 'split'];

function checkSplit(who: string, split: string, splits: readonly string[]): void {
  if (!splits.includes(split)) throw new Error(`${who}: the split must be one of ${splits.map((s) => `'${s}'`).join(', ')}, got '${split}'`);
}

/** A list of numbers from a mat4py value (a scalar becomes a one-item list), or a message naming the variable. */
function numberList(v: MatValue | undefined, what: string): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'number')) throw new Error(`${what} should be a numeric vector`);
  return list as number[];
}

function stringList(v: MatValue | undefined, what: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error(`${what} should be a list of strings`);
  return list as string[];
}

abstract class MatDataset extends BaseDataset {
  readonly split: string;

  constructor(cfg: MatDatasetOptions, ctx: DatasetContext, split: string, files: { ann_file: string; data_prefix: string }) {
    checkKeys(cfg, MAT_KEYS, new.target.name);
    if (!cfg.data_root) throw new Error(`${new.target.name}: data_root is required`);
    const { split: _split, ...rest } = cfg;
    super({ ...rest, ...files, test_mode: split === 'test' }, ctx);
    this.split = split;
  }

  protected async readMat(path: string): Promise<Record<string, MatValue>> {
    if (!(await this.fs.exists(path))) throw new Error(`${this.constructor.name}: annotation file '${path}' not found`);
    return loadMat(await this.fs.get(path), path);
  }

  protected override extraRepr(): string[] {
    return [`Root of dataset: \t${this.dataRoot}`];
  }
}

/** Oxford Flowers-102: `imagelabels.mat` (1-based labels) and `setid.mat` (`trnid`, `valid`, `tstid`); images `jpg/image_%05d.jpg`. */
export class Flowers102 extends MatDataset {
  readonly trainTestSplitFile: string;

  constructor(cfg: MatDatasetOptions = {}, ctx: DatasetContext = {}) {
    const split = cfg.split ?? 'trainval';
    checkSplit('Flowers102', split, ['train', 'val', 'trainval', 'test']);
    super(cfg, ctx, split, { ann_file: 'imagelabels.mat', data_prefix: 'jpg' });
    this.trainTestSplitFile = joinPath(cfg.data_root ?? '', 'setid.mat');
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const labels = numberList((await this.readMat(this.annFile)).labels, `${this.annFile}: 'labels'`);
    const sets = await this.readMat(this.trainTestSplitFile);
    const ids = (key: string) => numberList(sets[key], `${this.trainTestSplitFile}: '${key}'`);
    const chosen = this.split === 'train' ? ids('trnid') : this.split === 'val' ? ids('valid') : this.split === 'test' ? ids('tstid') : [...ids('trnid'), ...ids('valid')];
    return chosen.map((id) => {
      if (!Number.isInteger(id) || id < 1 || id > labels.length) throw new Error(`${this.trainTestSplitFile}: image id ${id} has no label in ${this.annFile} (${labels.length} labels)`);
      return { img_path: joinPath(this.imgPrefix, `image_${String(id).padStart(5, '0')}.jpg`), gt_label: Math.trunc(labels[id - 1]) - 1 };
    });
  }
}

/** DTD: `imdb/imdb.mat` (`images.name`, `images.class` 1-based, `images.set` 1 train / 2 val / 3 test). */
export class DTD extends MatDataset {
  static override METAINFO: Metainfo = { classes: DTD_CATEGORIES };

  constructor(cfg: MatDatasetOptions = {}, ctx: DatasetContext = {}) {
    const split = cfg.split ?? 'trainval';
    checkSplit('DTD', split, ['train', 'val', 'trainval', 'test']);
    super(cfg, ctx, split, { ann_file: joinPath('imdb', 'imdb.mat'), data_prefix: 'images' });
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const images = (await this.readMat(this.annFile)).images as Record<string, MatValue> | undefined;
    if (!images || typeof images !== 'object' || Array.isArray(images)) throw new Error(`${this.annFile}: no 'images' struct`);
    const names = stringList(images.name, `${this.annFile}: 'images.name'`);
    const labels = numberList(images.class, `${this.annFile}: 'images.class'`);
    const parts = numberList(images.set, `${this.annFile}: 'images.set'`);
    if (names.length !== labels.length || names.length !== parts.length) throw new Error(`${this.annFile}: images.name, .class and .set differ in length`);
    const target = { train: [1], val: [2], test: [3], trainval: [1, 2] }[this.split as 'train'];
    const list: DataInfo[] = [];
    names.forEach((name, i) => {
      if (target.includes(parts[i])) list.push({ img_path: joinPath(this.imgPrefix, name), gt_label: labels[i] - 1 });
    });
    this.checkLabels(list, this.annFile);
    return list;
  }
}

/**
 * Stanford Cars: `cars_annos.mat` (all images, `annotations.test` marks the test ones) when present, else the devkit's
 * `devkit/cars_{train_annos,test_annos_withlabels}.mat` with images in `cars_train/` / `cars_test/`.
 */
export class StanfordCars extends MatDataset {
  static override METAINFO: Metainfo = { classes: STANFORDCARS_CATEGORIES };
  private readonly devkitAnn: string;
  private readonly devkitPrefix: string;

  constructor(cfg: MatDatasetOptions = {}, ctx: DatasetContext = {}) {
    const split = cfg.split ?? 'train';
    checkSplit('StanfordCars', split, ['train', 'test']);
    super(cfg, ctx, split, { ann_file: 'cars_annos.mat', data_prefix: '' });
    this.devkitAnn = joinPath(cfg.data_root ?? '', 'devkit', split === 'test' ? 'cars_test_annos_withlabels.mat' : 'cars_train_annos.mat');
    this.devkitPrefix = joinPath(cfg.data_root ?? '', split === 'test' ? 'cars_test' : 'cars_train');
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    let file = this.annFile;
    let prefix = this.imgPrefix || this.dataRoot;
    if (!(await this.fs.exists(file))) {
      if (!(await this.fs.exists(this.devkitAnn))) {
        throw new Error(`StanfordCars: neither '${file}' nor '${this.devkitAnn}' found; see https://mmpretrain.readthedocs.io/en/latest/api/datasets.html#stanfordcars for the expected layout`);
      }
      file = this.devkitAnn;
      prefix = this.devkitPrefix;
    }
    const data = (await this.readMat(file)).annotations as Record<string, MatValue> | undefined;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: no 'annotations' struct`);
    const list: DataInfo[] = [];
    if ('test' in data) {
      const paths = stringList(data.relative_im_path, `${file}: 'annotations.relative_im_path'`);
      const labels = numberList(data.class, `${file}: 'annotations.class'`);
      const test = numberList(data.test, `${file}: 'annotations.test'`);
      if (paths.length !== labels.length || paths.length !== test.length) throw new Error(`${file}: annotation fields differ in length`);
      paths.forEach((p, i) => {
        if ((this.testMode && test[i] === 1) || (!this.testMode && test[i] === 0)) list.push({ img_path: joinPath(prefix, p), gt_label: labels[i] - 1 });
      });
    } else {
      const names = stringList(data.fname, `${file}: 'annotations.fname'`);
      const labels = numberList(data.class, `${file}: 'annotations.class'`);
      if (names.length !== labels.length) throw new Error(`${file}: annotation fields differ in length`);
      names.forEach((n, i) => list.push({ img_path: joinPath(prefix, n), gt_label: labels[i] - 1 }));
    }
    this.checkLabels(list, file);
    return list;
  }
}
