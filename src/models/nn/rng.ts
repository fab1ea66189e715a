/**
 * A small seedable random generator for weight initialisation and stochastic layers (Dropout, DropPath).
 * Engine code never calls `Math.random()`: it takes one of these, so a seed reproduces a run.
 */
export class Generator {
  private state: number;

  /** @param seed any integer; the same seed gives the same stream. */
  constructor(seed = 0) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1) (mulberry32). */
  random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  /** A fresh integer seed, e.g. for `tf.randomUniform(..., seed)`. */
  nextSeed(): number {
    return Math.floor(this.random() * 2 ** 31);
  }

  /** `n` samples of `U(low, high)`. */
  uniformArray(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.random();
    return out;
  }

  /** `n` samples of `N(mean, std²)`. */
  normalArray(n: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** `n` samples of `N(mean, std²)` redrawn until inside [a, b] (as `torch.nn.init.trunc_normal_`). */
  truncNormalArray(n: number, mean: number, std: number, a: number, b: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = mean + std * this.normal();
      while (v < a || v > b);
      out[i] = v;
    }
    return out;
  }

  /** Integer in [low, high). */
  randint(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
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

  /** Beta(a, b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** Index drawn with probabilities `p` (as `np.random.choice(len(p), p=p)`). */
  choice(p: number[]): number {
    let u = this.random() * p.reduce((a, b) => a + b, 0);
    for (let i = 0; i < p.length; i++) if ((u -= p[i]) < 0) return i;
    return p.length - 1;
  }
}
