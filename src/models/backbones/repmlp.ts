/**
 * `RepMLPNet` (MMPretrain `backbones/repmlp.py`): a conv patch embedding, then stages of `RepMLPNetUnit`s
 * (`RepMLPBlock` + ConvFFN, each behind a BN and a residual) joined by 2×2 stride-2 ConvModules. A block's
 * partition perceptron (`fc3`, a grouped fully connected layer over each channel's path_h×path_w patch, shared by
 * `num_sharesets` sets) has parallel depthwise conv+BN branches (`repconv{k}`) during training; `deploy=True` /
 * `switchToDeploy()` (MMPretrain `local_inject`) folds them and `fc3_bn` into `fc3`.
 */
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, ReLU, type ActCfg } from '../nn/activation';
import { buildNormLayer, ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Identity, Module } from '../nn/module';
import { PatchEmbed, type PatchEmbedOptions } from '../utils/embed';
import { convBnFusedParams } from '../utils/fuse_conv_bn';
import { convFromKernel, fuseBranch, padKernel, sumKernelBias, allTrainable, type KernelBias, type Reparameterizable } from '../utils/reparam';
import { SELayer } from '../utils/se_layer';
import { BatchNorm } from '../nn/norm';
import { BaseBackbone, runStages } from './base_backbone';

const BN_RG: NormCfg = { type: 'BN', requires_grad: true };

/** mmcv's PatchEmbed with a ReLU, returning the NHWC map (not tokens). */
export class RepMLPPatchEmbed extends PatchEmbed {
  constructor(o: PatchEmbedOptions) {
    super(o);
    this.addModule('relu', new ReLU());
  }
  override typeNames(): string[] {
    return ['PatchEmbed'];
  }
  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const t = super.forward(x);
      const [h, w] = this.lastOutSize;
      return this.child('relu').call(tf.reshape(t, [t.shape[0]!, h, w, t.shape[2]!])) as Tensor;
    });
  }
}

/** SELayer returning the channel weights (ReLU, Sigmoid). */
export class GlobalPerceptron extends SELayer {
  constructor(inputChannels: number, ratio: number) {
    super({ channels: inputChannels, ratio, return_weight: true, act_cfg: [{ type: 'ReLU' }, { type: 'Sigmoid' }] });
  }
  override typeNames(): string[] {
    return ['GlobalPerceptron', 'SELayer'];
  }
}

/**
 * fc3: a 1×1 conv with `groups` = sharesets over [N, 1, 1, S·Q] rows (channel s·Q + q, as PyTorch's), computed as
 * one batched matmul per shareset instead of a grouped convolution.
 */
export class SharesetFC extends Conv2d {
  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const S = this.groups;
      const P = this.inChannels;
      const q = P / S;
      assert(x.rank === 4 && x.shape[1] === 1 && x.shape[2] === 1 && x.shape[3] === P, () => `SharesetFC: expected [N, 1, 1, ${P}] rows, got [${x.shape}]`);
      const n = x.shape[0]!;
      const rows = tf.transpose(tf.reshape(x, [n, S, q]), [1, 0, 2]) as tf.Tensor3D; // [S, N, Qin]
      let y: Tensor = tf.matMul(rows, tf.reshape(this.weight, [S, this.outChannels / S, q]) as tf.Tensor3D, false, true); // [S, N, Qout]
      if (this.bias) y = tf.add(y, tf.reshape(this.bias, [S, 1, -1]));
      return tf.reshape(tf.transpose(y, [1, 0, 2]), [n, 1, 1, this.outChannels]);
    });
  }
}

export interface RepMLPBlockOptions {
  channels: number;
  path_h: number;
  path_w: number;
  /** Kernel sizes of the local (depthwise conv) branches. Default: null. */
  reparam_conv_kernels?: number[] | null;
  /** Default: 4. */
  globalperceptron_ratio?: number;
  /** Default: 1. */
  num_sharesets?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: false. */
  deploy?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** Global perceptron (`gp`) × (partition perceptron `fc3`→`fc3_bn` + local perceptron `repconv{k}`). */
export class RepMLPBlock extends Module implements Reparameterizable {
  readonly channels: number;
  readonly pathH: number;
  readonly pathW: number;
  readonly numSharesets: number;
  readonly reparamConvKernels: number[] | null;
  deploy: boolean;

