/**
 * `RepVGG` (MMPretrain `backbones/repvgg.py`): a VGG-style stack of `RepVGGBlock`s, each a 3×3 conv+BN, a 1×1
 * conv+BN and (when shapes allow) a BN identity branch summed before the activation, re-parameterisable into one
 * 3×3 conv (`deploy=True`, `switchToDeploy()`); optional SE layers and the YOLOX-PAI `MTSPPF` neck (`add_ppf`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg, type Activation } from '../nn/activation';
import { buildConvLayer, buildNormLayer, ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import type { Conv2d } from '../nn/conv';
import type { InitCfg } from '../nn/init';
import { Identity, Module } from '../nn/module';
import { MaxPool2d } from '../nn/pooling';
import { allTrainable, convFromKernel, fuseBranch, fuseIdentityBranch, moveChildToEnd, padKernel, sumKernelBias, type KernelBias, type Reparameterizable } from '../utils/reparam';
import { SELayer, type SELayerOptions } from '../utils/se_layer';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

/** `se_cfg` of a RepVGG block: `SELayer` options without `channels`. */
export type RepVGGSeCfg = Omit<SELayerOptions, 'channels'>;

const SE_KEYS = ['squeeze_channels', 'ratio', 'divisor', 'bias', 'conv_cfg', 'act_cfg', 'return_weight'];

export interface RepVGGBlockOptions {
  in_channels: number;
  out_channels: number;
  /** Default: 1. */
  stride?: number;
  /** Padding of the 3×3 conv. Default: 1. */
  padding?: number;
  /** Dilation of the 3×3 conv. Default: 1. */
  dilation?: number;
  /** Groups of the 3×3 and 1×1 convs. Default: 1. */
  groups?: number;
  /** Only 'zeros'. */
  padding_mode?: string;
  se_cfg?: RepVGGSeCfg | null;
  /** Accepted; no effect here. */
  with_cp?: boolean;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Build the single re-parameterised 3×3 conv (`branch_reparam`). Default: false. */
  deploy?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** 3×3 conv+BN ∥ 1×1 conv+BN ∥ BN identity → (SE) → act; or `branch_reparam` → (SE) → act in deploy form. */
export class RepVGGBlock extends Module implements Reparameterizable {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  private readonly seCfg: RepVGGSeCfg | null;
  private readonly convCfg: ConvCfg | null;
  private readonly normCfg: NormCfg;
  private readonly actCfg: ActCfg;
  deploy: boolean;

  constructor(o: RepVGGBlockOptions) {
    super();
    checkKeys(o, ['in_channels', 'out_channels', 'stride', 'padding', 'dilation', 'groups', 'padding_mode', 'se_cfg', 'with_cp', 'conv_cfg', 'norm_cfg', 'act_cfg', 'deploy', 'init_cfg'], 'RepVGGBlock');
    const { stride = 1, padding = 1, dilation = 1, groups = 1, padding_mode = 'zeros', se_cfg = null, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, deploy = false } = o;
    assert(padding_mode === 'zeros', () => `RepVGGBlock: padding_mode '${padding_mode}' is not supported (only 'zeros')`);
    assert(se_cfg === null || (typeof se_cfg === 'object' && !Array.isArray(se_cfg)), () => 'RepVGGBlock: se_cfg must be None or a dict');
    if (se_cfg) checkKeys(se_cfg, SE_KEYS, 'RepVGGBlock se_cfg');
    this.inChannels = o.in_channels;
    this.outChannels = o.out_channels;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    this.seCfg = se_cfg;
    this.convCfg = conv_cfg;
    this.normCfg = norm_cfg;
    this.actCfg = act_cfg;
    this.deploy = deploy;
    if (deploy) {
      this.addModule('branch_reparam', buildConvLayer(conv_cfg, this.convOpts(3, padding, dilation, true)));
    } else {
      if (o.out_channels === o.in_channels && stride === 1 && padding === dilation) this.addModule('branch_norm', buildNormLayer(norm_cfg, o.in_channels)[1]);
      this.addModule('branch_3x3', this.createConvBn(3, dilation, padding));
      this.addModule('branch_1x1', this.createConvBn(1));
    }
    if (se_cfg) this.addModule('se_layer', this.buildSe());
    this.addModule('act', buildActivationLayer(act_cfg));
  }

  override typeNames(): string[] {
    return ['RepVGGBlock'];
  }

