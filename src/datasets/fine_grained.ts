/**
 * MMPretrain's fine-grained datasets whose splits are text lists: `Food101`, `Caltech101`, `OxfordIIITPet`,
 * `FGVCAircraft`, `SUN397` (each from its own `datasets/*.py`) and `Places205` (a `CustomDataset`). Each reads
 * the release's split file under `data_root`; `test_mode` follows the split, as in MMPretrain.
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { CustomDataset, CUSTOM_DATASET_KEYS, IMG_EXTENSIONS, type CustomDatasetOptions } from './custom';
import {
  CALTECH101_CATEGORIES, FGVCAIRCRAFT_CATEGORIES, FOOD101_CATEGORIES, OXFORDIIITPET_CATEGORIES, PLACES205_CATEGORIES, SUN397_CATEGORIES,
} from './categories';
import type { DataInfo, Metainfo } from './types';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';
import { joinPath } from '../fileio/sources';

/** Options of the split-list datasets: `data_root` and `split`, plus BaseDataset's (not `test_mode`: the split decides). */
export interface SplitListOptions extends Omit<BaseDatasetOptions, 'ann_file' | 'data_prefix' | 'test_mode'> {
  split?: string;
}

/** How one dataset lays out its split files and lines. */
interface SplitListSpec {
  splits: readonly string[];
  defaultSplit: string;
  annFile: (split: string) => string;
  dataPrefix: string;
  /** `[path relative to the image prefix, label]` of one line (throws a plain message; the caller adds file and line). */
  parse: (line: string, classes: readonly string[]) => [string, number];
}

/** The class index of `name`, or a message naming it. */
function classIndex(classes: readonly string[], name: string): number {
  const i = classes.indexOf(name);
  if (i < 0) throw new Error(`unknown class '${name}'`);
  return i;
}

abstract class SplitListDataset extends BaseDataset {
  protected readonly spec: SplitListSpec;
  readonly split: string;

  constructor(cfg: SplitListOptions, ctx: DatasetContext, spec: SplitListSpec) {
    const who = new.target.name;
    checkKeys(cfg, [...BASE_DATASET_KEYS.filter((k) => !['ann_file', 'data_prefix', 'test_mode'].includes(k)), 'split'], who);
    const { split = spec.defaultSplit, ...rest } = cfg;
    if (!spec.splits.includes(split)) throw new Error(`${who}: the split must be one of ${spec.splits.map((s) => `'${s}'`).join(', ')}, got '${split}'`);
    if (!cfg.data_root) throw new Error(`${who}: data_root is required`);
    super({ ...rest, ann_file: spec.annFile(split), data_prefix: spec.dataPrefix, test_mode: split === 'test' }, ctx);
    this.split = split;
    this.spec = spec;
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const file = this.annFile;
    const classes = this.CLASSES ?? [];
    const list: DataInfo[] = [];
    const lines: number[] = [];
    linesOf(await this.readText(file, 'split file')).forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: [string, number];
      try {
        parsed = this.spec.parse(line.trim(), classes);
      } catch (e) {
        throw new Error(`${file}, line ${i + 1}: ${(e as Error).message} in '${line}'`);
      }
      list.push({ img_path: joinPath(this.imgPrefix, parsed[0]), gt_label: parsed[1] });
      lines.push(i + 1);
    });
    this.checkLabels(list, file, (k) => lines[k]);
    return list;
  }

  protected override extraRepr(): string[] {
    return [`Root of dataset: \t${this.dataRoot}`];
  }
}

const twoFields = (line: string, n: number): string[] => {
  const parts = line.split(/\s+/);
  if (parts.length !== n) throw new Error(`expected ${n} fields`);
  return parts;
};

const FOOD101: SplitListSpec = {
  splits: ['train', 'test'],
  defaultSplit: 'train',
  annFile: (s) => joinPath('meta', `${s}.txt`),
  dataPrefix: 'images',
  parse: (line, classes) => {
    const parts = line.split('/');
    if (parts.length !== 2) throw new Error("expected 'class/image'");
    return [`${parts[0]}/${parts[1]}.jpg`, classIndex(classes, parts[0])];
  },
};

