/**
 * A small fixed conv2d + matMul workload: the micro-benchmark that picks a backend and the cross-backend parity check
 * run the same ops on the same deterministic inputs.
 */
import { tf, type Tensor, type Tensor2D, type Tensor4D } from './tf';

/** Sizes of the workload. Defaults: a 1×32×32×16 image through a 3×3 conv to 32 channels, then a 64×512 · 512×64 matMul. */
export interface WorkloadSize {
  /** Image side. Default 32. */
  side?: number;
  /** Input channels. Default 16. */
  inChannels?: number;
  /** Output channels. Default 32. */
  outChannels?: number;
  /** Rows of the matMul's left operand (must divide side² × outChannels). Default 64. */
  rows?: number;
}

/** Deterministic values in [-1, 1): a fixed sine pattern, identical on every backend and machine. */
export function fixedValues(n: number, phase: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.7853 + phase) * 0.5 + Math.cos(i * 0.1307 + 2 * phase) * 0.5;
  return out;
}

/** The workload's input tensors on the current backend (dispose with `disposeWorkloadInputs`). */
export interface WorkloadInputs {
  x: Tensor4D;
  w: Tensor4D;
  b: Tensor2D;
  rows: number;
}

export function makeWorkloadInputs(size: WorkloadSize = {}): WorkloadInputs {
  const side = size.side ?? 32;
  const inChannels = size.inChannels ?? 16;
  const outChannels = size.outChannels ?? 32;
  const rows = size.rows ?? 64;
  const inner = (side * side * outChannels) / rows;
  if (!Number.isInteger(inner)) throw new Error(`workload rows ${rows} must divide ${side}²×${outChannels}`);
  const scale = (v: Float32Array, s: number) => v.map((e) => e * s);
  return {
    x: tf.tensor4d(fixedValues(side * side * inChannels, 0.1), [1, side, side, inChannels]),
    w: tf.tensor4d(scale(fixedValues(9 * inChannels * outChannels, 0.7), 1 / Math.sqrt(9 * inChannels)), [3, 3, inChannels, outChannels]),
    b: tf.tensor2d(scale(fixedValues(inner * rows, 1.3), 1 / Math.sqrt(inner)), [inner, rows]),
    rows,
  };
}

export function disposeWorkloadInputs(inputs: WorkloadInputs): void {
  tf.dispose([inputs.x, inputs.w, inputs.b]);
}

/** conv2d (same padding) → relu → reshape → matMul, flattened (a tensor the caller disposes). */
export function applyWorkload(inputs: WorkloadInputs): Tensor {
  return tf.tidy(() => {
    const y = tf.relu(tf.conv2d(inputs.x, inputs.w, 1, 'same'));
    const a = tf.reshape(y, [inputs.rows, -1]);
    return tf.reshape(tf.matMul(a, inputs.b), [-1]);
  });
}

/** Builds the inputs, runs the workload once and disposes the inputs; returns the output (caller disposes). */
export function runWorkload(size: WorkloadSize = {}): Tensor {
  const inputs = makeWorkloadInputs(size);
  try {
    return applyWorkload(inputs);
  } finally {
    disposeWorkloadInputs(inputs);
  }
}
