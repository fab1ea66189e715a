/**
 * The one seedable random generator of the project. Engine code never calls `Math.random()`: weight initialisation,
 * stochastic layers (Dropout, DropPath), batch augments, random transforms, samplers and refetching each draw from a
 * {@link Generator} that is passed in or built from the runner's seed (`randomness.seed`), so a seed repeats a run in
 * the page, in workers and in Node. No module keeps a generator of its own.
 *
 * xoshiro128** seeded through splitmix32: fast, 32-bit, and its whole state is four words ({@link Generator.getState}).
 * Equality with numpy's or torch's streams is not a goal (replaying recorded parameters is how parity is checked;
 * `datasets/utils/numpy_random.ts` reproduces numpy's own shuffle where a dataset wrapper needs it bit-exact).
 */
export class Generator {
  private readonly s = new Uint32Array(4);
  private spareNormal: number | null = null;

  /** @param seed any finite number (its integer part; values beyond 32 bits are folded in). Same seed, same stream. */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed`. */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`Generator: the seed must be a finite number, got ${seed}`);
    let x = ((Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spareNormal = null;
  }

  /** The whole state as plain numbers (for a checkpoint's JSON or pickle); {@link setState} continues from it. */
  getState(): number[] {
    return [...this.s, ...(this.spareNormal === null ? [] : [this.spareNormal])];
  }

  /** Continues the stream of the generator whose {@link getState} gave `state`. */
  setState(state: readonly number[]): void {
    const ok = (state.length === 4 || state.length === 5) && state.slice(0, 4).every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32);
    if (!ok || state.slice(0, 4).every((w) => w === 0)) throw new Error(`Generator.setState: expected four 32-bit words (not all zero) and an optional spare normal, got ${JSON.stringify(state)}`);
    this.s.set(state.slice(0, 4));
    this.spareNormal = state.length === 5 ? state[4] : null;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (`np.random.random`). */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high) (`np.random.uniform`). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** An integer in [low, high), or in [0, low) when `high` is left out (`np.random.randint`); the range must not be empty. */
  randint(low: number, high?: number): number {
    const [a, b] = high === undefined ? [0, low] : [low, high];
    if (!(b > a)) throw new Error(`randint: high (${b}) must be greater than low (${a})`);
    return a + Math.floor(this.random() * (b - a));
  }

  /** Normally distributed (`np.random.normal`), Marsaglia's polar method (pairs: every other call is free). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.random() * 2 - 1;
      v = this.random() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + std * u * f;
  }

  /** A fresh 32-bit seed: for a child generator (one per worker, per erased patch) or `tf.randomUniform(..., seed)`. */
  nextSeed(): number {
    return this.nextUint32();
  }

  /** `n` samples of `U(low, high)`. */
  uniformArray(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** `n` samples of `N(mean, std²)`. */
  normalArray(n: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** `n` samples of `N(mean, std²)` redrawn until inside [a, b] (as `torch.nn.init.trunc_normal_`). */
  truncNormalArray(n: number, mean: number, std: number, a: number, b: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = this.normal(mean, std);
      while (v < a || v > b);
      out[i] = v;
    }
    return out;
  }

  /** Shuffles `items` in place (Fisher–Yates, from the end) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A random permutation of 0..n-1 (`np.random.permutation(n)`, `torch.randperm`). */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** Picks an index with probabilities `p` (`np.random.choice(len(p), p=p)`; `p` need not sum to 1). */
  choice(p: readonly number[]): number {
    let r = this.random() * p.reduce((a, b) => a + b, 0);
    for (let i = 0; i < p.length; i++) if ((r -= p[i]) < 0) return i;
    return p.length - 1;
  }

  /** Gamma(shape, 1) (Marsaglia–Tsang). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.random() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.random();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) (`np.random.beta`). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Mixes integers into one 32-bit seed (murmur3's finaliser over each word): distinct inputs give unrelated seeds.
 * How one seed becomes many streams: a sample's augmentation generator is `mixSeed(seed, index, fetchCount)`.
 */
export function mixSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul((w >>> 0) ^ Math.trunc(w / 2 ** 32), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seed from the platform's entropy source for unseeded runs (mmengine draws one when `randomness.seed` is None). */
export function entropySeed(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0];
}
