/**
 * Patch embedding and position-embedding resizing (MMPretrain `models/utils/embed.py`, mmcv `PatchEmbed`).
 * Bicubic resizing follows PyTorch's `F.interpolate(mode='bicubic', align_corners=False)` (A = −0.75, edge
 * clamping), done as two matrix products so it is differentiable and runs on every backend.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { Conv2d } from '../nn/conv';
import { pair, type Pair } from '../nn/layout';
import { Module } from '../nn/module';

function cubic(t: number, a = -0.75): [number, number, number, number] {
  const c1 = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1;
  const c2 = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** [outSize, inSize] interpolation matrix of one axis (`mode` bicubic or bilinear, align_corners False). */
export function interpolationMatrix(inSize: number, outSize: number, mode: 'bicubic' | 'bilinear' = 'bicubic'): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (mode === 'bicubic') {
      const x = (o + 0.5) * scale - 0.5;
      const x0 = Math.floor(x);
      const w = cubic(x - x0);
      for (let k = 0; k < 4; k++) {
        const idx = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
        m[o * inSize + idx] += w[k];
      }
    } else {
      const x = Math.max((o + 0.5) * scale - 0.5, 0);
      const x0 = Math.min(Math.floor(x), inSize - 1);
      const x1 = Math.min(x0 + 1, inSize - 1);
      const t = x - x0;
      m[o * inSize + x0] += 1 - t;
      m[o * inSize + x1] += t;
    }
  }
  return m;
}

/** Resizes a (H, W, C)-gridded tensor [B, H·W, C] to dst [h, w] (channels last). */
export function resizeGrid(x: Tensor, src: [number, number], dst: [number, number], mode: 'bicubic' | 'bilinear' = 'bicubic'): Tensor {
  return tf.tidy(() => {
    const [b, , c] = x.shape;
    const [sh, sw] = src;
    const [dh, dw] = dst;
    const my = tf.tensor2d(interpolationMatrix(sh, dh, mode), [dh, sh]);
    const mx = tf.tensor2d(interpolationMatrix(sw, dw, mode), [dw, sw]);
    // rows: [b, sh, sw*c] → [dh, b*sw*c] via my; then columns.
    const g = tf.reshape(tf.transpose(tf.reshape(x, [b!, sh, sw * c!]), [1, 0, 2]), [sh, b! * sw * c!]);
    const r = tf.transpose(tf.reshape(tf.matMul(my, g), [dh, b!, sw, c!]), [2, 1, 0, 3]); // [sw, b, dh, c]
    const cols = tf.matMul(mx, tf.reshape(r, [sw, b! * dh * c!])); // [dw, b*dh*c]
    return tf.reshape(tf.transpose(tf.reshape(cols, [dw, b!, dh, c!]), [1, 2, 0, 3]), [b!, dh * dw, c!]);
  });
}

/** `resize_pos_embed`: [1, L, C] with `numExtraTokens` leading tokens, grid `src` → `dst`. */
export function resizePosEmbed(posEmbed: Tensor, src: [number, number], dst: [number, number], mode: 'bicubic' | 'bilinear' = 'bicubic', numExtraTokens = 1): Tensor {
  if (src[0] === dst[0] && src[1] === dst[1]) return posEmbed;
  assert(posEmbed.rank === 3, () => 'shape of pos_embed must be [1, L, C]');
  const [, L, C] = posEmbed.shape;
  assert(L === src[0] * src[1] + numExtraTokens, () => `The length of \`pos_embed\` (${L}) doesn't match the expected shape (${src[0]}*${src[1]}+${numExtraTokens}). Please check the \`img_size\` argument.`);
  return tf.tidy(() => {
    const extra = tf.slice(posEmbed, [0, 0, 0], [-1, numExtraTokens, C!]);
    const grid = tf.slice(posEmbed, [0, numExtraTokens, 0], [-1, -1, -1]);
    return tf.concat([extra, resizeGrid(grid, src, dst, mode)], 1);
  });
}

