/**
 * Dataset wrappers: mmengine's `ConcatDataset`, `RepeatDataset`, `ClassBalancedDataset`
 * (`mmengine/dataset/dataset_wrapper.py`) and MMPretrain's `KFoldDataset` (`datasets/dataset_wrappers.py`).
 * Each wraps datasets given as configs (built through `DATASETS` with the same context) or instances.
 */
import { DATASETS, type BuildConfig } from '../registry';
import type { DatasetContext } from './base_dataset';
import type { DataInfo, Dataset, Metainfo } from './types';
import { deepCopy } from './utils/copy';
import { numpyShuffle } from './utils/numpy_random';
import { checkKeys } from '../utils/options';

type DatasetLike = BuildConfig | Dataset;

function isDataset(v: unknown): v is Dataset {
  return !!v && typeof v === 'object' && typeof (v as Dataset).getItem === 'function' && typeof (v as Dataset).fullInit === 'function';
}

function buildInner(who: string, d: DatasetLike, ctx: DatasetContext): Dataset {
  if (isDataset(d)) return d;
  if (d && typeof d === 'object' && 'type' in d) return DATASETS.build<Dataset>(d, ctx);
  throw new TypeError(`${who}: a dataset must be a config dict with 'type' or a dataset instance, got ${JSON.stringify(d)}`);
}

/** Shared plumbing: lazy full initialisation and the index mapping to the wrapped dataset(s). */
abstract class Wrapper implements Dataset {
  protected fullyInitialized = false;
  private initPromise: Promise<void> | null = null;

  abstract get metainfo(): Metainfo;
  protected abstract doInit(): Promise<void>;
  protected abstract get size(): number;
  /** (dataset, local index) for a global index. */
  protected abstract locate(idx: number): [Dataset, number];

  get CLASSES(): readonly string[] | null {
    return (this.metainfo.classes as readonly string[] | undefined) ?? null;
  }

  fullInit(): Promise<void> {
    if (this.fullyInitialized) return Promise.resolve();
    this.initPromise ??= this.doInit().then(
      () => void (this.fullyInitialized = true),
      (e) => {
        this.initPromise = null;
        throw e;
      },
    );
    return this.initPromise;
  }

  protected check(idx: number): number {
    if (!this.fullyInitialized) throw new Error(`${this.constructor.name}: not initialised yet — await dataset.fullInit() first`);
    const n = this.size;
    if (!Number.isInteger(idx) || idx >= n || idx < -n) throw new RangeError(`${this.constructor.name}: index ${idx} out of range (${n} samples)`);
    return idx < 0 ? n + idx : idx;
  }

  get length(): number {
    if (!this.fullyInitialized) throw new Error(`${this.constructor.name}.length: not initialised yet — await dataset.fullInit() first`);
    return this.size;
  }

  getDataInfo(idx: number): DataInfo {
    const [ds, local] = this.locate(this.check(idx));
    return ds.getDataInfo(local);
  }

  getCatIds(idx: number): number[] {
    const [ds, local] = this.locate(this.check(idx));
    return ds.getCatIds(local);
  }

  async getItem(idx: number): Promise<DataInfo> {
    await this.fullInit();
    const [ds, local] = this.locate(this.check(idx));
    return ds.getItem(local);
  }
}

/** Options of `ConcatDataset`. */
export interface ConcatDatasetOptions {
  /** Datasets to chain (configs or instances). */
  datasets: DatasetLike[];
  /** Do not initialise when built through `buildDataset`. Default: false. */
  lazy_init?: boolean;
  /** Meta keys allowed to differ between the datasets. Default: none. */
  ignore_keys?: string | string[] | null;
}

/** Several datasets one after another; their meta information must match (except `ignore_keys`). */
export class ConcatDataset extends Wrapper {
  readonly datasets: Dataset[];
  readonly ignoreKeys: string[];
  readonly lazyInit: boolean;
  private cumulative: number[] = [];

  constructor(cfg: ConcatDatasetOptions, ctx: DatasetContext = {}) {
    super();
    checkKeys(cfg, ['datasets', 'lazy_init', 'ignore_keys'], 'ConcatDataset');
    if (!Array.isArray(cfg.datasets) || !cfg.datasets.length) throw new Error('ConcatDataset: datasets must be a non-empty list');
    this.datasets = cfg.datasets.map((d) => buildInner('ConcatDataset', d, ctx));
    const ik = cfg.ignore_keys ?? [];
    if (typeof ik !== 'string' && !Array.isArray(ik)) throw new TypeError(`ConcatDataset: ignore_keys should be a list or str, got ${JSON.stringify(ik)}`);
    this.ignoreKeys = typeof ik === 'string' ? [ik] : ik;
    this.lazyInit = cfg.lazy_init ?? false;
  }

  get metainfo(): Metainfo {
    return this.datasets[0].metainfo;
  }

