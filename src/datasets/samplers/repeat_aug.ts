/**
 * MMPretrain `RepeatAugSampler` (`datasets/samplers/repeat_aug.py`, from DeiT): each index is repeated
 * `num_repeats` times before being split across ranks, so the ranks see different augmentations of the same
 * images; each rank yields `ceil(len / world_size)` indices per epoch.
 */
import { entropySeed, Generator } from '../../utils/random';
import { checkKeys } from '../../utils/options';
import { resolveDist } from './dist';
import type { Sampler, SamplerContext } from './sampler';

/** Options of `RepeatAugSampler`. */
export interface RepeatAugSamplerOptions {
  dataset?: { readonly length: number };
  /** Shuffle every epoch (seeded with `seed + epoch`). Default: true. */
  shuffle?: boolean;
  /** Repeats of each index. Default: 3. */
  num_repeats?: number;
  /** Default: the context's seed, else random (kept in `sampler.seed`). */
  seed?: number | null;
}

export class RepeatAugSampler implements Sampler {
  readonly shuffle: boolean;
  readonly numRepeats: number;
  readonly seed: number;
  readonly rank: number;
  readonly worldSize: number;
  private readonly dataset: { readonly length: number };
  private epoch = 0;

  constructor(cfg: RepeatAugSamplerOptions = {}, ctx: SamplerContext = {}) {
    checkKeys(cfg, ['dataset', 'shuffle', 'num_repeats', 'seed'], 'RepeatAugSampler');
    const ds = cfg.dataset ?? ctx.dataset;
    if (!ds) throw new Error('RepeatAugSampler: no dataset to sample (pass it in the config or the build context)');
    this.dataset = ds;
    ({ rank: this.rank, worldSize: this.worldSize } = resolveDist('RepeatAugSampler', ctx));
    this.shuffle = cfg.shuffle ?? true;
    this.numRepeats = cfg.num_repeats ?? 3;
    if (!Number.isInteger(this.numRepeats) || this.numRepeats < 1) throw new Error(`RepeatAugSampler: num_repeats must be a positive integer, got ${cfg.num_repeats}`);
    const seed = cfg.seed ?? ctx.seed;
    this.seed = seed ?? entropySeed() & 0x7fffffff;
  }

  /** Indices per rank per epoch (`num_selected_samples`). */
  get length(): number {
    return Math.ceil(this.dataset.length / this.worldSize);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  indices(): number[] {
    const n = this.dataset.length;
    const base = this.shuffle ? new Generator(this.seed + this.epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
    const repeated = base.flatMap((x) => new Array(this.numRepeats).fill(x) as number[]);
    const numSamples = Math.ceil((n * this.numRepeats) / this.worldSize);
    const total = numSamples * this.worldSize;
    const padded = [...repeated, ...repeated.slice(0, total - repeated.length)];
    const mine: number[] = [];
    for (let i = this.rank; i < total; i += this.worldSize) mine.push(padded[i]);
    return mine.slice(0, this.length);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}
