/**
 * ResNet family (MMPretrain `backbones/resnet.py`, `resnet_cifar.py`, `resnext.py`, `seresnet.py`):
 * `BasicBlock`, `Bottleneck` (with ResNeXt groups and an optional SE layer), `ResLayer`, and the backbones
 * `ResNet`, `ResNetV1c`, `ResNetV1d`, `ResNet_CIFAR`, `ResNeXt`, `SEResNet` with MMPretrain's key names.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { ReLU } from '../nn/activation';
import { buildConvLayer, buildNormLayer, ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import type { Conv2d } from '../nn/conv';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { MaxPool2d, AvgPool2d } from '../nn/pooling';
import { BaseBackbone, batchNormsToEval, checkOutIndices, freeze, runStages } from './base_backbone';
import { SELayer } from '../utils/se_layer';

const EPS = 1e-5;

/** Options every residual block takes (ResLayer passes them through). */
export interface BlockOptions {
  in_channels: number;
  out_channels: number;
  expansion: number;
  stride?: number;
  dilation?: number;
  downsample?: AnyModule | null;
  /** 'pytorch' puts the stride on the 3×3 conv, 'caffe' on the first 1×1. Default: 'pytorch'. */
  style?: 'pytorch' | 'caffe';
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
  drop_path_rate?: number;
  /** ResNeXt: groups of the 3×3 conv and width per group (with the stage's `base_channels`). */
  groups?: number;
  width_per_group?: number;
  base_channels?: number;
  /** SE-ResNet: squeeze ratio of the SE layer after `norm3`. */
  se_ratio?: number | null;
}

/** Shared parts of the two blocks: ReLU, drop path, downsample, conv→norm(→relu) steps honouring folding. */
abstract class ResBlock extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly midChannels: number;
  protected relu!: ReLU;

  constructor(o: BlockOptions) {
    super();
    this.inChannels = o.in_channels;
    this.outChannels = o.out_channels;
    assert(o.out_channels % o.expansion === 0, () => `block: out_channels ${o.out_channels} not divisible by expansion ${o.expansion}`);
    this.midChannels = o.out_channels / o.expansion;
  }

  /** conv → norm (→ ReLU unless folded into the conv). */
  protected convNorm(i: number, x: Tensor, act: boolean): Tensor {
    const conv = this.child<Conv2d>(`conv${i}`);
    let y = this.child(`bn${i}`).call(conv.call(x)) as Tensor;
    if (act && conv.fusedActivation !== 'relu') y = this.relu.call(y);
    return y;
  }

  protected abstract residual(x: Tensor): Tensor;

  /** Indices of the convs followed by a ReLU inside the residual branch. */
  protected abstract readonly reluConvs: number[];

  /** Whether `forward` runs `drop_path` (MMPretrain's SE, Res2Net and ResNeSt blocks build it but never apply it). */
  protected get appliesDropPath(): boolean {
    return true;
  }

  /** After BN folding: runs those ReLUs inside the conv kernels. */
  fuseActivations(): void {
    for (const i of this.reluConvs) {
      if (this.child(`bn${i}`) instanceof Identity) this.child<Conv2d>(`conv${i}`).fusedActivation = 'relu';
    }
  }

  /**
   * relu(branch(x) + identity) with the add and the ReLU inside the branch's last convolution, where a block can (see
   * Bottleneck); null where it cannot.
   */
  protected withShortcutInLastConv(_x: Tensor, _identity: Tensor): Tensor | null {
    return null;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const identity = this.hasChild('downsample') ? (this.child('downsample').call(x) as Tensor) : x;
      const fused = this.withShortcutInLastConv(x, identity);
      if (fused) return fused;
      let out = this.residual(x);
      if (this.appliesDropPath && this.hasChild('drop_path')) out = this.child('drop_path').call(out) as Tensor;
      return this.relu.call(tf.add(out, identity));
    });
  }

  protected hasChild(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }

  /** Adds `relu`, `downsample` and `drop_path` in MMPretrain's order (after the convs and norms). */
  protected addTail(o: BlockOptions): void {
    this.relu = this.addModule('relu', new ReLU());
    this.relu.inplace = true;
    if (o.downsample) this.addModule('downsample', o.downsample);
    if ((o.drop_path_rate ?? 0) > EPS) this.addModule('drop_path', new DropPath(o.drop_path_rate));
  }
}

