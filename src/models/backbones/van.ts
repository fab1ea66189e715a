/**
 * Visual Attention Network (MMPretrain `backbones/van.py`): per stage a `VANPatchEmbed` (strided conv + BN), `VANBlock`s
 * (BN → spatial attention with Large Kernel Attention → layer scale; BN → MixFFN → layer scale) and an output norm.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, runChain, type AnyModule } from '../nn/module';
import { DilatedConv2d } from '../utils/dilated_conv';
import { linspace } from '../utils/linspace';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

const conv = (i: number, o: number, k: number, extra: { padding?: number; groups?: number; dilation?: number; stride?: number } = {}) =>
  new Conv2d({ in_channels: i, out_channels: o, kernel_size: k, ...extra });

/** 1×1 conv → 3×3 depthwise conv → activation → dropout → 1×1 conv → dropout (keys fc1, dwconv, fc2). */
export class MixFFN extends Module {
  constructor(embedDims: number, feedforwardChannels: number, actCfg: ActCfg = { type: 'GELU' }, ffnDrop = 0) {
    super();
    this.addModule('fc1', conv(embedDims, feedforwardChannels, 1));
    this.addModule('dwconv', conv(feedforwardChannels, feedforwardChannels, 3, { padding: 1, groups: feedforwardChannels }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('fc2', conv(feedforwardChannels, embedDims, 1));
    this.addModule('drop', new Dropout(ffnDrop));
  }
  override typeNames(): string[] {
    return ['MixFFN'];
  }
  forward(x: Tensor): Tensor {
    const drop = this.child('drop');
    return runChain([this.child('fc1'), this.child('dwconv'), this.child('act'), drop, this.child('fc2'), drop], x);
  }
}

/** Large Kernel Attention: 5×5 depthwise → 7×7 depthwise dilated by 3 → 1×1 conv, multiplied with the input. */
export class LKA extends Module {
  constructor(embedDims: number) {
    super();
    this.addModule('DW_conv', conv(embedDims, embedDims, 5, { padding: 2, groups: embedDims }));
    this.addModule('DW_D_conv', new DilatedConv2d({ in_channels: embedDims, out_channels: embedDims, kernel_size: 7, padding: 9, groups: embedDims, dilation: 3 }));
    this.addModule('conv1', conv(embedDims, embedDims, 1));
  }
  override typeNames(): string[] {
    return ['LKA'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.mul(x, runChain([this.child('DW_conv'), this.child('DW_D_conv'), this.child('conv1')], x)));
  }
}

/** proj_1 → activation → LKA (`spatial_gating_unit`) → proj_2, plus the input. */
export class SpatialAttention extends Module {
  constructor(embedDims: number, actCfg: ActCfg = { type: 'GELU' }) {
    super();
    this.addModule('proj_1', conv(embedDims, embedDims, 1));
    this.addModule('activation', buildActivationLayer(actCfg));
    this.addModule('spatial_gating_unit', new LKA(embedDims));
    this.addModule('proj_2', conv(embedDims, embedDims, 1));
  }
  override typeNames(): string[] {
    return ['SpatialAttention'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.add(runChain(['proj_1', 'activation', 'spatial_gating_unit', 'proj_2'].map((n) => this.child(n)), x), x));
  }
}

/** Extra settings every `VANBlock` accepts through `block_cfgs`. */
export interface VANBlockCfg {
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: {type: 'BN', eps: 1e-5}. */
  norm_cfg?: NormCfg;
  /** `layer_scale_1` / `layer_scale_2` start value; ≤ 0 drops them. Default: 1e-2. */
  layer_scale_init_value?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const BLOCK_CFG_KEYS = ['act_cfg', 'norm_cfg', 'layer_scale_init_value', 'init_cfg'];

export interface VANBlockOptions extends VANBlockCfg {
  embed_dims: number;
  /** Default: 4. */
  ffn_ratio?: number;
  /** Default: 0. */
  drop_rate?: number;
  /** Default: 0. */
  drop_path_rate?: number;
}

export class VANBlock extends Module {
  readonly outChannels: number;
  readonly layerScale1: tf.Variable | null;
  readonly layerScale2: tf.Variable | null;
  initCfg: InitCfg | InitCfg[] | null;

  constructor(o: VANBlockOptions) {
    super();
    const { embed_dims, ffn_ratio = 4, drop_rate = 0, drop_path_rate = 0, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'BN', eps: 1e-5 }, layer_scale_init_value = 1e-2 } = o;
    this.initCfg = o.init_cfg ?? null;
    this.outChannels = embed_dims;
    this.addModule('norm1', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('attn', new SpatialAttention(embed_dims, act_cfg));
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
    this.addModule('norm2', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('mlp', new MixFFN(embed_dims, Math.trunc(embed_dims * ffn_ratio), act_cfg, drop_rate));
    const ls = layer_scale_init_value > 0;
    this.layerScale1 = ls ? this.registerParameter('layer_scale_1', [embed_dims], layer_scale_init_value) : null;
    this.layerScale2 = ls ? this.registerParameter('layer_scale_2', [embed_dims], layer_scale_init_value) : null;
  }

  override typeNames(): string[] {
    return ['VANBlock'];
  }

  private branch(x: Tensor, norm: string, fn: string, scale: tf.Variable | null): Tensor {
    return tf.tidy(() => {
      let y = runChain([this.child(norm), this.child(fn)], x);
      if (scale) y = tf.mul(y, scale);
      return tf.add(x, this.child('drop_path').call(y) as Tensor);
    });
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.branch(this.branch(x, 'norm1', 'attn', this.layerScale1), 'norm2', 'mlp', this.layerScale2));
  }
}

/** mmcv `PatchEmbed` as VAN uses it: `projection` conv (kernel p, stride p//2+1, padding p//2) → BN `norm`, kept as a grid. */
export class VANPatchEmbed extends Module {
  constructor(inChannels: number, embedDims: number, patchSize: number, normCfg: NormCfg | null = { type: 'BN' }) {
    super();
    this.addModule('projection', conv(inChannels, embedDims, patchSize, { stride: Math.floor(patchSize / 2) + 1, padding: Math.floor(patchSize / 2) }));
    if (normCfg) this.addModule('norm', buildNormLayer(normCfg, embedDims)[1]);
  }
  override typeNames(): string[] {
    return ['VANPatchEmbed', 'PatchEmbed'];
  }
  forward(x: Tensor): Tensor {
    return runChain(this.namedChildren().map(([, m]) => m), x);
  }
}

/** A VAN arch: embedding widths, blocks and MixFFN ratios per stage. */
export interface VANArch {
  embed_dims: number[];
  depths: number[];
  ffn_ratios: number[];
}

const VAN_ARCHS: [string[], VANArch][] = [
  [['t', 'tiny'], { embed_dims: [32, 64, 160, 256], depths: [3, 3, 5, 2], ffn_ratios: [8, 8, 4, 4] }],
  [['s', 'small'], { embed_dims: [64, 128, 320, 512], depths: [2, 2, 4, 2], ffn_ratios: [8, 8, 4, 4] }],
  [['b', 'base'], { embed_dims: [64, 128, 320, 512], depths: [3, 3, 12, 3], ffn_ratios: [8, 8, 4, 4] }],
  [['l', 'large'], { embed_dims: [64, 128, 320, 512], depths: [3, 5, 27, 3], ffn_ratios: [8, 8, 4, 4] }],
];

/** MMPretrain's `VAN.arch_zoo` (every alias). */
export const VAN_ARCH_ZOO: Record<string, VANArch> = Object.fromEntries(VAN_ARCHS.flatMap(([names, a]) => names.map((n) => [n, a])));

export interface VANOptions {
  /** 'tiny' / 't', 'small' / 's', 'base' / 'b', 'large' / 'l', or a {@link VANArch}. Default: 'tiny'. */
  arch?: string | VANArch;
  /** Default: [7, 3, 3, 3]. */
  patch_sizes?: number[];
  /** Default: 3. */
  in_channels?: number;
  /** MixFFN dropout. Default: 0. */
  drop_rate?: number;
  /** Stochastic depth, linearly increasing over blocks. Default: 0. */
  drop_path_rate?: number;
  /** Default: [3]. */
  out_indices?: number[];
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: false. */
  norm_eval?: boolean;
  /** Each stage's output norm. Default: {type: 'LN'}. */
  norm_cfg?: NormCfg;
  /** Extra settings of every block. Default: {}. */
  block_cfgs?: VANBlockCfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const VAN_KEYS = ['arch', 'patch_sizes', 'in_channels', 'drop_rate', 'drop_path_rate', 'out_indices', 'frozen_stages', 'norm_eval', 'norm_cfg', 'block_cfgs', 'init_cfg'];

const pySet = (xs: string[]) => `{${xs.map((x) => `'${x}'`).join(', ')}}`;

export class VAN extends BaseBackbone {
  readonly archSettings: VANArch;
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;

  constructor(opts: VANOptions = {}) {
    checkKeys(opts, VAN_KEYS, 'VAN');
    super(opts.init_cfg);
    const {
      arch = 'tiny', patch_sizes = [7, 3, 3, 3], in_channels = 3, drop_rate = 0, drop_path_rate = 0, out_indices = [3], frozen_stages = -1,
      norm_eval = false, norm_cfg = { type: 'LN' }, block_cfgs = {},
    } = opts;
    if (typeof arch === 'string') {
      const a = VAN_ARCH_ZOO[arch.toLowerCase()];
      assert(a, () => `Arch ${arch.toLowerCase()} is not in default archs ${pySet(Object.keys(VAN_ARCH_ZOO))}`);
      this.archSettings = a;
    } else {
      const keys = ['embed_dims', 'depths', 'ffn_ratios'];
      const given = arch && typeof arch === 'object' ? Object.keys(arch) : [];
      assert(given.length === keys.length && keys.every((k) => given.includes(k)), () => `Custom arch needs a dict with keys ${pySet(keys)}`);
      this.archSettings = arch;
    }
    checkKeys(block_cfgs, BLOCK_CFG_KEYS, 'VAN block_cfgs');
    const { embed_dims, depths, ffn_ratios } = this.archSettings;
    this.numStages = depths.length;
    this.outIndices = [...out_indices];
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    const dpr = linspace(0, drop_path_rate, depths.reduce((a, b) => a + b, 0));
    let cur = 0;
    depths.forEach((depth, i) => {
      const patchEmbed = new VANPatchEmbed(i === 0 ? in_channels : embed_dims[i - 1], embed_dims[i], patch_sizes[i], { type: 'BN' });
      const blocks = new ModuleList(
        Array.from({ length: depth }, (_, j) => new VANBlock({ embed_dims: embed_dims[i], ffn_ratio: ffn_ratios[i], drop_rate, drop_path_rate: dpr[cur + j], ...block_cfgs })),
      );
      cur += depth;
      const norm = buildNormLayer(norm_cfg, embed_dims[i])[1];
      this.addModule(`patch_embed${i + 1}`, patchEmbed);
      this.addModule(`blocks${i + 1}`, blocks);
      this.addModule(`norm${i + 1}`, norm);
    });
  }

  /** The modules of stage `i` (0-based) in order: patch embedding, blocks, output norm. */
  private stageModules(i: number): AnyModule[] {
    return [this.child(`patch_embed${i + 1}`), ...this.child<ModuleList>(`blocks${i + 1}`).items(), this.child(`norm${i + 1}`)];
  }

  /** `train()` re-freezes stages ≤ `frozen_stages` and, with `norm_eval`, keeps every BatchNorm in eval mode. */
  override train(mode = true): this {
    super.train(mode);
    for (let i = 0; i <= this.frozenStages; i++) freeze([this.child(`patch_embed${i + 1}`), this.child(`blocks${i + 1}`), this.child(`norm${i + 1}`)]);
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  forward(x: Tensor): Tensor[] {
    const modules: AnyModule[] = [];
    const outAt: number[] = [];
    for (let i = 0; i < this.numStages; i++) {
      modules.push(...this.stageModules(i));
      if (this.outIndices.includes(i)) outAt.push(modules.length - 1);
    }
    return runStages(x, modules, outAt);
  }
}