  private convOpts(kernel: number, padding: number, dilation: number, bias: boolean) {
    return { in_channels: this.inChannels, out_channels: this.outChannels, kernel_size: kernel, stride: this.stride, padding, dilation, groups: this.groups, bias };
  }

  private createConvBn(kernel: number, dilation = 1, padding = 0): Sequential {
    const s = new Sequential();
    s.addModule('conv', buildConvLayer(this.convCfg, this.convOpts(kernel, padding, dilation, false)));
    s.addModule('norm', buildNormLayer(this.normCfg, this.outChannels)[1]);
    return s;
  }

  private buildSe(): SELayer {
    return new SELayer({ channels: this.outChannels, ...this.seCfg });
  }

  private has(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }

  /** After BN folding (`fuseConvBn`): a fusable activation moves into the deploy-form conv when no SE sits between. */
  fuseActivations(): void {
    const act = this.child<Activation>('act');
    if (this.deploy && !this.seCfg && act.fusable) this.child<Conv2d>('branch_reparam').fusedActivation = act.fusable;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let out: Tensor;
      if (this.deploy) out = this.child('branch_reparam').call(x) as Tensor;
      else {
        out = tf.add(this.child('branch_3x3').call(x) as Tensor, this.child('branch_1x1').call(x) as Tensor);
        if (this.has('branch_norm')) out = tf.add(out, this.child('branch_norm').call(x) as Tensor);
      }
      if (this.seCfg) out = this.child('se_layer').call(out) as Tensor;
      const conv = this.deploy ? this.child<Conv2d>('branch_reparam') : null;
      return conv && conv.fusedActivation !== 'linear' ? out : (this.child('act').call(out) as Tensor);
    });
  }

  /** The merged 3×3 kernel and bias of every branch (MMPretrain `reparameterize`). */
  reparameterize(): KernelBias {
    const b3 = this.child('branch_3x3');
    const b1 = this.child('branch_1x1');
    const parts: KernelBias[] = [fuseBranch(b3.child('conv'), b3.child('norm'))];
    const [w1, bias1] = fuseBranch(b1.child('conv'), b1.child('norm'));
    parts.push([padKernel(w1, 3), bias1]);
    w1.dispose();
    if (this.has('branch_norm')) parts.push(fuseIdentityBranch(this.child('branch_norm'), this.inChannels, this.groups, 3));
    return sumKernelBias(parts);
  }

  switchToDeploy(): void {
    if (this.deploy) return;
    assert(this.normCfg.type === 'BN', () => "Switch is not allowed when norm_cfg['type'] != 'BN'.");
    const branches = ['branch_norm', 'branch_3x3', 'branch_1x1'].filter((n) => this.has(n));
    const trainable = allTrainable(...branches.map((n) => this.child(n)));
    const conv = convFromKernel(this.convOpts(3, this.padding, this.dilation, true), this.reparameterize(), { trainable, training: this.training });
    for (const n of branches) this.removeModule(n);
    this.addModule('branch_reparam', conv);
    // Children after the conv, as a block built with deploy=True orders them.
    if (this.seCfg) moveChildToEnd(this, 'se_layer', this.buildSe());
    moveChildToEnd(this, 'act', buildActivationLayer(this.actCfg));
    this.deploy = true;
  }
}

/** YOLOX-PAI's SPPF: 1×1 conv → three chained 5×5 max-pools → concat of the four → 1×1 conv. */
export class MTSPPF extends Module {
  constructor(inChannels: number, outChannels: number, normCfg: NormCfg = { type: 'BN' }, actCfg: ActCfg = { type: 'ReLU' }, kernelSize = 5) {
    super();
    const hidden = Math.floor(inChannels / 2);
    this.addModule('conv1', new ConvModule({ in_channels: inChannels, out_channels: hidden, kernel_size: 1, stride: 1, norm_cfg: normCfg, act_cfg: actCfg }));
    this.addModule('conv2', new ConvModule({ in_channels: hidden * 4, out_channels: outChannels, kernel_size: 1, stride: 1, norm_cfg: normCfg, act_cfg: actCfg }));
    this.addModule('maxpool', new MaxPool2d({ kernel_size: kernelSize, stride: 1, padding: Math.floor(kernelSize / 2) }));
  }
  override typeNames(): string[] {
    return ['MTSPPF'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const pool = this.child('maxpool');
      const a = this.child('conv1').call(x) as Tensor;
      const y1 = pool.call(a) as Tensor;
      const y2 = pool.call(y1) as Tensor;
      return this.child('conv2').call(tf.concat([a, y1, y2, pool.call(y2) as Tensor], 3)) as Tensor;
    });
  }
}

