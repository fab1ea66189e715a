/**
 * `BaseDataset`: mmengine's `BaseDataset` with MMPretrain's additions (`classes`, `CLASSES`, `class_to_idx`,
 * `get_gt_labels`, `get_cat_ids`), reading files through the mount table in `src/fileio/sources`.
 *
 * Differences forced by JavaScript: loading is asynchronous, so the constructor never reads files —
 * `await dataset.fullInit()` (or use {@link buildDataset}, which does it unless `lazy_init`); `getItem` initialises
 * on demand as mmengine's `__getitem__` does. `serialize_data` is accepted and ignored (there are no fork-based
 * workers to share memory with).
 */
import { fileSystem as defaultFileSystem, type FileSystem, isAbsolute, joinPath } from '../fileio/sources';
import { Pipeline, type PipelineStep } from './pipeline';
import type { DataInfo, Dataset, Metainfo } from './types';
import { Generator, mixSeed } from '../utils/random';
import { deepCopy } from './utils/copy';
import { linesOf } from './utils/list_from_file';
import { checkKeys } from '../utils/options';

/** Options of `BaseDataset` (keys exactly as in MMPretrain configs). */
export interface BaseDatasetOptions {
  /** Annotation file path, joined to `data_root` unless absolute. Default: ''. */
  ann_file?: string;
  /** Meta information (e.g. `{classes: [...]}`); a string value is read as a file of lines. Default: null. */
  metainfo?: Record<string, unknown> | null;
  /** Root folder for `ann_file` and `data_prefix`. Default: ''. */
  data_root?: string;
  /** Prefix of the data: a string (= `{img_path: s}`) or a dict of prefixes. Default: ''. */
  data_prefix?: string | Record<string, string>;
  /** Filter config (mmengine: unused by classification datasets, kept for subclasses). Default: null. */
  filter_cfg?: Record<string, unknown> | null;
  /** Keep only the first N samples (negative: the last N), or the listed indices. Default: null (all). */
  indices?: number | number[] | null;
  /** Accepted for compatibility and ignored. Default: true. */
  serialize_data?: boolean;
  /** Transform configs (built through `TRANSFORMS` on first use) or transform objects. Default: []. */
  pipeline?: PipelineStep[];
  /** Test mode: a failing sample throws instead of being replaced by another random one. Default: false. */
  test_mode?: boolean;
  /** Do not load annotations when built through {@link buildDataset}. Default: false. */
  lazy_init?: boolean;
  /** How many other samples to try when one fails in training. Default: 1000. */
  max_refetch?: number;
  /** Class names: a list, or the path of a file with one name a line. Default: null. */
  classes?: string | string[] | null;
  /** MMClassification 0.x storage option: accepted and ignored (files come from `src/fileio/sources`), with a warning. */
  file_client_args?: Record<string, unknown> | null;
}

/** Keys accepted by `BaseDataset`. */
export const BASE_DATASET_KEYS = [
  'ann_file', 'metainfo', 'data_root', 'data_prefix', 'filter_cfg', 'indices', 'serialize_data', 'pipeline',
  'test_mode', 'lazy_init', 'max_refetch', 'classes', 'file_client_args',
] as const;

/** A failed sample replaced by another (MMPretrain's `max_refetch` behaviour), as reported to the caller. */
export interface RefetchEvent {
  /** Index that failed. */
  index: number;
  /** Its image path, when it has one. */
  img_path?: string;
  /** Why: the pipeline returned None, or the error message. */
  reason: string;
  /** Index tried next. */
  next: number;
}

/** Runtime services a dataset uses; passed as the registry's extra argument (`DATASETS.build(cfg, ctx)`). */
export interface DatasetContext {
  /** Where files are read from. Default: the shared `fileSystem` (Node fs fallback in Node). */
  fileSystem?: FileSystem;
  /** Generator for refetching another index. Default: `new Generator(seed ?? 0)`. */
  rng?: Generator;
  /**
   * Seed of the random transforms and of the default refetch generator (`randomness.seed`). When set, every sample
   * draws from its own generator seeded by (seed, index, how many times that index was fetched), so augmentations
   * are reproducible whatever the batch concurrency or decode timing, and differ from epoch to epoch.
   */
  seed?: number;
  /** Called for every refetch. */
  onRefetch?: (event: RefetchEvent) => void;
  /** Called with each warning (MMPretrain logs them); they are also kept in `dataset.warnings`. */
  onWarning?: (message: string) => void;
}