  constructor(o: RepMLPBlockOptions) {
    super();
    checkKeys(o, ['channels', 'path_h', 'path_w', 'reparam_conv_kernels', 'globalperceptron_ratio', 'num_sharesets', 'conv_cfg', 'norm_cfg', 'deploy', 'init_cfg'], 'RepMLPBlock');
    const { reparam_conv_kernels = null, globalperceptron_ratio = 4, num_sharesets = 1, conv_cfg = null, norm_cfg = BN_RG, deploy = false } = o;
    this.channels = o.channels;
    this.pathH = o.path_h;
    this.pathW = o.path_w;
    this.numSharesets = num_sharesets;
    this.reparamConvKernels = reparam_conv_kernels ? [...reparam_conv_kernels] : null;
    this.deploy = deploy;
    const p = this.pathVecChannels;
    this.addModule('gp', new GlobalPerceptron(o.channels, globalperceptron_ratio));
    assert(!conv_cfg || conv_cfg.type === 'Conv2d' || conv_cfg.type === 'Conv', () => `conv_cfg: only type 'Conv2d' is supported, got '${conv_cfg?.type}'`);
    this.addModule('fc3', new SharesetFC({ in_channels: p, out_channels: p, kernel_size: 1, stride: 1, padding: 0, bias: deploy, groups: num_sharesets }));
    this.addModule('fc3_bn', deploy ? new Identity() : buildNormLayer(norm_cfg, num_sharesets)[1]);
    if (!deploy && this.reparamConvKernels) {
      for (const k of this.reparamConvKernels) {
        this.addModule(`repconv${k}`, new ConvModule({ in_channels: num_sharesets, out_channels: num_sharesets, kernel_size: k, stride: 1, padding: Math.floor(k / 2), norm_cfg: { type: 'BN', requires_grad: true }, groups: num_sharesets, act_cfg: null }));
      }
    }
  }

  override typeNames(): string[] {
    return ['RepMLPBlock'];
  }

  /** path_h · path_w · num_sharesets, the fc3 width. */
  get pathVecChannels(): number {
    return this.pathH * this.pathW * this.numSharesets;
  }

  /**
   * x: NHWC [B, H, W, C]. Partitions are [N, Q, S] with N = B·hp·wp·(C/S), Q = path_h·path_w, S = num_sharesets,
   * flattened as MMPretrain's (b, hp, wp, C/S) rows; fc3 is a batched matmul per shareset.
   */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [B, H, W, C] = x.shape as [number, number, number, number];
      const [ph, pw, S] = [this.pathH, this.pathW, this.numSharesets];
      const Q = ph * pw;
      const G = C / S;
      const hp = Math.floor(H / ph);
      const wp = Math.floor(W / pw);
      assert(hp * ph === H && wp * pw === W && Number.isInteger(G), () => `RepMLPBlock: input [${B}, ${C}, ${H}, ${W}] does not split into ${ph}×${pw} paths of ${S} sharesets`);
      const N = B * hp * wp * G;
      const globalVec = this.child('gp').call(x) as Tensor;
      // [B·hp, ph, wp, pw·C] → [B·hp, wp, ph, pw·C] → [B·hp·wp, Q, G, S] → [B·hp·wp, G, Q, S] → [N, Q, S]
      let z: Tensor = tf.reshape(x, [B * hp, ph, wp, pw * C]);
      if (ph > 1 && wp > 1) z = tf.transpose(z, [0, 2, 1, 3]);
      z = tf.reshape(z, [B * hp * wp, Q, G, S]);
      if (G > 1 && Q > 1) z = tf.transpose(z, [0, 2, 1, 3]);
      z = tf.reshape(z, [N, Q, S]);