/** Two 3×3 convs (ResNet-18/34). Keys: conv1, bn1, conv2, bn2, downsample. */
export class BasicBlock extends ResBlock {
  protected readonly reluConvs = [1];
  constructor(o: BlockOptions) {
    super(o);
    assert(o.expansion === 1, () => `BasicBlock: expansion must be 1, got ${o.expansion}`);
    const norm = o.norm_cfg ?? { type: 'BN' };
    const dilation = o.dilation ?? 1;
    this.addModule('conv1', buildConvLayer(o.conv_cfg, { in_channels: o.in_channels, out_channels: this.midChannels, kernel_size: 3, stride: o.stride ?? 1, padding: dilation, dilation, bias: false }));
    this.addModule(...buildNormLayer(norm, this.midChannels, 1));
    this.addModule('conv2', buildConvLayer(o.conv_cfg, { in_channels: this.midChannels, out_channels: o.out_channels, kernel_size: 3, padding: 1, bias: false }));
    this.addModule(...buildNormLayer(norm, o.out_channels, 2));
    this.addTail(o);
  }

  /** The norm zeroed by `zero_init_residual`. */
  get lastNorm(): AnyModule {
    return this.child('bn2');
  }

  protected residual(x: Tensor): Tensor {
    return this.convNorm(2, this.convNorm(1, x, true), false);
  }
}

/** 1×1 → 3×3 (grouped for ResNeXt) → 1×1 (ResNet-50+), optional SE layer. Keys conv1..3, bn1..3, se_layer. */
export class Bottleneck extends ResBlock {
  protected readonly reluConvs = [1, 2];
  /** Strides of the first 1×1 and of the 3×3 conv (set by `style`). */
  readonly conv1Stride: number;
  readonly conv2Stride: number;
  constructor(o: BlockOptions) {
    super(o);
    const style = o.style ?? 'pytorch';
    assert(style === 'pytorch' || style === 'caffe', () => `Bottleneck: style must be 'pytorch' or 'caffe', got '${style}'`);
    const stride = o.stride ?? 1;
    const dilation = o.dilation ?? 1;
    const [s1, s2] = style === 'pytorch' ? [1, stride] : [stride, 1];
    this.conv1Stride = s1;
    this.conv2Stride = s2;
    const groups = o.groups ?? 1;
    let mid = this.midChannels;
    if (groups !== 1) {
      const base = o.base_channels ?? 64;
      assert(mid % base === 0, () => `ResNeXt Bottleneck: mid channels ${mid} not divisible by base_channels ${base}`);
      mid = (groups * (o.width_per_group ?? 4) * mid) / base;
    }
    (this as { midChannels: number }).midChannels = mid;
    const norm = o.norm_cfg ?? { type: 'BN' };
    this.addModule('conv1', buildConvLayer(o.conv_cfg, { in_channels: o.in_channels, out_channels: mid, kernel_size: 1, stride: s1, bias: false }));
    this.addModule(...buildNormLayer(norm, mid, 1));
    this.addModule('conv2', buildConvLayer(o.conv_cfg, { in_channels: mid, out_channels: mid, kernel_size: 3, stride: s2, padding: dilation, dilation, groups, bias: false }));
    this.addModule(...buildNormLayer(norm, mid, 2));
    this.addModule('conv3', buildConvLayer(o.conv_cfg, { in_channels: mid, out_channels: o.out_channels, kernel_size: 1, bias: false }));
    this.addModule(...buildNormLayer(norm, o.out_channels, 3));
    this.addTail(o);
    if (o.se_ratio) this.addModule('se_layer', new SELayer({ channels: o.out_channels, ratio: o.se_ratio }));
  }

  get lastNorm(): AnyModule {
    return this.child('bn3');
  }

