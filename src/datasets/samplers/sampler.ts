/** The sampler interface (a `torch.utils.data.Sampler` of indices) and how samplers find their dataset. */
import type { DistInfo } from './dist';

/** Yields dataset indices; `length` is the number yielded per epoch by this rank. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
  /** Called by the training loop before each epoch (changes the shuffle). */
  setEpoch(epoch: number): void;
}

/** What the registry's extra argument may carry when building a sampler (`DATA_SAMPLERS.build(cfg, ctx)`). */
export interface SamplerContext extends DistInfo {
  /** The dataset to sample (mmengine passes it as `default_args`). */
  dataset?: { readonly length: number };
  /** Seed used when the config gives none (the runner's `randomness.seed`). */
  seed?: number | null;
}
