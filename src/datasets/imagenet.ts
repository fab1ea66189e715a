/** `ImageNet` and `ImageNet21k` (MMPretrain `datasets/imagenet.py`): `CustomDataset` with ImageNet's splits. */
import { CustomDataset, CUSTOM_DATASET_KEYS, IMG_EXTENSIONS, type CustomDatasetOptions } from './custom';
import type { DatasetContext } from './base_dataset';
import { IMAGENET_CATEGORIES } from './categories';
import type { DataInfo, Metainfo } from './types';
import { joinPath } from '../fileio/sources';

/** Options of `ImageNet` / `ImageNet21k`. */
export interface ImageNetOptions extends CustomDatasetOptions {
  /**
   * 'train', 'val' or 'test' (ImageNet21k: 'train'); sets `data_prefix` to the split folder when empty and
   * `ann_file` to `meta/{split}.txt` when that file exists. 'test' has no labels. Default: '' (use the paths given).
   */
  split?: string;
  /** ImageNet21k only; not supported (as in MMPretrain). Default: false. */
  multi_label?: boolean;
}

abstract class ImageNetBase extends CustomDataset {
  readonly split: string;
  /** `meta/{split}.txt`, used when it exists and no ann_file was given. */
  private readonly defaultAnnFile: string;

  constructor(cfg: ImageNetOptions, ctx: DatasetContext, splits: readonly string[]) {
    const who = new.target.name;
    const { split = '', multi_label: _multiLabel, ...rest } = cfg;
    const opts: CustomDatasetOptions = { extensions: IMG_EXTENSIONS, ...rest };
    if (split) {
      if (!splits.includes(split)) throw new Error(`${who}: the split must be one of ${splits.map((s) => `'${s}'`).join(', ')}, got '${split}'`);
      if (split === 'test') opts.with_label = false;
      if (!opts.data_prefix) opts.data_prefix = split;
    }
    super(opts, ctx, [...CUSTOM_DATASET_KEYS, 'split', ...(who === 'ImageNet21k' ? ['multi_label'] : [])]);
    this.split = split;
    this.defaultAnnFile = split && !cfg.ann_file ? joinPath(this.dataRoot, 'meta', `${split}.txt`) : '';
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    if (this.defaultAnnFile && (await this.fs.exists(this.defaultAnnFile))) this.annFile = this.defaultAnnFile;
    return super.loadDataList();
  }
}

/** ImageNet-1k: classes are the 1,000 ImageNet names unless given. */
export class ImageNet extends ImageNetBase {
  static override METAINFO: Metainfo = { classes: IMAGENET_CATEGORIES };

  constructor(cfg: ImageNetOptions = {}, ctx: DatasetContext = {}) {
    super(cfg, ctx, ['train', 'val', 'test']);
  }
}

/** ImageNet-21k: no built-in class list (give `classes`); `multi_label` is not supported. */
export class ImageNet21k extends ImageNetBase {
  constructor(cfg: ImageNetOptions = {}, ctx: DatasetContext = {}) {
    if (cfg.multi_label) throw new Error('ImageNet21k: the multi_label option is not supported (as in MMPretrain)');
    super(cfg, ctx, ['train']);
    if (!this.annFile && !cfg.split) this.warn('The ImageNet21k dataset is large and scanning folders may take long; consider specifying ann_file.');
  }
}
