/**
 * `CUB` (MMPretrain `datasets/cub.py`): Caltech-UCSD Birds-200-2011 from its release files — `images.txt`
 * (id → path under `images/`), `image_class_labels.txt` (id → 1-based class), `train_test_split.txt`
 * (id → 1 train / 0 test).
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { CUB_CATEGORIES } from './categories';
import type { DataInfo, Metainfo } from './types';
import { resolveSplit } from './utils/builtin_dataset';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';
import { joinPath } from '../fileio/sources';

/** Options of `CUB`. */
export interface CUBOptions extends Omit<BaseDatasetOptions, 'ann_file' | 'data_prefix'> {
  /** 'train' or 'test'. Default: 'test' when `test_mode`, else 'train'. */
  split?: 'train' | 'test';
}

const CUB_KEYS = [...BASE_DATASET_KEYS.filter((k) => k !== 'ann_file' && k !== 'data_prefix'), 'split'];

export class CUB extends BaseDataset {
  static override METAINFO: Metainfo = { classes: CUB_CATEGORIES };
  readonly split: string;
  readonly imageClassLabelsFile: string;
  readonly trainTestSplitFile: string;

  constructor(cfg: CUBOptions = {}, ctx: DatasetContext = {}) {
    checkKeys(cfg, CUB_KEYS, 'CUB');
    const { split, ...rest } = cfg;
    if (!cfg.data_root) throw new Error('CUB: data_root is required (the CUB_200_2011 folder)');
    super({ ...rest, ann_file: 'images.txt', data_prefix: 'images' }, ctx);
    this.split = resolveSplit('CUB', split, this.testMode, ['train', 'test']);
    this.imageClassLabelsFile = joinPath(cfg.data_root, 'image_class_labels.txt');
    this.trainTestSplitFile = joinPath(cfg.data_root, 'train_test_split.txt');
  }

  /** `id item` lines → map (0-based id → item), with the line number in errors. */
  private async readPairs(file: string): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    linesOf(await this.readText(file, 'CUB file')).forEach((line, i) => {
      if (!line.trim()) return;
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 2 || !/^\d+$/.test(parts[0])) throw new Error(`${file}, line ${i + 1}: expected 'id item', got '${line}'`);
      out.set(Number(parts[0]) - 1, parts[1]);
    });
    return out;
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const samples = await this.readPairs(this.annFile);
    const labels = await this.readPairs(this.imageClassLabelsFile);
    const splits = await this.readPairs(this.trainTestSplitFile);
    const same = (a: Map<number, string>, b: Map<number, string>) => a.size === b.size && [...a.keys()].every((k) => b.has(k));
    if (!same(samples, labels) || !same(samples, splits)) {
      throw new Error(`CUB: the sample ids should be the same in ${this.annFile}, ${this.imageClassLabelsFile} and ${this.trainTestSplitFile}`);
    }
    const n = this.CLASSES?.length ?? 200;
    const list: DataInfo[] = [];
    for (const [id, path] of samples) {
      const flag = splits.get(id);
      if ((flag === '1' && this.split === 'test') || (flag === '0' && this.split === 'train')) continue;
      const label = Number(labels.get(id)) - 1;
      if (!Number.isInteger(label) || label < 0 || label >= n) throw new Error(`${this.imageClassLabelsFile}: image id ${id + 1} has class ${labels.get(id)}, out of range 1…${n}`);
      list.push({ img_path: joinPath(this.imgPrefix, path), gt_label: label });
    }
    return list;
  }

  protected override extraRepr(): string[] {
    return [`Root of dataset: \t${this.dataRoot}`];
  }
}
