/**
 * `RepLKNet` (MMPretrain `backbones/replknet.py`): a conv stem, stages of (`RepLKBlock`, `ConvFFN`) pairs joined
 * by 1×1 + depthwise-3×3 transitions. Each block's depthwise large kernel (`ReparamLargeKernelConv`) runs a parallel
 * small kernel that merges into it (`small_kernel_merged=True`, `switchToDeploy()`).
 *
 * As in MMPretrain, the backbone's `conv_cfg`, `norm_cfg`, `act_cfg`, `strides`, `dilations` and
 * `norm_intermediate_features` are accepted but do not change the network: blocks use BN / ReLU / GELU, and a
 * stage has its output `norm` (BN) exactly when its index is in `out_indices`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, ReLU, type ActCfg } from '../nn/activation';
import { buildNormLayer, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, runChain, type AnyModule } from '../nn/module';
import { allTrainable, convFromKernel, fuseBranch, padKernel, sumKernelBias, type KernelBias, type Reparameterizable } from '../utils/reparam';
import { BaseBackbone, batchNormsToEval, freeze } from './base_backbone';

const BN: NormCfg = { type: 'BN' };

/** `conv_bn`: Sequential(conv (no bias), bn); padding defaults to k // 2. */
function convBn(inC: number, outC: number, k: number, stride: number, padding: number | null, groups: number, dilation = 1, normCfg: NormCfg = BN): Sequential {
  const s = new Sequential();
  s.addModule('conv', new Conv2d({ in_channels: inC, out_channels: outC, kernel_size: k, stride, padding: padding ?? Math.floor(k / 2), dilation, groups, bias: false }));
  s.addModule('bn', buildNormLayer(normCfg, outC)[1]);
  return s;
}

/** `conv_bn_relu`: conv_bn plus `nonlinear` ReLU. */
function convBnRelu(inC: number, outC: number, k: number, stride: number, padding: number | null, groups: number, dilation = 1): Sequential {
  const s = convBn(inC, outC, k, stride, padding, groups, dilation);
  s.addModule('nonlinear', new ReLU());
  return s;
}

/** A depthwise large kernel conv+BN (`lkb_origin`) plus a parallel small one (`small_conv`), or the merged `lkb_reparam`. */
export class ReparamLargeKernelConv extends Module implements Reparameterizable {
  readonly kernelSize: number;
  readonly smallKernel: number | null;
  smallKernelMerged: boolean;
  private readonly convArgs: { in_channels: number; out_channels: number; kernel_size: number; stride: number; padding: number; groups: number };

  constructor(o: { in_channels: number; out_channels: number; kernel_size: number; stride: number; groups: number; small_kernel: number | null; small_kernel_merged?: boolean }) {
    super();
    this.kernelSize = o.kernel_size;
    this.smallKernel = o.small_kernel;
    this.smallKernelMerged = o.small_kernel_merged ?? false;
    const padding = Math.floor(o.kernel_size / 2);
    this.convArgs = { in_channels: o.in_channels, out_channels: o.out_channels, kernel_size: o.kernel_size, stride: o.stride, padding, groups: o.groups };
    if (this.smallKernelMerged) {
      this.addModule('lkb_reparam', new Conv2d({ ...this.convArgs, dilation: 1, bias: true }));
    } else {
      this.addModule('lkb_origin', convBn(o.in_channels, o.out_channels, o.kernel_size, o.stride, padding, o.groups, 1));
      if (o.small_kernel !== null && o.small_kernel !== undefined) {
        assert(o.small_kernel <= o.kernel_size, () => `ReparamLargeKernelConv: small_kernel ${o.small_kernel} must be <= kernel_size ${o.kernel_size}`);
        this.addModule('small_conv', convBn(o.in_channels, o.out_channels, o.small_kernel, o.stride, Math.floor(o.small_kernel / 2), o.groups, 1));
      }
    }
  }

  override typeNames(): string[] {
    return ['ReparamLargeKernelConv'];
  }

  private has(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }

  forward(x: Tensor): Tensor {
    if (this.has('lkb_reparam')) return this.child('lkb_reparam').call(x) as Tensor;
    return tf.tidy(() => {
      const out = this.child('lkb_origin').call(x) as Tensor;
      return this.has('small_conv') ? tf.add(out, this.child('small_conv').call(x) as Tensor) : out;
    });
  }

