/**
 * Cross Stage Partial networks (MMPretrain `backbones/cspnet.py`): the general `CSPNet` (an arch table of per-stage
 * settings, a block class and a stem builder), its `CSPStage` and `DarknetBottleneck`, and the registered
 * `CSPDarkNet` (depth 53), `CSPResNet` (depth 50) and `CSPResNeXt` (depth 50) with MMPretrain's key names.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, runChain, type AnyModule } from '../nn/module';
import { MaxPool2d } from '../nn/pooling';
import { DepthwiseSeparableConvModule } from '../utils/depthwise_separable_conv';
import { linspace } from '../utils/linspace';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';
import { Bottleneck, type BlockOptions } from './resnet';

const EPS = 1e-5;
const DEFAULT_NORM: NormCfg = { type: 'BN', eps: 1e-5 };
const DEFAULT_ACT: ActCfg = { type: 'LeakyReLU', inplace: true };

/** What `CSPStage` passes to every block (plus the stage's `block_args`). */
export interface CSPBlockOptions {
  in_channels: number;
  out_channels: number;
  expansion: number;
  drop_path_rate: number;
  conv_cfg: ConvCfg | null;
  norm_cfg: NormCfg;
  act_cfg: ActCfg;
  [extra: string]: unknown;
}

/** Darknet's block: 1×1 ConvModule → 3×3 ConvModule (or depthwise-separable), plus the input when shapes agree. */
export class DarknetBottleneck extends Module {
  readonly addIdentity: boolean;

  constructor(o: CSPBlockOptions & { add_identity?: boolean; use_depthwise?: boolean; init_cfg?: InitCfg | InitCfg[] | null }) {
    super();
    checkKeys(o, ['in_channels', 'out_channels', 'expansion', 'add_identity', 'use_depthwise', 'conv_cfg', 'drop_path_rate', 'norm_cfg', 'act_cfg', 'init_cfg'], 'DarknetBottleneck');
    const { in_channels, out_channels, expansion = 2, add_identity = true, use_depthwise = false, conv_cfg = null, drop_path_rate = 0 } = o;
    const norm_cfg = o.norm_cfg ?? DEFAULT_NORM;
    const act_cfg = o.act_cfg ?? DEFAULT_ACT;
    const hidden = Math.trunc(out_channels / expansion);
    this.addModule('conv1', new ConvModule({ in_channels, out_channels: hidden, kernel_size: 1, conv_cfg, norm_cfg, act_cfg }));
    const conv2 = { in_channels: hidden, out_channels, kernel_size: 3, stride: 1, padding: 1, conv_cfg, norm_cfg, act_cfg };
    this.addModule('conv2', use_depthwise ? new DepthwiseSeparableConvModule(conv2) : new ConvModule(conv2));
    this.addIdentity = add_identity && in_channels === out_channels;
    this.addModule('drop_path', drop_path_rate > EPS ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['DarknetBottleneck'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const out = runChain([this.child('conv1'), this.child('conv2'), this.child('drop_path')], x);
      return this.addIdentity ? tf.add(out, x) : out;
    });
  }
}

/** ResNet's bottleneck as CSPResNet builds it: the block's activation comes from `act_cfg` (LeakyReLU by default). */
export class CSPResNetBottleneck extends Bottleneck {
  constructor(o: CSPBlockOptions & Omit<BlockOptions, 'in_channels' | 'out_channels' | 'expansion'>) {
    const { act_cfg, ...rest } = o;
    checkKeys(
      rest,
      ['in_channels', 'out_channels', 'expansion', 'stride', 'dilation', 'downsample', 'style', 'with_cp', 'conv_cfg', 'norm_cfg', 'drop_path_rate', 'init_cfg', ...extraBlockKeys(new.target)],
      'Bottleneck',
    );
    const { with_cp: _cp, init_cfg: _init, ...blockOpts } = rest as typeof rest & { with_cp?: boolean; init_cfg?: unknown };
    void _cp;
    void _init;
    super(blockOpts as BlockOptions);
    const act = buildActivationLayer(act_cfg ?? { type: 'ReLU', inplace: true });
    this.relu = this.addModule('relu', act) as unknown as typeof this.relu;
  }

