/**
 * `nn.MaxPool2d`, `nn.AvgPool2d` (with PyTorch's padding, `ceil_mode` and `count_include_pad` rules) and
 * `nn.AdaptiveAvgPool2d`, on NHWC.
 */
import { pyBool, pySize } from './repr';
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Module } from './module';
import { pair, type Pair } from './layout';

/** Options of the 2-D poolings, as PyTorch's. */
export interface Pool2dOptions {
  kernel_size: Pair;
  /** Default: `kernel_size`. */
  stride?: Pair | null;
  /** Default: 0. */
  padding?: Pair;
  /** Output size rounded up (last window may start in the padding-free overhang). Default: false. */
  ceil_mode?: boolean;
  /** AvgPool only: padded zeros count in the divisor. Default: true. */
  count_include_pad?: boolean;
}

/** PyTorch's pooled length (`pooling_output_shape`). */
export function pooledLength(size: number, k: number, s: number, p: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out -= 1;
  return out;
}

/** Geometry of one spatial axis: output length and the extra padding the ceil-mode overhang needs. */
function axisGeometry(size: number, k: number, s: number, p: number, ceil: boolean) {
  const out = pooledLength(size, k, s, p, ceil);
  const overhang = Math.max(0, (out - 1) * s + k - (size + 2 * p));
  return { out, overhang };
}

abstract class Pool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor({ kernel_size, stride, padding = 0, ceil_mode = false }: Pool2dOptions) {
    super();
    this.kernel = pair(kernel_size);
    this.stride = pair(stride ?? kernel_size);
    this.padding = pair(padding);
    this.ceilMode = ceil_mode;
    assert(this.padding[0] * 2 <= this.kernel[0] && this.padding[1] * 2 <= this.kernel[1], () => `pooling: pad should be at most half of kernel size, got padding=${this.padding}, kernel_size=${this.kernel}`);
  }

  protected geometry(h: number, w: number) {
    return [
      axisGeometry(h, this.kernel[0], this.stride[0], this.padding[0], this.ceilMode),
      axisGeometry(w, this.kernel[1], this.stride[1], this.padding[1], this.ceilMode),
    ] as const;
  }

}

export class MaxPool2d extends Pool2d {
  override typeNames(): string[] {
    return ['MaxPool2d'];
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernel)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}, dilation=1, ceil_mode=${pyBool(this.ceilMode)}`;
  }

  forward(x: Tensor): Tensor {
    const [gh, gw] = this.geometry(x.shape[1]!, x.shape[2]!);
    const [ph, pw] = this.padding;
    const pad = ph || pw || gh.overhang || gw.overhang ? ([[0, 0], [ph, ph + gh.overhang], [pw, pw + gw.overhang], [0, 0]] as const) : 'valid';
    // Padded positions never win a max (tfjs skips them, as PyTorch's -inf padding).
    return tf.maxPool(x as Tensor4D, this.kernel, this.stride, pad as 'valid');
  }
}

export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;
  private divisorCache: { key: string; scale: Tensor | null } | null = null;

  constructor(opts: Pool2dOptions) {
    super(opts);
    this.countIncludePad = opts.count_include_pad ?? true;
  }

  override typeNames(): string[] {
    return ['AvgPool2d'];
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernel)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }

  /**
   * Per-output factor k²/divisor, where PyTorch's divisor counts the window's cells inside the input
   * (plus the symmetric padding when `count_include_pad`) but never the ceil-mode overhang. Null when all 1.
   */
  private scale(h: number, w: number): Tensor | null {
    const key = `${h}x${w}`;
    if (this.divisorCache?.key === key) return this.divisorCache.scale;
    const [gh, gw] = this.geometry(h, w);
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const count = (start: number, k: number, size: number, p: number) => {
      const lo = this.countIncludePad ? -p : 0;
      const hi = this.countIncludePad ? size + p : size;
      return Math.max(0, Math.min(start + k, hi) - Math.max(start, lo));
    };
    const data = new Float32Array(gh.out * gw.out);
    let trivial = true;
    for (let i = 0; i < gh.out; i++) {
      for (let j = 0; j < gw.out; j++) {
        const d = count(i * sh - ph, kh, h, ph) * count(j * sw - pw, kw, w, pw);
        data[i * gw.out + j] = (kh * kw) / d;
        if (d !== kh * kw) trivial = false;
      }
    }
    this.divisorCache?.scale?.dispose();
    this.divisorCache = { key, scale: trivial ? null : tf.keep(tf.tensor4d(data, [1, gh.out, gw.out, 1])) };
    return this.divisorCache.scale;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [h, w] = [x.shape[1]!, x.shape[2]!];
      const [gh, gw] = this.geometry(h, w);
      const [ph, pw] = this.padding;
      const padded = ph || pw || gh.overhang || gw.overhang ? tf.pad(x as Tensor4D, [[0, 0], [ph, ph + gh.overhang], [pw, pw + gw.overhang], [0, 0]]) : x;
      const y = tf.avgPool(padded as Tensor4D, this.kernel, this.stride, 'valid');
      const s = this.scale(h, w);
      return s ? tf.mul(y, s) : y;
    });
  }

  override dispose(): void {
    this.divisorCache?.scale?.dispose();
    this.divisorCache = null;
    super.dispose();
  }
}

/** `nn.AdaptiveAvgPool2d(output_size)`; output 1 (global pooling) or sizes dividing the input. */
export class AdaptiveAvgPool2d extends Module {
  readonly outSize: [number, number];
  constructor(outputSize: Pair = 1) {
    super();
    this.outSize = pair(outputSize);
  }
  override typeNames(): string[] {
    return ['AdaptiveAvgPool2d'];
  }
  override extraRepr(): string {
    return `output_size=${pySize(this.outSize)}`;
  }
  forward(x: Tensor): Tensor {
    const [h, w] = [x.shape[1]!, x.shape[2]!];
    const [oh, ow] = this.outSize;
    if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true);
    return tf.tidy(() => {
      // PyTorch bins: start = floor(i*H/oh), end = ceil((i+1)*H/oh).
      const rows: Tensor[] = [];
      for (let i = 0; i < oh; i++) {
        const h0 = Math.floor((i * h) / oh), h1 = Math.ceil(((i + 1) * h) / oh);
        const cols: Tensor[] = [];
        for (let j = 0; j < ow; j++) {
          const w0 = Math.floor((j * w) / ow), w1 = Math.ceil(((j + 1) * w) / ow);
          cols.push(tf.mean(tf.slice(x, [0, h0, w0, 0], [-1, h1 - h0, w1 - w0, -1]), [1, 2], true));
        }
        rows.push(tf.concat(cols, 2));
      }
      return tf.concat(rows, 1);
    });
  }
}