  protected override get appliesDropPath(): boolean {
    return !this.hasChild('se_layer');
  }

  /** conv1 → bn1 → ReLU → conv2 → bn2 → ReLU: conv3's input. */
  private conv3Input(x: Tensor): Tensor {
    return this.convNorm(2, this.convNorm(1, x, true), true);
  }

  protected residual(x: Tensor): Tensor {
    const out = this.convNorm(3, this.conv3Input(x), false);
    return this.hasChild('se_layer') ? (this.child('se_layer').call(out) as Tensor) : out;
  }

  /**
   * In eval with bn3 folded and no SE layer (drop path is the identity in eval): conv3 adds the shortcut and applies
   * the ReLU itself (Conv2d.forwardResidual: one kernel on WASM). Subclasses with a branch or an activation of their
   * own, and blocks whose conv3, bn3 or ReLU a hook watches, keep the graph.
   */
  protected override withShortcutInLastConv(x: Tensor, identity: Tensor): Tensor | null {
    const conv3 = this.child<Conv2d>('conv3');
    const bn3 = this.child('bn3');
    const watched = [conv3, bn3, this.relu].some((m) => m.hasForwardHooks()); // their outputs are not computed apart
    const own = this.residual === Bottleneck.prototype.residual && this.relu.typeName === 'ReLU'; // CSPResNet's may be a LeakyReLU
    if (this.training || watched || !own || this.hasChild('se_layer') || !(bn3 instanceof Identity)) return null;
    return conv3.forwardResidual(this.conv3Input(x), identity, 'relu');
  }
}

export type BlockClass = typeof BasicBlock | typeof Bottleneck;

/** Options of `ResLayer` (MMPretrain `ResLayer`): one stage of blocks, `0`, `1`, … */
export interface ResLayerOptions extends Omit<BlockOptions, 'in_channels' | 'out_channels' | 'expansion' | 'downsample' | 'drop_path_rate'> {
  block: BlockClass;
  num_blocks: number;
  in_channels: number;
  out_channels: number;
  expansion: number;
  /** Average-pool before the downsample 1×1 conv (ResNet-D). Default: false. */
  avg_down?: boolean;
  drop_path_rate?: number | number[];
}

/** A stage: the first block strides and downsamples (`downsample.0` conv / `downsample.1` norm, or avg pool first). */
export class ResLayer extends Sequential {
  constructor(o: ResLayerOptions) {
    super();
    const { block: Block, num_blocks, avg_down = false, drop_path_rate = 0, ...blockOpts } = o;
    const dpr = typeof drop_path_rate === 'number' ? Array(num_blocks).fill(drop_path_rate) : drop_path_rate;
    assert(dpr.length === num_blocks, () => 'Please check the length of drop_path_rate');
    const stride = o.stride ?? 1;
    let downsample: Sequential | null = null;
    if (stride !== 1 || o.in_channels !== o.out_channels) {
      downsample = new Sequential();
      let convStride = stride;
      if (avg_down && stride !== 1) {
        convStride = 1;
        downsample.append(new AvgPool2d({ kernel_size: stride, stride, ceil_mode: true, count_include_pad: false }));
      }
      downsample.append(buildConvLayer(o.conv_cfg, { in_channels: o.in_channels, out_channels: o.out_channels, kernel_size: 1, stride: convStride, bias: false }));
      downsample.append(buildNormLayer(o.norm_cfg ?? { type: 'BN' }, o.out_channels)[1]);
    }
    this.append(new Block({ ...blockOpts, stride, downsample, drop_path_rate: dpr[0] }));
    for (let i = 1; i < num_blocks; i++) {
      this.append(new Block({ ...blockOpts, in_channels: o.out_channels, stride: 1, downsample: null, drop_path_rate: dpr[i] }));
    }
  }
  override typeNames(): string[] {
    return ['ResLayer', 'Sequential'];
  }
}

