/**
 * `ShiftWindowMSA` (MMPretrain `utils/attention.py`): (pad to whole windows) → cyclic shift → window partition →
 * window attention with the shifted-window mask → merge → reverse shift → crop → DropPath. Works on NHWC maps
 * [B, H, W, C]; every window of the batch goes through one batched attention.
 */
import { roll2d } from '../../backends/fused_ops';
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { DropPath } from '../nn/dropout';
import { Identity, Module } from '../nn/module';
import { WindowMSA, WindowMSAV2, type WindowAttention } from './window_msa';

/** [B, H, W, C] → [B·nW, ws², C] (windows row-major within each image). */
export function windowPartition(x: Tensor, ws: number): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const y = tf.transpose(tf.reshape(x, [b * (h / ws), ws, w / ws, ws * c]), [0, 2, 1, 3]);
  return tf.reshape(y, [b * (h / ws) * (w / ws), ws * ws, c]);
}

/** Inverse of {@link windowPartition}. */
export function windowReverse(windows: Tensor, h: number, w: number, ws: number): Tensor {
  const c = windows.shape[2]!;
  const b = windows.shape[0]! / ((h / ws) * (w / ws));
  const y = tf.transpose(tf.reshape(windows, [b * (h / ws), w / ws, ws, ws * c]), [0, 2, 1, 3]);
  return tf.reshape(y, [b, h, w, c]);
}

/** `get_attn_mask`: [nW, ws², ws²] with 0 inside a region and −100 across regions; null without shift. */
export function shiftedWindowMask(h: number, w: number, ws: number, shift: number): Float32Array | null {
  if (shift <= 0) return null;
  const region = (i: number, n: number) => (i < n - ws ? 0 : i < n - shift ? 1 : 2);
  const nh = h / ws;
  const nw = w / ws;
  const n = ws * ws;
  const out = new Float32Array(nh * nw * n * n);
  const ids = new Int32Array(n);
  for (let wi = 0; wi < nh; wi++) {
    for (let wj = 0; wj < nw; wj++) {
      for (let p = 0; p < n; p++) ids[p] = region(wi * ws + Math.floor(p / ws), h) * 3 + region(wj * ws + (p % ws), w);
      const base = (wi * nw + wj) * n * n;
      for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) out[base + p * n + q] = ids[p] === ids[q] ? 0 : -100;
    }
  }
  return out;
}

export interface ShiftWindowMSAOptions {
  embed_dims: number;
  num_heads: number;
  window_size: number;
  /** Default: 0. */
  shift_size?: number;
  /** `{type: 'DropPath', drop_prob}`. Default: DropPath(0). */
  dropout_layer?: { type: string; drop_prob?: number } | null;
  /** Default: false. */
  pad_small_map?: boolean;
  /** 'WindowMSA' (V1) or 'WindowMSAV2'. Default: 'WindowMSA'. */
  window_msa?: 'WindowMSA' | 'WindowMSAV2';
  init_cfg?: unknown;
  // WindowMSA / WindowMSAV2 options
  qkv_bias?: boolean;
  qk_scale?: number | null;
  attn_drop?: number;
  proj_drop?: number;
  cpb_mlp_hidden_dims?: number;
  pretrained_window_size?: [number, number];
}

export class ShiftWindowMSA extends Module {
  readonly shiftSize: number;
  readonly windowSize: number;
  readonly padSmallMap: boolean;
  /** Masks by padded map size and shift (constant data, rebuilt only for a new input size). */
  private readonly maskCache = new Map<string, Float32Array | null>();

