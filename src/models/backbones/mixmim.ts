/**
 * MixMIM (MMPretrain `backbones/mixmim.py`, `MixMIMTransformer`): mmcv `PatchEmbed` (LN), a frozen
 * `absolute_pos_embed` (zeros, `requires_grad=False`), four `layers` of Swin-like blocks with plain (never shifted)
 * window attention and relative position bias, mmcv `PatchMerging` after every layer but the last, a final
 * `norm` and global average pooling. Each block is MMPretrain's `TransformerEncoderLayer` (`ln1`, `attn`, `ln2`,
 * `ffn`) with its attention replaced by `MixMIMWindowAttention`; a layer whose grid is not larger than its window
 * uses one window of the whole grid. Features are NHWC maps inside.
 *
 * The classification forward passes no mask. The blocks also take MixMIM's pre-training mask (`attn_mask`, 1 for
 * tokens of one image of a mixed pair, 0 for the other): tokens then attend only to tokens of the same image.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Identity, Module } from '../nn/module';
import { FFN } from '../nn/transformer';
import { pySetRepr } from '../utils/arch_settings';
import { PatchEmbed } from '../utils/embed';
import { linspace } from '../utils/linspace';
import { PatchMerging, type PatchMergingOptions } from '../utils/patch_merging';
import { windowPartition, windowReverse } from '../utils/shift_window_msa';
import { WindowMSA } from '../utils/window_msa';
import { BaseBackbone } from './base_backbone';
import { TransformerEncoderLayer } from './vision_transformer';

type Cfg = Record<string, unknown>;

export interface MixMIMWindowAttentionOptions {
  embed_dims: number;
  window_size: [number, number];
  num_heads: number;
  /** Default: true. */
  qkv_bias?: boolean;
  qk_scale?: number | null;
  attn_drop_rate?: number;
  proj_drop_rate?: number;
  init_cfg?: unknown;
}

/** `WindowMSA` whose optional mask keeps attention within each image of a mixed pair. */
export class MixMIMWindowAttention extends WindowMSA {
  constructor(o: MixMIMWindowAttentionOptions) {
    checkKeys(o, ['embed_dims', 'window_size', 'num_heads', 'qkv_bias', 'qk_scale', 'attn_drop_rate', 'proj_drop_rate', 'init_cfg'], 'MixMIMWindowAttention');
    super({ embed_dims: o.embed_dims, window_size: o.window_size, num_heads: o.num_heads, qkv_bias: o.qkv_bias ?? true, qk_scale: o.qk_scale, attn_drop: o.attn_drop_rate, proj_drop: o.proj_drop_rate });
  }

  override typeNames(): string[] {
    return ['MixMIMWindowAttention', 'WindowMSA'];
  }

  /** q·kᵀ and attn·v of windows [B_, N, C] (fvcore's two `matmul`s); qkv / proj are Linear children. */
  matmulCost(shape: readonly number[]): { flops: number; acts: number } {
    const [b, n, c] = shape as [number, number, number];
    return { flops: 2 * b * n * n * c, acts: b * this.numHeads * n * n + b * n * c };
  }

  /**
   * x [B_, N, C]; mask [B_, N] of 0 / 1 or null: pairs of tokens with different mask values get −1e30 added
   * to their logits (`attn - 1e30 * mask_new`).
   */
  attendMasked(x: Tensor, mask: Tensor | null): Tensor {
    if (!mask) return this.attend(x, null);
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      const m = tf.reshape(mask, [b, 1, n]);
      const mt = tf.reshape(mask, [b, n, 1]);
      const same = tf.add(tf.mul(mt, m), tf.mul(tf.sub(1, mt), tf.sub(1, m)));
      // [B_, N, N] as one "window" per attention batch row (addWindowMask broadcasts it over the heads).
      return this.attend(x, tf.mul(tf.sub(1, same), -1e30));
    });
  }

  override forward(x: Tensor): Tensor {
    return this.attend(x, null);
  }
}

export interface MixMIMBlockOptions {
  embed_dims: number;
  input_resolution: [number, number];
  num_heads: number;
  /** Default: 7. */
  window_size?: number;
  /** Default: 4. */
  mlp_ratio?: number;
  num_fcs?: number;
  qkv_bias?: boolean;
  proj_drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  act_cfg?: ActCfg;
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

/** x + drop_path(window_attn(ln1(x))), then x + ffn(ln2(x)); NHWC [B, H, W, C] in and out. */
export class MixMIMBlock extends TransformerEncoderLayer {
  readonly inputResolution: [number, number];
  readonly windowSize: number;

