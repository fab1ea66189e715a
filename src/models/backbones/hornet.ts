/**
 * HorNet (MMPretrain `backbones/hornet.py`): recursive gated convolutions (`gnConv`) whose depthwise part is a 7×7
 * depthwise conv ('DW') or a global-local filter ('GF': half the channels through a 3×3 depthwise conv, half through a
 * learnt filter in the 2-D Fourier domain), ConvNeXt-style stages, per-output LayerNorms after global pooling.
 */
import { tf, type Tensor, type Tensor2D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { GELU } from '../nn/activation';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module, runChain, type AnyModule } from '../nn/module';
import { LayerNorm } from '../nn/norm';
import type { Generator } from '../../utils/random';
import { LayerScale } from '../utils/attention';
import { irfft2, rfft2 } from '../utils/fft';
import { linspace } from '../utils/linspace';
import { BaseBackbone, freeze } from './base_backbone';

/** HorNet's LayerNorm over the channels (eps 1e-6); both of MMPretrain's data formats are the last axis in NHWC. */
export class HorNetLayerNorm extends LayerNorm {
  readonly dataFormat: 'channels_last' | 'channels_first';
  constructor(normalizedShape: number, eps = 1e-6, dataFormat: 'channels_last' | 'channels_first' = 'channels_last') {
    super({ normalized_shape: normalizedShape, eps });
    if (dataFormat !== 'channels_last' && dataFormat !== 'channels_first') throw new Error('data_format must be channels_last or channels_first');
    this.dataFormat = dataFormat;
  }
  override typeNames(): string[] {
    return ['HorNetLayerNorm'];
  }
}

/** [outSize, inSize] matrix of 1-D linear interpolation with `align_corners=True` (PyTorch's bilinear per axis). */
function alignCornersMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let o = 0; o < outSize; o++) {
    const src = o * scale;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = src - i0;
    m[o * inSize + i0] += 1 - t;
    m[o * inSize + i1] += t;
  }
  return m;
}

/** Bilinear (align_corners) resize of [N, h, w] to [N, H, W] as two matrix products (differentiable everywhere). */
function resizeAlignCorners(x: Tensor, size: [number, number]): Tensor {
  return tf.tidy(() => {
    const [n, h, w] = x.shape as [number, number, number];
    const [oh, ow] = size;
    const rw = tf.tensor2d(alignCornersMatrix(w, ow), [ow, w]);
    const rh = tf.tensor2d(alignCornersMatrix(h, oh), [oh, h]);
    const a = tf.matMul(tf.reshape(x, [n * h, w]) as Tensor2D, rw, false, true); // [n·h, ow]
    const b = tf.reshape(tf.transpose(tf.reshape(a, [n, h, ow]), [0, 2, 1]), [n * ow, h]);
    const c = tf.matMul(b as Tensor2D, rh, false, true); // [n·ow, oh]
    return tf.transpose(tf.reshape(c, [n, ow, oh]), [0, 2, 1]);
  });
}

/**
 * Global-local filter: pre-norm; the first half of the channels through a 3×3 depthwise conv (`dw`), the second
 * multiplied in the orthonormal 2-D real FFT domain by `complex_weight` [C/2, h, w, 2] (bilinearly resized, corners
 * aligned, when the spectrum is another size); the halves interleaved channel by channel; post-norm.
 */
export class GlobalLocalFilter extends Module {
  readonly complexWeight: tf.Variable;
  readonly half: number;

  constructor(dim: number, h = 14, w = 8) {
    super();
    this.half = Math.floor(dim / 2);
    this.complexWeight = this.registerParameter('complex_weight', [this.half, h, w, 2]);
    this.addModule('dw', new Conv2d({ in_channels: this.half, out_channels: this.half, kernel_size: 3, padding: 1, bias: false, groups: this.half }));
    this.addModule('pre_norm', new HorNetLayerNorm(dim, 1e-6, 'channels_first'));
    this.addModule('post_norm', new HorNetLayerNorm(dim, 1e-6, 'channels_first'));
  }

  override typeNames(): string[] {
    return ['GlobalLocalFilter'];
  }