/** A custom RepVGG `arch` dict. */
export interface RepVGGArch {
  num_blocks: number[];
  width_factor: number[];
  /** Block index (1-based over all stage blocks) → groups. */
  group_layer_map: Record<number | string, number> | null;
  se_cfg: RepVGGSeCfg | null;
  /** Default: 64 (the stem has min(stem_channels, base_channels·width_factor[0]) channels). */
  stem_channels?: number;
}

const GROUPWISE_LAYERS = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26];
const G2 = Object.fromEntries(GROUPWISE_LAYERS.map((l) => [l, 2]));
const G4 = Object.fromEntries(GROUPWISE_LAYERS.map((l) => [l, 4]));
const A = (num_blocks: number[], width_factor: number[], group_layer_map: Record<number, number> | null = null, extra: Partial<RepVGGArch> = {}): RepVGGArch => ({ num_blocks, width_factor, group_layer_map, se_cfg: null, ...extra });

export const REPVGG_ARCH: Record<string, RepVGGArch> = {
  A0: A([2, 4, 14, 1], [0.75, 0.75, 0.75, 2.5]),
  A1: A([2, 4, 14, 1], [1, 1, 1, 2.5]),
  A2: A([2, 4, 14, 1], [1.5, 1.5, 1.5, 2.75]),
  B0: A([4, 6, 16, 1], [1, 1, 1, 2.5], null, { stem_channels: 64 }),
  B1: A([4, 6, 16, 1], [2, 2, 2, 4]),
  B1g2: A([4, 6, 16, 1], [2, 2, 2, 4], G2),
  B1g4: A([4, 6, 16, 1], [2, 2, 2, 4], G4),
  B2: A([4, 6, 16, 1], [2.5, 2.5, 2.5, 5]),
  B2g2: A([4, 6, 16, 1], [2.5, 2.5, 2.5, 5], G2),
  B2g4: A([4, 6, 16, 1], [2.5, 2.5, 2.5, 5], G4),
  B3: A([4, 6, 16, 1], [3, 3, 3, 5]),
  B3g2: A([4, 6, 16, 1], [3, 3, 3, 5], G2),
  B3g4: A([4, 6, 16, 1], [3, 3, 3, 5], G4),
  D2se: A([8, 14, 24, 1], [2.5, 2.5, 2.5, 5], null, { se_cfg: { ratio: 16, divisor: 1 } }),
  'yolox-pai-small': A([3, 5, 7, 3], [1, 1, 1, 1], null, { stem_channels: 32 }),
};

export interface RepVGGOptions {
  /** A name of {@link REPVGG_ARCH} or a dict. */
  arch: string | RepVGGArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 64. */
  base_channels?: number;
  /** Default: [3]. */
  out_indices?: number[];
  /** Stride of each stage's first block. Default: [2, 2, 2, 2]. */
  strides?: number[];
  /** Default: [1, 1, 1, 1]. */
  dilations?: number[];
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Accepted; no effect here. */
  with_cp?: boolean;
  /** Build every block in its re-parameterised form. Default: false. */
  deploy?: boolean;
  /** Default: false. */
  norm_eval?: boolean;
  /** Append the `MTSPPF` block after the last stage. Default: false. */
  add_ppf?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

export class RepVGG extends BaseBackbone implements Reparameterizable {
  readonly arch: RepVGGArch;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly stages: string[] = [];
  deploy: boolean;

