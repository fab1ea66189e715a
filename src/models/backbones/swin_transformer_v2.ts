/**
 * Swin Transformer V2 (MMPretrain `backbones/swin_transformer_v2.py`): post-norm blocks with cosine window
 * attention (`logit_scale`) and a continuous relative position bias MLP (`cpb_mlp`), MMPretrain `PatchMerging`
 * (post-norm) at the start of every stage but the first, per-stage window sizes and `pretrained_window_sizes`.
 * Loading always rebuilds `relative_position_index` / `relative_coords_table` for this model's windows (MMPretrain
 * deletes them from the checkpoint), so checkpoints of other window sizes load; `absolute_pos_embed` is resized.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Module } from '../nn/module';
import type { StateDict } from '../nn/state_dict';
import type { FFN } from '../nn/transformer';
import { PatchMerging, type PatchMergingOptions } from '../utils/patch_merging';
import { ShiftWindowMSA, type ShiftWindowMSAOptions } from '../utils/shift_window_msa';
import { WindowMSAV2 } from '../utils/window_msa';
import { advance, buildSwinFFN, resolveArch, runBlocks, SwinBase } from './swin_transformer';

type Cfg = Record<string, unknown>;

export interface SwinBlockV2Options {
  embed_dims: number;
  num_heads: number;
  /** Default: 8. */
  window_size?: number;
  shift?: boolean;
  extra_norm?: boolean;
  /** Default: 4. */
  ffn_ratio?: number;
  drop_path?: number;
  pad_small_map?: boolean;
  attn_cfgs?: Partial<ShiftWindowMSAOptions>;
  ffn_cfgs?: Cfg;
  norm_cfg?: NormCfg;
  with_cp?: boolean;
  pretrained_window_size?: Pair;
  init_cfg?: InitCfg | null;
}

/** Post-norm block: x + norm1(attn(x)), then x + norm2(ffn(x)) (then `norm3` with `extra_norm`); NHWC. */
export class SwinBlockV2 extends Module {
  readonly extraNorm: boolean;

  constructor(o: SwinBlockV2Options) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'window_size', 'shift', 'extra_norm', 'ffn_ratio', 'drop_path', 'pad_small_map', 'attn_cfgs', 'ffn_cfgs', 'norm_cfg', 'with_cp', 'pretrained_window_size', 'init_cfg'], 'SwinBlockV2');
    const { embed_dims, num_heads, window_size = 8, shift = false, extra_norm = false, ffn_ratio = 4, drop_path = 0, pad_small_map = false, attn_cfgs = {}, ffn_cfgs = {}, norm_cfg = { type: 'LN' }, pretrained_window_size = 0 } = o;
    this.extraNorm = extra_norm;
    const pws: [number, number] = typeof pretrained_window_size === 'number' ? [pretrained_window_size, pretrained_window_size] : [pretrained_window_size[0], pretrained_window_size[1]];
    this.addModule('attn', new ShiftWindowMSA({ embed_dims, num_heads, shift_size: shift ? window_size >> 1 : 0, window_size, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, pad_small_map, ...attn_cfgs, window_msa: 'WindowMSAV2', pretrained_window_size: pws }));
    this.addModule('norm1', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('ffn', buildSwinFFN({ embed_dims, feedforward_channels: Math.trunc(embed_dims * ffn_ratio), num_fcs: 2, ffn_drop: 0, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, act_cfg: { type: 'GELU' }, add_identity: false }, ffn_cfgs));
    this.addModule('norm2', buildNormLayer(norm_cfg, embed_dims)[1]);
    if (extra_norm) this.addModule('norm3', buildNormLayer(norm_cfg, embed_dims)[1]);
  }

  override typeNames(): string[] {
    return ['SwinBlockV2'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = tf.add(this.child('norm1').call(this.child('attn').call(x) as Tensor) as Tensor, x);
      let y = tf.add(this.child('norm2').call(this.child<FFN>('ffn').forward(h)) as Tensor, h);
      if (this.extraNorm) y = this.child('norm3').call(y) as Tensor;
      return y;
    });
  }
}

export interface SwinBlockV2SequenceOptions {
  embed_dims: number;
  depth: number;
  num_heads: number;
  window_size?: number;
  downsample?: boolean;
  downsample_cfg?: Cfg;
  drop_paths?: number | number[];
  block_cfgs?: Cfg | Cfg[];
  with_cp?: boolean;
  pad_small_map?: boolean;
  extra_norm_every_n_blocks?: number;
  pretrained_window_size?: Pair;
  init_cfg?: InitCfg | null;
}