      // fc3 on rows [N, 1, 1, S·Q] (shareset-major, as PyTorch's fc_inputs), then back to [N, ph, pw, S] for fc3_bn.
      const rows = S > 1 ? tf.transpose(z, [0, 2, 1]) : z;
      let f = this.child('fc3').call(tf.reshape(rows, [N, 1, 1, S * Q])) as Tensor;
      f = S > 1 ? tf.transpose(tf.reshape(f, [N, S, Q]), [0, 2, 1]) : f;
      f = this.child('fc3_bn').call(tf.reshape(f, [N, ph, pw, S])) as Tensor;
      if (this.reparamConvKernels && !this.deploy) {
        const convIn = tf.reshape(z, [N, ph, pw, S]);
        const convOut = this.reparamConvKernels.map((k) => this.child(`repconv${k}`).call(convIn) as Tensor);
        f = tf.add(f, convOut.length === 1 ? convOut[0] : tf.addN(convOut));
      }
      // Back to [B, C, H, W] exactly as MMPretrain reshapes fc3_out (rows reread as (B·G, hp, wp, S, ph, pw)), NHWC.
      let g: Tensor;
      if (hp * wp === 1) g = tf.reshape(f, [B * G, H, W, S]);
      else {
        const t = tf.reshape(tf.transpose(tf.reshape(f, [N, Q, S]), [0, 2, 1]), [B * G, hp, wp, S, ph, pw]);
        g = tf.reshape(tf.transpose(t, [0, 1, 4, 2, 5, 3]), [B * G, H, W, S]);
      }
      g = tf.reshape(g, [B, G, H * W, S]);
      if (G > 1) g = tf.transpose(g, [0, 2, 1, 3]);
      return tf.mul(tf.reshape(g, [B, H, W, C]), globalVec);
    });
  }

  /** The depthwise kernel [S, 1, k, k] and bias [S] as the equivalent fc3 weight [S·Q, Q, 1, 1] and bias (`_convert_conv_to_fc`). */
  convertConvToFc(kernel: Tensor, bias: Tensor): KernelBias {
    return tf.tidy(() => {
      const [ph, pw, S] = [this.pathH, this.pathW, this.numSharesets];
      const Q = ph * pw;
      const [kh, kw] = [kernel.shape[2]!, kernel.shape[3]!];
      // One delta image per position q, every shareset channel: [Q, ph, pw, S].
      const eye = tf.tile(tf.reshape(tf.eye(Q), [Q, ph, pw, 1]), [1, 1, 1, S]) as Tensor4D;
      const dw = tf.transpose(kernel, [2, 3, 0, 1]) as Tensor4D; // [kh, kw, S, 1]
      const ph2 = Math.floor(kh / 2);
      const pw2 = Math.floor(kw / 2);
      const resp = tf.depthwiseConv2d(eye, dw, 1, [[0, 0], [ph2, ph2], [pw2, pw2], [0, 0]]); // [Q_in, ph, pw, S]
      const w = tf.reshape(tf.transpose(tf.reshape(resp, [Q, Q, S]), [2, 1, 0]), [S * Q, Q, 1, 1]);
      const b = tf.reshape(tf.tile(tf.reshape(bias, [S, 1]), [1, Q]), [S * Q]);
      return [w, b] as KernelBias;
    });
  }

  /** fc3 with fc3_bn and every local branch folded in (`get_equivalent_fc3`). */
  getEquivalentFc3(): KernelBias {
    const [S, Q] = [this.numSharesets, this.pathH * this.pathW];
    const fc3 = this.child<Conv2d>('fc3');
    const bn = this.child('fc3_bn');
    // fc3_bn has one channel per shareset: scale each set's Q output rows by it (repeat_interleave).
    const fc = tf.tidy(() => {
      if (!(bn instanceof BatchNorm)) return fuseBranch(fc3, bn);
      const [w, b] = convBnFusedParams(tf.reshape(fc3.weight, [S, Q * Q, 1, 1]), null, bn);
      return [tf.reshape(w, fc3.weight.shape), tf.reshape(tf.tile(tf.reshape(b, [S, 1]), [1, Q]), [S * Q])] as KernelBias;
    });
    if (!this.reparamConvKernels || this.deploy) return fc;
    const largest = Math.max(...this.reparamConvKernels);
    const parts: KernelBias[] = this.reparamConvKernels.map((k) => {
      const m = this.child<ConvModule>(`repconv${k}`);
      const [w, b] = fuseBranch(m.conv, m.child(m.normName ?? 'bn'));
      if (k === largest) return [w, b];
      const wp = padKernel(w, largest);
      w.dispose();
      return [wp, b];
    });
    const [k, b] = sumKernelBias(parts);
    const rep = this.convertConvToFc(k, b);
    tf.dispose([k, b]);
    return sumKernelBias([fc, rep]);
  }

  /** MMPretrain `local_inject`. */
  switchToDeploy(): void {
    if (this.deploy) return;
    const branches = ['fc3', 'fc3_bn', ...(this.reparamConvKernels ?? []).map((k) => `repconv${k}`)];
    const trainable = allTrainable(...branches.map((n) => this.child(n)));
    const p = this.pathVecChannels;
    const conv = convFromKernel({ in_channels: p, out_channels: p, kernel_size: 1, stride: 1, padding: 0, groups: this.numSharesets }, this.getEquivalentFc3(), { trainable, training: this.training, make: (o) => new SharesetFC(o) });
    for (const k of this.reparamConvKernels ?? []) this.removeModule(`repconv${k}`);
    this.addModule('fc3', conv);
    this.addModule('fc3_bn', new Identity());
    this.deploy = true;
  }

  /** Alias of {@link switchToDeploy} under MMPretrain's name. */
  localInject(): void {
    this.switchToDeploy();
  }
}