  constructor(opts: RepVGGOptions) {
    checkKeys(opts, ['arch', 'in_channels', 'base_channels', 'out_indices', 'strides', 'dilations', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'with_cp', 'deploy', 'norm_eval', 'add_ppf', 'init_cfg'], 'RepVGG');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { in_channels = 3, base_channels = 64, out_indices = [3], strides = [2, 2, 2, 2], dilations = [1, 1, 1, 1], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, deploy = false, norm_eval = false, add_ppf = false } = opts;
    const arch = RepVGG.resolveArch(opts.arch);
    assert(arch.num_blocks.length === arch.width_factor.length && arch.width_factor.length === strides.length && strides.length === dilations.length, () => `RepVGG: num_blocks (${arch.num_blocks.length}), width_factor (${arch.width_factor.length}), strides (${strides.length}) and dilations (${dilations.length}) must have the same length`);
    assert(Math.max(...out_indices) < arch.num_blocks.length, () => `RepVGG: max(out_indices) must be < ${arch.num_blocks.length}, got [${out_indices}]`);
    const groupMap = new Map(Object.entries(arch.group_layer_map ?? {}).map(([k, v]) => [Number(k), v]));
    const total = arch.num_blocks.reduce((a, b) => a + b, 0);
    if (arch.group_layer_map) assert(Math.max(...groupMap.keys()) <= total, () => `RepVGG: group_layer_map keys must be <= ${total} (the number of blocks)`);
    this.arch = arch;
    this.outIndices = [...out_indices];
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    this.deploy = deploy;
    const common = { se_cfg: arch.se_cfg, conv_cfg, norm_cfg, act_cfg, deploy };
    let channels = Math.min(arch.stem_channels ?? 64, Math.trunc(base_channels * arch.width_factor[0]));
    this.addModule('stem', new RepVGGBlock({ in_channels, out_channels: channels, stride: 2, ...common }));
    let blockIdx = 1;
    let outChannels = channels;
    arch.num_blocks.forEach((n, i) => {
      outChannels = Math.trunc(base_channels * 2 ** i * arch.width_factor[i]);
      const blocks: RepVGGBlock[] = [];
      for (let j = 0; j < n; j++) {
        const groups = groupMap.get(blockIdx) ?? 1;
        blocks.push(new RepVGGBlock({ in_channels: channels, out_channels: outChannels, stride: j === 0 ? strides[i] : 1, padding: dilations[i], dilation: dilations[i], groups, ...common }));
        channels = outChannels;
        blockIdx++;
      }
      const name = `stage_${i + 1}`;
      this.addModule(name, new Sequential(...blocks));
      this.stages.push(name);
    });
    this.addModule('ppf', add_ppf ? new MTSPPF(outChannels, outChannels, norm_cfg, act_cfg, 5) : new Identity());
    this.train(true);
  }

  /** The arch dict of a name (`arch_settings`) or a checked custom dict. */
  static resolveArch(arch: string | RepVGGArch): RepVGGArch {
    if (typeof arch === 'string') {
      const a = REPVGG_ARCH[arch];
      assert(a, () => `"arch": "${arch}" is not one of the arch_settings (${Object.keys(REPVGG_ARCH).join(', ')})`);
      return a;
    }
    if (!arch || typeof arch !== 'object' || Array.isArray(arch)) throw new TypeError(`Expect "arch" to be either a string or a dict, got ${Array.isArray(arch) ? 'list' : typeof arch}`);
    checkKeys(arch, ['num_blocks', 'width_factor', 'group_layer_map', 'se_cfg', 'stem_channels'], 'RepVGG arch');
    for (const k of ['num_blocks', 'width_factor', 'group_layer_map', 'se_cfg'] as const) {
      assert(k in arch, () => `RepVGG: the arch dict needs the key '${k}' (keys: num_blocks, width_factor, group_layer_map, se_cfg, optional stem_channels)`);
    }
    assert(arch.se_cfg === null || (typeof arch.se_cfg === 'object' && !Array.isArray(arch.se_cfg)), () => 'RepVGG: arch se_cfg must be None or a dict');
    return arch;
  }

  forward(x: Tensor): Tensor[] {
    // [stem, stage_1 … stage_n, ppf]: the last stage's output is taken after the ppf block.
    const n = this.stages.length;
    const idx = this.outIndices.map((i) => (i === n - 1 ? n : i));
    return runStages(x, [this.child('stem'), ...this.stages.map((s) => this.child(s)), this.child('ppf')], idx, 1);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) freeze([this.child('stem')]);
    freeze(this.stages.slice(0, Math.max(0, this.frozenStages)).map((s) => this.child(s)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** Every block re-parameterised into its single 3×3 conv (state dict as `deploy=True`). */
  switchToDeploy(): void {
    for (const b of this.blocks()) b.switchToDeploy();
    this.deploy = true;
  }

  /** Blocks in build order: the stem, then each stage's blocks. */
  blocks(): RepVGGBlock[] {
    return this.namedModules().map(([, m]) => m).filter((m): m is RepVGGBlock => m instanceof RepVGGBlock);
  }
}