export class BaseDataset implements Dataset {
  /** Class-level meta information (`METAINFO`), overridden by the `metainfo` option. */
  static METAINFO: Metainfo = {};

  annFile: string;
  readonly dataRoot: string;
  readonly dataPrefix: Record<string, string>;
  readonly filterCfg: Record<string, unknown> | null;
  readonly testMode: boolean;
  readonly lazyInit: boolean;
  readonly maxRefetch: number;
  readonly pipeline: Pipeline;
  readonly fs: FileSystem;
  /** Every refetch so far (count = `refetches.length`). */
  readonly refetches: RefetchEvent[] = [];
  /** Warnings raised while loading (empty class folders, …). */
  readonly warnings: string[] = [];

  protected _metainfo: Metainfo;
  protected dataList: DataInfo[] = [];
  protected fullyInitialized = false;
  private initPromise: Promise<void> | null = null;
  private readonly indices: number | number[] | null;
  private readonly classesOption: string | string[] | null;
  private readonly metainfoHasClasses: boolean;
  private readonly rng: Generator;
  private readonly onRefetch?: (event: RefetchEvent) => void;
  private readonly onWarning?: (message: string) => void;
  private readonly seed?: number;
  /** Per index, how many times it was prepared (for per-sample generators). */
  private fetchCounts: Map<number, number> = new Map();

  constructor(cfg: BaseDatasetOptions = {}, ctx: DatasetContext = {}) {
    checkKeys(cfg, BASE_DATASET_KEYS, this.constructor.name);
    this.fs = ctx.fileSystem ?? defaultFileSystem;
    this.rng = ctx.rng ?? new Generator(ctx.seed ?? 0);
    this.onRefetch = ctx.onRefetch;
    this.onWarning = ctx.onWarning;
    this.seed = ctx.seed;
    if (cfg.file_client_args) this.warn(`${this.constructor.name}: file_client_args (MMClassification 0.x) is ignored; files are read through the mounted sources`);
    this.dataRoot = cfg.data_root ?? '';
    const prefix = cfg.data_prefix ?? '';
    this.dataPrefix = typeof prefix === 'string' ? { img_path: prefix } : { ...prefix };
    this.filterCfg = cfg.filter_cfg ?? null;
    this.indices = cfg.indices ?? null;
    this.testMode = cfg.test_mode ?? false;
    this.lazyInit = cfg.lazy_init ?? false;
    this.maxRefetch = cfg.max_refetch ?? 1000;
    this.pipeline = new Pipeline(cfg.pipeline ?? [], { seed: ctx.seed });
    this.classesOption = cfg.classes ?? null;
    if (this.classesOption !== null && typeof this.classesOption !== 'string' && !Array.isArray(this.classesOption)) {
      throw new TypeError(`${this.constructor.name}: unsupported type of classes: ${JSON.stringify(this.classesOption)}`);
    }
    const cls = this.constructor as typeof BaseDataset;
    this._metainfo = { ...deepCopy(cls.METAINFO), ...deepCopy(cfg.metainfo ?? {}) };
    this.metainfoHasClasses = cfg.metainfo?.classes !== undefined && cfg.metainfo?.classes !== null;
    if (Array.isArray(this.classesOption) && !this.metainfoHasClasses) this._metainfo.classes = [...this.classesOption];
    // mmengine `_join_prefix`.
    this.annFile = cfg.ann_file ?? '';
    if (this.annFile && !isAbsolute(this.annFile) && this.dataRoot) this.annFile = joinPath(this.dataRoot, this.annFile);
    for (const [key, p] of Object.entries(this.dataPrefix)) {
      if (typeof p !== 'string') throw new TypeError(`${this.constructor.name}: data_prefix.${key} should be a string, got ${JSON.stringify(p)}`);
      this.dataPrefix[key] = !isAbsolute(p) && this.dataRoot ? joinPath(this.dataRoot, p) : p;
    }
  }