/** Two 1×1 ConvModules (conv+BN) with GELU between (`ffn_fc1`, `ffn_fc2`, `act`). */
export class RepMLPConvFFN extends Module {
  constructor(inC: number, hiddenC: number | null = null, outC: number | null = null, normCfg: NormCfg = BN_RG, actCfg: ActCfg = { type: 'GELU' }) {
    super();
    const hidden = hiddenC || inC;
    const out = outC || inC;
    this.addModule('ffn_fc1', new ConvModule({ in_channels: inC, out_channels: hidden, kernel_size: 1, stride: 1, padding: 0, norm_cfg: normCfg, act_cfg: null }));
    this.addModule('ffn_fc2', new ConvModule({ in_channels: hidden, out_channels: out, kernel_size: 1, stride: 1, padding: 0, norm_cfg: normCfg, act_cfg: null }));
    this.addModule('act', buildActivationLayer(actCfg));
  }
  override typeNames(): string[] {
    return ['ConvFFN'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('ffn_fc2').call(this.child('act').call(this.child('ffn_fc1').call(x) as Tensor) as Tensor) as Tensor);
  }
}

/** `y = x + repmlp_block(norm1(x)); out = y + ffn_block(norm2(y))`. */
export class RepMLPNetUnit extends Module {
  constructor(o: { channels: number; path_h: number; path_w: number; reparam_conv_kernels: number[] | null; globalperceptron_ratio: number; norm_cfg?: NormCfg; ffn_expand?: number; num_sharesets?: number; deploy?: boolean }) {
    super();
    const { norm_cfg = BN_RG, ffn_expand = 4, num_sharesets = 1, deploy = false } = o;
    this.addModule('repmlp_block', new RepMLPBlock({ channels: o.channels, path_h: o.path_h, path_w: o.path_w, reparam_conv_kernels: o.reparam_conv_kernels, globalperceptron_ratio: o.globalperceptron_ratio, num_sharesets, deploy }));
    this.addModule('ffn_block', new RepMLPConvFFN(o.channels, o.channels * ffn_expand));
    this.addModule('norm1', buildNormLayer(norm_cfg, o.channels)[1]);
    this.addModule('norm2', buildNormLayer(norm_cfg, o.channels)[1]);
  }
  override typeNames(): string[] {
    return ['RepMLPNetUnit'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const y = tf.add(x, this.child('repmlp_block').call(this.child('norm1').call(x) as Tensor) as Tensor);
      return tf.add(y, this.child('ffn_block').call(this.child('norm2').call(y) as Tensor) as Tensor);
    });
  }
}

/** A custom RepMLPNet `arch` dict. */
export interface RepMLPNetArch {
  channels: number[];
  depths: number[];
  sharesets_nums: number[];
}

const BASE: RepMLPNetArch = { channels: [96, 192, 384, 768], depths: [2, 2, 12, 2], sharesets_nums: [1, 4, 32, 128] };
export const REPMLPNET_ARCH: Record<string, RepMLPNetArch> = { b: BASE, base: BASE };

