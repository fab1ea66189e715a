/**
 * A `torch.utils.data.DataLoader`-like batch iterator: a pure async iterator over a dataset (no DOM, no threads of
 * its own), so it runs the same in the page, in a Web Worker and in Node. Samples of a batch are fetched
 * concurrently (asynchronous image decoding overlaps), then collated.
 */
import { DATA_SAMPLERS, DATASETS, type BuildConfig } from '../registry';
import type { Dataset, DataInfo } from './types';
import type { Sampler } from './samplers/sampler';
import { COLLATE_FUNCTIONS, type CollateFn } from './collate';
import type { DatasetContext } from './base_dataset';
import { checkKeys, didYouMean } from '../utils/options';

/** Options of {@link DataLoader} (keys of a config's `train_dataloader`, minus `dataset` and `sampler`). */
export interface DataLoaderOptions {
  /** Samples per batch. Default: 1. */
  batch_size?: number;
  /** Drop the last incomplete batch. Default: false. */
  drop_last?: boolean;
  /** `{type: 'pseudo_collate' | 'default_collate'}`, a name, or a function. Default: pseudo_collate. */
  collate_fn?: { type: string } | string | CollateFn;
  /**
   * With `num_workers > 0`, batches are prepared ahead of the consumer (`prefetch_factor` each, as torch's loader
   * keeps `num_workers × prefetch_factor` in flight), so asynchronous decoding overlaps the training step. The
   * loader itself stays single-threaded: run it inside a Web Worker to take it off the page. Default: 0.
   */
  num_workers?: number;
  /** Accepted and ignored. */
  persistent_workers?: boolean;
  /** Accepted and ignored. */
  pin_memory?: boolean;
  /** Batches prepared ahead per worker when `num_workers > 0`. Default: 2. */
  prefetch_factor?: number;
  /** torch options with no meaning here: accepted and ignored. */
  timeout?: number;
  pin_memory_device?: string;
}

const LOADER_KEYS = ['batch_size', 'drop_last', 'collate_fn', 'num_workers', 'persistent_workers', 'pin_memory', 'prefetch_factor', 'timeout', 'pin_memory_device'];

function resolveCollate(c: DataLoaderOptions['collate_fn']): CollateFn {
  if (c === undefined) return COLLATE_FUNCTIONS.pseudo_collate;
  if (typeof c === 'function') return c;
  const name = typeof c === 'string' ? c : c.type;
  const fn = COLLATE_FUNCTIONS[name];
  if (!fn) throw new Error(`Unknown collate_fn '${name}'${didYouMean(name, Object.keys(COLLATE_FUNCTIONS))}`);
  return fn;
}

/** A batch: the collated samples plus which dataset indices they came from. */
export type Batch = DataInfo & { indices?: number[] };

export class DataLoader implements AsyncIterable<Batch> {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly collate: CollateFn;
  /** Batches kept in flight ahead of the consumer (`num_workers × prefetch_factor`; 0 = none). */
  readonly prefetch: number;

  constructor(
    readonly dataset: Dataset,
    readonly sampler: Sampler,
    opts: DataLoaderOptions = {},
  ) {
    checkKeys(opts, LOADER_KEYS, 'DataLoader');
    this.batchSize = opts.batch_size ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`DataLoader: batch_size must be a positive integer, got ${opts.batch_size}`);
    this.dropLast = opts.drop_last ?? false;
    this.collate = resolveCollate(opts.collate_fn);
    const workers = opts.num_workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new Error(`DataLoader: num_workers must be a non-negative integer, got ${opts.num_workers}`);
    this.prefetch = workers * (opts.prefetch_factor ?? 2);
  }

  /** Batches per epoch (`len(dataloader)`). */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Passes the epoch to the sampler (new shuffle). */
  setEpoch(epoch: number): void {
    this.sampler.setEpoch(epoch);
  }

  /** The sampler's indices cut into batches (the last one short unless `drop_last`). */
  private *batchIndices(): Generator<number[]> {
    let pending: number[] = [];
    for (const idx of this.sampler) {
      pending.push(idx);
      if (pending.length === this.batchSize) {
        yield pending;
        pending = [];
      }
    }
    if (pending.length && !this.dropLast) yield pending;
  }

  private async makeBatch(indices: number[]): Promise<Batch> {
    const samples = await Promise.all(indices.map((i) => this.dataset.getItem(i)));
    return { ...this.collate(samples) };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const plan = this.batchIndices();
    const inFlight: Array<Promise<Batch>> = [];
    const launch = (): boolean => {
      const next = plan.next();
      if (next.done) return false;
      const p = this.makeBatch(next.value);
      p.catch(() => {}); // observed when awaited below; avoids an unhandled rejection while queued
      inFlight.push(p);
      return true;
    };
    while (inFlight.length <= this.prefetch && launch());
    while (inFlight.length) {
      const batch = await inFlight.shift()!;
      launch();
      yield batch;
    }
  }
}

/** A dataloader config as in MMPretrain (`train_dataloader = dict(batch_size=…, dataset=dict(…), sampler=dict(…))`). */
export interface DataLoaderConfig extends DataLoaderOptions {
  dataset: BuildConfig | Dataset;
  sampler?: BuildConfig | Sampler;
  /** MMPretrain 0.x style shorthand for the sampler's shuffle when no sampler is given. */
  shuffle?: boolean;
}

/**
 * Builds a loader from a dataloader config (mmengine `Runner.build_dataloader`): the dataset through `DATASETS`
 * (initialised), the sampler through `DATA_SAMPLERS` with the dataset and `seed` (the runner's `randomness.seed`).
 */
export async function buildDataLoader(cfg: DataLoaderConfig, opts: { seed?: number | null; ctx?: DatasetContext } = {}): Promise<DataLoader> {
  if ((cfg as { batch_sampler?: unknown }).batch_sampler) throw new Error('dataloader config: batch_sampler is not supported (use sampler + batch_size)');
  const { dataset: dsCfg, sampler: samplerCfg, shuffle, ...loaderOpts } = cfg;
  checkKeys(loaderOpts, LOADER_KEYS, 'dataloader config');
  const dataset = isBuildConfig(dsCfg) ? DATASETS.build<Dataset>(dsCfg, opts.ctx ?? {}) : dsCfg;
  await dataset.fullInit();
  const sCfg = samplerCfg ?? { type: 'DefaultSampler', shuffle: shuffle ?? false };
  const sampler = isBuildConfig(sCfg) ? DATA_SAMPLERS.build<Sampler>(sCfg, { dataset, seed: opts.seed ?? null }) : sCfg;
  return new DataLoader(dataset, sampler, loaderOpts);
}

function isBuildConfig(v: unknown): v is BuildConfig {
  return !!v && typeof v === 'object' && 'type' in v && !('getItem' in v) && !(Symbol.iterator in v);
}