/** An optional `downsample` (PatchMerging to 2× channels) then `blocks`. */
export class SwinBlockV2Sequence extends Module {
  readonly outChannels: number;
  readonly downsample: PatchMerging | null;
  readonly blocks: ModuleList<SwinBlockV2>;

  constructor(o: SwinBlockV2SequenceOptions) {
    super();
    checkKeys(o, ['embed_dims', 'depth', 'num_heads', 'window_size', 'downsample', 'downsample_cfg', 'drop_paths', 'block_cfgs', 'with_cp', 'pad_small_map', 'extra_norm_every_n_blocks', 'pretrained_window_size', 'init_cfg'], 'SwinBlockV2Sequence');
    const { embed_dims, depth, num_heads, window_size = 8, downsample = false, downsample_cfg = {}, drop_paths = 0, block_cfgs = {}, pad_small_map = false, extra_norm_every_n_blocks = 0, pretrained_window_size = 0 } = o;
    const dprs = Array.isArray(drop_paths) ? drop_paths : Array(depth).fill(drop_paths);
    const cfgs = Array.isArray(block_cfgs) ? block_cfgs : Array.from({ length: depth }, () => ({ ...block_cfgs }));
    if (downsample) {
      this.outChannels = 2 * embed_dims;
      this.downsample = this.addModule('downsample', new PatchMerging({ in_channels: embed_dims, out_channels: this.outChannels, norm_cfg: { type: 'LN' }, ...downsample_cfg } as PatchMergingOptions, 'mmpretrain'));
    } else {
      this.outChannels = embed_dims;
      this.downsample = null;
    }
    this.blocks = this.addModule('blocks', new ModuleList<SwinBlockV2>());
    for (let i = 0; i < depth; i++) {
      const extra = !!extra_norm_every_n_blocks && (i + 1) % extra_norm_every_n_blocks === 0;
      this.blocks.push(new SwinBlockV2({ embed_dims: this.outChannels, num_heads, window_size, shift: i % 2 !== 0, extra_norm: extra, drop_path: dprs[i], with_cp: o.with_cp, pad_small_map, pretrained_window_size, ...cfgs[i] }));
    }
  }

  override typeNames(): string[] {
    return ['SwinBlockV2Sequence'];
  }

  /** The output is the last block's: watched when either is. */
  override hasForwardHooks(): boolean {
    const blocks = this.blocks.items();
    return super.hasForwardHooks() || (blocks.length > 0 && blocks[blocks.length - 1].hasForwardHooks());
  }

  forward(x: Tensor): Tensor {
    if (!this.downsample) return runBlocks(this.blocks.items(), x);
    const d = this.downsample.call(x);
    const y = runBlocks(this.blocks.items(), d);
    if (!this.downsample.hasForwardHooks()) d.dispose();
    return y;
  }
}

export interface SwinV2Arch {
  embed_dims: number;
  depths: number[];
  num_heads: number[];
  extra_norm_every_n_blocks: number;
}

const A = (embed_dims: number, depths: number[], num_heads: number[], extra_norm_every_n_blocks: number): SwinV2Arch => ({ embed_dims, depths, num_heads, extra_norm_every_n_blocks });

export const SWIN_V2_ARCH_ZOO: Record<string, SwinV2Arch> = {
  t: A(96, [2, 2, 6, 2], [3, 6, 12, 24], 0), tiny: A(96, [2, 2, 6, 2], [3, 6, 12, 24], 0),
  s: A(96, [2, 2, 18, 2], [3, 6, 12, 24], 0), small: A(96, [2, 2, 18, 2], [3, 6, 12, 24], 0),
  b: A(128, [2, 2, 18, 2], [4, 8, 16, 32], 0), base: A(128, [2, 2, 18, 2], [4, 8, 16, 32], 0),
  l: A(192, [2, 2, 18, 2], [6, 12, 24, 48], 0), large: A(192, [2, 2, 18, 2], [6, 12, 24, 48], 0),
  h: A(352, [2, 2, 18, 2], [8, 16, 32, 64], 6), huge: A(352, [2, 2, 18, 2], [8, 16, 32, 64], 6),
  g: A(512, [2, 2, 42, 4], [16, 32, 64, 128], 6), giant: A(512, [2, 2, 42, 4], [16, 32, 64, 128], 6),
};