  /** Prefix of the images (`data_prefix.img_path`). */
  get imgPrefix(): string {
    return this.dataPrefix.img_path ?? '';
  }

  /** A copy of the meta information. */
  get metainfo(): Metainfo {
    return deepCopy(this._metainfo);
  }

  /** Class names, or null when unknown. */
  get CLASSES(): readonly string[] | null {
    return (this._metainfo.classes as readonly string[] | undefined) ?? null;
  }

  /** Class name → index. */
  get classToIdx(): Record<string, number> {
    const out: Record<string, number> = {};
    (this.CLASSES ?? []).forEach((c, i) => (out[c] = i));
    return out;
  }

  get fullyInit(): boolean {
    return this.fullyInitialized;
  }

  /** Loads annotations, filters, applies `indices` (idempotent; concurrent calls share one load). */
  fullInit(): Promise<void> {
    if (this.fullyInitialized) return Promise.resolve();
    this.initPromise ??= this.doFullInit().catch((e) => {
      this.initPromise = null;
      throw e;
    });
    return this.initPromise;
  }

  private async doFullInit(): Promise<void> {
    await this.resolveMetainfoFiles();
    let list = await this.loadDataList();
    list = this.filterData(list);
    if (this.indices !== null) list = subsetOf(list, this.indices, this.constructor.name);
    this.dataList = list;
    // OpenMMLab 2.0 `categories` metainfo → `classes`.
    const cats = this._metainfo.categories as Array<{ id: number; category_name: string }> | undefined;
    if (Array.isArray(cats) && !this._metainfo.classes) {
      this._metainfo.classes = [...cats].sort((a, b) => a.id - b.id).map((c) => c.category_name);
    }
    this.fullyInitialized = true;
  }

  /** `classes` given as a file, and string `metainfo` values naming files, are read here. */
  private async resolveMetainfoFiles(): Promise<void> {
    if (typeof this.classesOption === 'string') {
      const path = this.classesOption;
      if (!(await this.fs.exists(path))) throw new Error(`${this.constructor.name}: classes file '${path}' not found`);
      const names = linesOf(await this.fs.getText(path));
      // MMPretrain `_compat_classes`: an explicit `metainfo.classes` wins over `classes`, which wins over METAINFO.
      if (!this.metainfoHasClasses) this._metainfo.classes = names;
    }
    for (const [k, v] of Object.entries(this._metainfo)) {
      if (typeof v === 'string' && (await this.fs.exists(v).catch(() => false))) this._metainfo[k] = linesOf(await this.fs.getText(v));
    }
  }

