/**
 * Swin Transformer (MMPretrain `backbones/swin_transformer.py`): patch embedding, stages of (shifted) window
 * attention blocks with relative position bias, mmcv `PatchMerging` between stages, one LayerNorm per output.
 * Features are NHWC maps all the way through. Loading resizes a checkpoint's `relative_position_bias_table` (other
 * window size) and `absolute_pos_embed` (other image size) as MMPretrain's load-state-dict pre-hooks do.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Identity, Module, type AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';
import { entryToFloat32, type StateDict } from '../nn/state_dict';
import { FFN } from '../nn/transformer';
import { pySetRepr } from '../utils/arch_settings';
import { PatchEmbed, resizePosEmbed } from '../utils/embed';
import { linspace } from '../utils/linspace';
import { resizePosEmbedEntry } from '../utils/pos_embed_state';
import { PatchMerging, type PatchMergingOptions } from '../utils/patch_merging';
import { ShiftWindowMSA, type ShiftWindowMSAOptions } from '../utils/shift_window_msa';
import { relativePositionIndex, resizeRelativePositionBiasTable, WindowMSA } from '../utils/window_msa';
import { BaseBackbone, batchNormsToEval, freeze } from './base_backbone';

type Cfg = Record<string, unknown>;

/** mmcv `FFN` options as Swin blocks pass them (`dropout_layer` DropPath dict → `drop_path`). */
export function buildSwinFFN(defaults: Cfg, ffnCfgs: Cfg): FFN {
  const cfg = { ...defaults, ...ffnCfgs };
  checkKeys(cfg, ['embed_dims', 'feedforward_channels', 'num_fcs', 'ffn_drop', 'dropout_layer', 'act_cfg', 'add_identity', 'layer_scale_init_value', 'init_cfg'], 'FFN');
  const drop = cfg.dropout_layer as { type: string; drop_prob?: number } | null | undefined;
  if (drop) assert(drop.type === 'DropPath', () => `FFN: dropout_layer type '${drop.type}' is not supported`);
  return new FFN({
    embed_dims: cfg.embed_dims as number,
    feedforward_channels: cfg.feedforward_channels as number,
    num_fcs: cfg.num_fcs as number | undefined,
    ffn_drop: cfg.ffn_drop as number | undefined,
    drop_path: drop?.drop_prob ?? 0,
    act_cfg: cfg.act_cfg as ActCfg | undefined,
    add_identity: cfg.add_identity as boolean | undefined,
    layer_scale_init_value: cfg.layer_scale_init_value as number | undefined,
  });
}

export interface SwinBlockOptions {
  embed_dims: number;
  num_heads: number;
  /** Default: 7. */
  window_size?: number;
  shift?: boolean;
  /** Default: 4. */
  ffn_ratio?: number;
  drop_path?: number;
  pad_small_map?: boolean;
  attn_cfgs?: Partial<ShiftWindowMSAOptions>;
  ffn_cfgs?: Cfg;
  norm_cfg?: NormCfg;
  with_cp?: boolean;
  init_cfg?: InitCfg | null;
}

/** Pre-norm block: x + attn(norm1(x)), then x + ffn(norm2(x)); NHWC in and out. */
export class SwinBlock extends Module {
  constructor(o: SwinBlockOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'window_size', 'shift', 'ffn_ratio', 'drop_path', 'pad_small_map', 'attn_cfgs', 'ffn_cfgs', 'norm_cfg', 'with_cp', 'init_cfg'], 'SwinBlock');
    const { embed_dims, num_heads, window_size = 7, shift = false, ffn_ratio = 4, drop_path = 0, pad_small_map = false, attn_cfgs = {}, ffn_cfgs = {}, norm_cfg = { type: 'LN' } } = o;
    this.addModule('norm1', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('attn', new ShiftWindowMSA({ embed_dims, num_heads, shift_size: shift ? window_size >> 1 : 0, window_size, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, pad_small_map, ...attn_cfgs }));
    this.addModule('norm2', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('ffn', buildSwinFFN({ embed_dims, feedforward_channels: Math.trunc(embed_dims * ffn_ratio), num_fcs: 2, ffn_drop: 0, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, act_cfg: { type: 'GELU' } }, ffn_cfgs));
  }

  override typeNames(): string[] {
    return ['SwinBlock'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = tf.add(this.child('attn').call(this.child('norm1').call(x) as Tensor) as Tensor, x);
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('norm2').call(h) as Tensor, h);
    });
  }
}