export interface SwinTransformerV2Options {
  /** A name of {@link SWIN_V2_ARCH_ZOO} or `{embed_dims, depths, num_heads, extra_norm_every_n_blocks}`. Default: 'tiny'. */
  arch?: string | SwinV2Arch;
  /** Default: 256. */
  img_size?: Pair;
  patch_size?: Pair;
  in_channels?: number;
  /** One size or one per stage. Default: 8. */
  window_size?: number | number[];
  drop_rate?: number;
  /** Default: 0.1. */
  drop_path_rate?: number;
  /** Default: [3]. */
  out_indices?: number | number[];
  use_abs_pos_embed?: boolean;
  interpolate_mode?: 'bicubic' | 'bilinear';
  with_cp?: boolean;
  frozen_stages?: number;
  norm_eval?: boolean;
  pad_small_map?: boolean;
  norm_cfg?: NormCfg | null;
  stage_cfgs?: Cfg | Cfg[];
  patch_cfg?: Cfg;
  /** Default: [0, 0, 0, 0]. */
  pretrained_window_sizes?: number[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

const V2_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'window_size', 'drop_rate', 'drop_path_rate', 'out_indices', 'use_abs_pos_embed', 'interpolate_mode', 'with_cp', 'frozen_stages', 'norm_eval', 'pad_small_map', 'norm_cfg', 'stage_cfgs', 'patch_cfg', 'pretrained_window_sizes', 'init_cfg'];

export class SwinTransformerV2 extends SwinBase {
  readonly archSettings: SwinV2Arch;
  readonly windowSizes: number[];
  readonly numFeatures: number[];

  constructor(opts: SwinTransformerV2Options = {}) {
    checkKeys(opts, V2_KEYS, 'SwinTransformerV2');
    const arch = resolveArch(opts.arch ?? 'tiny', SWIN_V2_ARCH_ZOO, ['embed_dims', 'depths', 'num_heads', 'extra_norm_every_n_blocks']);
    super({ ...opts, arch, img_size: opts.img_size ?? 256 });
    this.archSettings = arch;
    const { window_size = 8, drop_path_rate = 0.1, pad_small_map = false, stage_cfgs = {}, with_cp = false, pretrained_window_sizes = [0, 0, 0, 0] } = opts;
    const normCfg = opts.norm_cfg === undefined ? { type: 'LN' } : opts.norm_cfg;
    if (typeof window_size === 'number') this.windowSizes = Array(this.numLayers).fill(window_size);
    else if (Array.isArray(window_size)) {
      assert(window_size.length === this.numLayers, () => `Length of window_sizes ${window_size.length} is not equal to length of stages ${this.numLayers}.`);
      this.windowSizes = [...window_size];
    } else throw new TypeError('window_size should be a Sequence or int.');
    const dprs = this.stageDropPaths(drop_path_rate);
    const dims = [this.embedDims];
    for (let i = 0; i < this.numLayers; i++) {
      const stageCfg = Array.isArray(stage_cfgs) ? stage_cfgs[i] : { ...stage_cfgs };
      const stage = new SwinBlockV2Sequence({
        embed_dims: dims[dims.length - 1], depth: this.depths[i], num_heads: this.numHeads[i], window_size: this.windowSizes[i], downsample: i > 0, drop_paths: dprs[i], with_cp, pad_small_map,
        extra_norm_every_n_blocks: arch.extra_norm_every_n_blocks, pretrained_window_size: pretrained_window_sizes[i], downsample_cfg: { use_post_norm: true }, ...stageCfg,
      });
      this.stages.push(stage);
      dims.push(stage.outChannels);
    }
    this.numFeatures = dims.slice(1);
    this.addOutputNorms(normCfg, (i) => dims.at(i + 1)!);
    this.train(true);
  }

  override typeNames(): string[] {
    return ['SwinTransformerV2'];
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = this.embed(x);
    let free = true;
    this.stages.items().forEach((stage, i) => {
      [h, free] = advance(h, stage, free);
      if (this.outIndices.includes(i)) outs.push(this.outputNorm(i, h));
    });
    if (free) h.dispose();
    return outs;
  }

  /**
   * `_prepare_abs_pos_embed`, and `_delete_reinit_params`: every `relative_position_index` / `relative_coords_table`
   * of the checkpoint is dropped and this model's own values are used (written into the private copy so that a
   * strict load stays clean).
   */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    this.prepareAbsPosEmbed(sd, prefix);
    for (const k of [...sd.keys()]) if (k.includes('relative_position_index') || k.includes('relative_coords_table')) sd.delete(k);
    for (const [name, m] of this.namedModules()) {
      if (!(m instanceof WindowMSAV2)) continue;
      for (const [n, v] of [['relative_position_index', m.index], ['relative_coords_table', m.coords]] as const) {
        sd.set(`${prefix}${name}.${n}`, { dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array });
      }
    }
  }
}
