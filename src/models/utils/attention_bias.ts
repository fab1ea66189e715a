/**
 * LeViT-style attention biases (LeViT `Attention` / `AttentionSubsample`, `LeAttention` of TinyViT): one learned bias
 * per head and per distinct offset (|Δrow|, |Δcol|) between a query point and a key point, read as
 * `attention_biases[:, attention_bias_idxs]`.
 *
 * The lookup is written as small matrix products instead of a gather (tfjs's gather gradient needs UnsortedSegmentSum,
 * which the WASM backend lacks, and a full one-hot of the index is offsets × N² floats — 30 MB for a 14×14 grid):
 * the table is first scattered onto the (|Δrow|, |Δcol|) grid, then expanded along columns and rows with 0/1
 * matrices of size (offsets along one axis) × (query × key positions along that axis).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';

/** The offsets of a query grid (optionally strided) against a key grid, numbered in order of first occurrence. */
export interface AttentionBiasGrid {
  /** Key grid (rows, cols). */
  resolution: [number, number];
  /** Query grid (rows, cols); query (i, j) sits at key position (i·stride, j·stride). */
  queryResolution: [number, number];
  stride: number;
  /** `attention_bias_idxs`, row-major [queries, keys]. */
  idxs: Int32Array;
  /** (|Δrow|, |Δcol|) of each offset index. */
  offsets: [number, number][];
}

/**
 * As the `itertools.product` loops of LeViT / TinyViT: for every query point (row-major), for every key point, the
 * index of the offset (|qr·stride − kr|, |qc·stride − kc|), new offsets numbered as they appear.
 */
export function attentionBiasGrid(resolution: [number, number], stride = 1, queryResolution: [number, number] = resolution): AttentionBiasGrid {
  const [kh, kw] = resolution;
  const [qh, qw] = queryResolution;
  const numbering = new Map<number, number>();
  const offsets: [number, number][] = [];
  const idxs = new Int32Array(qh * qw * kh * kw);
  let n = 0;
  for (let qr = 0; qr < qh; qr++) {
    for (let qc = 0; qc < qw; qc++) {
      for (let kr = 0; kr < kh; kr++) {
        for (let kc = 0; kc < kw; kc++) {
          const a = Math.abs(qr * stride - kr);
          const b = Math.abs(qc * stride - kc);
          const key = a * 65536 + b;
          let k = numbering.get(key);
          if (k === undefined) {
            k = offsets.length;
            numbering.set(key, k);
            offsets.push([a, b]);
          }
          idxs[n++] = k;
        }
      }
    }
  }
  return { resolution: [kh, kw], queryResolution: [qh, qw], stride, idxs, offsets };
}

/**
 * `attention_biases[:, idxs]` for one {@link AttentionBiasGrid}: `lookup(table [heads, offsets])` → [heads, queries,
 * keys], differentiable in the table. Holds three small constant matrices; `dispose()` frees them.
 */
export class AttentionBiasLookup {
  readonly numQueries: number;
  readonly numKeys: number;
  readonly numOffsets: number;
  private mats: { scatter: Tensor; rows: Tensor; cols: Tensor } | null = null;
  private readonly spanA: number;
  private readonly spanB: number;

  constructor(readonly grid: AttentionBiasGrid) {
    const [qh, qw] = grid.queryResolution;
    const [kh, kw] = grid.resolution;
    this.numQueries = qh * qw;
    this.numKeys = kh * kw;
    this.numOffsets = grid.offsets.length;
    this.spanA = Math.max(...grid.offsets.map(([a]) => a)) + 1;
    this.spanB = Math.max(...grid.offsets.map(([, b]) => b)) + 1;
  }

  private matrices(): { scatter: Tensor; rows: Tensor; cols: Tensor } {
    if (this.mats) return this.mats;
    const { offsets, stride } = this.grid;
    const [qh, qw] = this.grid.queryResolution;
    const [kh, kw] = this.grid.resolution;
    const [A, B] = [this.spanA, this.spanB];
    const scatter = new Float32Array(this.numOffsets * A * B);
    offsets.forEach(([a, b], k) => (scatter[k * A * B + a * B + b] = 1));
    // rows[a, qr, kr] = (|qr·s − kr| == a); cols[b, qc, kc] = (|qc·s − kc| == b); offsets beyond the span never occur.
    const axis = (span: number, q: number, k: number) => {
      const m = new Float32Array(span * q * k);
      for (let i = 0; i < q; i++) {
        for (let j = 0; j < k; j++) {
          const d = Math.abs(i * stride - j);
          if (d < span) m[d * q * k + i * k + j] = 1;
        }
      }
      return m;
    };
    this.mats = tf.tidy(() => ({
      scatter: tf.keep(tf.tensor2d(scatter, [this.numOffsets, A * B])),
      rows: tf.keep(tf.tensor2d(axis(A, qh, kh), [A, qh * kh])),
      cols: tf.keep(tf.tensor2d(axis(B, qw, kw), [B, qw * kw])),
    }));
    return this.mats;
  }

  /** table [heads, offsets] → [heads, queries, keys]. */
  lookup(table: Tensor): Tensor {
    assert(table.rank === 2 && table.shape[1] === this.numOffsets, () => `attention bias lookup: expected a table [heads, ${this.numOffsets}], got [${table.shape}]`);
    const { scatter, rows, cols } = this.matrices();
    const [qh, qw] = this.grid.queryResolution;
    const [kh, kw] = this.grid.resolution;
    const h = table.shape[0];
    const [A, B] = [this.spanA, this.spanB];
    return tf.tidy(() => {
      const onGrid = tf.reshape(tf.matMul(table as tf.Tensor2D, scatter as tf.Tensor2D), [h * A, B]);
      // [h·A, qw·kw] → [h, qw·kw, A] → · rows → [h, qw·kw, qh·kh]
      const alongCols = tf.transpose(tf.reshape(tf.matMul(onGrid, cols as tf.Tensor2D), [h, A, qw * kw]), [0, 2, 1]);
      const full = tf.matMul(tf.reshape(alongCols, [h * qw * kw, A]), rows as tf.Tensor2D);
      // [h, qw, kw, qh, kh] → [h, qh, qw, kh, kw]
      const y = tf.transpose(tf.reshape(full, [h, qw, kw, qh, kh]), [0, 3, 1, 4, 2]);
      return tf.reshape(y, [h, this.numQueries, this.numKeys]);
    });
  }

  dispose(): void {
    if (this.mats) tf.dispose([this.mats.scatter, this.mats.rows, this.mats.cols]);
    this.mats = null;
  }
}