  override typeNames(): string[] {
    return ['Bottleneck'];
  }

  /** The block's ReLUs fold into the convs only when the activation is a ReLU. */
  override fuseActivations(): void {
    if (this.relu.typeName === 'ReLU') super.fuseActivations();
  }
}

/** ResNeXt's bottleneck in CSPResNeXt: grouped 3×3 conv (`groups` 32, `width_per_group` 4, `base_channels` 64 unless given). */
export class CSPResNeXtBottleneck extends CSPResNetBottleneck {
  constructor(o: CSPBlockOptions & { base_channels?: number; groups?: number; width_per_group?: number }) {
    super({ ...o, base_channels: o.base_channels ?? 64, groups: o.groups ?? 32, width_per_group: o.width_per_group ?? 4 });
  }
}

function extraBlockKeys(cls: unknown): string[] {
  return cls === CSPResNeXtBottleneck ? ['base_channels', 'groups', 'width_per_group'] : [];
}

/** A block class `CSPStage` can build. */
export type CSPBlockClass = typeof DarknetBottleneck | typeof CSPResNetBottleneck | typeof CSPResNeXtBottleneck;

/** Options of one `CSPStage`. */
export interface CSPStageOptions {
  block_fn: CSPBlockClass;
  in_channels: number;
  out_channels: number;
  /** Default: true. */
  has_downsampler?: boolean;
  /** Grow the channels in the downsampler. Default: false. */
  down_growth?: boolean;
  /** Default: 0.5. */
  expand_ratio?: number;
  /** Default: 2. */
  bottle_ratio?: number;
  /** Default: 1. */
  num_blocks?: number;
  /** A rate per block, or one for all. Default: 0. */
  block_dpr?: number | number[];
  block_args?: Record<string, unknown>;
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/**
 * A cross-stage-partial stage: (downsample conv) → expand conv → split in halves; the second half runs through
 * the blocks and `atfer_blocks_conv` (MMPretrain's spelling); concat → `final_conv`.
 */
export class CSPStage extends Module {
  initCfg: InitCfg | InitCfg[] | null;
  readonly blockChannels: number;

  constructor(o: CSPStageOptions) {
    super();
    const {
      block_fn, in_channels, out_channels, has_downsampler = true, down_growth = false, expand_ratio = 0.5, bottle_ratio = 2, num_blocks = 1,
      block_dpr = 0, block_args = {}, conv_cfg = null, norm_cfg = DEFAULT_NORM, act_cfg = DEFAULT_ACT, init_cfg = null,
    } = o;
    this.initCfg = init_cfg;
    const downChannels = down_growth ? out_channels : in_channels;
    const dpr = typeof block_dpr === 'number' ? Array<number>(num_blocks).fill(block_dpr) : block_dpr;
    assert(dpr.length === num_blocks, () => `CSPStage: block_dpr has ${dpr.length} entries for ${num_blocks} blocks`);
    const isResNeXt = block_fn === CSPResNeXtBottleneck;
    this.addModule(
      'downsample_conv',
      has_downsampler
        ? new ConvModule({ in_channels, out_channels: downChannels, kernel_size: 3, stride: 2, padding: 1, groups: isResNeXt ? 32 : 1, norm_cfg, act_cfg })
        : new Identity(),
    );
    const expChannels = Math.trunc(downChannels * expand_ratio);
    this.addModule('expand_conv', new ConvModule({ in_channels: downChannels, out_channels: expChannels, kernel_size: 1, norm_cfg, act_cfg: block_fn === DarknetBottleneck ? act_cfg : null }));
    assert(expChannels % 2 === 0, () => 'The channel number before blocks must be divisible by 2.');
    const bc = expChannels / 2;
    this.blockChannels = bc;
    const blocks = new Sequential();
    for (let i = 0; i < num_blocks; i++) {
      blocks.append(new block_fn({ in_channels: bc, out_channels: bc, expansion: bottle_ratio, drop_path_rate: dpr[i], conv_cfg, norm_cfg, act_cfg, ...block_args }));
    }
    this.addModule('blocks', blocks);
    this.addModule('atfer_blocks_conv', new ConvModule({ in_channels: bc, out_channels: bc, kernel_size: 1, norm_cfg, act_cfg }));
    this.addModule('final_conv', new ConvModule({ in_channels: 2 * bc, out_channels, kernel_size: 1, norm_cfg, act_cfg }));
  }