  constructor(o: ShiftWindowMSAOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'window_size', 'shift_size', 'dropout_layer', 'pad_small_map', 'window_msa', 'init_cfg', 'qkv_bias', 'qk_scale', 'attn_drop', 'proj_drop', 'cpb_mlp_hidden_dims', 'pretrained_window_size'], 'ShiftWindowMSA');
    const { embed_dims, num_heads, window_size, shift_size = 0, pad_small_map = false, window_msa = 'WindowMSA', init_cfg, dropout_layer, ...rest } = o;
    void init_cfg;
    this.shiftSize = shift_size;
    this.windowSize = window_size;
    assert(shift_size >= 0 && shift_size < window_size, () => `ShiftWindowMSA: 0 <= shift_size (${shift_size}) < window_size (${window_size}) does not hold`);
    const win: [number, number] = [window_size, window_size];
    if (window_msa === 'WindowMSAV2') {
      assert(rest.qk_scale === undefined, () => "WindowMSAV2: unexpected key 'qk_scale'");
      const { qk_scale, ...v2 } = rest;
      void qk_scale;
      this.addModule('w_msa', new WindowMSAV2({ embed_dims, num_heads, window_size: win, ...v2 }));
    } else {
      assert(rest.cpb_mlp_hidden_dims === undefined && rest.pretrained_window_size === undefined, () => "WindowMSA: unexpected key 'cpb_mlp_hidden_dims' / 'pretrained_window_size'");
      const { cpb_mlp_hidden_dims, pretrained_window_size, ...v1 } = rest;
      void cpb_mlp_hidden_dims;
      void pretrained_window_size;
      this.addModule('w_msa', new WindowMSA({ embed_dims, num_heads, window_size: win, ...v1 }));
    }
    const drop = dropout_layer === undefined ? { type: 'DropPath', drop_prob: 0 } : dropout_layer;
    if (drop) assert(drop.type === 'DropPath' || drop.type === 'Dropout', () => `ShiftWindowMSA: dropout_layer type '${drop.type}' is not supported`);
    this.addModule('drop', drop && (drop.drop_prob ?? 0) > 0 ? new DropPath(drop.drop_prob) : new Identity());
    this.padSmallMap = pad_small_map;
  }

  override typeNames(): string[] {
    return ['ShiftWindowMSA'];
  }

  /**
   * The attention matmuls of one call on an NHWC input of `shape` (for FLOP counting: the window attention runs
   * through `attend`, not `call`): q·kᵀ and attn·v over every padded window, 2·B_·nH·N²·d multiply-adds, and
   * their outputs as activations.
   */
  matmulCost(shape: readonly number[]): { flops: number; acts: number } {
    const [b, h, w, c] = shape as [number, number, number, number];
    const ws = this.windowSize;
    const n = ws * ws;
    const windows = b * Math.ceil(h / ws) * Math.ceil(w / ws);
    const heads = (this.child('w_msa') as unknown as { numHeads: number }).numHeads;
    return { flops: 2 * windows * n * n * c, acts: windows * heads * n * n + windows * n * c };
  }

  /** x: NHWC [B, H, W, C]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [, H, W] = x.shape as [number, number, number, number];
      const ws = this.windowSize;
      let shift = this.shiftSize;
      if (Math.min(H, W) === ws) shift = this.padSmallMap ? shift : 0;
      else if (Math.min(H, W) < ws) {
        assert(this.padSmallMap, () => `The input shape (${H}, ${W}) is smaller than the window size (${ws}). Please set \`pad_small_map=True\`, or decrease the \`window_size\`.`);
      }
      const padR = (ws - (W % ws)) % ws;
      const padB = (ws - (H % ws)) % ws;
      let y = padR || padB ? tf.pad(x, [[0, 0], [0, padB], [0, padR], [0, 0]]) : x;
      const Hp = H + padB;
      const Wp = W + padR;
      if (shift > 0) y = roll2d(y, -shift, -shift);
      const key = `${Hp}x${Wp}:${shift}`;
      if (!this.maskCache.has(key)) this.maskCache.set(key, shiftedWindowMask(Hp, Wp, ws, shift));
      const maskData = this.maskCache.get(key)!;
      const n = ws * ws;
      const mask = maskData ? tf.tensor3d(maskData, [maskData.length / (n * n), n, n]) : null;
      const out = this.child<WindowAttention>('w_msa').attend(windowPartition(y, ws), mask);
      y = windowReverse(out, Hp, Wp, ws);
      if (shift > 0) y = roll2d(y, shift, shift);
      if (padR || padB) y = tf.slice(y, [0, 0, 0, 0], [-1, H, W, -1]);
      return this.child('drop').call(y) as Tensor;
    });
  }
}