  /** PyTorch draws `complex_weight` as randn · 0.02 at construction. */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => this.complexWeight.assign(tf.tensor(rng.normalArray(this.complexWeight.size, 0, 0.02), this.complexWeight.shape)));
  }

  /** The spectral half: x [B, H, W, C/2] (NHWC) → same shape. */
  private spectral(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [, a, b] = x.shape as [number, number, number, number];
      const { re, im } = rfft2(tf.transpose(x, [0, 3, 1, 2]), 'ortho'); // [B, C, a, b/2+1]
      const [fh, fw] = re.shape.slice(-2) as [number, number];
      let wgt: Tensor = this.complexWeight;
      if (wgt.shape[1] !== fh || wgt.shape[2] !== fw) {
        const [c, h, w] = wgt.shape as [number, number, number, number];
        const planes = tf.reshape(tf.transpose(wgt, [0, 3, 1, 2]), [c * 2, h, w]);
        wgt = tf.transpose(tf.reshape(resizeAlignCorners(planes, [fh, fw]), [c, 2, fh, fw]), [0, 2, 3, 1]);
      }
      const [wr, wi] = tf.unstack(wgt, 3); // [C, fh, fw]
      const zr = tf.sub(tf.mul(re, wr), tf.mul(im, wi));
      const zi = tf.add(tf.mul(re, wi), tf.mul(im, wr));
      return tf.transpose(irfft2({ re: zr, im: zi }, [a, b], 'ortho'), [0, 2, 3, 1]);
    });
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const y = this.child('pre_norm').call(x) as Tensor;
      const c = y.shape[3]!;
      const [x1, x2] = tf.split(y, [c - this.half, this.half], 3);
      const local = this.child('dw').call(x1) as Tensor;
      const global = this.spectral(x2);
      const [n, h, w] = y.shape as [number, number, number, number];
      const mixed = tf.reshape(tf.stack([local, global], 4), [n, h, w, 2 * this.half]);
      return this.child('post_norm').call(mixed) as Tensor;
    });
  }
}

/** `dw_cfg` of a gnConv: a depthwise conv, or a global-local filter. */
export type HorNetDwCfg = { type: 'DW'; kernel_size?: number; bias?: boolean } | { type: 'GF'; h?: number; w?: number };

/** Recursive gated convolution of order n: proj_in → split → depthwise (× scale) → n gated 1×1 steps → proj_out. */
export class GnConv extends Module {
  readonly order: number;
  readonly dims: number[];
  readonly scale: number;

  constructor(dim: number, order = 5, dwCfg: HorNetDwCfg = { type: 'DW', kernel_size: 7 }, scale = 1.0) {
    super();
    this.order = order;
    this.dims = Array.from({ length: order }, (_, i) => Math.floor(dim / 2 ** i)).reverse();
    this.scale = scale;
    const total = this.dims.reduce((a, b) => a + b, 0);
    this.addModule('proj_in', new Conv2d({ in_channels: dim, out_channels: 2 * dim, kernel_size: 1 }));
    const { type, ...cfg } = dwCfg;
    assert(type === 'DW' || type === 'GF', () => 'dw_type should be `DW` or `GF`');
    if (type === 'DW') {
      checkKeys(cfg, ['kernel_size', 'bias'], 'gnConv dw_cfg (DW)');
      const { kernel_size, bias = true } = cfg as { kernel_size?: number; bias?: boolean };
      assert(kernel_size !== undefined, () => "get_dwconv() missing 1 required positional argument: 'kernel_size'");
      this.addModule('dwconv', new Conv2d({ in_channels: total, out_channels: total, kernel_size, padding: Math.floor((kernel_size - 1) / 2), bias, groups: total }));
    } else {
      checkKeys(cfg, ['h', 'w'], 'gnConv dw_cfg (GF)');
      const { h = 14, w = 8 } = cfg as { h?: number; w?: number };
      this.addModule('dwconv', new GlobalLocalFilter(total, h, w));
    }
    this.addModule('proj_out', new Conv2d({ in_channels: dim, out_channels: dim, kernel_size: 1 }));
    this.addModule('projs', new ModuleList(Array.from({ length: order - 1 }, (_, i) => new Conv2d({ in_channels: this.dims[i], out_channels: this.dims[i + 1], kernel_size: 1 }))));
  }

  override typeNames(): string[] {
    return ['gnConv'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const p = this.child('proj_in').call(x) as Tensor;
      const total = this.dims.reduce((a, b) => a + b, 0);
      const [y, rest] = tf.split(p, [this.dims[0], total], 3);
      let dw = this.child('dwconv').call(rest) as Tensor;
      if (this.scale !== 1) dw = tf.mul(dw, this.scale);
      const parts = tf.split(dw, this.dims, 3);
      let out = tf.mul(y, parts[0]);
      const projs = this.child<ModuleList>('projs').items();
      for (let i = 0; i < this.order - 1; i++) out = tf.mul(projs[i].call(out) as Tensor, parts[i + 1]);
      return this.child('proj_out').call(out) as Tensor;
    });
  }
}

export interface HorNetBlockOptions {
  dim: number;
  /** Default: 5. */
  order?: number;
  /** Default: {type: 'DW', kernel_size: 7}. */
  dw_cfg?: HorNetDwCfg;
  /** Default: 1. */
  scale?: number;
  /** Default: 0. */
  drop_path_rate?: number;
  /** Default: true. */
  use_layer_scale?: boolean;
}

