/**
 * `MobileOne` (MMPretrain `backbones/mobileone.py`): stages of depthwise k×k / pointwise 1×1 `MobileOneBlock`s,
 * each the sum of `num_convs` conv+BN branches, a 1×1 conv+BN scale branch (k > 1) and a BN identity branch
 * (same shape, stride 1), then SE and the activation; re-parameterisable into one conv (`deploy=True`,
 * `switchToDeploy()`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg, type Activation } from '../nn/activation';
import { buildConvLayer, buildNormLayer, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import type { Conv2d } from '../nn/conv';
import type { InitCfg } from '../nn/init';
import { Identity, Module } from '../nn/module';
import { allTrainable, convFromKernel, fuseBranch, fuseIdentityBranch, moveChildToEnd, padKernel, sumKernelBias, type KernelBias, type Reparameterizable } from '../utils/reparam';
import { SELayer, type SELayerOptions } from '../utils/se_layer';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

export type MobileOneSeCfg = Omit<SELayerOptions, 'channels'>;

export interface MobileOneBlockOptions {
  in_channels: number;
  out_channels: number;
  kernel_size: number;
  /** Number of k×k conv+BN branches. */
  num_convs: number;
  /** Default: 1. */
  stride?: number;
  /** Default: 1. */
  padding?: number;
  /** Default: 1. */
  dilation?: number;
  /** Default: 1. */
  groups?: number;
  se_cfg?: MobileOneSeCfg | null;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: false. */
  deploy?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** `se` (SELayer or Identity), then the branches (`branch_norm`, `branch_scale`, `branch_conv_list`) or `branch_reparam`, then `act`. */
export class MobileOneBlock extends Module implements Reparameterizable {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly numConvBranches: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  private readonly convCfg: ConvCfg | null;
  private readonly normCfg: NormCfg;
  private readonly actCfg: ActCfg;
  deploy: boolean;

  constructor(o: MobileOneBlockOptions) {
    super();
    checkKeys(o, ['in_channels', 'out_channels', 'kernel_size', 'num_convs', 'stride', 'padding', 'dilation', 'groups', 'se_cfg', 'conv_cfg', 'norm_cfg', 'act_cfg', 'deploy', 'init_cfg'], 'MobileOneBlock');
    const { stride = 1, padding = 1, dilation = 1, groups = 1, se_cfg = null, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, deploy = false } = o;
    assert(se_cfg === null || (typeof se_cfg === 'object' && !Array.isArray(se_cfg)), () => 'MobileOneBlock: se_cfg must be None or a dict');
    this.addModule('se', se_cfg ? new SELayer({ channels: o.out_channels, ...se_cfg }) : new Identity());
    this.inChannels = o.in_channels;
    this.outChannels = o.out_channels;
    this.kernelSize = o.kernel_size;
    this.numConvBranches = o.num_convs;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    this.convCfg = conv_cfg;
    this.normCfg = norm_cfg;
    this.actCfg = act_cfg;
    this.deploy = deploy;
    if (deploy) {
      this.addModule('branch_reparam', buildConvLayer(conv_cfg, this.convOpts(o.kernel_size, padding, dilation, true)));
    } else {
      if (o.out_channels === o.in_channels && stride === 1) this.addModule('branch_norm', buildNormLayer(norm_cfg, o.in_channels)[1]);
      if (o.kernel_size > 1) this.addModule('branch_scale', this.createConvBn(1));
      this.addModule('branch_conv_list', new ModuleList(Array.from({ length: o.num_convs }, () => this.createConvBn(o.kernel_size, dilation, padding))));
    }
    this.addModule('act', buildActivationLayer(act_cfg));
  }

