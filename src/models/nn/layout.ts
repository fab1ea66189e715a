/**
 * Layout conversion at the API boundary. MMPretrain (and this project's API) is NCHW; layers compute in NHWC,
 * tfjs's native layout on every backend. Only rank-4 tensors are transposed; (N, C) and token tensors pass.
 */
import { tf, type Tensor } from '../../backends/tf';

/** NCHW → NHWC (rank-4 only; other ranks unchanged). */
export function toNHWC<T extends Tensor>(x: T): T {
  return (x.rank === 4 ? tf.transpose(x, [0, 2, 3, 1]) : x) as T;
}

/** NHWC → NCHW (rank-4 only; other ranks unchanged). */
export function toNCHW<T extends Tensor>(x: T): T {
  return (x.rank === 4 ? tf.transpose(x, [0, 3, 1, 2]) : x) as T;
}

/** A number or a pair, as PyTorch's `_pair`. */
export type Pair = number | [number, number] | readonly [number, number];

export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
