/**
 * `CustomDataset` (MMPretrain `datasets/custom.py`): images in class sub-folders, or listed in an annotation file.
 *
 * - Sub-folder format: each immediate sub-folder of `data_prefix` is a class (sorted names); images anywhere below it
 *   (recursively) with an allowed extension are its samples. `with_label=false` lists every image below the prefix.
 * - Annotation format (`ann_file` set, it wins): one `path label` per line (split at the last space), paths relative
 *   to `data_prefix`; with `with_label=false`, one path per line.
 */
import { BaseDataset, BASE_DATASET_KEYS, type BaseDatasetOptions, type DatasetContext } from './base_dataset';
import type { DataInfo } from './types';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';
import { joinPath, relativeTo } from '../fileio/sources';

/** MMPretrain's default image extensions. */
export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif'] as const;

/** Options of `CustomDataset`. */
export interface CustomDatasetOptions extends BaseDatasetOptions {
  /** Whether samples carry labels (sub-folder classes or the annotation's second column). Default: true. */
  with_label?: boolean;
  /** Allowed file extensions, case-insensitive. Default: {@link IMG_EXTENSIONS}. */
  extensions?: readonly string[];
}

export const CUSTOM_DATASET_KEYS = [...BASE_DATASET_KEYS, 'with_label', 'extensions'];

/** Result of scanning a folder, before the paths are joined with the prefix. */
interface Scan {
  samples: Array<[string, number] | string>;
  emptyFolders: string[];
}

export class CustomDataset extends BaseDataset {
  readonly withLabel: boolean;
  readonly extensions: readonly string[];
  /** Sub-folder name → class index (sub-folder format only). */
  folderToIdx: Record<string, number> | null = null;

  constructor(cfg: CustomDatasetOptions = {}, ctx: DatasetContext = {}, allowedKeys: readonly string[] = CUSTOM_DATASET_KEYS) {
    checkKeys(cfg, allowedKeys, new.target.name);
    const { with_label, extensions, ...base } = cfg;
    if (!cfg.ann_file && !cfg.data_prefix && !cfg.data_root) {
      throw new Error(`${new.target.name}: one of ann_file, data_root and data_prefix must be specified`);
    }
    super(base, ctx);
    this.withLabel = with_label ?? true;
    this.extensions = [...new Set((extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase()))];
  }

  /** Whether `filename` has an allowed extension (case-insensitive). */
  isValidFile(filename: string): boolean {
    const lower = filename.toLowerCase();
    return this.extensions.some((e) => lower.endsWith(e));
  }

  private async scanFolders(): Promise<Scan> {
    const root = this.imgPrefix;
    if (!(await this.fs.exists(root))) throw new Error(`${this.constructor.name}: data folder '${root || '.'}' not found (data_root + data_prefix)`);
    if (!this.withLabel) {
      const samples = (await this.fs.list(root)).map((p) => relativeTo(p, root) ?? p).filter((p) => this.isValidFile(p));
      return { samples, emptyFolders: [] };
    }
    const folders = await this.fs.listDirs(root);
    const samples: Array<[string, number]> = [];
    const emptyFolders: string[] = [];
    for (const [idx, folder] of folders.entries()) {
      const files = (await this.fs.list(joinPath(root, folder))).map((p) => relativeTo(p, root) ?? p).filter((p) => this.isValidFile(p));
      if (!files.length) emptyFolders.push(folder);
      for (const f of files) samples.push([f, idx]);
    }
    if (this.CLASSES) {
      if (this.CLASSES.length !== folders.length) {
        throw new Error(
          `${this.constructor.name}: the number of sub-folders of '${root}' (${folders.length}: ${folders.slice(0, 10).join(', ')}${folders.length > 10 ? ', …' : ''}) ` +
            `doesn't match the number of specified classes (${this.CLASSES.length}). Please check the data folder.`,
        );
      }
    } else {
      this._metainfo.classes = folders;
    }
    this.folderToIdx = Object.fromEntries(folders.map((f, i) => [f, i]));
    return { samples, emptyFolders };
  }

  private async findSamples(): Promise<Array<[string, number] | string>> {
    const { samples, emptyFolders } = await this.scanFolders();
    if (samples.length === 0) {
      throw new Error(`${this.constructor.name}: found 0 files in ${this.withLabel ? 'sub-folders of ' : ''}'${this.imgPrefix || '.'}'. Supported extensions are: ${this.extensions.join(', ')}`);
    }
    if (emptyFolders.length) this.warn(`Found no valid file in the folder ${emptyFolders.join(', ')}. Supported extensions are: ${this.extensions.join(', ')}`);
    return samples;
  }

  /** The annotation file's line of each image path (the first, if listed twice), for messages. */
  private readonly annLines = new Map<string, number>();

  override describeSample(idx: number): string {
    const p = this.dataList[idx]?.img_path;
    const line = typeof p === 'string' ? this.annLines.get(p) : undefined;
    return line === undefined ? super.describeSample(idx) : ` ('${p}', ${this.annFile} line ${line})`;
  }

  /** Parses the annotation file: `path label` lines (or paths only), with the line number in every error. */
  private async readAnnotation(): Promise<{ samples: Array<[string, number] | string>; lines: number[] }> {
    const file = this.annFile;
    const text = await this.readText(file, 'annotation file');
    const samples: Array<[string, number] | string> = [];
    const lines: number[] = [];
    linesOf(text).forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      if (!this.withLabel) {
        samples.push(line);
      } else {
        const cut = line.lastIndexOf(' ');
        const label = cut < 0 ? '' : line.slice(cut + 1);
        if (cut < 0 || !/^[+-]?\d+$/.test(label)) {
          throw new Error(`${file}, line ${i + 1}: expected 'path label' (an integer label after the last space), got '${line}'`);
        }
        samples.push([line.slice(0, cut).trim(), Number(label)]);
      }
      lines.push(i + 1);
    });
    if (!samples.length) throw new Error(`${file}: the annotation file lists no samples`);
    return { samples, lines };
  }

  protected override async loadDataList(): Promise<DataInfo[]> {
    let samples: Array<[string, number] | string>;
    let lineOf: ((i: number) => number) | undefined;
    if (this.annFile) {
      const ann = await this.readAnnotation();
      samples = ann.samples;
      lineOf = (i) => ann.lines[i];
      ann.samples.forEach((s, i) => {
        const path = joinPath(this.imgPrefix, typeof s === 'string' ? s : s[0]);
        if (!this.annLines.has(path)) this.annLines.set(path, ann.lines[i]);
      });
    } else {
      samples = await this.findSamples();
    }
    const list = samples.map((s): DataInfo =>
      typeof s === 'string' ? { img_path: joinPath(this.imgPrefix, s) } : { img_path: joinPath(this.imgPrefix, s[0]), gt_label: s[1] },
    );
    if (this.annFile) this.checkLabels(list, this.annFile, lineOf);
    return list;
  }
}