const CALTECH101: SplitListSpec = {
  splits: ['train', 'test'],
  defaultSplit: 'train',
  annFile: (s) => joinPath('meta', `${s}.txt`),
  dataPrefix: '101_ObjectCategories',
  parse: (line) => {
    const [path, label] = twoFields(line, 2);
    if (!/^\d+$/.test(label)) throw new Error(`label '${label}' is not an integer`);
    return [path, Number(label)];
  },
};

const OXFORD_PET: SplitListSpec = {
  splits: ['trainval', 'test'],
  defaultSplit: 'trainval',
  annFile: (s) => joinPath('annotations', `${s}.txt`),
  dataPrefix: 'images',
  parse: (line) => {
    const [name, classId] = twoFields(line, 4);
    if (!/^\d+$/.test(classId)) throw new Error(`class id '${classId}' is not an integer`);
    return [`${name}.jpg`, Number(classId) - 1];
  },
};

const FGVC_AIRCRAFT: SplitListSpec = {
  splits: ['train', 'val', 'trainval', 'test'],
  defaultSplit: 'trainval',
  annFile: (s) => joinPath('data', `images_variant_${s}.txt`),
  dataPrefix: joinPath('data', 'images'),
  parse: (line, classes) => {
    const parts = line.split(/\s+/);
    if (parts.length < 2) throw new Error("expected 'image variant'");
    return [`${parts[0]}.jpg`, classIndex(classes, parts.slice(1).join(' '))];
  },
};

const SUN397_SPEC: SplitListSpec = {
  splits: ['train', 'test'],
  defaultSplit: 'train',
  annFile: (s) => joinPath('Partitions', s === 'train' ? 'Training_01.txt' : 'Testing_01.txt'),
  dataPrefix: 'SUN397',
  parse: (line, classes) => {
    // '/a/abbey/sun_aaa.jpg' → class 'abbey'; '/b/bedroom/indoor/x.jpg' → 'bedroom_indoor'
    const items = line.split('/');
    return [line.slice(1), classIndex(classes, items.slice(2, -1).join('_'))];
  },
};

/** Food-101: `meta/{split}.txt` lines `class/image` (no extension), images in `images/`. */
export class Food101 extends SplitListDataset {
  static override METAINFO: Metainfo = { classes: FOOD101_CATEGORIES };
  constructor(cfg: SplitListOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, FOOD101);
  }
}

/** Caltech-101: `meta/{split}.txt` lines `path label`, images in `101_ObjectCategories/`. */
export class Caltech101 extends SplitListDataset {
  static override METAINFO: Metainfo = { classes: CALTECH101_CATEGORIES };
  constructor(cfg: SplitListOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, CALTECH101);
  }
}

/** Oxford-IIIT Pet: `annotations/{trainval,test}.txt` lines `image class_id species breed_id` (1-based class). */
export class OxfordIIITPet extends SplitListDataset {
  static override METAINFO: Metainfo = { classes: OXFORDIIITPET_CATEGORIES };
  constructor(cfg: SplitListOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, OXFORD_PET);
  }
}

/** FGVC-Aircraft (variants): `data/images_variant_{split}.txt` lines `image variant name`. */
export class FGVCAircraft extends SplitListDataset {
  static override METAINFO: Metainfo = { classes: FGVCAIRCRAFT_CATEGORIES };
  constructor(cfg: SplitListOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, FGVC_AIRCRAFT);
  }
}

/** SUN397 (partition 01): `Partitions/{Training,Testing}_01.txt` image paths; the class is read from the path. */
export class SUN397 extends SplitListDataset {
  static override METAINFO: Metainfo = { classes: SUN397_CATEGORIES };
  constructor(cfg: SplitListOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, SUN397_SPEC);
  }
}

/** Places205: a `CustomDataset` with its 205 classes. */
export class Places205 extends CustomDataset {
  static override METAINFO: Metainfo = { classes: PLACES205_CATEGORIES };
  constructor(cfg: CustomDatasetOptions = {}, ctx: DatasetContext = {}) {
    super({ extensions: IMG_EXTENSIONS, ...cfg }, ctx, CUSTOM_DATASET_KEYS);
  }
}