  override typeNames(): string[] {
    return ['CSPStage'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const y = runChain([this.child('downsample_conv'), this.child('expand_conv')], x);
      const split = Math.floor(y.shape[3]! / 2);
      const [xa, xb] = tf.split(y, [split, y.shape[3]! - split], 3);
      const b = runChain([this.child('blocks'), this.child('atfer_blocks_conv')], xb);
      return this.child('final_conv').call(tf.concat([xa, b], 3)) as Tensor;
    });
  }
}

/** A `CSPNet` arch: per-stage lists, or one value for every stage. */
export interface CSPArch {
  block_fn: CSPBlockClass;
  in_channels: number[];
  out_channels: number[];
  num_blocks: number[];
  expand_ratio?: number | number[];
  bottle_ratio?: number | number[];
  has_downsampler?: boolean | boolean[];
  down_growth?: boolean | boolean[];
  block_args?: Record<string, unknown> | Record<string, unknown>[];
}

type ExpandedArch = { [K in keyof Required<CSPArch>]: unknown[] };

/** Options of the general `CSPNet` (`stem_fn` builds the stem from the input channel count). */
export interface CSPNetOptions {
  arch: CSPArch;
  stem_fn: (inChannels: number) => AnyModule;
  /** Default: 3. */
  in_channels?: number;
  /** Default: -1 (the last stage). */
  out_indices?: number | number[];
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: 0. */
  drop_path_rate?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: {type: 'BN', eps: 1e-5}. */
  norm_cfg?: NormCfg;
  /** Default: {type: 'LeakyReLU', inplace: true}. */
  act_cfg?: ActCfg;
  /** Default: false. */
  norm_eval?: boolean;
  /** Default: Kaiming on Conv2d. */
  init_cfg?: InitCfg | InitCfg[] | null;
}

const CSPNET_KEYS = ['arch', 'stem_fn', 'in_channels', 'out_indices', 'frozen_stages', 'drop_path_rate', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'init_cfg'];

export class CSPNet extends BaseBackbone {
  readonly arch: ExpandedArch;
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly stages: Sequential;
  protected readonly convCfg: ConvCfg | null;
  protected readonly normCfg: NormCfg;
  protected readonly actCfg: ActCfg;

