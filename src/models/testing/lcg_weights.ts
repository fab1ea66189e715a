/**
 * Deterministic weights for parity tests without stored checkpoints: a 32-bit LCG (s ← 1664525·s + 1013904223 mod
 * 2³², value s/2³¹ − 1) walked over the state dict in PyTorch order, as the Python generator next to each fixture does.
 * Tensors of rank ≥ 2 (conv, linear, complex filter weights) get U(±√(6/fan_in)), fan_in = Π shape[1:]; other
 * weights (norms, layer scales) and running variances 1 + 0.25·u; biases and running means 0.1·u.
 */
import { tf } from '../../backends/tf';
import type { AnyModule } from '../nn/module';
import type { StateDict } from '../nn/state_dict';

export class Lcg {
  constructor(private state: number) {}
  take(n: number): Float64Array {
    const out = new Float64Array(n);
    let s = this.state;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s / 2147483648 - 1;
    }
    this.state = s;
    return out;
  }
}

/** Loads LCG weights (seeded `seed`) into `model` strictly, in its state-dict order. */
export function fillLcg(model: AnyModule, seed: number): void {
  const g = new Lcg(seed);
  const sd: StateDict = new Map();
  for (const [k, shape] of model.stateDictShapes()) {
    if (k.endsWith('num_batches_tracked')) {
      sd.set(k, { dtype: 'int64', shape: [], data: BigInt64Array.of(0n) });
      continue;
    }
    const u = g.take(shape.reduce((a, b) => a * b, 1));
    let f: (v: number) => number;
    if (shape.length >= 2) {
      const bound = Math.sqrt(6 / shape.slice(1).reduce((a, b) => a * b, 1));
      f = (v) => v * bound;
    } else if (k.endsWith('running_var') || k.endsWith('weight')) f = (v) => 1 + 0.25 * v;
    else f = (v) => 0.1 * v;
    sd.set(k, { dtype: 'float32', shape, data: Float32Array.from(u, f) });
  }
  tf.tidy(() => {
    model.loadStateDict(sd);
  });
}

/** A reference output summarised by the generators: shape, Σy, Σ|y| and values at evenly spaced flat indices (NCHW). */
export interface OutputSummary {
  shape: number[];
  sum: number;
  abs_sum: number;
  samples: number[];
  sample_index: number[];
}

/**
 * Errors of `data` (an NCHW output, flat) against `ref`: Σy and Σ|y| relative to Σ|y|, and the largest sampled
 * |y − ref| / (max(1, |ref|) + 0.3·mean|ref|) — the scale term because deep stacks under these weights can grow
 * activations to 10³, where float32 rounding is relative to the map's scale rather than to each value.
 */
export function summaryErrors(data: ArrayLike<number>, ref: OutputSummary): { sum: number; absSum: number; samples: number } {
  let sum = 0;
  let abs = 0;
  for (let i = 0; i < data.length; i++) {
    sum += data[i];
    abs += Math.abs(data[i]);
  }
  const scale = ref.abs_sum / data.length;
  let samples = 0;
  ref.sample_index.forEach((j, q) => {
    const e = Math.abs(data[j] - ref.samples[q]) / (Math.max(1, Math.abs(ref.samples[q])) + 0.3 * scale);
    samples = Math.max(samples, Number.isFinite(e) ? e : Infinity);
  });
  return { sum: Math.abs(sum - ref.sum) / ref.abs_sum, absSum: Math.abs(abs - ref.abs_sum) / ref.abs_sum, samples };
}
