/**
 * `F.interpolate(x, size, mode='bilinear', align_corners=False)` on NHWC, as two products with PyTorch's interpolation
 * weights (one per axis). Forward values match tfjs's `resizeBilinear(halfPixelCenters)`, but the gradient is exact on
 * every backend (tfjs's ResizeBilinearGrad ignores half-pixel centres).
 */
import { tf, type Tensor } from '../../backends/tf';

/** [out, in] weights of PyTorch's `upsample_bilinear2d` along one axis (align_corners=False, no antialias). */
export function bilinearWeights(outSize: number, inSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l = src - i0;
    m[d * inSize + i0] += 1 - l;
    m[d * inSize + i1] += l;
  }
  return m;
}

/** Resamples `axis` (1 = H, 2 = W) of an NHWC tensor to `size`. */
function resizeAxis(x: Tensor, axis: 1 | 2, size: number): Tensor {
  const inSize = x.shape[axis]!;
  if (inSize === size) return x;
  return tf.tidy(() => {
    const moved = tf.transpose(x, axis === 1 ? [1, 0, 2, 3] : [2, 0, 1, 3]);
    const rest = moved.shape.slice(1);
    const w = tf.tensor2d(bilinearWeights(size, inSize), [size, inSize]);
    const y = tf.reshape(tf.matMul(w, tf.reshape(moved, [inSize, -1])), [size, ...rest]);
    return tf.transpose(y, axis === 1 ? [1, 0, 2, 3] : [1, 2, 0, 3]);
  });
}

/** Bilinear resize of an NHWC batch to (h, w), as PyTorch's with `align_corners=False`. */
export function interpolateBilinear(x: Tensor, h: number, w: number): Tensor {
  return tf.tidy(() => resizeAxis(resizeAxis(x, 1, h), 2, w));
}
