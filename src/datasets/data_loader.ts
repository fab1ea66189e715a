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
import { rejectUnknownKeys } from './utils/options';
import { closestNames } from '../utils/closest';

/** Options of {@link DataLoader} (keys of a config's `train_dataloader`, minus `dataset` and `sampler`). */
export interface DataLoaderOptions {
  /** Samples per batch. Default: 1. */
  batch_size?: number;
  /** Drop the last incomplete batch. Default: false. */
  drop_last?: boolean;
  /** `{type: 'pseudo_collate' | 'default_collate'}`, a name, or a function. Default: pseudo_collate. */
  collate_fn?: { type: string } | string | CollateFn;
  /** Accepted for compatibility (workers are the caller's: run the iterator inside a Web Worker). Default: 0. */
  num_workers?: number;
  /** Accepted and ignored. */
  persistent_workers?: boolean;
  /** Accepted and ignored. */
  pin_memory?: boolean;
  /** Accepted and ignored (MMPretrain 0.x). */
  prefetch_factor?: number;
}

const LOADER_KEYS = ['batch_size', 'drop_last', 'collate_fn', 'num_workers', 'persistent_workers', 'pin_memory', 'prefetch_factor'];

function resolveCollate(c: DataLoaderOptions['collate_fn']): CollateFn {
  if (c === undefined) return COLLATE_FUNCTIONS.pseudo_collate;
  if (typeof c === 'function') return c;
  const name = typeof c === 'string' ? c : c.type;
  const fn = COLLATE_FUNCTIONS[name];
  if (!fn) {
    const close = closestNames(name, Object.keys(COLLATE_FUNCTIONS));
    throw new Error(`Unknown collate_fn '${name}'${close.length ? ` — did you mean ${close.map((n) => `'${n}'`).join(', ')}?` : ''}`);
  }
  return fn;
}

/** A batch: the collated samples plus which dataset indices they came from. */
export type Batch = DataInfo & { indices?: number[] };

export class DataLoader implements AsyncIterable<Batch> {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly collate: CollateFn;

  constructor(
    readonly dataset: Dataset,
    readonly sampler: Sampler,
    opts: DataLoaderOptions = {},
  ) {
    rejectUnknownKeys(opts, LOADER_KEYS, 'DataLoader');
    this.batchSize = opts.batch_size ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`DataLoader: batch_size must be a positive integer, got ${opts.batch_size}`);
    this.dropLast = opts.drop_last ?? false;
    this.collate = resolveCollate(opts.collate_fn);
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

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    let pending: number[] = [];
    const emit = async (indices: number[]): Promise<Batch> => {
      const samples = await Promise.all(indices.map((i) => this.dataset.getItem(i)));
      return { ...this.collate(samples) };
    };
    for (const idx of this.sampler) {
      pending.push(idx);
      if (pending.length === this.batchSize) {
        const batch = pending;
        pending = [];
        yield emit(batch);
      }
    }
    if (pending.length && !this.dropLast) yield emit(pending);
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
  const { dataset: dsCfg, sampler: samplerCfg, shuffle, ...loaderOpts } = cfg;
  rejectUnknownKeys(loaderOpts, LOADER_KEYS, 'dataloader config');
  const dataset = isBuildConfig(dsCfg) ? DATASETS.build<Dataset>(dsCfg, opts.ctx ?? {}) : dsCfg;
  await dataset.fullInit();
  const sCfg = samplerCfg ?? { type: 'DefaultSampler', shuffle: shuffle ?? false };
  const sampler = isBuildConfig(sCfg) ? DATA_SAMPLERS.build<Sampler>(sCfg, { dataset, seed: opts.seed ?? null }) : sCfg;
  return new DataLoader(dataset, sampler, loaderOpts);
}

function isBuildConfig(v: unknown): v is BuildConfig {
  return !!v && typeof v === 'object' && 'type' in v && !('getItem' in v) && !(Symbol.iterator in v);
}