/** Options of `ResNet`, named and defaulted as MMPretrain's. */
export interface ResNetOptions {
  /** 18, 34, 50, 101 or 152 (ResNeXt / SEResNet: 50, 101, 152). */
  depth: number;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 64. */
  stem_channels?: number;
  /** Default: 64. */
  base_channels?: number;
  /** Default: the block's (1 or 4). */
  expansion?: number | null;
  /** Default: 4. */
  num_stages?: number;
  /** Default: [1, 2, 2, 2]. */
  strides?: number[];
  /** Default: [1, 1, 1, 1]. */
  dilations?: number[];
  /** Stages whose outputs are returned. Default: [3]. */
  out_indices?: number[];
  /** Default: 'pytorch'. */
  style?: 'pytorch' | 'caffe';
  /** Three 3×3 convs instead of the 7×7 stem (ResNetV1c/V1d). Default: false. */
  deep_stem?: boolean;
  /** Average-pool downsampling (ResNetV1d). Default: false. */
  avg_down?: boolean;
  /** Stages (and the stem) kept frozen in eval mode; -1 none. Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: {type: 'BN', requires_grad: true}. */
  norm_cfg?: NormCfg;
  /** Keep BatchNorm in eval mode while training. Default: false. */
  norm_eval?: boolean;
  /** Gradient checkpointing (accepted; no effect here). Default: false. */
  with_cp?: boolean;
  /** Zero the last norm of each block at init. Default: true. */
  zero_init_residual?: boolean;
  /** Default: Kaiming on Conv2d, Constant 1 on norms. */
  init_cfg?: InitCfg | InitCfg[] | null;
  /** Stochastic depth, linearly increasing over blocks. Default: 0. */
  drop_path_rate?: number;
}

const RESNET_KEYS = [
  'depth', 'in_channels', 'stem_channels', 'base_channels', 'expansion', 'num_stages', 'strides', 'dilations', 'out_indices', 'style',
  'deep_stem', 'avg_down', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'norm_eval', 'with_cp', 'zero_init_residual', 'init_cfg', 'drop_path_rate',
];

/** Architecture of a ResNet variant: depth table, block extras and stem kind. */
export interface ResNetVariant {
  name: string;
  archSettings: Record<number, [BlockClass, number[]]>;
  /** Extra options for every block (ResNeXt groups, SE ratio). */
  blockExtras?: Partial<BlockOptions>;
  /** Extra accepted config keys. */
  extraKeys?: string[];
  /** CIFAR stem: one 3×3 stride-1 conv, no max pool. */
  cifarStem?: boolean;
  /** Single-conv stem geometry (RegNet: 3×3 stride 2, no max pool). Default: 7×7 stride 2 + max pool (CIFAR: 3×3/1, none). */
  stem?: { kernel_size: number; stride: number; maxpool: boolean };
  /** Builds each stage (Res2Net's `Res2Layer`). Default: `ResLayer`. */
  makeResLayer?: (o: ResLayerOptions) => Sequential;
  /** Explicit stages instead of `archSettings[depth]` with doubling widths (RegNet). */
  stagePlan?: StagePlan;
}

/** Per-stage layout of a backbone whose widths do not simply double (RegNet). */
export interface StagePlan {
  block: BlockClass;
  numBlocks: number[];
  outChannels: number[];
  expansion: number;
  /** Extra block options per stage (groups, width_per_group, base_channels). */
  stageExtras?: Partial<BlockOptions>[];
}

export const RESNET_ARCH: Record<number, [BlockClass, number[]]> = {
  18: [BasicBlock, [2, 2, 2, 2]],
  34: [BasicBlock, [3, 4, 6, 3]],
  50: [Bottleneck, [3, 4, 6, 3]],
  101: [Bottleneck, [3, 4, 23, 3]],
  152: [Bottleneck, [3, 8, 36, 3]],
};

const DEFAULT_RESNET_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

export class ResNet extends BaseBackbone {
  readonly depth: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly zeroInitResidual: boolean;
  readonly deepStem: boolean;
  readonly stageBlocks: number[];
  readonly resLayers: string[] = [];
  readonly featDim: number;
  private readonly cifarStem: boolean;
  private readonly stemGeometry: { kernel_size: number; stride: number; maxpool: boolean };