  override typeNames(): string[] {
    return ['MobileOneBlock'];
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

  private has(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }

  /** After BN folding (`fuseConvBn`): a fusable activation moves into the deploy-form conv when no SE sits between. */
  fuseActivations(): void {
    const act = this.child<Activation>('act');
    if (this.deploy && this.child('se') instanceof Identity && act.fusable) this.child<Conv2d>('branch_reparam').fusedActivation = act.fusable;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let inner: Tensor;
      if (this.deploy) {
        const conv = this.child<Conv2d>('branch_reparam');
        inner = conv.call(x) as Tensor;
        if (conv.fusedActivation !== 'linear') return inner; // the activation ran in the conv's kernel
      } else {
        const terms: Tensor[] = [];
        if (this.has('branch_norm')) terms.push(this.child('branch_norm').call(x) as Tensor);
        if (this.has('branch_scale')) terms.push(this.child('branch_scale').call(x) as Tensor);
        for (const b of this.child<ModuleList>('branch_conv_list').items()) terms.push(b.call(x) as Tensor);
        inner = terms.reduce((a, b) => tf.add(a, b));
      }
      return this.child('act').call(this.child('se').call(inner) as Tensor) as Tensor;
    });
  }

  /** The merged k×k kernel and bias of every branch (MMPretrain `reparameterize`). */
  reparameterize(): KernelBias {
    const parts: KernelBias[] = this.child<ModuleList>('branch_conv_list').items().map((b) => fuseBranch(b.child('conv'), b.child('norm')));
    if (this.has('branch_scale')) {
      const s = this.child('branch_scale');
      const [w, b] = fuseBranch(s.child('conv'), s.child('norm'));
      parts.push([padKernel(w, this.kernelSize), b]);
      w.dispose();
    }
    if (this.has('branch_norm')) parts.push(fuseIdentityBranch(this.child('branch_norm'), this.inChannels, this.groups, this.kernelSize));
    if (parts.length === 0) {
      const o = this.convOpts(this.kernelSize, 0, 1, true);
      parts.push([tf.zeros([o.out_channels, o.in_channels / o.groups, o.kernel_size, o.kernel_size]), tf.zeros([o.out_channels])]);
    }
    return sumKernelBias(parts);
  }

  switchToDeploy(): void {
    if (this.deploy) return;
    assert(this.normCfg.type === 'BN', () => "Switch is not allowed when norm_cfg['type'] != 'BN'.");
    const branches = ['branch_norm', 'branch_scale', 'branch_conv_list'].filter((n) => this.has(n));
    const trainable = allTrainable(...branches.map((n) => this.child(n)));
    const conv = convFromKernel(this.convOpts(this.kernelSize, this.padding, this.dilation, true), this.reparameterize(), { trainable, training: this.training });
    for (const n of branches) this.removeModule(n);
    this.addModule('branch_reparam', conv);
    moveChildToEnd(this, 'act', buildActivationLayer(this.actCfg));
    this.deploy = true;
  }
}

/** A custom MobileOne `arch` dict (four stages). */
export interface MobileOneArch {
  num_blocks: number[];
  width_factor: number[];
  num_conv_branches: number[];
  /** SE layers on the last blocks of each stage. */
  num_se_blocks: number[];
}

export const MOBILEONE_ARCH: Record<string, MobileOneArch> = {
  s0: { num_blocks: [2, 8, 10, 1], width_factor: [0.75, 1.0, 1.0, 2.0], num_conv_branches: [4, 4, 4, 4], num_se_blocks: [0, 0, 0, 0] },
  s1: { num_blocks: [2, 8, 10, 1], width_factor: [1.5, 1.5, 2.0, 2.5], num_conv_branches: [1, 1, 1, 1], num_se_blocks: [0, 0, 0, 0] },
  s2: { num_blocks: [2, 8, 10, 1], width_factor: [1.5, 2.0, 2.5, 4.0], num_conv_branches: [1, 1, 1, 1], num_se_blocks: [0, 0, 0, 0] },
  s3: { num_blocks: [2, 8, 10, 1], width_factor: [2.0, 2.5, 3.0, 4.0], num_conv_branches: [1, 1, 1, 1], num_se_blocks: [0, 0, 0, 0] },
  s4: { num_blocks: [2, 8, 10, 1], width_factor: [3.0, 3.5, 3.5, 4.0], num_conv_branches: [1, 1, 1, 1], num_se_blocks: [0, 0, 5, 1] },
};

export interface MobileOneOptions {
  /** s0 … s4 or a dict. */
  arch: string | MobileOneArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: [3]. */
  out_indices?: number[] | number;
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: {ratio: 16}. */
  se_cfg?: MobileOneSeCfg;
  /** Default: false. */
  deploy?: boolean;
  /** Default: false. */
  norm_eval?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm'] },
];

const BASE_CHANNELS = [64, 128, 256, 512];