/** norm1 → gnConv → gamma1 (+ input); norm2 → Linear ×4 → GELU → Linear → gamma2 (+ input). */
export class HorNetBlock extends Module {
  readonly outChannels: number;

  constructor(o: HorNetBlockOptions) {
    super();
    const { dim, order = 5, dw_cfg = { type: 'DW', kernel_size: 7 }, scale = 1.0, drop_path_rate = 0, use_layer_scale = true } = o;
    this.outChannels = dim;
    this.addModule('norm1', new HorNetLayerNorm(dim, 1e-6, 'channels_first'));
    this.addModule('gnconv', new GnConv(dim, order, dw_cfg, scale));
    this.addModule('norm2', new HorNetLayerNorm(dim, 1e-6));
    this.addModule('pwconv1', new Linear({ in_features: dim, out_features: 4 * dim }));
    this.addModule('act', new GELU());
    this.addModule('pwconv2', new Linear({ in_features: 4 * dim, out_features: dim }));
    this.addModule('gamma1', use_layer_scale ? new LayerScale(dim) : new Identity());
    this.addModule('gamma2', use_layer_scale ? new LayerScale(dim) : new Identity());
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['HorNetBlock'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const a = tf.add(x, dp.call(runChain(['norm1', 'gnconv', 'gamma1'].map((n) => this.child(n)), x)) as Tensor);
      return tf.add(a, dp.call(runChain(['norm2', 'pwconv1', 'act', 'pwconv2', 'gamma2'].map((n) => this.child(n)), a)) as Tensor);
    });
  }
}

/** A HorNet arch: base width, blocks and gnConv orders per stage, and each stage's depthwise config. */
export interface HorNetArch {
  base_dim: number;
  depths: number[];
  orders: number[];
  dw_cfg: HorNetDwCfg[];
}

const DW7: HorNetDwCfg = { type: 'DW', kernel_size: 7 };
const gf = (h: number, w: number): HorNetDwCfg => ({ type: 'GF', h, w });
const hornetArch = (base_dim: number, dw_cfg: HorNetDwCfg[]): HorNetArch => ({ base_dim, depths: [2, 3, 18, 2], orders: [2, 3, 4, 5], dw_cfg });
const DW_ALL = [DW7, DW7, DW7, DW7];
const GF_224 = [DW7, DW7, gf(14, 8), gf(7, 4)];
const GF_384 = [DW7, DW7, gf(24, 12), gf(13, 7)];

const HORNET_ARCHS: [string[], HorNetArch][] = [
  [['t', 'tiny'], hornetArch(64, DW_ALL)],
  [['t-gf', 'tiny-gf'], hornetArch(64, GF_224)],
  [['s', 'small'], hornetArch(96, DW_ALL)],
  [['s-gf', 'small-gf'], hornetArch(96, GF_224)],
  [['b', 'base'], hornetArch(128, DW_ALL)],
  [['b-gf', 'base-gf'], hornetArch(128, GF_224)],
  [['b-gf384', 'base-gf384'], hornetArch(128, GF_384)],
  [['l', 'large'], hornetArch(192, DW_ALL)],
  [['l-gf', 'large-gf'], hornetArch(192, GF_224)],
  [['l-gf384', 'large-gf384'], hornetArch(192, GF_384)],
];

/** MMPretrain's `HorNet.arch_zoo` (every alias). */
export const HORNET_ARCH_ZOO: Record<string, HorNetArch> = Object.fromEntries(HORNET_ARCHS.flatMap(([names, a]) => names.map((n) => [n, a])));

export interface HorNetOptions {
  /** An `arch_zoo` name ('tiny', 't-gf', 'base-gf384', …) or a {@link HorNetArch}. Default: 'tiny'. */
  arch?: string | HorNetArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 0. */
  drop_path_rate?: number;
  /** Scale of the depthwise / filter outputs in gnConv. Default: 1/3. */
  scale?: number;
  /** Default: true. */
  use_layer_scale?: boolean;
  /** Default: [3]. */
  out_indices?: number | number[];
  /** Default: -1. */
  frozen_stages?: number;
  /** Gradient checkpointing (accepted; no effect here). Default: false. */
  with_cp?: boolean;
  /** Average the map before the output norm, returning (N, C). Default: true. */
  gap_before_final_norm?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const HORNET_KEYS = ['arch', 'in_channels', 'drop_path_rate', 'scale', 'use_layer_scale', 'out_indices', 'frozen_stages', 'with_cp', 'gap_before_final_norm', 'init_cfg'];

const pySet = (xs: string[]) => `{${xs.map((x) => `'${x}'`).join(', ')}}`;

export class HorNet extends BaseBackbone {
  readonly archSettings: HorNetArch;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly gapBeforeFinalNorm: boolean;
  readonly downsampleLayers: ModuleList;
  readonly stages: ModuleList;