  constructor(opts: ResNetOptions, variant: ResNetVariant = { name: 'ResNet', archSettings: RESNET_ARCH }) {
    checkKeys(opts, [...RESNET_KEYS, ...(variant.extraKeys ?? [])], variant.name);
    super(opts.init_cfg === undefined ? DEFAULT_RESNET_INIT : opts.init_cfg);
    const plan = variant.stagePlan;
    const arch: [BlockClass, number[]] | undefined = plan ? [plan.block, plan.numBlocks] : variant.archSettings[opts.depth];
    if (!arch) throw new Error(`invalid depth ${opts.depth} for ${variant.name} (choose from ${Object.keys(variant.archSettings).join(', ')})`);
    const {
      in_channels = 3, stem_channels = 64, base_channels = 64, num_stages = 4, strides = [1, 2, 2, 2], dilations = [1, 1, 1, 1],
      out_indices = [3], style = 'pytorch', deep_stem = false, avg_down = false, frozen_stages = -1, conv_cfg = null,
      norm_cfg = { type: 'BN', requires_grad: true }, norm_eval = false, zero_init_residual = true, drop_path_rate = 0,
    } = opts;
    assert(num_stages >= 1 && num_stages <= 4, () => `${variant.name}: num_stages must be in [1, 4], got ${num_stages}`);
    assert(strides.length === num_stages && dilations.length === num_stages, () => `${variant.name}: strides (${strides}) and dilations (${dilations}) need ${num_stages} entries`);
    const outIdx = checkOutIndices(out_indices, num_stages, variant.name);
    this.depth = opts.depth;
    this.outIndices = outIdx;
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    this.zeroInitResidual = zero_init_residual;
    this.deepStem = deep_stem;
    this.cifarStem = !!variant.cifarStem;
    this.stemGeometry = variant.stem ?? (this.cifarStem ? { kernel_size: 3, stride: 1, maxpool: false } : { kernel_size: 7, stride: 2, maxpool: true });
    assert(!(this.cifarStem && deep_stem), () => 'ResNet_CIFAR do not support deep_stem');
    const [block, blocks] = arch;
    this.stageBlocks = blocks.slice(0, num_stages);
    const expansion = plan ? plan.expansion : (opts.expansion ?? (block === BasicBlock ? 1 : 4));

    this.makeStem(in_channels, stem_channels, conv_cfg, norm_cfg);
    let inC = stem_channels;
    let outC = base_channels * expansion;
    const total = blocks.reduce((a, b) => a + b, 0);
    let dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (drop_path_rate * i) / (total - 1) : 0));
    const makeLayer = variant.makeResLayer ?? ((o: ResLayerOptions) => new ResLayer(o));
    this.stageBlocks.forEach((n, i) => {
      if (plan) outC = plan.outChannels[i];
      const layer = makeLayer({
        block, num_blocks: n, in_channels: inC, out_channels: outC, expansion, stride: strides[i], dilation: dilations[i], style, avg_down,
        conv_cfg, norm_cfg, drop_path_rate: dpr.slice(0, n), base_channels, ...variant.blockExtras, ...plan?.stageExtras?.[i],
      });
      dpr = dpr.slice(n);
      inC = outC;
      outC *= 2;
      this.addModule(`layer${i + 1}`, layer);
      this.resLayers.push(`layer${i + 1}`);
    });
    this.featDim = inC;
    this.freezeStages();
  }

  /** The 7×7 stem (`conv1`, `bn1`, `relu`, `maxpool`), the deep stem (`stem.0-2`), or the CIFAR 3×3 stem. */
  private makeStem(inC: number, stemC: number, convCfg: ConvCfg | null, normCfg: NormCfg): void {
    if (this.deepStem) {
      const cm = (i: number, o: number, s: number) => new ConvModule({ in_channels: i, out_channels: o, kernel_size: 3, stride: s, padding: 1, conv_cfg: convCfg, norm_cfg: normCfg, inplace: true });
      this.addModule('stem', new Sequential(cm(inC, stemC / 2, 2), cm(stemC / 2, stemC / 2, 1), cm(stemC / 2, stemC, 1)));
    } else {
      const { kernel_size: k, stride } = this.stemGeometry;
      this.addModule('conv1', buildConvLayer(convCfg, { in_channels: inC, out_channels: stemC, kernel_size: k, stride, padding: (k - 1) / 2, bias: false }));
      this.addModule(...buildNormLayer(normCfg, stemC, 1));
      this.addModule('relu', new ReLU()).inplace = true;
    }
    if (this.stemGeometry.maxpool) this.addModule('maxpool', new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }));
  }

  /** The stem's modules in order (for freezing and the forward pass). */
  private stemModules(): AnyModule[] {
    if (this.deepStem) return [this.child('stem')];
    const conv = this.child<Conv2d>('conv1');
    const mods: AnyModule[] = [conv, this.child('bn1')];
    if (conv.fusedActivation !== 'relu') mods.push(this.child('relu'));
    return mods;
  }

  private freezeStages(): void {
    if (this.frozenStages < 0) return;
    freeze(this.stemModules());
    freeze(Array.from({ length: this.frozenStages }, (_, i) => this.child(`layer${i + 1}`)));
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** After BN folding: the stem's ReLU runs inside `conv1`. */
  fuseActivations(): void {
    if (!this.deepStem && this.child('bn1') instanceof Identity) this.child<Conv2d>('conv1').fusedActivation = 'relu';
  }

  afterInitWeights(): void {
    if (!this.zeroInitResidual) return;
    for (const [, m] of this.namedModules()) {
      if (m instanceof BasicBlock || m instanceof Bottleneck) {
        const n = m.lastNorm;
        tf.tidy(() => {
          n.param('weight').assign(tf.zerosLike(n.param('weight')));
          n.param('bias').assign(tf.zerosLike(n.param('bias')));
        });
      }
    }
  }

  forward(x: Tensor): Tensor[] {
    const stem = [...this.stemModules(), ...(this.stemGeometry.maxpool ? [this.child('maxpool')] : [])];
    return runStages(x, [...stem, ...this.resLayers.map((n) => this.child(n))], this.outIndices, stem.length);
  }
}

