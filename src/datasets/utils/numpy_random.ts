/**
 * numpy's `np.random.default_rng(seed)` (SeedSequence → PCG64) and `Generator.shuffle`, bit-exact, so seeded
 * shuffles that MMPretrain does with numpy — `KFoldDataset`'s fold split — give the same partitions here.
 * Only the pieces those call sites need: integer seeds, `next_uint32`/`next_uint64`, `random_interval`.
 */

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;
const PCG_MULT = (2549297995355413924n << 64n) + 4865540595714422341n;

// SeedSequence constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** `SeedSequence(seed).generate_state(nWords, uint32)` for a non-negative integer seed. */
export function seedSequenceState(seed: number | bigint, nWords: number): Uint32Array {
  let e = BigInt(seed);
  if (e < 0n) throw new Error(`numpy SeedSequence: the seed must be non-negative, got ${seed}`);
  const entropy: number[] = [];
  do {
    entropy.push(Number(e & M32));
    e >>= 32n;
  } while (e > 0n);
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> XSHIFT)) >>> 0;
  };
  const pool = new Array<number>(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  const out = new Uint32Array(nWords);
  let hb = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL_SIZE] ^ hb) >>> 0;
    hb = Math.imul(hb, MULT_B) >>> 0;
    v = Math.imul(v, hb) >>> 0;
    out[i] = (v ^ (v >>> XSHIFT)) >>> 0;
  }
  return out;
}

/** numpy's PCG64 bit generator (XSL-RR 128/64), seeded as `np.random.default_rng(seed)` seeds it. */
export class NumpyPCG64 {
  private state = 0n;
  private readonly inc: bigint;
  private hasUint32 = false;
  private uinteger = 0;

  constructor(seed: number | bigint) {
    const w = seedSequenceState(seed, 8);
    const u64 = (i: number) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i]);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.inc = ((initSeq << 1n) | 1n) & M128;
    this.step();
    this.state = (this.state + initState) & M128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & M128;
  }

  nextUint64(): bigint {
    this.step();
    const rot = Number(this.state >> 122n);
    const v = ((this.state >> 64n) ^ this.state) & M64;
    return rot === 0 ? v : ((v >> BigInt(rot)) | (v << BigInt(64 - rot))) & M64;
  }

  nextUint32(): number {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    const next = this.nextUint64();
    this.hasUint32 = true;
    this.uinteger = Number(next >> 32n);
    return Number(next & M32);
  }

  /** numpy `random_interval(max)`: uniform in [0, max] by masked rejection. */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new Error('randomInterval: ranges above 2^32 are not needed here');
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }
}

/** `np.random.default_rng(seed).shuffle(items)` — in place, bit-exact with numpy ≥ 1.17. */
export function numpyShuffle<T>(items: T[], seed: number): T[] {
  const g = new NumpyPCG64(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = g.randomInterval(i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