/** Calls `m` on `x`, freeing `x` when `free` (owned by the caller, watched by no hook); returns [y, y is free]. */
export function advance(x: Tensor, m: AnyModule, free: boolean): [Tensor, boolean] {
  const y = m.call(x) as Tensor;
  if (free && y !== x) x.dispose();
  return [y, !m.hasForwardHooks()];
}

/** Runs `blocks` one after another, freeing each intermediate (unless hooked). */
export function runBlocks(blocks: AnyModule[], x: Tensor): Tensor {
  let y = x;
  let disposable = false;
  for (const b of blocks) {
    const next = tf.tidy(() => b.call(y) as Tensor);
    if (disposable) y.dispose();
    disposable = !b.hasForwardHooks();
    y = next;
  }
  return y === x ? tf.clone(x) : y;
}

export interface SwinBlockSequenceOptions {
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
  init_cfg?: InitCfg | null;
}

/** `blocks` then an optional `downsample` (mmcv PatchMerging to 2× channels). */
export class SwinBlockSequence extends Module {
  readonly embedDims: number;
  readonly blocks: ModuleList<SwinBlock>;
  readonly downsample: PatchMerging | null;

  constructor(o: SwinBlockSequenceOptions) {
    super();
    checkKeys(o, ['embed_dims', 'depth', 'num_heads', 'window_size', 'downsample', 'downsample_cfg', 'drop_paths', 'block_cfgs', 'with_cp', 'pad_small_map', 'init_cfg'], 'SwinBlockSequence');
    const { embed_dims, depth, num_heads, window_size = 7, downsample = false, downsample_cfg = {}, drop_paths = 0, block_cfgs = {}, pad_small_map = false } = o;
    const dprs = Array.isArray(drop_paths) ? drop_paths : Array(depth).fill(drop_paths);
    const cfgs = Array.isArray(block_cfgs) ? block_cfgs : Array.from({ length: depth }, () => ({ ...block_cfgs }));
    this.embedDims = embed_dims;
    this.blocks = this.addModule('blocks', new ModuleList<SwinBlock>());
    for (let i = 0; i < depth; i++) {
      this.blocks.push(new SwinBlock({ embed_dims, num_heads, window_size, shift: i % 2 !== 0, drop_path: dprs[i], with_cp: o.with_cp, pad_small_map, ...cfgs[i] }));
    }
    this.downsample = downsample ? this.addModule('downsample', new PatchMerging({ in_channels: embed_dims, out_channels: 2 * embed_dims, norm_cfg: { type: 'LN' }, ...downsample_cfg } as PatchMergingOptions, 'mmcv')) : null;
  }

  override typeNames(): string[] {
    return ['SwinBlockSequence'];
  }

  /** The output is the last block's: watched when either is. */
  override hasForwardHooks(): boolean {
    const blocks = this.blocks.items();
    return super.hasForwardHooks() || (blocks.length > 0 && blocks[blocks.length - 1].hasForwardHooks());
  }

  get outChannels(): number {
    return this.downsample ? this.downsample.outChannels : this.embedDims;
  }

  /** The blocks only (the backbone decides when to downsample). */
  forward(x: Tensor): Tensor {
    return runBlocks(this.blocks.items(), x);
  }
}

export interface SwinArch {
  embed_dims: number;
  depths: number[];
  num_heads: number[];
}

const A = (embed_dims: number, depths: number[], num_heads: number[]): SwinArch => ({ embed_dims, depths, num_heads });