  /** Initialises every dataset, then checks their meta information as mmengine does. */
  protected async doInit(): Promise<void> {
    for (const d of this.datasets) await d.fullInit();
    const first = this.datasets[0].metainfo;
    const keys = new Set(this.datasets.flatMap((d) => Object.keys(d.metainfo)));
    this.datasets.forEach((d, i) => {
      const meta = d.metainfo;
      for (const key of keys) {
        if (this.ignoreKeys.includes(key)) continue;
        if (!(key in meta)) throw new Error(`ConcatDataset: '${key}' is not in the meta information of dataset ${i + 1}`);
        if (!(key in first)) throw new Error(`ConcatDataset: '${key}' is not in the meta information of the first dataset`);
        if (JSON.stringify(meta[key]) !== JSON.stringify(first[key])) {
          throw new Error(`ConcatDataset: the meta information '${key}' of dataset ${i + 1} does not match the first dataset's (use ignore_keys to allow it)`);
        }
      }
    });
    let total = 0;
    this.cumulative = this.datasets.map((d) => (total += d.length));
  }

  protected get size(): number {
    return this.cumulative.at(-1) ?? 0;
  }

  /** (index of the dataset, index inside it) for a global index (mmengine `_get_ori_dataset_idx`). */
  datasetIndex(idx: number): [number, number] {
    const i = this.check(idx);
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    return [lo, lo === 0 ? i : i - this.cumulative[lo - 1]];
  }

  protected locate(idx: number): [Dataset, number] {
    const [d, local] = this.datasetIndex(idx);
    return [this.datasets[d], local];
  }
}

/** Options of `RepeatDataset`. */
export interface RepeatDatasetOptions {
  dataset: DatasetLike;
  /** Repeat times. */
  times: number;
  /** Default: false. */
  lazy_init?: boolean;
}

/** The dataset `times` times over (index `i` → `i % len(dataset)`). */
export class RepeatDataset extends Wrapper {
  readonly dataset: Dataset;
  readonly times: number;
  readonly lazyInit: boolean;
  private oriLen = 0;

  constructor(cfg: RepeatDatasetOptions, ctx: DatasetContext = {}) {
    super();
    checkKeys(cfg, ['dataset', 'times', 'lazy_init'], 'RepeatDataset');
    if (!Number.isInteger(cfg.times) || cfg.times < 1) throw new Error(`RepeatDataset: times must be a positive integer, got ${cfg.times}`);
    this.dataset = buildInner('RepeatDataset', cfg.dataset, ctx);
    this.times = cfg.times;
    this.lazyInit = cfg.lazy_init ?? false;
  }

  get metainfo(): Metainfo {
    return this.dataset.metainfo;
  }

  protected async doInit(): Promise<void> {
    await this.dataset.fullInit();
    this.oriLen = this.dataset.length;
  }

  protected get size(): number {
    return this.times * this.oriLen;
  }

  protected locate(idx: number): [Dataset, number] {
    return [this.dataset, idx % this.oriLen];
  }
}

/** Options of `ClassBalancedDataset`. */
export interface ClassBalancedDatasetOptions {
  dataset: DatasetLike;
  /** Frequency threshold t: categories rarer than t are oversampled. */
  oversample_thr: number;
  /** Default: false. */
  lazy_init?: boolean;
}

/**
 * Repeat factors as mmengine's `ClassBalancedDataset._get_repeat_factors`: f(c) = fraction of samples containing
 * category c; r(c) = max(1, sqrt(t / f(c))); r(I) = max of r(c) over I's categories (1 when it has none).
 */
export function classBalancedRepeatFactors(catIds: number[][], oversampleThr: number): number[] {
  const n = catIds.length;
  const freq = new Map<number, number>();
  for (const ids of catIds) for (const c of new Set(ids)) freq.set(c, (freq.get(c) ?? 0) + 1);
  const repeat = new Map<number, number>();
  for (const [c, count] of freq) repeat.set(c, Math.max(1, Math.sqrt(oversampleThr / (count / n))));
  return catIds.map((ids) => (ids.length ? Math.max(...[...new Set(ids)].map((c) => repeat.get(c)!)) : 1));
}

/** Oversamples rare classes: each sample appears ceil(r(I)) times (LVIS-style repeat factor sampling). */
export class ClassBalancedDataset extends Wrapper {
  readonly dataset: Dataset;
  readonly oversampleThr: number;
  readonly lazyInit: boolean;
  /** Per original sample, its repeat factor r(I). */
  repeatFactors: number[] = [];
  /** The original index of each sample of this dataset. */
  repeatIndices: number[] = [];

  constructor(cfg: ClassBalancedDatasetOptions, ctx: DatasetContext = {}) {
    super();
    checkKeys(cfg, ['dataset', 'oversample_thr', 'lazy_init'], 'ClassBalancedDataset');
    if (typeof cfg.oversample_thr !== 'number' || !(cfg.oversample_thr > 0)) throw new Error(`ClassBalancedDataset: oversample_thr must be a positive number, got ${cfg.oversample_thr}`);
    this.dataset = buildInner('ClassBalancedDataset', cfg.dataset, ctx);
    this.oversampleThr = cfg.oversample_thr;
    this.lazyInit = cfg.lazy_init ?? false;
  }

