/**
 * Dense k-nearest-neighbour graphs of Vision GNN (`xy_dense_knn_matrix`, `DenseDilated`, `batched_index_select` of
 * MMPretrain's `backbones/vig.py`), on node features laid out [B, N, C].
 *
 * The neighbour indices come from `topk` and carry no gradient (PyTorch builds them under `no_grad`). The feature
 * lookup `gatherNeighbours` is differentiable in the features: its forward is a `gather`, its backward the transpose
 * product with the 0/1 matrix of the indices (tfjs's own gather gradient needs UnsortedSegmentSum, which the WASM
 * backend lacks).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';

/** `F.normalize(x, p=2, dim=-1)`: x / max(‖x‖₂, 1e-12) along the last axis. */
export function l2Normalize(x: Tensor): Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12)));
}

/**
 * Squared distances ‖x_i‖² − 2 x_i·y_j + ‖y_j‖² between the rows of x [B, N, C] and y [B, M, C] → [B, N, M],
 * summed in PyTorch's order.
 */
export function pairwiseSquaredDistance(x: Tensor, y: Tensor): Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.matMul(x, y, false, true), -2);
    const xs = tf.sum(tf.square(x), -1, true);
    const ys = tf.expandDims(tf.sum(tf.square(y), -1), 1);
    return tf.add(tf.add(xs, inner), ys);
  });
}

/**
 * Indices [B, N, k] (int32) of the k nearest rows of y for each row of x (after L2-normalising both along the
 * channels), nearest first, with `relativePos` [1, N, M] added to the distances. No gradient flows through.
 */
export function denseKnn(x: Tensor, y: Tensor, k: number, relativePos: Tensor | null = null): Tensor {
  return tf.tidy(() => {
    const m = y.shape[1]!;
    assert(k <= m, () => `denseKnn: k=${k} neighbours requested from ${m} nodes (selected index is out of range)`);
    let dist = pairwiseSquaredDistance(l2Normalize(x), l2Normalize(y));
    if (relativePos) dist = tf.add(dist, relativePos);
    return tf.topk(tf.neg(dist), k).indices;
  });
}

/**
 * `DenseDilated`: of the k·d nearest neighbours [B, N, k·d], every d-th (`[..., ::d]`), or — when `randomPick`
 * (the stochastic branch of training) is given — the positions it lists (a random permutation's first k).
 */
export function dilateNeighbours(idx: Tensor, dilation: number, randomPick: number[] | null = null): Tensor {
  return tf.tidy(() => {
    if (randomPick) return tf.gather(idx, tf.tensor1d(randomPick, 'int32'), 2);
    if (dilation === 1) return tf.clone(idx);
    const [b, n, kd] = idx.shape as [number, number, number];
    // [..., ::d] as the first of each group of d (WASM's StridedSlice gives zeros for int32 inputs)
    return tf.reshape(tf.slice(tf.reshape(idx, [b, n, kd / dilation, dilation]), [0, 0, 0, 0], [b, n, kd / dilation, 1]), [b, n, kd / dilation]);
  });
}

/** The 0/1 matrix [B, N·k, M] with a one at (b, i, idx[b, i]) (float32). */
function indexMatrix(idx: Tensor, m: number): Tensor {
  return tf.tidy(() => {
    const [b, n, k] = idx.shape as [number, number, number];
    const flat = tf.reshape(idx, [b, n * k, 1]);
    return tf.cast(tf.equal(flat, tf.reshape(tf.range(0, m, 1, 'int32'), [1, 1, m])), 'float32');
  });
}

/**
 * `batched_index_select` in channels-last form: y [B, M, C], idx [B, N, k] (int32, values in [0, M)) →
 * [B, N, k, C] with out[b, i, j] = y[b, idx[b, i, j]]. Differentiable in y on every backend.
 */
export function gatherNeighbours(y: Tensor, idx: Tensor): Tensor {
  const [b, m, c] = y.shape as [number, number, number];
  const [bi, n, k] = idx.shape as [number, number, number];
  assert(bi === b, () => `gatherNeighbours: batch ${bi} of the indices differs from ${b} of the features`);
  const lookup = tf.customGrad((yIn, saveArg) => {
    const save = saveArg as (tensors: Tensor[]) => void;
    save([idx]);
    const offsets = tf.reshape(tf.range(0, b * m, m, 'int32'), [b, 1, 1]);
    const rows = tf.reshape(tf.add(idx, offsets), [-1]);
    const value = tf.reshape(tf.gather(tf.reshape(yIn as Tensor, [b * m, c]), rows), [b, n, k, c]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const onehot = indexMatrix(saved[0], m);
        return [tf.matMul(onehot, tf.reshape(dy, [b, n * k, c]), true, false)];
      },
    };
  });
  return lookup(y) as Tensor;
}
