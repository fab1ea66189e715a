/**
 * A small seedable generator (xoshiro128**, seeded through splitmix32) for the data side: samplers, k-fold
 * shuffling and refetching. Same seed → same sequence on every platform. Not numpy's or torch's stream: only
 * reproducibility within mmpretrain-web is promised.
 */
export interface Rng {
  /** The seed this generator started from (reported so a run can be repeated). */
  readonly seed: number;
  /** A float in [0, 1). */
  random(): number;
  /** An integer in [0, n). */
  randint(n: number): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** A random permutation of 0…n-1 (`torch.randperm`). */
  permutation(n: number): number[];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator seeded with `seed` (an integer; larger values are folded to 32 bits). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  const folded = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
  const sm = splitmix32(folded);
  const s = new Uint32Array([sm(), sm(), sm(), sm()]);
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const random = () => next() / 2 ** 32;
  const randint = (n: number) => {
    if (!(n > 0)) throw new Error(`randint: n must be positive, got ${n}`);
    return Math.floor(random() * n);
  };
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = randint(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  return { seed, random, randint, shuffle, permutation: (n) => shuffle(Array.from({ length: n }, (_, i) => i)) };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Mixes integers into one 32-bit seed (murmur3 finaliser over each word): distinct inputs give unrelated seeds. */
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
