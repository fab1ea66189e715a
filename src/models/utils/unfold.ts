/**
 * `nn.Unfold` (im2col) on NHWC maps: (B, H, W, C) → (B, Ho, Wo, C·kh·kw), features in PyTorch's order
 * (channel-major, then kernel row, kernel column), i.e. `unfold(x).transpose(1, 2)` laid out on the output grid.
 * One `gather` of the zero-padded map forward; the gradient (`nn.Fold`) is a `gather` too, summing each input
 * pixel's window contributions (tfjs's own gather gradient needs UnsortedSegmentSum, which WASM lacks).
 */
import { tf, type Tensor } from '../../backends/tf';
import { pair, type Pair } from '../nn/layout';

export interface UnfoldOptions {
  kernel_size: Pair;
  /** Default: 1. */
  stride?: Pair;
  /** Default: 0. */
  padding?: Pair;
  /** Default: 1. */
  dilation?: Pair;
}

/** Output grid of `nn.Unfold` for an (h, w) input. */
export function unfoldOutputSize(o: UnfoldOptions, [h, w]: [number, number]): [number, number] {
  const k = pair(o.kernel_size);
  const s = pair(o.stride ?? 1);
  const p = pair(o.padding ?? 0);
  const d = pair(o.dilation ?? 1);
  return [Math.floor((h + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0]) + 1, Math.floor((w + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1]) + 1];
}

interface UnfoldPlan {
  ho: number;
  wo: number;
  hp: number;
  wp: number;
  kk: number;
  /** Padded-map pixel of each (output pixel, kernel tap), in output-major order. */
  forward: Int32Array;
  /** For each padded pixel, `taps` (output pixel, tap) slots reading it; `kk·ho·wo` (a zero row) pads the list. */
  backward: Int32Array;
  taps: number;
}

const plans = new Map<string, UnfoldPlan>();

function plan(h: number, w: number, o: UnfoldOptions): UnfoldPlan {
  const k = pair(o.kernel_size);
  const s = pair(o.stride ?? 1);
  const p = pair(o.padding ?? 0);
  const d = pair(o.dilation ?? 1);
  const key = [h, w, k, s, p, d].join();
  const hit = plans.get(key);
  if (hit) return hit;
  const [ho, wo] = unfoldOutputSize(o, [h, w]);
  const hp = h + 2 * p[0];
  const wp = w + 2 * p[1];
  const kk = k[0] * k[1];
  const forward = new Int32Array(ho * wo * kk);
  const readers: number[][] = Array.from({ length: hp * wp }, () => []);
  let n = 0;
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let i = 0; i < k[0]; i++) {
        for (let j = 0; j < k[1]; j++) {
          const src = (oy * s[0] + i * d[0]) * wp + ox * s[1] + j * d[1];
          forward[n] = src;
          readers[src].push(n++);
        }
      }
    }
  }
  const taps = Math.max(1, ...readers.map((r) => r.length));
  const backward = new Int32Array(hp * wp * taps).fill(forward.length);
  readers.forEach((r, px) => r.forEach((slot, t) => (backward[px * taps + t] = slot)));
  const made = { ho, wo, hp, wp, kk, forward, backward, taps };
  if (plans.size > 64) plans.clear();
  plans.set(key, made);
  return made;
}

export function unfoldNHWC(x: Tensor, o: UnfoldOptions): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const p = pair(o.padding ?? 0);
  const pl = plan(h, w, o);
  const f = tf.customGrad((xIn) => {
    const value = tf.tidy(() => {
      const flat = tf.reshape(tf.pad(xIn as Tensor, [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]]), [b, pl.hp * pl.wp, c]);
      const g = tf.gather(flat, tf.tensor1d(pl.forward, 'int32'), 1); // [B, Ho·Wo·kk, C]
      return tf.reshape(tf.transpose(tf.reshape(g, [b, pl.ho, pl.wo, pl.kk, c]), [0, 1, 2, 4, 3]), [b, pl.ho, pl.wo, c * pl.kk]);
    });
    const gradFunc = (dy: Tensor) =>
      tf.tidy(() => {
        const cols = tf.reshape(tf.transpose(tf.reshape(dy, [b, pl.ho, pl.wo, c, pl.kk]), [0, 1, 2, 4, 3]), [b, pl.ho * pl.wo * pl.kk, c]);
        const withZero = tf.concat([cols, tf.zeros([b, 1, c])], 1);
        const summed = tf.sum(tf.reshape(tf.gather(withZero, tf.tensor1d(pl.backward, 'int32'), 1), [b, pl.hp, pl.wp, pl.taps, c]), 3);
        return [tf.slice(summed, [0, p[0], p[1], 0], [b, h, w, c])];
      });
    return { value, gradFunc };
  });
  return f(x) as Tensor;
}