  constructor(opts: CSPNetOptions, where = 'CSPNet') {
    checkKeys(opts, CSPNET_KEYS, where);
    const initCfg = opts.init_cfg === undefined ? { type: 'Kaiming', layer: 'Conv2d' } : opts.init_cfg;
    super(initCfg);
    const { in_channels = 3, out_indices = -1, frozen_stages = -1, drop_path_rate = 0, conv_cfg = null, norm_cfg = DEFAULT_NORM, act_cfg = DEFAULT_ACT, norm_eval = false } = opts;
    this.arch = CSPNet.expandArch(opts.arch);
    this.numStages = opts.arch.in_channels.length;
    this.convCfg = conv_cfg;
    this.normCfg = norm_cfg;
    this.actCfg = act_cfg;
    this.normEval = norm_eval;
    if (!Number.isInteger(frozen_stages) || frozen_stages < -1 || frozen_stages >= this.numStages) {
      throw new Error(`frozen_stages must be in range(-1, ${this.numStages}). But received ${frozen_stages}`);
    }
    this.frozenStages = frozen_stages;
    this.addModule('stem', opts.stem_fn(in_channels));
    const depths = this.arch.num_blocks as number[];
    const dpr = linspace(0, drop_path_rate, depths.reduce((a, b) => a + b, 0));
    this.stages = this.addModule('stages', new Sequential());
    let start = 0;
    for (let i = 0; i < this.numStages; i++) {
      const stageCfg = Object.fromEntries(Object.entries(this.arch).map(([k, v]) => [k, v[i]])) as unknown as CSPStageOptions;
      this.stages.append(new CSPStage({ ...stageCfg, block_dpr: dpr.slice(start, start + depths[i]), conv_cfg, norm_cfg, act_cfg, init_cfg: initCfg }));
      start += depths[i];
    }
    const idx = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    assert(Array.isArray(idx), () => `"out_indices" must by a sequence or int, get ${typeof out_indices} instead.`);
    this.outIndices = idx.map((index) => {
      const j = index < 0 ? this.numStages + index : index;
      assert(j >= 0 && j <= this.numStages, () => `Invalid out_indices ${index}.`);
      return j;
    });
  }

  /** Per-stage tuples of every arch entry (a scalar repeats for all stages); adds empty `block_args`. */
  static expandArch(arch: CSPArch): ExpandedArch {
    const n = arch.in_channels.length;
    const full: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(arch)) {
      if (Array.isArray(v)) {
        assert(v.length === n, () => `The length of ${k} (${v.length}) does not equals to the number of stages (${n})`);
        full[k] = [...(v as unknown[])];
      } else full[k] = Array<unknown>(n).fill(v);
    }
    if (!('block_args' in full)) full.block_args = Array.from({ length: n }, () => ({}));
    return full as ExpandedArch;
  }

  private freezeStages(): void {
    if (this.frozenStages >= 0) freeze([this.child('stem')]);
    freeze(Array.from({ length: this.frozenStages + 1 }, (_, i) => this.stages.at(i)));
  }

  /** `train()` re-freezes `frozen_stages` (stem included) and, with `norm_eval`, keeps every BatchNorm in eval mode. */
  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, [this.child('stem'), ...this.stages.namedChildren().map(([, m]) => m)], this.outIndices, 1);
  }
}

interface CSPVariantOptions {
  depth: number;
  in_channels?: number;
  out_indices?: number | number[];
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  norm_eval?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const VARIANT_KEYS = ['depth', 'in_channels', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'init_cfg'];

function pickArch(settings: Record<number, CSPArch>, depth: number): CSPArch {
  const arch = settings[depth];
  assert(arch, () => `depth must be one of [${Object.keys(settings).join(', ')}], but get ${depth}.`);
  return arch;
}

/** CSP-Darknet (YOLOv4's backbone): a stride-1 3×3 ConvModule stem and five Darknet stages. */
export class CSPDarkNet extends CSPNet {
  static readonly archSettings: Record<number, CSPArch> = {
    53: {
      block_fn: DarknetBottleneck,
      in_channels: [32, 64, 128, 256, 512],
      out_channels: [64, 128, 256, 512, 1024],
      num_blocks: [1, 2, 8, 8, 4],
      expand_ratio: [2, 1, 1, 1, 1],
      bottle_ratio: [2, 1, 1, 1, 1],
      has_downsampler: true,
      down_growth: true,
    },
  };