  constructor(opts: HorNetOptions = {}) {
    checkKeys(opts, HORNET_KEYS, 'HorNet');
    super(opts.init_cfg);
    const { arch = 'tiny', in_channels = 3, drop_path_rate = 0, scale = 1 / 3, use_layer_scale = true, out_indices = [3], frozen_stages = -1, gap_before_final_norm = true } = opts;
    if (typeof arch === 'string') {
      const a = HORNET_ARCH_ZOO[arch.toLowerCase()];
      assert(a, () => `Arch ${arch.toLowerCase()} is not in default archs ${pySet(Object.keys(HORNET_ARCH_ZOO))}`);
      this.archSettings = a;
    } else {
      const keys = ['base_dim', 'depths', 'orders', 'dw_cfg'];
      const given = arch && typeof arch === 'object' ? Object.keys(arch) : [];
      assert(given.length === keys.length && keys.every((k) => given.includes(k)), () => `Custom arch needs a dict with keys ${pySet(keys)}`);
      this.archSettings = arch;
    }
    this.frozenStages = frozen_stages;
    this.gapBeforeFinalNorm = gap_before_final_norm;
    const { base_dim, depths, orders, dw_cfg } = this.archSettings;
    const dims = [0, 1, 2, 3].map((i) => 2 ** i * base_dim);

    this.downsampleLayers = this.addModule('downsample_layers', new ModuleList());
    this.downsampleLayers.push(new Sequential(new Conv2d({ in_channels, out_channels: dims[0], kernel_size: 4, stride: 4 }), new HorNetLayerNorm(dims[0], 1e-6, 'channels_first')));
    for (let i = 0; i < 3; i++) {
      this.downsampleLayers.push(new Sequential(new HorNetLayerNorm(dims[i], 1e-6, 'channels_first'), new Conv2d({ in_channels: dims[i], out_channels: dims[i + 1], kernel_size: 2, stride: 2 })));
    }
    const dpr = linspace(0, drop_path_rate, depths.reduce((a, b) => a + b, 0));
    let cur = 0;
    this.stages = this.addModule('stages', new ModuleList());
    for (let i = 0; i < 4; i++) {
      const blocks = Array.from({ length: depths[i] }, (_, j) => new HorNetBlock({ dim: dims[i], order: orders[i], dw_cfg: dw_cfg[i], scale, drop_path_rate: dpr[cur + j], use_layer_scale }));
      this.stages.push(new Sequential(...blocks));
      cur += depths[i];
    }
    const idx = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    this.outIndices = idx.map((index) => {
      const j = index < 0 ? 4 + index : index;
      assert(j >= 0 && j < 4, () => `Invalid out_indices ${index}.`);
      return j;
    });
    for (const i of this.outIndices) this.addModule(`norm${i}`, new HorNetLayerNorm(dims[i], 1e-6, 'channels_first'));
  }

  /**
   * `train()` re-freezes stages ≤ `frozen_stages` (downsample layer and blocks). As MMPretrain 1.2, a frozen stage `i`
   * that is an output also freezes `norm{i + 1}` (not `norm{i}`), and fails when that norm does not exist.
   */
  override train(mode = true): this {
    super.train(mode);
    for (let i = 0; i <= this.frozenStages; i++) {
      freeze([this.downsampleLayers.at(i), this.stages.at(i)]);
      if (this.outIndices.includes(i)) {
        const name = `norm${i + 1}`;
        assert(this.namedChildren().some(([n]) => n === name), () => `'HorNet' object has no attribute '${name}'`);
        freeze([this.child(name)]);
      }
    }
    return this;
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let y = x;
    let disposable = false;
    for (let i = 0; i < 4; i++) {
      const next = runChain([this.downsampleLayers.at(i), this.stages.at(i)], y);
      if (disposable) y.dispose();
      y = next;
      disposable = !this.stages.at(i).hasForwardHooks() && !(this.stages.at(i).namedChildren().length === 0 && this.downsampleLayers.at(i).hasForwardHooks());
      if (this.outIndices.includes(i)) {
        const norm: AnyModule = this.child(`norm${i}`);
        const feat = y;
        outs.push(tf.tidy(() => norm.call(this.gapBeforeFinalNorm ? tf.mean(feat, [1, 2]) : feat) as Tensor));
      }
    }
    if (disposable) y.dispose();
    return outs;
  }
}