  /** The merged kernel and bias (MMPretrain `get_equivalent_kernel_bias`). */
  getEquivalentKernelBias(): KernelBias {
    const lk = this.child('lkb_origin');
    const parts: KernelBias[] = [fuseBranch(lk.child('conv'), lk.child('bn'))];
    if (this.has('small_conv')) {
      const sc = this.child('small_conv');
      const [w, b] = fuseBranch(sc.child('conv'), sc.child('bn'));
      parts.push([padKernel(w, this.kernelSize), b]);
      w.dispose();
    }
    return sumKernelBias(parts);
  }

  /** MMPretrain `merge_kernel`. */
  switchToDeploy(): void {
    if (this.smallKernelMerged) return;
    const branches = ['lkb_origin', 'small_conv'].filter((n) => this.has(n));
    const trainable = allTrainable(...branches.map((n) => this.child(n)));
    const conv = convFromKernel({ ...this.convArgs, dilation: 1 }, this.getEquivalentKernelBias(), { trainable, training: this.training });
    for (const n of branches) this.removeModule(n);
    this.addModule('lkb_reparam', conv);
    this.smallKernelMerged = true;
  }

  mergeKernel(): void {
    this.switchToDeploy();
  }
}

/** `x + drop_path(pw2(act(pw1(preffn_bn(x)))))` with 1×1 conv+BN layers. */
export class RepLKConvFFN extends Module {
  constructor(inC: number, internalC: number, outC: number, dropPath: number, normCfg: NormCfg = BN, actCfg: ActCfg = { type: 'GELU' }) {
    super();
    this.addModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
    this.addModule('preffn_bn', buildNormLayer(normCfg, inC)[1]);
    this.addModule('pw1', convBn(inC, internalC, 1, 1, 0, 1));
    this.addModule('pw2', convBn(internalC, outC, 1, 1, 0, 1));
    this.addModule('nonlinear', buildActivationLayer(actCfg));
  }
  override typeNames(): string[] {
    return ['ConvFFN'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const out = runChain([this.child('preffn_bn'), this.child('pw1'), this.child('nonlinear'), this.child('pw2'), this.child('drop_path')], x);
      return tf.add(x, out);
    });
  }
}

/** `x + drop_path(pw2(act(large_kernel(pw1(prelkb_bn(x))))))`. */
export class RepLKBlock extends Module {
  constructor(inC: number, dwC: number, lkSize: number, smallKernel: number | null, dropPath: number, smallKernelMerged = false, normCfg: NormCfg = BN, actCfg: ActCfg = { type: 'ReLU' }) {
    super();
    this.addModule('pw1', convBnRelu(inC, dwC, 1, 1, 0, 1));
    this.addModule('pw2', convBn(dwC, inC, 1, 1, 0, 1));
    this.addModule('large_kernel', new ReparamLargeKernelConv({ in_channels: dwC, out_channels: dwC, kernel_size: lkSize, stride: 1, groups: dwC, small_kernel: smallKernel, small_kernel_merged: smallKernelMerged }));
    this.addModule('lk_nonlinear', buildActivationLayer(actCfg));
    this.addModule('prelkb_bn', buildNormLayer(normCfg, inC)[1]);
    this.addModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
  }
  override typeNames(): string[] {
    return ['RepLKBlock'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const out = runChain(['prelkb_bn', 'pw1', 'large_kernel', 'lk_nonlinear', 'pw2', 'drop_path'].map((n) => this.child(n)), x);
      return tf.add(x, out);
    });
  }
}

