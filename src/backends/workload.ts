/**
 * A small fixed conv2d + matMul workload: the micro-benchmark that picks a backend and the cross-backend parity check
 * run the same ops on the same deterministic inputs.
 */
import { tf, type Tensor } from './tf';

/** Sizes of the workload. Defaults: a 1×32×32×16 image through a 3×3 conv to 32 channels, then a 64×512 · 512×64 matMul. */
export interface WorkloadSize {
  /** Image side. Default 32. */
  side?: number;
  /** Input channels. Default 16. */
  inChannels?: number;
  /** Output channels. Default 32. */
  outChannels?: number;
  /** Rows of the matMul's left operand. Default 64. */
  rows?: number;
}

/** Deterministic values in [-1, 1): a fixed sine pattern, identical on every backend and machine. */
export function fixedValues(n: number, phase: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.7853 + phase) * 0.5 + Math.cos(i * 0.1307 + 2 * phase) * 0.5;
  return out;
}

interface Resolved {
  side: number;
  inChannels: number;
  outChannels: number;
  rows: number;
}

function resolve(size: WorkloadSize): Resolved {
  return { side: size.side ?? 32, inChannels: size.inChannels ?? 16, outChannels: size.outChannels ?? 32, rows: size.rows ?? 64 };
}

/**
 * Runs conv2d (same padding) → relu → reshape → matMul on the current backend and returns the flattened result
 * (a tensor the caller disposes). Inputs are created and disposed inside.
 */
export function runWorkload(size: WorkloadSize = {}): Tensor {
  const { side, inChannels, outChannels, rows } = resolve(size);
  return tf.tidy(() => {
    const x = tf.tensor4d(fixedValues(side * side * inChannels, 0.1), [1, side, side, inChannels]);
    const w = tf.tensor4d(fixedValues(9 * inChannels * outChannels, 0.7), [3, 3, inChannels, outChannels]);
    const y = tf.relu(tf.conv2d(x, tf.mul(w, tf.scalar(0.2)), 1, 'same'));
    const inner = (side * side * outChannels) / rows;
    const a = tf.reshape(y, [rows, inner]);
    const b = tf.tensor2d(fixedValues(inner * rows, 1.3), [inner, rows]);
    return tf.reshape(tf.matMul(a, tf.mul(b, tf.scalar(1 / Math.sqrt(inner)))), [-1]);
  });
}
