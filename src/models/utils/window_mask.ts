/** Adding a per-window additive mask to batched window attention logits. */
import { tf, type Tensor } from '../../backends/tf';

/**
 * attn [B·nW, nH, N, N] (window index inner, as `windowPartition` orders windows) + mask [nW, N, N], broadcast over
 * the batch and the heads (`attn.view(B, nW, nH, N, N) + mask.unsqueeze(1).unsqueeze(0)`), with ≤ 4-d ops.
 */
export function addWindowMask(attn: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => {
    const [bw, nH, n] = attn.shape as [number, number, number, number];
    const nW = mask.shape[0]!;
    const y = tf.add(tf.reshape(attn, [bw / nW, nW, nH, n * n]), tf.reshape(mask, [nW, 1, n * n]));
    return tf.reshape(y, [bw, nH, n, n]);
  });
}
