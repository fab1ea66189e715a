/**
 * mmengine's `DefaultSampler` and `InfiniteSampler` (`mmengine/dataset/sampler.py`), drawing permutations from the
 * seeded generator of `utils/random` (same seed → same order; not torch's stream).
 */
import { entropySeed, Generator } from '../../utils/random';
import { checkKeys } from '../../utils/options';
import { resolveDist } from './dist';
import type { Sampler, SamplerContext } from './sampler';

/** Options of `DefaultSampler`. */
export interface DefaultSamplerOptions {
  /** The dataset (or pass it in the context). */
  dataset?: { readonly length: number };
  /** Shuffle every epoch (seeded with `seed + epoch`). Default: true. */
  shuffle?: boolean;
  /** Shuffle seed. Default: the context's seed, else a random one (kept in `sampler.seed` to repeat a run). */
  seed?: number | null;
  /** Pad with repeated indices so every rank gets the same count. Default: true. */
  round_up?: boolean;
}

function pickSeed(seed: number | null | undefined, ctx: SamplerContext): number {
  const s = seed ?? ctx.seed;
  if (s !== null && s !== undefined) return s;
  // mmengine draws a random seed (`sync_random_seed`) when none is set; it is reported through `sampler.seed`.
  return entropySeed() & 0x7fffffff;
}

function datasetOf(who: string, cfg: { dataset?: { readonly length: number } }, ctx: SamplerContext): { readonly length: number } {
  const ds = cfg.dataset ?? ctx.dataset;
  if (!ds) throw new Error(`${who}: no dataset to sample (pass it in the config or the build context)`);
  return ds;
}

export class DefaultSampler implements Sampler {
  readonly shuffle: boolean;
  readonly seed: number;
  readonly roundUp: boolean;
  readonly rank: number;
  readonly worldSize: number;
  private readonly dataset: { readonly length: number };
  private epoch = 0;

  constructor(cfg: DefaultSamplerOptions = {}, ctx: SamplerContext = {}) {
    checkKeys(cfg, ['dataset', 'shuffle', 'seed', 'round_up'], 'DefaultSampler');
    this.dataset = datasetOf('DefaultSampler', cfg, ctx);
    ({ rank: this.rank, worldSize: this.worldSize } = resolveDist('DefaultSampler', ctx));
    this.shuffle = cfg.shuffle ?? true;
    this.seed = pickSeed(cfg.seed, ctx);
    this.roundUp = cfg.round_up ?? true;
  }

  /** Indices this rank yields per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.roundUp ? Math.ceil(n / this.worldSize) : Math.ceil((n - this.rank) / this.worldSize);
  }

  private get totalSize(): number {
    return this.roundUp ? Math.ceil(this.dataset.length / this.worldSize) * this.worldSize : this.dataset.length;
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  /** This epoch's indices for this rank. */
  indices(): number[] {
    const n = this.dataset.length;
    let idx = this.shuffle ? new Generator(this.seed + this.epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
    const total = this.totalSize;
    if (this.roundUp && n > 0) {
      const reps = Math.floor(total / idx.length) + 1;
      idx = Array.from({ length: reps }, () => idx).flat().slice(0, total);
    }
    return this.subsample(idx, total);
  }

  /** This rank's share of the padded index list (`indices[rank:total_size:world_size]`). */
  protected subsample(idx: number[], total: number): number[] {
    const out: number[] = [];
    for (let i = this.rank; i < total && i < idx.length; i += this.worldSize) out.push(idx[i]);
    return out;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}

/** Options of `InfiniteSampler`. */
export interface InfiniteSamplerOptions {
  dataset?: { readonly length: number };
  /** Shuffle each pass over the data. Default: true. */
  shuffle?: boolean;
  /** Seed. Default: the context's seed, else a random one (kept in `sampler.seed`). */
  seed?: number | null;
}

/** Endless indices (for iteration-based training): one seeded permutation after another, split across ranks. */
export class InfiniteSampler implements Sampler {
  readonly shuffle: boolean;
  readonly seed: number;
  readonly rank: number;
  readonly worldSize: number;
  private readonly dataset: { readonly length: number };

  constructor(cfg: InfiniteSamplerOptions = {}, ctx: SamplerContext = {}) {
    checkKeys(cfg, ['dataset', 'shuffle', 'seed'], 'InfiniteSampler');
    this.dataset = datasetOf('InfiniteSampler', cfg, ctx);
    ({ rank: this.rank, worldSize: this.worldSize } = resolveDist('InfiniteSampler', ctx));
    this.shuffle = cfg.shuffle ?? true;
    this.seed = pickSeed(cfg.seed, ctx);
  }

  /** The dataset size, as mmengine reports. */
  get length(): number {
    return this.dataset.length;
  }

  /** Not used: the stream continues across epochs (mmengine). */
  setEpoch(_epoch: number): void {}

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataset.length;
    if (n === 0) return;
    const rng = new Generator(this.seed);
    let position = 0;
    for (;;) {
      const pass = this.shuffle ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i);
      for (const i of pass) {
        if (position % this.worldSize === this.rank) yield i;
        position++;
      }
    }
  }
}

/** Options of MMPretrain's `SequentialSampler`. */
export interface SequentialSamplerOptions {
  dataset?: { readonly length: number };
  /** Pad with repeated indices so every rank gets the same count. Default: true. */
  round_up?: boolean;
  /** 'default' (every world_size-th index) or 'sequential' (contiguous blocks per rank). Default: 'default'. */
  subsample_type?: 'default' | 'sequential';
  /** Accepted as MMPretrain passes it through to `DefaultSampler` (ignored: never shuffles). */
  seed?: number | null;
}

/** MMPretrain `SequentialSampler`: a `DefaultSampler` that never shuffles, with contiguous per-rank blocks on request. */
export class SequentialSampler extends DefaultSampler {
  readonly subsampleType: 'default' | 'sequential';

  constructor(cfg: SequentialSamplerOptions = {}, ctx: SamplerContext = {}) {
    checkKeys(cfg, ['dataset', 'round_up', 'subsample_type', 'seed'], 'SequentialSampler');
    const { subsample_type = 'default', ...rest } = cfg;
    super({ ...rest, shuffle: false, seed: rest.seed ?? 0 }, ctx);
    if (subsample_type !== 'default' && subsample_type !== 'sequential') {
      throw new Error(`SequentialSampler: unsupported subsample_type '${subsample_type}', choose from 'default', 'sequential'`);
    }
    this.subsampleType = subsample_type;
  }

  protected override subsample(idx: number[], total: number): number[] {
    if (this.subsampleType === 'default') return super.subsample(idx, total);
    const per = Math.floor(total / this.worldSize);
    return idx.slice(this.rank * per, (this.rank + 1) * per);
  }
}