  constructor(o: MixMIMBlockOptions) {
    checkKeys(o, ['embed_dims', 'input_resolution', 'num_heads', 'window_size', 'mlp_ratio', 'num_fcs', 'qkv_bias', 'proj_drop_rate', 'attn_drop_rate', 'drop_path_rate', 'act_cfg', 'norm_cfg', 'init_cfg'], 'MixMIMBlock');
    const { embed_dims, input_resolution, num_heads, window_size = 7, mlp_ratio = 4, num_fcs = 2, qkv_bias = true, proj_drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    super({ embed_dims, num_heads, feedforward_channels: Math.trunc(mlp_ratio * embed_dims), drop_rate: proj_drop_rate, attn_drop_rate, drop_path_rate, num_fcs, qkv_bias, act_cfg, norm_cfg });
    this.inputResolution = input_resolution;
    this.windowSize = Math.min(...input_resolution) <= window_size ? Math.min(...input_resolution) : window_size;
    const ws = this.windowSize;
    // Replaces the encoder layer's MultiheadAttention in place (`attn` keeps its position among the children).
    this.addModule('attn', new MixMIMWindowAttention({ embed_dims, window_size: [ws, ws], num_heads, qkv_bias, attn_drop_rate, proj_drop_rate }));
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['MixMIMBlock'];
  }

  /**
   * x: NHWC [B, H, W, C] on the block's `input_resolution`; attnMask: MixMIM's mask with H·W entries
   * (`[1, H·W, 1]`), shared by the batch, or null.
   */
  forwardMasked(x: Tensor, attnMask: Tensor | null): Tensor {
    const [b, H, W] = x.shape as [number, number, number, number];
    const [h, w] = this.inputResolution;
    assert(H === h && W === w, () => `MixMIMBlock: the input grid ${H}×${W} is not the block's input_resolution ${h}×${w} (the input image must have the backbone's img_size)`);
    const ws = this.windowSize;
    assert(h % ws === 0 && w % ws === 0, () => `MixMIMBlock: the ${h}×${w} grid is not divisible into ${ws}×${ws} windows`);
    return tf.tidy(() => {
      const windows = windowPartition(this.child('ln1').call(x) as Tensor, ws);
      const attn = this.child<MixMIMWindowAttention>('attn');
      let out: Tensor;
      if (attnMask) {
        assert(attnMask.size === h * w, () => `MixMIMBlock: attn_mask has ${attnMask.size} entries, the grid ${h * w}`);
        const m = windowPartition(tf.tile(tf.reshape(attnMask, [1, h, w, 1]), [b, 1, 1, 1]), ws);
        out = attn.attendMasked(windows, tf.reshape(m, [-1, ws * ws]));
      } else out = attn.call(windows);
      const y = tf.add(x, this.child('drop_path').call(windowReverse(out, h, w, ws)) as Tensor);
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('ln2').call(y) as Tensor, y);
    });
  }

  override forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null);
  }
}

export interface MixMIMLayerOptions {
  embed_dims: number;
  input_resolution: [number, number];
  depth: number;
  num_heads: number;
  window_size: number;
  mlp_ratio?: number;
  qkv_bias?: boolean;
  proj_drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number[];
  norm_cfg?: NormCfg;
  /** Add mmcv's PatchMerging (2× channels) after the blocks. */
  downsample?: boolean;
  use_checkpoint?: boolean;
  init_cfg?: InitCfg | null;
}

/** `blocks` then, optionally, `downsample`; NHWC in and out. */
export class MixMIMLayer extends Module {
  readonly embedDims: number;
  readonly inputResolution: [number, number];
  readonly blocks: ModuleList<MixMIMBlock>;
  readonly downsample: PatchMerging | null;

  constructor(o: MixMIMLayerOptions) {
    super();
    const { embed_dims, input_resolution, depth, num_heads, window_size, mlp_ratio = 4, qkv_bias = true, proj_drop_rate = 0, attn_drop_rate = 0, drop_path_rate = [0], norm_cfg = { type: 'LN' }, downsample = false } = o;
    this.embedDims = embed_dims;
    this.inputResolution = input_resolution;
    this.blocks = this.addModule('blocks', new ModuleList<MixMIMBlock>());
    for (let i = 0; i < depth; i++) {
      this.blocks.push(new MixMIMBlock({ embed_dims, input_resolution, num_heads, window_size, mlp_ratio, qkv_bias, proj_drop_rate, attn_drop_rate, drop_path_rate: drop_path_rate[i], norm_cfg }));
    }
    this.downsample = downsample ? this.addModule('downsample', new PatchMerging({ in_channels: embed_dims, out_channels: 2 * embed_dims, norm_cfg } as PatchMergingOptions, 'mmcv')) : null;
  }