  get metainfo(): Metainfo {
    return this.dataset.metainfo;
  }

  protected async doInit(): Promise<void> {
    await this.dataset.fullInit();
    const catIds = Array.from({ length: this.dataset.length }, (_, i) => this.dataset.getCatIds(i));
    this.repeatFactors = classBalancedRepeatFactors(catIds, this.oversampleThr);
    this.repeatIndices = this.repeatFactors.flatMap((r, i) => new Array(Math.ceil(r)).fill(i));
  }

  protected get size(): number {
    return this.repeatIndices.length;
  }

  protected locate(idx: number): [Dataset, number] {
    return [this.dataset, this.repeatIndices[idx]];
  }
}

/** Options of `KFoldDataset`. */
export interface KFoldDatasetOptions {
  dataset: DatasetLike;
  /** Which fold (0-based) is the test part. Default: 0. */
  fold?: number;
  /** Number of folds. Default: 5. */
  num_splits?: number;
  /** true: this fold's samples (validation); false: all the other folds (training). Default: false. */
  test_mode?: boolean;
  /** Shuffle before splitting with `np.random.default_rng(seed)` (bit-exact with numpy); null keeps the order. Default: null. */
  seed?: number | null;
}

/**
 * MMPretrain `KFoldDataset`: indices (shuffled with numpy's `default_rng(seed)` when a seed is given, exactly as
 * MMPretrain does) are cut into `num_splits` folds at `len * k // num_splits`; test mode keeps fold `fold`, training
 * keeps the rest. The metainfo (classes) is the wrapped dataset's.
 */
export class KFoldDataset extends Wrapper {
  readonly dataset: Dataset;
  readonly fold: number;
  readonly numSplits: number;
  readonly testMode: boolean;
  readonly seed: number | null;
  readonly lazyInit: boolean;
  /** Original indices of this fold's samples. */
  oriIndices: number[] = [];

  constructor(cfg: KFoldDatasetOptions, ctx: DatasetContext = {}) {
    super();
    checkKeys(cfg, ['dataset', 'fold', 'num_splits', 'test_mode', 'seed'], 'KFoldDataset');
    this.dataset = buildInner('KFoldDataset', cfg.dataset, ctx);
    this.fold = cfg.fold ?? 0;
    this.numSplits = cfg.num_splits ?? 5;
    if (!Number.isInteger(this.numSplits) || this.numSplits < 2) throw new Error(`KFoldDataset: num_splits must be an integer ≥ 2, got ${this.numSplits}`);
    if (!Number.isInteger(this.fold) || this.fold < 0 || this.fold >= this.numSplits) throw new Error(`KFoldDataset: fold must be in [0, ${this.numSplits}), got ${this.fold}`);
    this.testMode = cfg.test_mode ?? false;
    this.seed = cfg.seed ?? null;
    this.lazyInit = !isDataset(cfg.dataset) && Boolean((cfg.dataset as BuildConfig).lazy_init);
  }

  get metainfo(): Metainfo {
    return deepCopy(this.dataset.metainfo);
  }

  /** The fold's original indices for a dataset of `n` samples. */
  static foldIndices(n: number, fold: number, numSplits: number, testMode: boolean, seed: number | null): number[] {
    const indices = Array.from({ length: n }, (_, i) => i);
    if (seed !== null) numpyShuffle(indices, seed);
    const start = Math.floor((n * fold) / numSplits);
    const end = Math.floor((n * (fold + 1)) / numSplits);
    return testMode ? indices.slice(start, end) : [...indices.slice(0, start), ...indices.slice(end)];
  }

  protected async doInit(): Promise<void> {
    await this.dataset.fullInit();
    this.oriIndices = KFoldDataset.foldIndices(this.dataset.length, this.fold, this.numSplits, this.testMode, this.seed);
  }

  protected get size(): number {
    return this.oriIndices.length;
  }

  protected locate(idx: number): [Dataset, number] {
    return [this.dataset, this.oriIndices[idx]];
  }

  /** MMPretrain's `__repr__`. */
  override toString(): string {
    const ordinal = (n: number) => {
      const i = ((Math.floor(n / 10) % 10 !== 1 ? 1 : 0) * (n % 10 < 4 ? 1 : 0) * n) % 10;
      return `${n}${'tsnrhtdd'[i]}${'tsnrhtdd'[i + 4]}`;
    };
    const body = [
      `Type: \t${this.testMode ? 'test' : 'training'}`,
      `Seed: \t${this.seed}`,
      `Fold: \t${ordinal(this.fold + 1)} of ${this.numSplits}-fold`,
      this.fullyInitialized ? `Number of samples: \t${this.size}` : "Haven't been initialized",
      this.CLASSES ? `Number of categories: \t${this.CLASSES.length}` : 'The `CLASSES` meta info is not set.',
      `Original dataset type:\t${this.dataset.constructor.name}`,
    ];
    return ['Dataset KFoldDataset', ...body.map((l) => '    ' + l)].join('\n');
  }
}