/** ResNet with the deep (3×3 ×3) stem. */
export class ResNetV1c extends ResNet {
  constructor(opts: Omit<ResNetOptions, 'deep_stem' | 'avg_down'>) {
    super({ ...opts, deep_stem: true, avg_down: false });
  }
}

/** ResNet with the deep stem and average-pool downsampling. */
export class ResNetV1d extends ResNet {
  constructor(opts: Omit<ResNetOptions, 'deep_stem' | 'avg_down'>) {
    super({ ...opts, deep_stem: true, avg_down: true });
  }
}

/** ResNet for 32×32 images: 3×3 stride-1 stem conv, no max pool. */
export class ResNet_CIFAR extends ResNet {
  constructor(opts: ResNetOptions) {
    super(opts, { name: 'ResNet_CIFAR', archSettings: RESNET_ARCH, cifarStem: true });
  }
}

/** ResNeXt: grouped 3×3 convs (`groups`, `width_per_group`). */
export class ResNeXt extends ResNet {
  constructor(opts: ResNetOptions & { groups?: number; width_per_group?: number }) {
    const { groups = 32, width_per_group = 4, ...rest } = opts;
    const { 50: a, 101: b, 152: c } = RESNET_ARCH;
    super(rest, { name: 'ResNeXt', archSettings: { 50: a, 101: b, 152: c }, blockExtras: { groups, width_per_group } });
  }
}

/** SE-ResNet: a squeeze-and-excitation layer in each bottleneck. */
export class SEResNet extends ResNet {
  constructor(opts: ResNetOptions & { se_ratio?: number }) {
    const { se_ratio = 16, ...rest } = opts;
    const { 50: a, 101: b, 152: c } = RESNET_ARCH;
    super(rest, { name: 'SEResNet', archSettings: { 50: a, 101: b, 152: c }, blockExtras: { se_ratio } });
  }
}