/** `blocks` (RepLKBlock, ConvFFN)×n and the output `norm` (BN or Identity, applied by the backbone). */
export class RepLKNetStage extends Module {
  constructor(o: { channels: number; num_blocks: number; stage_lk_size: number; drop_path: number | number[]; small_kernel: number | null; dw_ratio?: number; ffn_ratio?: number; small_kernel_merged?: boolean; norm_intermediate_features?: boolean; norm_cfg?: NormCfg }) {
    super();
    const { dw_ratio = 1, ffn_ratio = 4, small_kernel_merged = false, norm_intermediate_features = false, norm_cfg = BN } = o;
    const blocks = new ModuleList();
    for (let i = 0; i < o.num_blocks; i++) {
      const dp = Array.isArray(o.drop_path) ? o.drop_path[i] : o.drop_path;
      blocks.push(new RepLKBlock(o.channels, Math.trunc(o.channels * dw_ratio), o.stage_lk_size, o.small_kernel, dp, small_kernel_merged));
      blocks.push(new RepLKConvFFN(o.channels, Math.trunc(o.channels * ffn_ratio), o.channels, dp));
    }
    this.addModule('blocks', blocks);
    this.addModule('norm', norm_intermediate_features ? buildNormLayer(norm_cfg, o.channels)[1] : new Identity());
  }
  override typeNames(): string[] {
    return ['RepLKNetStage'];
  }
  forward(x: Tensor): Tensor {
    return runChain(this.child<ModuleList>('blocks').items(), x);
  }
}

/** A custom RepLKNet `arch` dict. */
export interface RepLKNetArch {
  large_kernel_sizes: number[];
  layers: number[];
  channels: number[];
  /** Parallel small kernel; null for none (XL). */
  small_kernel: number | null;
  dw_ratio: number;
}

export const REPLKNET_ARCH: Record<string, RepLKNetArch> = {
  '31B': { large_kernel_sizes: [31, 29, 27, 13], layers: [2, 2, 18, 2], channels: [128, 256, 512, 1024], small_kernel: 5, dw_ratio: 1 },
  '31L': { large_kernel_sizes: [31, 29, 27, 13], layers: [2, 2, 18, 2], channels: [192, 384, 768, 1536], small_kernel: 5, dw_ratio: 1 },
  XL: { large_kernel_sizes: [27, 27, 27, 13], layers: [2, 2, 18, 2], channels: [256, 512, 1024, 2048], small_kernel: null, dw_ratio: 1.5 },
};

export interface RepLKNetOptions {
  /** 31B, 31L, XL or a dict. */
  arch: string | RepLKNetArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 4. */
  ffn_ratio?: number;
  /** Default: [3]. */
  out_indices?: number[];
  /** Length-checked only (as MMPretrain). Default: [2, 2, 2, 2]. */
  strides?: number[];
  /** Length-checked only. Default: [1, 1, 1, 1]. */
  dilations?: number[];
  /** Default: -1. */
  frozen_stages?: number;
  /** Unused (as MMPretrain). */
  conv_cfg?: ConvCfg | null;
  /** Unused (as MMPretrain). */
  norm_cfg?: NormCfg;
  /** Unused (as MMPretrain). */
  act_cfg?: ActCfg;
  /** Accepted; no effect here. */
  with_cp?: boolean;
  /** Default: 0.3. */
  drop_path_rate?: number;
  /** Build the large kernels merged (deploy form). Default: false. */
  small_kernel_merged?: boolean;
  /** Unused (as MMPretrain: stages in out_indices get their norm). */
  norm_intermediate_features?: boolean;
  /** Default: false. */
  norm_eval?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

/** `torch.linspace(0, end, n)` in float32, as `.item()` gives them. */
function linspace(end: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(n === 1 ? 0 : (end * i) / (n - 1)));
}

export class RepLKNet extends BaseBackbone implements Reparameterizable {
  readonly arch: RepLKNetArch;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly numStages: number;
  smallKernelMerged: boolean;