  /**
   * Reads the annotations. Default: an OpenMMLab 2.0 annotation file (JSON with `metainfo` and `data_list`);
   * subclasses override it.
   */
  protected async loadDataList(): Promise<DataInfo[]> {
    const file = this.annFile;
    if (!file) throw new Error(`${this.constructor.name}: ann_file is required (an OpenMMLab 2.0 JSON annotation file)`);
    const ann = await this.readJson(file);
    if (ann === null || typeof ann !== 'object' || Array.isArray(ann)) {
      throw new TypeError(`${file}: the annotations should be a dict, got ${Array.isArray(ann) ? 'a list' : typeof ann}`);
    }
    const { metainfo, data_list: rawList } = ann as { metainfo?: Record<string, unknown>; data_list?: unknown };
    if (!Array.isArray(rawList) || metainfo === undefined) throw new Error(`${file}: annotation must have data_list and metainfo keys`);
    for (const [k, v] of Object.entries(metainfo ?? {})) if (!(k in this._metainfo)) this._metainfo[k] = v;
    const out: DataInfo[] = [];
    rawList.forEach((raw, i) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`${file}: data_list[${i}] should be a dict, got ${JSON.stringify(raw)}`);
      const parsed = this.parseDataInfo({ ...(raw as DataInfo) }, `${file}: data_list[${i}]`);
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) out.push(item);
    });
    this.checkLabels(out, file);
    return out;
  }

  /** Joins the data prefixes onto a raw annotation item (mmengine `parse_data_info`). */
  protected parseDataInfo(raw: DataInfo, where: string): DataInfo | DataInfo[] {
    for (const [key, prefix] of Object.entries(this.dataPrefix)) {
      if (!(key in raw)) throw new Error(`${where} does not contain the prefix key '${key}'; check data_prefix`);
      raw[key] = joinPath(prefix, String(raw[key]));
    }
    return raw;
  }

  /** Rejects labels outside the class list (when the classes are known). */
  protected checkLabels(list: DataInfo[], file: string, lineOf?: (i: number) => number): void {
    const n = this.CLASSES?.length;
    list.forEach((info, i) => {
      const labels = info.gt_label === undefined || info.gt_label === null ? [] : ([] as unknown[]).concat(info.gt_label);
      for (const l of labels) {
        const bad = typeof l !== 'number' || !Number.isInteger(l) || l < 0 || (n !== undefined && l >= n);
        if (bad) {
          const where = lineOf ? `line ${lineOf(i)}` : `item ${i}`;
          throw new Error(`${file}, ${where}: label ${JSON.stringify(l)} is out of range${n !== undefined ? ` (${n} classes: 0…${n - 1})` : ''}`);
        }
      }
    });
  }

  /** Parses a JSON file, naming it (and the position) when it does not parse. */
  protected async readJson(path: string): Promise<unknown> {
    const text = await this.readText(path, 'annotation file');
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
    }
  }

  /** Reads a text file, saying which file was expected when it is missing. */
  protected async readText(path: string, what: string): Promise<string> {
    if (!(await this.fs.exists(path))) throw new Error(`${this.constructor.name}: ${what} '${path}' not found`);
    return this.fs.getText(path);
  }

  /** Records a warning (and passes it to `onWarning`). */
  protected warn(message: string): void {
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  /** Filters the loaded list (mmengine's default keeps everything; `filter_cfg` is for subclasses). */
  protected filterData(list: DataInfo[]): DataInfo[] {
    return list;
  }

  private requireInit(what: string): void {
    if (!this.fullyInitialized) {
      throw new Error(`${this.constructor.name}.${what}: the dataset is not initialised yet — await dataset.fullInit() first`);
    }
  }

  get length(): number {
    this.requireInit('length');
    return this.dataList.length;
  }

  /** A copy of sample `idx`'s information with `sample_idx` (negative indices count from the end). */
  getDataInfo(idx: number): DataInfo {
    this.requireInit('getDataInfo');
    const n = this.dataList.length;
    if (!Number.isInteger(idx) || idx >= n || idx < -n) throw new RangeError(`${this.constructor.name}: index ${idx} out of range (${n} samples)`);
    const info = deepCopy(this.dataList[idx < 0 ? n + idx : idx]);
    info.sample_idx = idx < 0 ? n + idx : idx;
    return info;
  }

  /** Category ids of sample `idx` (`[gt_label]`). */
  getCatIds(idx: number): number[] {
    this.requireInit('getCatIds');
    const n = this.dataList.length;
    const label = this.dataList[idx < 0 ? n + idx : idx]?.gt_label;
    if (label === undefined) throw new RangeError(`${this.constructor.name}: index ${idx} out of range (${n} samples)`);
    return [Number(label)];
  }

  /** Every sample's `gt_label`. */
  getGtLabels(): unknown[] {
    this.requireInit('getGtLabels');
    return this.dataList.map((d) => d.gt_label);
  }

  /**
   * Sample `idx` through the pipeline, without refetching. When the sample names a file (`img_path`, no `img`),
   * and the pipeline starts by loading it (`LoadImageFromFile`), its bytes are read through the dataset's file
   * system into `img_bytes`, which `LoadImageFromFile` decodes —
   * so images inside dropped folders and archives load like local files.
   */
  async prepareData(idx: number): Promise<DataInfo | null> {
    const info = this.getDataInfo(idx);
    if (this.seed !== undefined && this.pipeline.length) {
      const n = this.fetchCounts.get(info.sample_idx as number) ?? 0;
      this.fetchCounts.set(info.sample_idx as number, n + 1);
      info.rng = new Generator(mixSeed(this.seed, info.sample_idx as number, n));
    }
    if (this.pipeline.loadsImages() && typeof info.img_path === 'string' && info.img === undefined && info.img_bytes === undefined) {
      info.img_bytes = await this.fs.get(info.img_path);
    }
    return this.pipeline.run(info);
  }

  /**
   * `__getitem__`: in test mode a failure throws (naming the sample); in training a sample whose pipeline
   * returns null or throws (e.g. an image that does not decode) is replaced by another random one, up to
   * `max_refetch` times, each replacement recorded in {@link refetches} and passed to `onRefetch`.
   */
  async getItem(idx: number): Promise<DataInfo> {
    await this.fullInit();
    this.pipeline.build(); // now: a config error must not be mistaken for a bad sample
    if (this.testMode) {
      let data: DataInfo | null;
      try {
        data = await this.prepareData(idx);
      } catch (e) {
        throw new Error(`${this.constructor.name}: sample ${idx}${this.describeSample(idx)} failed: ${(e as Error).message}`, { cause: e });
      }
      if (data === null) throw new Error(`${this.constructor.name}: test-time pipeline returned None for sample ${idx}${this.describeSample(idx)}`);
      return data;
    }
    for (let attempt = 0; attempt <= this.maxRefetch; attempt++) {
      let data: DataInfo | null = null;
      let reason = 'the pipeline returned None';
      try {
        data = await this.prepareData(idx);
      } catch (e) {
        reason = (e as Error).message;
      }
      if (data !== null) return data;
      const next = this.rng.randint(this.length);
      const img = this.dataList[idx]?.img_path;
      const event: RefetchEvent = { index: idx, reason, next, ...(typeof img === 'string' ? { img_path: img } : {}) };
      this.refetches.push(event);
      this.onRefetch?.(event);
      idx = next;
    }
    throw new Error(`${this.constructor.name}: cannot find a valid sample after ${this.maxRefetch} refetches; check the image paths and the pipeline (last: ${this.refetches.at(-1)?.reason})`);
  }

  /** Where sample `idx` comes from, for messages: ` ('path')`, with the annotation file's line where there is one. */
  describeSample(idx: number): string {
    const p = this.dataList[idx]?.img_path;
    return typeof p === 'string' ? ` ('${p}')` : '';
  }

  /** A dataset of the same class over the given indices (or the first N), sharing everything else (`get_subset`). */
  getSubset(indices: number | number[]): this {
    this.requireInit('getSubset');
    const sub = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(sub, this);
    (sub as unknown as { dataList: DataInfo[] }).dataList = subsetOf(this.dataList, indices, this.constructor.name);
    (sub as unknown as { refetches: RefetchEvent[] }).refetches = [];
    (sub as unknown as { fetchCounts: Map<number, number> }).fetchCounts = new Map();
    return sub;
  }

  /** Extra lines for `toString` (MMPretrain `extra_repr`). */
  protected extraRepr(): string[] {
    return [`Annotation file: \t${this.annFile}`, `Prefix of images: \t${this.imgPrefix}`];
  }

  /** MMPretrain's `__repr__`. */
  toString(): string {
    const body: string[] = [];
    body.push(this.fullyInitialized ? `Number of samples: \t${this.dataList.length}` : "Haven't been initialized");
    if (this.CLASSES) body.push(`Number of categories: \t${this.CLASSES.length}`);
    body.push(...this.extraRepr());
    if (this.pipeline.length) {
      body.push('With transforms:');
      for (const name of this.pipeline.names()) body.push(`    ${name}`);
    }
    return [`Dataset ${this.constructor.name}`, ...body.map((l) => '    ' + l)].join('\n');
  }
}

/** mmengine `_get_unserialized_subset`: an int keeps the first N (negative: the last N), a list picks indices. */
export function subsetOf<T>(list: T[], indices: number | number[], who: string): T[] {
  if (typeof indices === 'number') {
    if (!Number.isInteger(indices)) throw new TypeError(`${who}: indices should be an int or a list of ints, got ${indices}`);
    return indices >= 0 ? list.slice(0, indices) : list.slice(indices);
  }
  if (!Array.isArray(indices)) throw new TypeError(`${who}: indices should be an int or a list of ints, got ${JSON.stringify(indices)}`);
  return indices.map((i) => {
    if (!Number.isInteger(i) || i >= list.length || i < -list.length) throw new RangeError(`${who}: index ${i} out of range (${list.length} samples)`);
    return list[i < 0 ? list.length + i : i];
  });
}