  override typeNames(): string[] {
    return ['MixMIMLayer'];
  }

  /** x: NHWC; attnMask as {@link MixMIMBlock.forwardMasked}. */
  forwardMasked(x: Tensor, attnMask: Tensor | null): Tensor {
    let y = x;
    let free = false;
    for (const b of this.blocks.items()) {
      const next = tf.tidy(() => (attnMask ? b.forwardMasked(y, attnMask) : b.call(y)));
      if (free) y.dispose();
      free = !b.hasForwardHooks();
      y = next;
    }
    if (this.downsample) {
      const next = this.downsample.call(y);
      if (free) y.dispose();
      y = next;
    } else if (y === x) y = tf.clone(x);
    return y;
  }

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null);
  }
}

export interface MixMIMArch {
  embed_dims: number;
  depths: number[];
  num_heads: number[];
}

const A = (embed_dims: number, num_heads: number[]): MixMIMArch => ({ embed_dims, depths: [2, 2, 18, 2], num_heads });
const BASE = A(128, [4, 8, 16, 32]);
const LARGE = A(192, [6, 12, 24, 48]);
const HUGE = A(352, [11, 22, 44, 88]);

export const MIXMIM_ARCH_ZOO: Record<string, MixMIMArch> = { b: BASE, base: BASE, l: LARGE, large: LARGE, h: HUGE, huge: HUGE };

export interface MixMIMTransformerOptions {
  /** 'base' | 'large' | 'huge' (or b/l/h, any case) or a dict with at least `embed_dims`, `depths`, `num_heads`. Default: 'base'. */
  arch?: string | MixMIMArch;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: 224 (the input must have this size). */
  img_size?: Pair;
  /** Default: 4. */
  patch_size?: Pair;
  in_channels?: number;
  /** One per layer. Default: [14, 14, 14, 7]. */
  window_size?: number[];
  /** Default: true. */
  qkv_bias?: boolean;
  patch_cfg?: Cfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  drop_rate?: number;
  drop_path_rate?: number;
  attn_drop_rate?: number;
  /** Gradient checkpointing (memory only; accepted, no effect on results). */
  use_checkpoint?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const MIXMIM_KEYS = ['arch', 'mlp_ratio', 'img_size', 'patch_size', 'in_channels', 'window_size', 'qkv_bias', 'patch_cfg', 'norm_cfg', 'drop_rate', 'drop_path_rate', 'attn_drop_rate', 'use_checkpoint', 'init_cfg'];

export class MixMIMTransformer extends BaseBackbone {
  readonly archSettings: MixMIMArch;
  readonly embedDims: number;
  readonly depths: number[];
  readonly numHeads: number[];
  readonly numLayers: number;
  readonly numFeatures: number;
  readonly encoderStride = 32;
  readonly patchResolution: [number, number];
  readonly numPatches: number;
  readonly absolutePosEmbed: tf.Variable;
  readonly layers: ModuleList<MixMIMLayer>;

  constructor(opts: MixMIMTransformerOptions = {}) {
    checkKeys(opts, MIXMIM_KEYS, 'MixMIMTransformer');
    super(opts.init_cfg);
    const archOpt = opts.arch ?? 'base';
    const essential = ['embed_dims', 'depths', 'num_heads'];
    let arch: MixMIMArch;
    if (typeof archOpt === 'string') {
      const a = archOpt.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(MIXMIM_ARCH_ZOO, a), () => `Arch ${a} is not in default archs ${pySetRepr(Object.keys(MIXMIM_ARCH_ZOO))}`);
      arch = MIXMIM_ARCH_ZOO[a];
    } else {
      assert(archOpt !== null && typeof archOpt === 'object' && essential.every((k) => k in archOpt), () => `Custom arch needs a dict with keys ${pySetRepr(essential)}`);
      arch = archOpt;
    }
    this.archSettings = arch;
    const { mlp_ratio = 4, img_size = 224, patch_size = 4, in_channels = 3, window_size = [14, 14, 14, 7], qkv_bias = true, patch_cfg = {}, norm_cfg = { type: 'LN' }, drop_rate = 0, drop_path_rate = 0, attn_drop_rate = 0, use_checkpoint = false } = opts;
    this.embedDims = arch.embed_dims;
    this.depths = arch.depths;
    this.numHeads = arch.num_heads;
    this.numLayers = arch.depths.length;
    const patchEmbed = new PatchEmbed({ in_channels, input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: patch_size, stride: patch_size, norm_cfg: { type: 'LN' }, ...patch_cfg });
    this.patchResolution = patchEmbed.initOutSize!;
    this.numPatches = this.patchResolution[0] * this.patchResolution[1];
    this.absolutePosEmbed = this.registerParameter('absolute_pos_embed', [1, this.numPatches, this.embedDims], 0, false);
    this.addModule('patch_embed', patchEmbed);
    const dpr = linspace(0, drop_path_rate, this.depths.reduce((a, b) => a + b, 0));
    this.layers = this.addModule('layers', new ModuleList<MixMIMLayer>());
    let at = 0;
    for (let i = 0; i < this.numLayers; i++) {
      const f = 2 ** i;
      this.layers.push(new MixMIMLayer({
        embed_dims: Math.trunc(this.embedDims * f),
        input_resolution: [Math.floor(this.patchResolution[0] / f), Math.floor(this.patchResolution[1] / f)],
        depth: this.depths[i],
        num_heads: this.numHeads[i],
        window_size: window_size[i],
        mlp_ratio,
        qkv_bias,
        proj_drop_rate: drop_rate,
        attn_drop_rate,
        drop_path_rate: dpr.slice(at, (at += this.depths[i])),
        norm_cfg,
        downsample: i < this.numLayers - 1,
        use_checkpoint,
      }));
    }
    this.numFeatures = Math.trunc(this.embedDims * 2 ** (this.numLayers - 1));
    this.addModule('drop_after_pos', new Dropout(drop_rate));
    this.addModule('norm', buildNormLayer(norm_cfg, this.numFeatures)[1]);
  }