  constructor(opts: CSPVariantOptions) {
    checkKeys(opts, VARIANT_KEYS, 'CSPDarkNet');
    const arch = pickArch(CSPDarkNet.archSettings, opts.depth);
    const { depth: _d, out_indices = [4], norm_cfg = DEFAULT_NORM, act_cfg = DEFAULT_ACT, conv_cfg = null, ...rest } = opts;
    void _d;
    const initCfg =
      opts.init_cfg === undefined ? { type: 'Kaiming', layer: 'Conv2d', a: Math.sqrt(5), distribution: 'uniform', mode: 'fan_in', nonlinearity: 'leaky_relu' } : opts.init_cfg;
    const stem_fn = (inC: number) => new ConvModule({ in_channels: inC, out_channels: arch.in_channels[0], kernel_size: 3, padding: 1, norm_cfg, act_cfg });
    super({ ...rest, arch, stem_fn, out_indices, norm_cfg, act_cfg, conv_cfg, init_cfg: initCfg }, 'CSPDarkNet');
  }
}

/** Options of `CSPResNet` / `CSPResNeXt`. */
export interface CSPResNetOptions extends CSPVariantOptions {
  /** Three 3×3 convs instead of the 7×7 conv + max pool stem. Default: false. */
  deep_stem?: boolean;
}

function resNetStem(inC: number, stemC: number, deep: boolean, conv_cfg: ConvCfg | null, norm_cfg: NormCfg, act_cfg: ActCfg): Sequential {
  const cm = (i: number, o: number, k: number, s: number) => new ConvModule({ in_channels: i, out_channels: o, kernel_size: k, stride: s, padding: (k - 1) / 2, conv_cfg, norm_cfg, act_cfg });
  if (deep) return new Sequential(cm(inC, stemC / 2, 3, 2), cm(stemC / 2, stemC / 2, 3, 1), cm(stemC / 2, stemC, 3, 1));
  return new Sequential(cm(inC, stemC, 7, 2), new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }));
}

/** CSP-ResNet: a ResNet stem (7×7 + max pool, or deep) and four stages of ResNet bottlenecks. */
export class CSPResNet extends CSPNet {
  static readonly archSettings: Record<number, CSPArch> = {
    50: {
      block_fn: CSPResNetBottleneck,
      in_channels: [64, 128, 256, 512],
      out_channels: [128, 256, 512, 1024],
      num_blocks: [3, 3, 5, 2],
      expand_ratio: 4,
      bottle_ratio: 2,
      has_downsampler: [false, true, true, true],
      down_growth: false,
    },
  };
  readonly deepStem: boolean;

  constructor(opts: CSPResNetOptions, where = 'CSPResNet', settings: Record<number, CSPArch> = CSPResNet.archSettings) {
    checkKeys(opts, [...VARIANT_KEYS, 'deep_stem'], where);
    const arch = pickArch(settings, opts.depth);
    const { depth: _d, deep_stem = false, out_indices = [3], norm_cfg = DEFAULT_NORM, act_cfg = DEFAULT_ACT, conv_cfg = null, ...rest } = opts;
    void _d;
    const stem_fn = (inC: number) => resNetStem(inC, arch.in_channels[0], deep_stem, conv_cfg, norm_cfg, act_cfg);
    super({ ...rest, arch, stem_fn, out_indices, norm_cfg, act_cfg, conv_cfg }, where);
    this.deepStem = deep_stem;
  }
}

/** CSP-ResNeXt: CSPResNet's stem with grouped ResNeXt bottlenecks (`base_channels` 32) and grouped downsamplers. */
export class CSPResNeXt extends CSPResNet {
  static override readonly archSettings: Record<number, CSPArch> = {
    50: {
      block_fn: CSPResNeXtBottleneck,
      in_channels: [64, 256, 512, 1024],
      out_channels: [256, 512, 1024, 2048],
      num_blocks: [3, 3, 5, 2],
      expand_ratio: [4, 2, 2, 2],
      bottle_ratio: 4,
      has_downsampler: [false, true, true, true],
      down_growth: false,
      block_args: { base_channels: 32 },
    },
  };

  constructor(opts: CSPResNetOptions) {
    super(opts, 'CSPResNeXt', CSPResNeXt.archSettings);
  }
}