  constructor(opts: RepLKNetOptions) {
    checkKeys(opts, ['arch', 'in_channels', 'ffn_ratio', 'out_indices', 'strides', 'dilations', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'with_cp', 'drop_path_rate', 'small_kernel_merged', 'norm_intermediate_features', 'norm_eval', 'init_cfg'], 'RepLKNet');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { in_channels = 3, ffn_ratio = 4, out_indices = [3], strides = [2, 2, 2, 2], dilations = [1, 1, 1, 1], frozen_stages = -1, drop_path_rate = 0.3, small_kernel_merged = false, norm_eval = false } = opts;
    const arch = RepLKNet.resolveArch(opts.arch);
    assert(arch.layers.length === arch.channels.length && arch.channels.length === strides.length && strides.length === dilations.length, () => `RepLKNet: layers (${arch.layers.length}), channels (${arch.channels.length}), strides (${strides.length}) and dilations (${dilations.length}) must have the same length`);
    assert(Math.max(...out_indices) < arch.layers.length, () => `RepLKNet: max(out_indices) must be < ${arch.layers.length}, got [${out_indices}]`);
    this.arch = arch;
    this.outIndices = [...out_indices];
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    this.smallKernelMerged = small_kernel_merged;
    this.numStages = arch.layers.length;
    const w = arch.channels[0];
    this.addModule('stem', new ModuleList([convBnRelu(in_channels, w, 3, 2, 1, 1), convBnRelu(w, w, 3, 1, 1, w), convBnRelu(w, w, 1, 1, 0, 1), convBnRelu(w, w, 3, 2, 1, w)]));
    const dpr = linspace(drop_path_rate, arch.layers.reduce((a, b) => a + b, 0));
    const stages = this.addModule('stages', new ModuleList());
    const transitions = this.addModule('transitions', new ModuleList());
    let start = 0;
    for (let i = 0; i < this.numStages; i++) {
      const n = arch.layers[i];
      stages.push(
        new RepLKNetStage({
          channels: arch.channels[i],
          num_blocks: n,
          stage_lk_size: arch.large_kernel_sizes[i],
          drop_path: dpr.slice(start, start + n),
          small_kernel: arch.small_kernel,
          dw_ratio: arch.dw_ratio,
          ffn_ratio,
          small_kernel_merged,
          norm_intermediate_features: out_indices.includes(i),
        }),
      );
      start += n;
      if (i < this.numStages - 1) {
        const c = arch.channels[i + 1];
        transitions.push(new Sequential(convBnRelu(arch.channels[i], c, 1, 1, 0, 1), convBnRelu(c, c, 3, 2, 1, c)));
      }
    }
    this.train(true);
  }

  static resolveArch(arch: string | RepLKNetArch): RepLKNetArch {
    if (typeof arch === 'string') {
      const a = REPLKNET_ARCH[arch];
      assert(a, () => `"arch": "${arch}" is not one of the arch_settings (${Object.keys(REPLKNET_ARCH).join(', ')})`);
      return a;
    }
    if (!arch || typeof arch !== 'object' || Array.isArray(arch)) throw new TypeError(`Expect "arch" to be either a string or a dict, got ${Array.isArray(arch) ? 'list' : typeof arch}`);
    const keys = ['large_kernel_sizes', 'layers', 'channels', 'small_kernel', 'dw_ratio'] as const;
    checkKeys(arch, keys, 'RepLKNet arch');
    for (const k of keys) assert(k in arch, () => `RepLKNet: the arch dict needs the key '${k}' (keys: ${keys.join(', ')})`);
    return arch;
  }

  forward(x: Tensor): Tensor[] {
    const stem = this.child<ModuleList>('stem').items();
    const stages = this.child<ModuleList>('stages').items();
    const transitions = this.child<ModuleList>('transitions').items();
    // Frees an intermediate unless it is the input or a hooked module's output (CAM / feature extraction keep those).
    const release = (t: Tensor, owner: AnyModule) => {
      if (t !== x && !owner.hasForwardHooks()) t.dispose();
    };
    const outs: Tensor[] = [];
    let y = runChain(stem, x);
    let owner: AnyModule = stem[stem.length - 1];
    for (let i = 0; i < this.numStages; i++) {
      const s = tf.tidy(() => stages[i].call(y) as Tensor);
      release(y, owner);
      let o: Tensor | null = null;
      if (this.outIndices.includes(i)) outs.push((o = tf.tidy(() => stages[i].child('norm').call(s) as Tensor)));
      if (i < this.numStages - 1) {
        y = tf.tidy(() => transitions[i].call(s) as Tensor);
        owner = transitions[i];
      }
      if (o !== s) release(s, stages[i]);
    }
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) freeze([this.child('stem')]);
    freeze(this.child<ModuleList>('stages').items().slice(0, Math.max(0, this.frozenStages)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** Every large kernel merged with its small kernel (state dict as `small_kernel_merged=True`). */
  switchToDeploy(): void {
    for (const [, m] of this.namedModules()) if (m instanceof ReparamLargeKernelConv) m.switchToDeploy();
    this.smallKernelMerged = true;
  }
}
