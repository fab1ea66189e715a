/**
 * Decomposed relative position embeddings of SAM's image encoder (MMPretrain `backbones/vit_sam.py`: `get_rel_pos`,
 * `add_decomposed_rel_pos`; from MViTv2). The lookup `rel_pos[relative_coords]` (after linear resizing of the table
 * when its length is not 2·max(q, k) − 1) is one product with a constant matrix, so it is differentiable on WASM.
 */
import { tf, type Tensor } from '../../backends/tf';
import { interpolationMatrix } from './embed';

const lookupCache = new Map<string, Float32Array>();

/** [q·k, L] matrix M with M · rel_pos = get_rel_pos(q, k, rel_pos) flattened. */
function relPosLookup(qSize: number, kSize: number, length: number): Float32Array {
  const key = `${qSize},${kSize},${length}`;
  const hit = lookupCache.get(key);
  if (hit) return hit;
  const maxRelDist = 2 * Math.max(qSize, kSize) - 1;
  const interp = length === maxRelDist ? null : interpolationMatrix(length, maxRelDist, 'bilinear'); // [maxRelDist, L]
  const qs = Math.max(kSize / qSize, 1);
  const ks = Math.max(qSize / kSize, 1);
  const m = new Float32Array(qSize * kSize * length);
  for (let i = 0; i < qSize; i++) {
    for (let j = 0; j < kSize; j++) {
      const r = Math.trunc(i * qs - j * ks + (kSize - 1) * ks);
      const row = (i * kSize + j) * length;
      if (!interp) m[row + r] = 1;
      else for (let l = 0; l < length; l++) m[row + l] = interp[r * length + l];
    }
  }
  if (lookupCache.size > 64) lookupCache.clear();
  lookupCache.set(key, m);
  return m;
}

/** `get_rel_pos`: rel_pos [L, C] → [q, k, C]. */
export function getRelPos(qSize: number, kSize: number, relPos: Tensor): Tensor {
  return tf.tidy(() => {
    const [L, C] = relPos.shape as [number, number];
    const m = tf.tensor2d(relPosLookup(qSize, kSize, L), [qSize * kSize, L]);
    return tf.reshape(tf.matMul(m, relPos), [qSize, kSize, C]);
  });
}

/**
 * `add_decomposed_rel_pos`: attn [B, qh·qw, kh·kw] + Σ_c q[b,h,w,c]·Rh[h,kh,c] (broadcast over kw)
 * + Σ_c q[b,h,w,c]·Rw[w,kw,c] (broadcast over kh); q [B, qh·qw, C] (not scaled).
 */
export function addDecomposedRelPos(attn: Tensor, q: Tensor, relPosH: Tensor, relPosW: Tensor, qSize: [number, number], kSize: [number, number]): Tensor {
  return tf.tidy(() => {
    const [qh, qw] = qSize;
    const [kh, kw] = kSize;
    const Rh = getRelPos(qh, kh, relPosH); // [qh, kh, C]
    const Rw = getRelPos(qw, kw, relPosW); // [qw, kw, C]
    const [b, , dim] = q.shape as [number, number, number];
    const rq = tf.reshape(q, [b, qh, qw, dim]);
    // rel_h[b, h, w, k] = Σ_c rq[b, h, w, c] Rh[h, k, c]
    const th = tf.reshape(tf.transpose(rq, [1, 0, 2, 3]), [qh, b * qw, dim]);
    const relH = tf.transpose(tf.reshape(tf.matMul(th, Rh, false, true), [qh, b, qw, kh]), [1, 0, 2, 3]);
    // rel_w[b, h, w, k] = Σ_c rq[b, h, w, c] Rw[w, k, c]
    const tw = tf.reshape(tf.transpose(rq, [2, 0, 1, 3]), [qw, b * qh, dim]);
    const relW = tf.transpose(tf.reshape(tf.matMul(tw, Rw, false, true), [qw, b, qh, kw]), [1, 2, 0, 3]);
    const a = tf.reshape(attn, [b * qh, qw, kh, kw]);
    const sum = tf.add(tf.add(a, tf.reshape(relH, [b * qh, qw, kh, 1])), tf.reshape(relW, [b * qh, qw, 1, kw]));
    return tf.reshape(sum, [b, qh * qw, kh * kw]);
  });
}
