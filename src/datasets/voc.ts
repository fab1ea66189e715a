/**
 * `VOC` (MMPretrain `datasets/voc.py`): PASCAL VOC as a multi-label classification set. Image ids come from
 * `ImageSets/Main/{split}.txt`; labels from `Annotations/{id}.xml`: each `<object>`'s `<name>` (names outside the
 * classes are skipped), split by `<difficult>` into `gt_label` and `gt_label_difficult` (a class both difficult and
 * not counts as not difficult in `gt_label` and stays in `gt_label_difficult`, as MMPretrain's two sets do).
 */
import { BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import { MultiLabelDataset } from './multi_label';
import { VOC2007_CATEGORIES } from './categories';
import type { DataInfo, Metainfo } from './types';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';
import { joinPath } from '../fileio/sources';

/** Options of `VOC`. */
export interface VOCOptions extends Omit<BaseDatasetOptions, 'ann_file'> {
  /** 'train', 'val', 'trainval' or 'test'; '' to give `image_set_path` yourself. Default: 'trainval'. */
  split?: string;
  /** Image-set file relative to `data_root`. Default: `ImageSets/Main/{split}.txt`. */
  image_set_path?: string;
}

const VOC_KEYS = [...BASE_DATASET_KEYS.filter((k) => k !== 'ann_file'), 'split', 'image_set_path'];

/** One `<object>` of a VOC annotation. */
export interface VocObject {
  name: string;
  difficult: boolean;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]);

/**
 * The objects of a VOC annotation XML (the `<name>` and `<difficult>` children of each `<object>`; `<part>`
 * sub-elements are ignored). A missing `<difficult>` counts as 0.
 */
export function parseVocObjects(xml: string, file: string): VocObject[] {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  if (!/<annotation[\s>]/.test(text)) throw new Error(`${file}: not a VOC annotation (no <annotation> element)`);
  const objects: VocObject[] = [];
  for (const [i, m] of [...text.matchAll(/<object\b[^>]*>([\s\S]*?)<\/object>/g)].entries()) {
    const body = m[1].replace(/<part\b[^>]*>[\s\S]*?<\/part>/g, '');
    const name = /<name>([\s\S]*?)<\/name>/.exec(body);
    if (!name) throw new Error(`${file}: <object> ${i + 1} has no <name>`);
    const diff = /<difficult>\s*([^<]*?)\s*<\/difficult>/.exec(body);
    const d = diff ? Number(diff[1]) : 0;
    if (!Number.isInteger(d)) throw new Error(`${file}: <object> ${i + 1} has a non-integer <difficult> '${diff![1]}'`);
    objects.push({ name: unescapeXml(name[1].trim()), difficult: d !== 0 });
  }
  return objects;
}

export class VOC extends MultiLabelDataset {
  static override METAINFO: Metainfo = { classes: VOC2007_CATEGORIES };
  readonly split: string;
  readonly imageSetPath: string;

  constructor(cfg: VOCOptions = {}, ctx: DatasetContext = {}) {
    checkKeys(cfg, VOC_KEYS, 'VOC');
    const { split = 'trainval', image_set_path = '', data_prefix: givenPrefix, ...rest } = cfg;
    if (!cfg.data_root) throw new Error('VOC: data_root is required (the VOCdevkit/VOC2007 folder)');
    let data_prefix = givenPrefix ?? { img_path: 'JPEGImages', ann_path: 'Annotations' };
    let setPath = image_set_path;
    if (split) {
      const splits = ['train', 'val', 'trainval', 'test'];
      if (!splits.includes(split)) throw new Error(`VOC: the split must be one of ${splits.map((s) => `'${s}'`).join(', ')}, got '${split}'`);
      if (!data_prefix) data_prefix = { img_path: 'JPEGImages', ann_path: 'Annotations' };
      if (!setPath) setPath = joinPath('ImageSets', 'Main', `${split}.txt`);
    }
    if (typeof data_prefix === 'string') data_prefix = { img_path: data_prefix };
    if (!data_prefix.img_path) throw new Error('VOC: data_prefix must be a dict with key img_path');
    if ((split && !['val', 'test'].includes(split)) || !cfg.test_mode) {
      if (!data_prefix.ann_path) throw new Error('VOC: "ann_path" must be set in data_prefix when the training set is used or test_mode is false');
    }
    super({ ...rest, data_prefix }, ctx);
    this.split = split;
    this.imageSetPath = joinPath(cfg.data_root, setPath);
  }

  /** Prefix of the annotation XMLs (`data_prefix.ann_path`), or null. */
  get annPrefix(): string | null {
    return this.dataPrefix.ann_path ?? null;
  }

  /** (labels, difficult labels) of image `id`, as sorted class indices. */
  private async labelsOf(id: string): Promise<[number[], number[]]> {
    const path = joinPath(this.annPrefix!, `${id}.xml`);
    if (!(await this.fs.exists(path))) throw new Error(`VOC: annotation '${path}' not found (listed in ${this.imageSetPath})`);
    const toIdx = this.classToIdx;
    const labels = new Set<number>();
    const difficult = new Set<number>();
    for (const obj of parseVocObjects(await this.fs.getText(path), path)) {
      if (!(obj.name in toIdx)) continue;
      (obj.difficult ? difficult : labels).add(toIdx[obj.name]);
    }
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    return [sorted(labels), sorted(difficult)];
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    const ids = linesOf(await this.readText(this.imageSetPath, 'image set file')).map((l) => l.trim()).filter(Boolean);
    const list: DataInfo[] = [];
    for (const id of ids) {
      const info: DataInfo = { img_path: joinPath(this.imgPrefix, `${id}.jpg`), gt_label: null, gt_label_difficult: null };
      if (this.annPrefix !== null) [info.gt_label, info.gt_label_difficult] = await this.labelsOf(id);
      list.push(info);
    }
    return list;
  }

  protected override extraRepr(): string[] {
    return [`Prefix of dataset: \t${this.dataRoot}`, `Path of image set: \t${this.imageSetPath}`, `Prefix of images: \t${this.imgPrefix}`, `Prefix of annotations: \t${this.annPrefix}`];
  }
}
