/**
 * The seedable generator every random transform draws from (never `Math.random()`).
 * xoshiro128** seeded through splitmix32: fast, 32-bit, reproducible in the page, workers and Node.
 * Equality with numpy's stream is not a goal; replaying recorded parameters is how parity is checked.
 */
export class RandomGenerator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed` (any finite number; its 32-bit pattern is used). */
  seed(seed: number): void {
    let x = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spareNormal = null;
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

  /** An integer in [low, high) (`np.random.randint(low, high)`); `high` must exceed `low`. */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
    return low + Math.floor(this.random() * (high - low));
  }

  /** Normally distributed (`np.random.normal`), Marsaglia polar method. */
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

  /** Picks an index with probabilities `p` (`np.random.choice(len(p), p=p)`). */
  choiceIndex(p: readonly number[]): number {
    const total = p.reduce((a, b) => a + b, 0);
    let r = this.random() * total;
    for (let i = 0; i < p.length; i++) {
      r -= p[i];
      if (r < 0) return i;
    }
    return p.length - 1;
  }

  /** A random permutation of 0..n-1 (`np.random.permutation(n)`). */
  permutation(n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** Draws a fresh seed for a child generator (e.g. one per worker). */
  spawnSeed(): number {
    return this.nextUint32();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seed from the platform's entropy source for unseeded pipelines (like mmengine without `randomness.seed`). */
export function entropySeed(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0];
}