export const SWIN_ARCH_ZOO: Record<string, SwinArch> = {
  t: A(96, [2, 2, 6, 2], [3, 6, 12, 24]), tiny: A(96, [2, 2, 6, 2], [3, 6, 12, 24]),
  s: A(96, [2, 2, 18, 2], [3, 6, 12, 24]), small: A(96, [2, 2, 18, 2], [3, 6, 12, 24]),
  b: A(128, [2, 2, 18, 2], [4, 8, 16, 32]), base: A(128, [2, 2, 18, 2], [4, 8, 16, 32]),
  l: A(192, [2, 2, 18, 2], [6, 12, 24, 48]), large: A(192, [2, 2, 18, 2], [6, 12, 24, 48]),
};

/** MMPretrain's arch lookup: a (case-insensitive) name of `zoo`, or a dict with exactly `keys`. */
export function resolveArch<T extends object>(arch: string | T, zoo: Record<string, T>, keys: string[]): T {
  if (typeof arch === 'string') {
    const a = arch.toLowerCase();
    assert(Object.prototype.hasOwnProperty.call(zoo, a), () => `Arch ${a} is not in default archs ${pySetRepr(Object.keys(zoo))}`);
    return zoo[a];
  }
  const got = arch && typeof arch === 'object' ? Object.keys(arch) : [];
  assert(got.length === keys.length && keys.every((k) => got.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(keys)}`);
  return arch;
}

/** What the two Swin backbones share: patch embedding, optional absolute position embedding, freezing, loading. */
export abstract class SwinBase extends BaseBackbone {
  readonly embedDims: number;
  readonly depths: number[];
  readonly numHeads: number[];
  readonly numLayers: number;
  readonly outIndices: number[];
  readonly useAbsPosEmbed: boolean;
  readonly interpolateMode: 'bicubic' | 'bilinear';
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly patchResolution: [number, number];
  readonly absolutePosEmbed: tf.Variable | null;
  readonly stages: ModuleList;

  protected constructor(
    o: { arch: SwinArch; img_size?: Pair; patch_size?: Pair; in_channels?: number; drop_rate?: number; out_indices?: number | number[]; use_abs_pos_embed?: boolean; interpolate_mode?: 'bicubic' | 'bilinear'; frozen_stages?: number; norm_eval?: boolean; patch_cfg?: Cfg; init_cfg?: InitCfg | InitCfg[] | null },
  ) {
    super(o.init_cfg);
    const { arch, img_size, patch_size = 4, in_channels = 3, drop_rate = 0, out_indices = [3], use_abs_pos_embed = false, interpolate_mode = 'bicubic', frozen_stages = -1, norm_eval = false, patch_cfg = {} } = o;
    this.embedDims = arch.embed_dims;
    this.depths = arch.depths;
    this.numHeads = arch.num_heads;
    this.numLayers = arch.depths.length;
    this.outIndices = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    this.useAbsPosEmbed = use_abs_pos_embed;
    this.interpolateMode = interpolate_mode;
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    const patchEmbed = new PatchEmbed({ in_channels, input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: patch_size, stride: patch_size, norm_cfg: { type: 'LN' }, ...patch_cfg });
    this.patchResolution = patchEmbed.initOutSize!;
    this.absolutePosEmbed = use_abs_pos_embed ? this.registerParameter('absolute_pos_embed', [1, this.patchResolution[0] * this.patchResolution[1], this.embedDims]) : null;
    this.addModule('patch_embed', patchEmbed);
    this.addModule('drop_after_pos', new Dropout(drop_rate));
    this.stages = this.addModule('stages', new ModuleList());
  }

  /** `torch.linspace(0, drop_path_rate, sum(depths))`, split per stage. */
  protected stageDropPaths(rate: number): number[][] {
    const dpr = linspace(0, rate, this.depths.reduce((a, b) => a + b, 0));
    let at = 0;
    return this.depths.map((d) => dpr.slice(at, (at += d)));
  }

  /** `norm{i}` for each `out_indices` entry (Identity without `norm_cfg`). */
  protected addOutputNorms(normCfg: NormCfg | null, channels: (i: number) => number): void {
    for (const i of this.outIndices) this.addModule(`norm${i}`, normCfg ? buildNormLayer(normCfg, channels(i))[1] : new Identity());
  }

  /** `norm{i}` of a stage output (a new tensor even when the norm is an Identity). */
  protected outputNorm(i: number, h: Tensor): Tensor {
    return tf.tidy(() => {
      const y = this.child(`norm${i}`).call(h) as Tensor;
      return y === h ? tf.clone(h) : y;
    });
  }

  /** `init_weights`: `absolute_pos_embed` ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    const p = this.absolutePosEmbed;
    if (p) tf.tidy(() => p.assign(tf.tensor(rng.truncNormalArray(p.size, 0, 0.02, -2, 2), p.shape)));
  }

  private freezeStages(): void {
    if (this.frozenStages >= 0) freeze([this.child('patch_embed')]);
    freeze(this.stages.items().slice(0, this.frozenStages + 1));
    for (const i of this.outIndices) if (i <= this.frozenStages) this.child(`norm${i}`).requiresGrad(false);
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** Patch embedding (+ absolute position embedding) → NHWC map. */
  protected embed(x: Tensor): Tensor {
    return tf.tidy(() => {
      const pe = this.child<PatchEmbed>('patch_embed');
      let t = pe.call(x);
      const [h, w] = pe.lastOutSize;
      if (this.absolutePosEmbed) t = tf.add(t, resizePosEmbed(this.absolutePosEmbed, this.patchResolution, [h, w], this.interpolateMode, 0));
      t = this.child('drop_after_pos').call(t) as Tensor;
      return tf.reshape(t, [x.shape[0], h, w, this.embedDims]);
    });
  }

  /** `_prepare_abs_pos_embed`: a checkpoint's square grid resized to this model's patch grid. */
  protected prepareAbsPosEmbed(sd: StateDict, prefix: string): void {
    const p = this.absolutePosEmbed;
    if (p) resizePosEmbedEntry(sd, `${prefix}absolute_pos_embed`, p.shape[1]!, { numExtraTokens: 0, dst: this.patchResolution, mode: this.interpolateMode });
  }
}

export interface SwinTransformerOptions {
  /** 'tiny' | 'small' | 'base' | 'large' (or t/s/b/l) or `{embed_dims, depths, num_heads}`. Default: 'tiny'. */
  arch?: string | SwinArch;
  /** Default: 224. */
  img_size?: Pair;
  /** Default: 4. */
  patch_size?: Pair;
  in_channels?: number;
  /** Default: 7. */
  window_size?: number;
  drop_rate?: number;
  /** Default: 0.1. */
  drop_path_rate?: number;
  /** Default: [3]. */
  out_indices?: number | number[];
  out_after_downsample?: boolean;
  use_abs_pos_embed?: boolean;
  interpolate_mode?: 'bicubic' | 'bilinear';
  with_cp?: boolean;
  frozen_stages?: number;
  norm_eval?: boolean;
  pad_small_map?: boolean;
  /** Default: LN. */
  norm_cfg?: NormCfg | null;
  stage_cfgs?: Cfg | Cfg[];
  patch_cfg?: Cfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const SWIN_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'window_size', 'drop_rate', 'drop_path_rate', 'out_indices', 'out_after_downsample', 'use_abs_pos_embed', 'interpolate_mode', 'with_cp', 'frozen_stages', 'norm_eval', 'pad_small_map', 'norm_cfg', 'stage_cfgs', 'patch_cfg', 'init_cfg'];

export class SwinTransformer extends SwinBase {
  readonly archSettings: SwinArch;
  readonly outAfterDownsample: boolean;
  readonly numFeatures: number[];

  constructor(opts: SwinTransformerOptions = {}) {
    checkKeys(opts, SWIN_KEYS, 'SwinTransformer');
    const arch = resolveArch(opts.arch ?? 'tiny', SWIN_ARCH_ZOO, ['embed_dims', 'depths', 'num_heads']);
    super({ ...opts, arch, img_size: opts.img_size ?? 224 });
    this.archSettings = arch;
    const { window_size = 7, drop_path_rate = 0.1, out_after_downsample = false, pad_small_map = false, stage_cfgs = {}, with_cp = false } = opts;
    const normCfg = opts.norm_cfg === undefined ? { type: 'LN' } : opts.norm_cfg;
    this.outAfterDownsample = out_after_downsample;
    const dprs = this.stageDropPaths(drop_path_rate);
    const dims = [this.embedDims];
    for (let i = 0; i < this.numLayers; i++) {
      const stageCfg = Array.isArray(stage_cfgs) ? stage_cfgs[i] : { ...stage_cfgs };
      const stage = new SwinBlockSequence({ embed_dims: dims[dims.length - 1], depth: this.depths[i], num_heads: this.numHeads[i], window_size, downsample: i < this.numLayers - 1, drop_paths: dprs[i], with_cp, pad_small_map, ...stageCfg });
      this.stages.push(stage);
      dims.push(stage.outChannels);
    }
    this.numFeatures = out_after_downsample ? dims.slice(1) : dims.slice(0, -1);
    this.addOutputNorms(normCfg, (i) => this.numFeatures.at(i)!);
    this.train(true);
  }

  override typeNames(): string[] {
    return ['SwinTransformer'];
  }

  /** x: NHWC images → NHWC maps of the `out_indices` stages. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = this.embed(x);
    let free = true;
    (this.stages.items() as SwinBlockSequence[]).forEach((stage, i) => {
      [h, free] = advance(h, stage, free);
      if (stage.downsample && this.outAfterDownsample) [h, free] = advance(h, stage.downsample, free);
      if (this.outIndices.includes(i)) outs.push(this.outputNorm(i, h));
      if (stage.downsample && !this.outAfterDownsample) [h, free] = advance(h, stage.downsample, free);
    });
    if (free) h.dispose();
    return outs;
  }

  /**
   * `get_layer_depth` (layer-wise lr decay): `[depth, sum(depths) + 2]`; the stem is 0, block j of stage i is
   * sum(depths[:i]) + j + 1, a stage's downsample counts with its last block, everything else is last.
   */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    const numLayers = this.depths.reduce((a, b) => a + b, 0) + 2;
    if (!paramName.startsWith(prefix)) return [numLayers - 1, numLayers];
    const name = paramName.slice(prefix.length);
    const sum = (n: number) => this.depths.slice(0, n).reduce((a, b) => a + b, 0);
    if (name.startsWith('patch_embed')) return [0, numLayers];
    if (name.startsWith('stages')) {
      const parts = name.split('.');
      const stage = Number(parts[1]);
      const block = parts[3];
      return [block === 'reduction' || block === 'norm' ? sum(stage + 1) : sum(stage) + Number(block) + 1, numLayers];
    }
    return [numLayers - 1, numLayers];
  }

  /**
   * Old checkpoints (`norm.*` → `norm{last}`, `attn_mask` buffers dropped), then `_prepare_abs_pos_embed` and
   * `_prepare_relative_position_bias_table` (another window size: each head's table resampled, the index rebuilt).
   */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    const last = this.stages.length - 1;
    for (const k of [...sd.keys()]) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      if (rest.startsWith('norm.')) {
        sd.set(`${prefix}norm${last}.${rest.slice(5)}`, sd.get(k)!);
        sd.delete(k);
      } else if (rest.includes('attn_mask')) sd.delete(k);
    }
    this.prepareAbsPosEmbed(sd, prefix);
    for (const [name, m] of this.namedModules()) {
      if (!(m instanceof WindowMSA)) continue;
      const key = `${prefix}${name}.relative_position_bias_table`;
      const e = sd.get(key);
      if (!e || e.shape.length !== 2) continue;
      const [L1, nH1] = e.shape;
      const [L2] = m.table.shape;
      if (L1 === L2) continue;
      const src = Math.trunc(Math.sqrt(L1));
      const dst = Math.trunc(Math.sqrt(L2!));
      sd.set(key, { dtype: 'float32', shape: [dst * dst, nH1], data: resizeRelativePositionBiasTable(src, dst, entryToFloat32(e), nH1) });
      const [wh, ww] = m.windowSize;
      sd.set(`${prefix}${name}.relative_position_index`, { dtype: 'float32', shape: [wh * ww, wh * ww], data: relativePositionIndex(wh, ww) });
    }
  }
}