export class MobileOne extends BaseBackbone implements Reparameterizable {
  readonly arch: MobileOneArch;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly stages: string[] = [];
  deploy: boolean;

  constructor(opts: MobileOneOptions) {
    checkKeys(opts, ['arch', 'in_channels', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'se_cfg', 'deploy', 'norm_eval', 'init_cfg'], 'MobileOne');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { in_channels = 3, out_indices = [3], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, se_cfg = { ratio: 16 }, deploy = false, norm_eval = false } = opts;
    const arch = MobileOne.resolveArch(opts.arch);
    this.arch = arch;
    this.deploy = deploy;
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    const common = { conv_cfg, norm_cfg, act_cfg, deploy };
    let inPlanes = Math.min(64, Math.trunc(BASE_CHANNELS[0] * arch.width_factor[0]));
    this.addModule('stage0', new MobileOneBlock({ in_channels, out_channels: inPlanes, stride: 2, kernel_size: 3, num_convs: 1, ...common }));
    arch.num_blocks.forEach((numBlocks, i) => {
      const planes = Math.trunc(BASE_CHANNELS[i] * arch.width_factor[i]);
      const numSe = arch.num_se_blocks[i];
      if (numSe > numBlocks) throw new Error('Number of SE blocks cannot exceed number of layers.');
      const branches = arch.num_conv_branches[i];
      const blocks: MobileOneBlock[] = [];
      for (let j = 0; j < numBlocks; j++) {
        const se = j >= numBlocks - numSe ? se_cfg : null;
        blocks.push(new MobileOneBlock({ in_channels: inPlanes, out_channels: inPlanes, kernel_size: 3, num_convs: branches, stride: j === 0 ? 2 : 1, padding: 1, groups: inPlanes, se_cfg: se, ...common }));
        blocks.push(new MobileOneBlock({ in_channels: inPlanes, out_channels: planes, kernel_size: 1, num_convs: branches, stride: 1, padding: 0, se_cfg: se, ...common }));
        inPlanes = planes;
      }
      const name = `stage${i + 1}`;
      this.addModule(name, new Sequential(...blocks));
      this.stages.push(name);
    });
    const outs = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    assert(Array.isArray(outs), () => `"out_indices" must by a sequence or int, get ${typeof out_indices} instead.`);
    this.outIndices = outs.map((index) => {
      const j = index < 0 ? this.stages.length + index : index;
      assert(j >= 0 && j <= this.stages.length, () => `Invalid out_indices ${index}.`);
      return j;
    });
    this.train(true);
  }

  static resolveArch(arch: string | MobileOneArch): MobileOneArch {
    let a: MobileOneArch;
    if (typeof arch === 'string') {
      const found = MOBILEONE_ARCH[arch];
      assert(found, () => `"arch": "${arch}" is not one of the [${Object.keys(MOBILEONE_ARCH).map((k) => `'${k}'`).join(', ')}]`);
      a = found;
    } else if (arch && typeof arch === 'object' && !Array.isArray(arch)) {
      checkKeys(arch, ['num_blocks', 'width_factor', 'num_conv_branches', 'num_se_blocks'], 'MobileOne arch');
      for (const k of ['num_blocks', 'width_factor', 'num_conv_branches', 'num_se_blocks'] as const) {
        assert(k in arch, () => `MobileOne: the arch dict needs the key '${k}' (keys: num_blocks, width_factor, num_conv_branches, num_se_blocks)`);
      }
      a = arch;
    } else throw new TypeError(`Expect "arch" to be either a string or a dict, got ${Array.isArray(arch) ? 'list' : typeof arch}`);
    for (const [k, v] of Object.entries(a)) assert(Array.isArray(v) && v.length === 4, () => `the value of ${k} in arch must be list with 4 items.`);
    return a;
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, [this.child('stage0'), ...this.stages.map((s) => this.child(s))], this.outIndices, 1);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) freeze([this.child('stage0')]);
    freeze(this.stages.slice(0, Math.max(0, this.frozenStages)).map((s) => this.child(s)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** Every block re-parameterised into one conv (state dict as `deploy=True`). */
  switchToDeploy(): void {
    for (const [, m] of this.namedModules()) if (m instanceof MobileOneBlock) m.switchToDeploy();
    this.deploy = true;
  }
}