export interface RepMLPNetOptions {
  /** 'b' / 'base' (any case) or a dict. */
  arch: string | RepMLPNetArch;
  /** Fixed input size (no dynamic shapes). Default: 224. */
  img_size?: Pair;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 4. */
  patch_size?: Pair;
  /** Default: [3]. */
  out_indices?: number[];
  /** Default: [3]. */
  reparam_conv_kernels?: number[] | null;
  /** Default: 4. */
  globalperceptron_ratio?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Extra PatchEmbed options. Default: {}. */
  patch_cfg?: Partial<PatchEmbedOptions>;
  /** Default: true. */
  final_norm?: boolean;
  /** Default: false. */
  deploy?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export class RepMLPNet extends BaseBackbone implements Reparameterizable {
  /** There is no class token. */
  static readonly numExtraTokens = 0;
  readonly archSettings: RepMLPNetArch;
  readonly imgSize: [number, number];
  readonly patchSize: [number, number];
  readonly patchResolution: [number, number];
  readonly outIndices: number[];
  readonly numStage: number;
  deploy: boolean;

  constructor(opts: RepMLPNetOptions) {
    checkKeys(opts, ['arch', 'img_size', 'in_channels', 'patch_size', 'out_indices', 'reparam_conv_kernels', 'globalperceptron_ratio', 'conv_cfg', 'norm_cfg', 'patch_cfg', 'final_norm', 'deploy', 'init_cfg'], 'RepMLPNet');
    super(opts.init_cfg);
    const { img_size = 224, in_channels = 3, patch_size = 4, out_indices = [3], globalperceptron_ratio = 4, conv_cfg = null, norm_cfg = BN_RG, patch_cfg = {}, final_norm = true, deploy = false } = opts;
    const reparam = opts.reparam_conv_kernels === undefined ? [3] : opts.reparam_conv_kernels;
    this.archSettings = RepMLPNet.resolveArch(opts.arch);
    this.imgSize = pair(img_size);
    this.patchSize = pair(patch_size);
    this.deploy = deploy;
    const { channels, depths, sharesets_nums } = this.archSettings;
    this.numStage = channels.length;
    for (const v of Object.values(this.archSettings)) {
      assert(Array.isArray(v) && v.length === this.numStage, () => 'Length of setting item in arch dict must be type of list and have the same length.');
    }
    const pe = this.addModule(
      'patch_embed',
      new RepMLPPatchEmbed({ in_channels, input_size: this.imgSize, embed_dims: channels[0], conv_type: 'Conv2d', kernel_size: this.patchSize, stride: this.patchSize, norm_cfg, bias: false, ...patch_cfg }),
    );
    assert(pe.initOutSize, () => 'RepMLPNet: the patch embedding needs input_size');
    this.patchResolution = pe.initOutSize;
    const stages = this.addModule('stages', new ModuleList());
    const down = this.addModule('downsample_layers', new ModuleList());
    for (let i = 0; i < this.numStage; i++) {
      const cfg = {
        channels: channels[i],
        path_h: Math.floor(this.patchResolution[0] / 2 ** i),
        path_w: Math.floor(this.patchResolution[1] / 2 ** i),
        reparam_conv_kernels: reparam ? [...reparam] : null,
        globalperceptron_ratio,
        norm_cfg,
        ffn_expand: 4,
        num_sharesets: sharesets_nums[i],
        deploy,
      };
      stages.push(new Sequential(...Array.from({ length: depths[i] }, () => new RepMLPNetUnit(cfg))));
      if (i < this.numStage - 1) {
        down.push(new ConvModule({ in_channels: channels[i], out_channels: channels[i + 1], kernel_size: 2, stride: 2, padding: 0, conv_cfg, norm_cfg, inplace: true }));
      }
    }
    this.outIndices = [...out_indices];
    this.addModule('final_norm', final_norm ? buildNormLayer(norm_cfg, channels[channels.length - 1])[1] : new Identity());
    this.train(true);
  }

  static resolveArch(arch: string | RepMLPNetArch): RepMLPNetArch {
    const keys = ['channels', 'depths', 'sharesets_nums'];
    if (typeof arch === 'string') {
      const a = REPMLPNET_ARCH[arch.toLowerCase()];
      assert(a, () => `Arch ${arch.toLowerCase()} is not in default archs {${Object.keys(REPMLPNET_ARCH).map((k) => `'${k}'`).join(', ')}}`);
      return a;
    }
    const ok = !!arch && typeof arch === 'object' && !Array.isArray(arch) && Object.keys(arch).length === keys.length && keys.every((k) => k in arch);
    assert(ok, () => `Custom arch needs a dict with keys {${keys.map((k) => `'${k}'`).join(', ')}}.`);
    return arch;
  }

  forward(x: Tensor): Tensor[] {
    const [h, w] = [x.shape[1], x.shape[2]];
    assert(h === this.imgSize[0] && w === this.imgSize[1], () => `The Rep-MLP doesn't support dynamic input shape. Please input images with shape (${this.imgSize.join(', ')})`);
    const stages = this.child<ModuleList>('stages').items();
    const down = this.child<ModuleList>('downsample_layers').items();
    // [patch_embed, stage_0, down_0, …, stage_n-1, final_norm]: stage i's output is after its downsample (or the final norm).
    const chain = [this.child('patch_embed'), ...stages.flatMap((s, i) => (i < down.length ? [s, down[i]] : [s])), this.child('final_norm')];
    const n = this.numStage;
    const idx = this.outIndices.filter((i) => i >= 0 && i < n).map((i) => (i < n - 1 ? 2 * i + 2 : 2 * n));
    return runStages(x, chain, idx);
  }

  /** Every block's local perceptron and BN folded into fc3 (state dict as `deploy=True`). */
  switchToDeploy(): void {
    for (const [, m] of this.namedModules()) if (m instanceof RepMLPBlock) m.switchToDeploy();
    this.deploy = true;
  }
}