  override typeNames(): string[] {
    return ['MixMIMTransformer'];
  }

  /** The frozen `absolute_pos_embed` stays frozen whatever `requiresGrad` the model gets. */
  override requiresGrad(flag: boolean): this {
    super.requiresGrad(flag);
    this.absolutePosEmbed.trainable = false;
    return this;
  }

  /**
   * x: NHWC images → [pooled features [B, num_features]]. `attnMasks`: per layer, MixMIM's pre-training mask on
   * that layer's grid (`mask_s1` … `mask_s4`, each [1, h·w, 1]) or null; the classification forward passes none.
   */
  forwardMasked(x: Tensor, attnMasks: (Tensor | null)[] | null): Tensor[] {
    let h = tf.tidy(() => {
      const pe = this.child<PatchEmbed>('patch_embed');
      const t = pe.call(x);
      const [gh, gw] = pe.lastOutSize;
      assert(t.shape[1] === this.numPatches, () => `MixMIMTransformer: ${gh}×${gw} patches, absolute_pos_embed has ${this.numPatches} (the input image must have the backbone's img_size)`);
      const y = this.child('drop_after_pos').call(tf.add(t, this.absolutePosEmbed)) as Tensor;
      return tf.reshape(y, [x.shape[0], gh, gw, this.embedDims]);
    });
    let free = true;
    this.layers.items().forEach((layer, i) => {
      const mask = attnMasks?.[i] ?? null;
      const next = tf.tidy(() => (mask ? layer.forwardMasked(h, mask) : layer.call(h)));
      if (free) h.dispose();
      free = !layer.hasForwardHooks();
      h = next;
    });
    const out = tf.tidy(() => tf.mean(this.child('norm').call(h) as Tensor, [1, 2]));
    if (free) h.dispose();
    return [out];
  }

  forward(x: Tensor): Tensor[] {
    return this.forwardMasked(x, null);
  }

  /**
   * `get_layer_depth` (layer-wise lr decay): `[depth, sum(depths) + 2]`; names containing `patch_embed` /
   * `absolute_pos_embed` / `pos_embed` are 0, block j of layer i is sum(depths[:i]) + j + 1, a layer's downsample
   * counts with its last block, a neck second last, everything else last.
   */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    const numLayers = this.depths.reduce((a, b) => a + b, 0) + 2;
    if (!paramName.startsWith(prefix)) return [paramName.startsWith('neck') ? numLayers - 2 : numLayers - 1, numLayers];
    const name = paramName.slice(prefix.length);
    const sum = (n: number) => this.depths.slice(0, n).reduce((a, b) => a + b, 0);
    if (['patch_embed', 'absolute_pos_embed', 'pos_embed'].some((s) => name.includes(s))) return [0, numLayers];
    if (name.startsWith('layers')) {
      const parts = name.split('.');
      const layer = Number(parts[1]);
      const block = parts[3];
      return [['downsample', 'reduction', 'norm'].includes(block) ? sum(layer + 1) : sum(layer) + Number(block) + 1, numLayers];
    }
    return [numLayers - 2, numLayers];
  }
}