export interface PatchEmbedOptions {
  in_channels?: number;
  embed_dims?: number;
  conv_type?: string;
  kernel_size?: Pair;
  stride?: Pair | null;
  /** 'corner' (pad bottom/right to fit), 'same', or a number. Default: 'corner'. */
  padding?: 'corner' | 'same' | Pair;
  dilation?: Pair;
  bias?: boolean;
  norm_cfg?: NormCfg | null;
  input_size?: Pair | null;
}

/** mmcv `PatchEmbed`: (adaptive 'corner' / 'same' padding) → `projection` conv → tokens [B, h·w, C] (→ `norm`). */
export class PatchEmbed extends Module<Tensor, Tensor> {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly cornerPad: boolean;
  /** mmcv `AdaptivePadding` mode (string `padding`), or null for a numeric one. */
  readonly adaptivePad: 'corner' | 'same' | null;
  readonly initOutSize: [number, number] | null;
  /** Grid of the last forward's output. */
  lastOutSize: [number, number] = [0, 0];

  constructor(o: PatchEmbedOptions) {
    super();
    const { in_channels = 3, embed_dims = 768, kernel_size = 16, padding = 'corner', dilation = 1, bias = true, norm_cfg = null } = o;
    assert(!o.conv_type || o.conv_type === 'Conv2d', () => `PatchEmbed: conv_type '${o.conv_type}' is not supported`);
    this.kernel = pair(kernel_size);
    this.stride = pair(o.stride ?? kernel_size);
    assert(pair(dilation)[0] === 1 && pair(dilation)[1] === 1, () => 'PatchEmbed: dilation must be 1');
    this.cornerPad = padding === 'corner';
    assert(typeof padding !== 'string' || padding === 'corner' || padding === 'same', () => `Padding mode only support "same" and "corner", but got ${padding}`);
    this.adaptivePad = typeof padding === 'string' ? padding : null;
    const pad = typeof padding === 'string' ? 0 : padding;
    this.addModule('projection', new Conv2d({ in_channels, out_channels: embed_dims, kernel_size, stride: this.stride, padding: pad, bias }));
    if (norm_cfg) this.addModule('norm', buildNormLayer(norm_cfg, embed_dims)[1]);
    if (o.input_size) {
      const [h, w] = pair(o.input_size);
      const [ph, pw] = this.adaptivePad ? this.cornerPads(h, w) : [0, 0];
      const p = pair(pad);
      this.initOutSize = [Math.floor((h + ph + 2 * p[0] - this.kernel[0]) / this.stride[0]) + 1, Math.floor((w + pw + 2 * p[1] - this.kernel[1]) / this.stride[1]) + 1];
    } else this.initOutSize = null;
  }

  /** Total extra rows / columns of mmcv's AdaptivePadding (all bottom/right for 'corner', split for 'same'). */
  private cornerPads(h: number, w: number): [number, number] {
    const f = (size: number, k: number, s: number) => Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
    return [f(h, this.kernel[0], this.stride[0]), f(w, this.kernel[1], this.stride[1])];
  }

  /** x: NHWC → tokens [B, h·w, C]; the grid size is in `lastOutSize`. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      if (this.adaptivePad) {
        const [ph, pw] = this.cornerPads(x.shape[1]!, x.shape[2]!);
        const [t, l] = this.adaptivePad === 'same' ? [ph >> 1, pw >> 1] : [0, 0];
        if (ph || pw) y = tf.pad(y, [[0, 0], [t, ph - t], [l, pw - l], [0, 0]]);
      }
      const p = this.child('projection').call(y) as Tensor;
      const [b, h, w, c] = p.shape;
      this.lastOutSize = [h!, w!];
      let t = tf.reshape(p, [b, h! * w!, c!]);
      if (this.namedChildren().some(([n]) => n === 'norm')) t = this.child('norm').call(t) as Tensor;
      return t;
    });
  }
}
