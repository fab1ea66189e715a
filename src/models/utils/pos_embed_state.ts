/**
 * Load-time resizing of position tables held in a checkpoint (the `_prepare_pos_embed` /
 * `_prepare_relative_position` load-state-dict pre-hooks of MMPretrain's ViT-family backbones).
 */
import { tf } from '../../backends/tf';
import { entryToFloat32, type StateDict } from '../nn/state_dict';
import { interpolationMatrix, resizePosEmbed } from './embed';

export interface PosEmbedEntryOptions {
  /** Leading non-grid tokens of the table. */
  numExtraTokens: number;
  /** The model's patch grid. */
  dst: [number, number];
  mode?: 'bicubic' | 'bilinear';
  /** The checkpoint's grid; default: the square root of its token count (MMPretrain's assumption). */
  src?: [number, number];
}

/**
 * Resizes the `[1, L, C]` entry `key` of `sd` to the `dst` grid when its length differs from `expectedLength`.
 * Leaves it untouched (so the load reports the mismatch) when its channels differ or its grid is not square.
 */
export function resizePosEmbedEntry(sd: StateDict, key: string, expectedLength: number, o: PosEmbedEntryOptions): void {
  const e = sd.get(key);
  if (!e || e.shape.length !== 3 || e.shape[1] === expectedLength) return;
  const [, L, C] = e.shape;
  const side = Math.trunc(Math.sqrt(L - o.numExtraTokens));
  const src = o.src ?? [side, side];
  if (src[0] * src[1] + o.numExtraTokens !== L) return;
  const resized = tf.tidy(() => resizePosEmbed(tf.tensor(entryToFloat32(e), [1, L, C]), src, o.dst, o.mode ?? 'bicubic', o.numExtraTokens));
  sd.set(key, { dtype: 'float32', shape: [...resized.shape], data: resized.dataSync() as Float32Array });
  resized.dispose();
}

/** `F.interpolate(table[None].permute(0, 2, 1), size=length, mode='linear')` of an `[L, C]` table (align_corners False). */
export function resizeTableLinear(table: Float32Array, rows: number, cols: number, length: number): Float32Array {
  const m = interpolationMatrix(rows, length, 'bilinear');
  const out = new Float32Array(length * cols);
  for (let o = 0; o < length; o++) {
    for (let i = 0; i < rows; i++) {
      const w = m[o * rows + i];
      if (w === 0) continue;
      for (let c = 0; c < cols; c++) out[o * cols + c] += w * table[i * cols + c];
    }
  }
  return out;
}
