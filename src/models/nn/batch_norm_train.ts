/**
 * Training-mode batch normalisation over the leading axes (channels last) with a hand-written gradient.
 *
 * tfjs's own route (`moments` + `batchNorm`, differentiated op by op) sums over the leading axes, which the WASM
 * backend does by transposing the whole activation first, and its gradient takes a dozen elementwise passes.
 * Here every per-channel sum is a global average pool (XNNPACK, no transpose) and the backward pass is three
 * elementwise passes (dy·x, the affine b·x + c, then a·dy added):
 *   x̂ = (x − μ)·σ⁻¹,  y = γ·x̂ + β,  with μ, σ² the batch mean and biased variance over P = N·H·W values;
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂ = σ⁻¹·(Σ dy·x − μ·Σ dy),
 *   ∂x = γσ⁻¹·(dy − ∂β/P − x̂·∂γ/P) = a·dy + b·x + c per channel, a = γσ⁻¹, b = −a·σ⁻¹·∂γ/P, c = −a·∂β/P − b·μ.
 */
import { tf, type Tensor, type Tensor1D, type Tensor4D } from '../../backends/tf';

/**
 * Per-channel means over every axis but the last. For an NHWC activation: a global average pool (XNNPACK, no
 * transpose) and then the mean of the N pooled rows; other ranks use tfjs's mean.
 */
function channelMeans(x: Tensor): Tensor1D {
  return tf.tidy(() => {
    if (x.rank === 4 && x.shape[1]! * x.shape[2]! > 1) {
      const pooled = tf.avgPool(x as Tensor4D, [x.shape[1]!, x.shape[2]!], 1, 'valid');
      return tf.mean(pooled, [0, 1, 2]) as Tensor1D;
    }
    return tf.mean(x, [...Array(x.rank - 1).keys()]) as Tensor1D;
  });
}

/**
 * The result of {@link batchNormTrain}: the output and the batch statistics (for the running averages).
 * `mean` and `variance` are kept out of every `tf.tidy` (they are made inside the gradient's own scope): the caller
 * owns them and disposes them.
 */
export interface BatchNormTrainResult {
  y: Tensor;
  mean: Tensor1D;
  /** Biased variance (divided by P), the one the normalisation uses. */
  variance: Tensor1D;
}

/**
 * Normalises `x` (channels last) with its batch statistics; `gamma`/`beta` may be null (no affine).
 * Differentiable in `x`, `gamma` and `beta`.
 */
export function batchNormTrain(x: Tensor, gamma: Tensor1D | null, beta: Tensor1D | null, eps: number): BatchNormTrainResult {
  const c = x.shape[x.rank - 1];
  const p = x.size / c;
  const stats: { mean?: Tensor1D; variance?: Tensor1D } = {};
  const scale = gamma ?? tf.ones([c]);
  const offset = beta ?? tf.zeros([c]);
  const forward = tf.customGrad((xIn, gIn, bIn, saveArg) => {
    const save = saveArg as (tensors: Tensor[]) => void;
    const mean = channelMeans(xIn as Tensor);
    const variance = channelMeans(tf.squaredDifference(xIn as Tensor, mean));
    const y = tf.batchNorm(xIn as Tensor, mean, variance, bIn as Tensor1D, gIn as Tensor1D, eps);
    stats.mean = tf.keep(tf.clone(mean));
    stats.variance = tf.keep(tf.clone(variance));
    save([xIn as Tensor, gIn as Tensor, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, g, mu, v] = saved;
        const invStd = tf.rsqrt(tf.add(v, eps));
        const dBeta = tf.mul(channelMeans(dy), p);
        const dGamma = tf.mul(invStd, tf.sub(tf.mul(channelMeans(tf.mul(dy, xs)), p), tf.mul(mu, dBeta)));
        const a = tf.mul(g, invStd);
        const b = tf.neg(tf.div(tf.mul(tf.mul(a, invStd), dGamma), p));
        const cc = tf.sub(tf.neg(tf.div(tf.mul(a, dBeta), p)), tf.mul(b, mu));
        // b·x + c in one pass: the batch-norm kernel with mean 0, variance 1 and ε = 0 is a per-channel affine map.
        const affine = tf.batchNorm(xs, tf.zeros([c]), tf.ones([c]), cc, b, 0);
        const dx = tf.add(tf.mul(dy, a), affine);
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = forward(x, scale, offset);
  if (!gamma) scale.dispose();
  if (!beta) offset.dispose();
  return { y, mean: stats.mean!, variance: stats.variance! };
}
