/**
 * mmcv's `cnn` bricks: `build_conv_layer`, `build_norm_layer` (names `bn1`, `gn`, `ln` with postfix) and
 * `ConvModule` (children `conv`, `bn`/`gn`, `activate`), with their config keys checked.
 */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg, type Activation } from './activation';
import { checkKeys } from '../../utils/options';
import { Conv2d, type Conv2dOptions } from './conv';
import { Conv2dAdaptivePadding } from './conv2d_adaptive_padding';
import { Identity, Module, runChain, type AnyModule } from './module';
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from './norm';
import type { Pair } from './layout';

/** A `norm_cfg` dict. */
export interface NormCfg {
  type: string;
  requires_grad?: boolean;
  eps?: number;
  momentum?: number;
  num_groups?: number;
  affine?: boolean;
  [key: string]: unknown;
}

/** A `conv_cfg` dict (only plain convolutions are supported). */
export interface ConvCfg {
  type: string;
  [key: string]: unknown;
}

const NORM_ABBR: Record<string, string> = { BN: 'bn', BN2d: 'bn', BN1d: 'bn', SyncBN: 'bn', GN: 'gn', LN: 'ln' };

/**
 * Builds a norm layer from `norm_cfg` for `numFeatures` channels; returns `[name, layer]` where name is the
 * mmcv abbreviation plus `postfix` (`bn1`, `gn`, `ln`), as `build_norm_layer`.
 */
export function buildNormLayer(cfg: NormCfg, numFeatures: number, postfix: string | number = ''): [string, AnyModule] {
  const abbr = NORM_ABBR[cfg.type];
  if (!abbr) throw new Error(`norm_cfg: unknown norm type '${cfg.type}' (known: ${Object.keys(NORM_ABBR).join(', ')})`);
  checkKeys(cfg, ['type', 'requires_grad', 'eps', 'momentum', 'num_groups', 'affine'], `norm_cfg (${cfg.type})`);
  let layer: AnyModule;
  if (abbr === 'bn') {
    const opts = { num_features: numFeatures, eps: cfg.eps, momentum: cfg.momentum, affine: cfg.affine };
    layer = cfg.type === 'BN1d' ? new BatchNorm1d(opts) : new BatchNorm2d(opts);
  } else if (abbr === 'gn') {
    assert(cfg.num_groups, () => "norm_cfg GN needs 'num_groups'");
    layer = new GroupNorm({ num_groups: cfg.num_groups, num_channels: numFeatures, eps: cfg.eps, affine: cfg.affine });
  } else {
    layer = new LayerNorm({ normalized_shape: numFeatures, eps: cfg.eps, elementwise_affine: cfg.affine });
  }
  if (cfg.requires_grad === false) layer.requiresGrad(false);
  return [`${abbr}${postfix}`, layer];
}

/** `build_conv_layer(conv_cfg, ...)`: `conv_cfg` None or `{type: 'Conv2d' | 'Conv' | 'Conv2dAdaptivePadding'}`. */
export function buildConvLayer(cfg: ConvCfg | null | undefined, opts: Conv2dOptions): Conv2d {
  if (cfg) {
    assert(['Conv2d', 'Conv', 'Conv2dAdaptivePadding'].includes(cfg.type), () => `conv_cfg: only types 'Conv2d', 'Conv2dAdaptivePadding' are supported, got '${cfg.type}'`);
    checkKeys(cfg, ['type'], 'conv_cfg');
    if (cfg.type === 'Conv2dAdaptivePadding') return new Conv2dAdaptivePadding(opts);
  }
  return new Conv2d(opts);
}

/** Options of `ConvModule`, as mmcv's. */
export interface ConvModuleOptions {
  in_channels: number;
  out_channels: number;
  kernel_size: Pair;
  /** Default: 1. */
  stride?: Pair;
  /** Default: 0. */
  padding?: Pair;
  /** Default: 1. */
  dilation?: Pair;
  /** Default: 1. */
  groups?: number;
  /** 'auto' = no bias when a norm follows. Default: 'auto'. */
  bias?: boolean | 'auto';
  conv_cfg?: ConvCfg | null;
  /** Default: null (no norm). */
  norm_cfg?: NormCfg | null;
  /** Default: ReLU; null for none. */
  act_cfg?: ActCfg | null;
  inplace?: boolean;
  /** Default: ['conv', 'norm', 'act']. */
  order?: string[];
}

/** Conv → norm → activation; state-dict names `conv.*`, `bn.*` (or `gn`, `ln`). */
export class ConvModule extends Module {
  readonly conv: Conv2d;
  readonly normName: string | null = null;
  readonly activate: Activation | null;

  constructor(opts: ConvModuleOptions) {
    super();
    checkKeys(opts, ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'conv_cfg', 'norm_cfg', 'act_cfg', 'inplace', 'order'], 'ConvModule');
    const { norm_cfg = null, act_cfg = { type: 'ReLU' }, bias = 'auto', order = ['conv', 'norm', 'act'] } = opts;
    assert(order.join() === 'conv,norm,act', () => `ConvModule: only order ('conv', 'norm', 'act') is supported, got (${order})`);
    this.conv = this.addModule(
      'conv',
      buildConvLayer(opts.conv_cfg, {
        in_channels: opts.in_channels,
        out_channels: opts.out_channels,
        kernel_size: opts.kernel_size,
        stride: opts.stride,
        padding: opts.padding,
        dilation: opts.dilation,
        groups: opts.groups,
        bias: bias === 'auto' ? !norm_cfg : bias,
      }),
    );
    if (norm_cfg) {
      const [name, norm] = buildNormLayer(norm_cfg, opts.out_channels);
      this.normName = name;
      this.addModule(name, norm);
    }
    // mmcv: `act_cfg.setdefault('inplace', inplace)` (inplace defaults to True) for in-place-capable activations.
    const act = act_cfg && act_cfg.inplace === undefined && !['Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU'].includes(act_cfg.type) ? { ...act_cfg, inplace: opts.inplace ?? true } : act_cfg;
    this.activate = act ? this.addModule('activate', buildActivationLayer(act)) : null;
  }

  override typeNames(): string[] {
    return ['ConvModule'];
  }

  /** After BN folding: moves a fusable activation into the conv kernel. */
  fuseActivations(): void {
    const folded = !this.normName || this.child(this.normName) instanceof Identity;
    if (folded && this.activate?.fusable) this.conv.fusedActivation = this.activate.fusable;
  }

  forward(x: Tensor): Tensor {
    const chain: AnyModule[] = [this.conv];
    if (this.normName) chain.push(this.child(this.normName));
    if (this.activate && this.conv.fusedActivation === 'linear') chain.push(this.activate);
    return runChain(chain, x);
  }
}
