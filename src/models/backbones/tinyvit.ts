/**
 * `TinyViT` (MMPretrain `backbones/tinyvit.py`): a conv+BN patch embedding (stride 4), a first stage of MBConv blocks,
 * then stages of `TinyViTBlock`s (window `LeAttention` with attention biases, a depthwise conv+BN `local_conv`, an
 * MLP), each stage but the last ending with a conv `PatchMerging` to the next width. Per output stage a norm
 * (`norm{i}`), applied after global average pooling (`gap_before_final_norm`, default) or on the tokens, which are
 * then returned as an NHWC map.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { type Conv2dOptions } from '../nn/conv';
import { ModuleList, Sequential } from '../nn/container';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { LayerNorm } from '../nn/norm';
import { pySetRepr } from '../utils/arch_settings';
import { ConvBN } from '../utils/fusable_bn';
import { LeAttention } from '../utils/le_attention';
import { linspace } from '../utils/linspace';
import { windowPartition, windowReverse } from '../utils/shift_window_msa';
import { BaseBackbone, freeze } from './base_backbone';

/** `ConvBN2d`: children `conv2d` (no bias) and `bn2d`, whose weight starts at `bn_weight_init`. */
export class ConvBN2d extends ConvBN {
  constructor(
    opts: Omit<Conv2dOptions, 'bias'>,
    readonly bnWeightInit = 1,
  ) {
    super(opts, { typeName: 'ConvBN2d', conv: 'conv2d', bn: 'bn2d' });
    this.afterInitWeights();
  }
  /** BN weight `bn_weight_init`, bias 0 (set at construction in PyTorch; re-applied after the default init). */
  afterInitWeights(): void {
    tf.tidy(() => {
      this.bn.weight?.assign(tf.fill([this.bn.numFeatures], this.bnWeightInit));
      this.bn.bias?.assign(tf.zeros([this.bn.numFeatures]));
    });
  }
}

const seqOf = (x: Tensor, mods: AnyModule[]) => mods.reduce((y, m) => m.call(y) as Tensor, x);

/** Patch embedding: `seq` = ConvBN2d(3×3, stride 2) · GELU · ConvBN2d(3×3, stride 2). NHWC in and out. */
export class TinyViTPatchEmbed extends Module {
  readonly patchesResolution: [number, number];
  constructor(inChannels: number, embedDim: number, resolution: [number, number]) {
    super();
    this.patchesResolution = [Math.floor(resolution[0] / 4), Math.floor(resolution[1] / 4)];
    const half = Math.floor(embedDim / 2);
    const seq = new Sequential(
      new ConvBN2d({ in_channels: inChannels, out_channels: half, kernel_size: 3, stride: 2, padding: 1 }),
      buildActivationLayer({ type: 'GELU' }),
      new ConvBN2d({ in_channels: half, out_channels: embedDim, kernel_size: 3, stride: 2, padding: 1 }),
    );
    this.addModule('seq', seq);
  }
  override typeNames(): string[] {
    return ['PatchEmbed'];
  }
  forward(x: Tensor): Tensor {
    return this.child('seq').call(x) as Tensor;
  }
}

/** TinyViT `PatchMerging`: 1×1 conv · act · depthwise 3×3 stride 2 · act · 1×1 conv; NHWC map or (B, H·W, C) tokens in, tokens out. */
export class TinyViTPatchMerging extends Module {
  readonly outResolution: [number, number];
  constructor(
    readonly resolution: [number, number],
    inChannels: number,
    outChannels: number,
    actCfg: ActCfg = { type: 'GELU' },
  ) {
    super();
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('conv1', new ConvBN2d({ in_channels: inChannels, out_channels: outChannels, kernel_size: 1 }));
    this.addModule('conv2', new ConvBN2d({ in_channels: outChannels, out_channels: outChannels, kernel_size: 3, stride: 2, padding: 1, groups: outChannels }));
    this.addModule('conv3', new ConvBN2d({ in_channels: outChannels, out_channels: outChannels, kernel_size: 1 }));
    this.outResolution = [Math.floor(resolution[0] / 2), Math.floor(resolution[1] / 2)];
  }
  override typeNames(): string[] {
    return ['PatchMerging'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      if (y.rank === 3) y = tf.reshape(y, [y.shape[0], this.resolution[0], this.resolution[1], -1]);
      const act = this.child('act');
      y = seqOf(y, [this.child('conv1'), act, this.child('conv2'), act, this.child('conv3')]);
      return tf.reshape(y, [y.shape[0], -1, y.shape[3]!]);
    });
  }
}

/** `MBConvBlock`: act(x + drop_path(conv3(act(conv2(act(conv1(x))))))) on NHWC; conv3's BN weight starts at 0. */
export class MBConvBlock extends Module {
  constructor(inChannels: number, outChannels: number, expandRatio: number, dropPath: number, actCfg: ActCfg = { type: 'GELU' }) {
    super();
    const hidden = Math.trunc(inChannels * expandRatio);
    this.addModule('conv1', new ConvBN2d({ in_channels: inChannels, out_channels: hidden, kernel_size: 1 }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('conv2', new ConvBN2d({ in_channels: hidden, out_channels: hidden, kernel_size: 3, stride: 1, padding: 1, groups: hidden }));
    this.addModule('conv3', new ConvBN2d({ in_channels: hidden, out_channels: outChannels, kernel_size: 1 }, 0));
    this.addModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
  }
  override typeNames(): string[] {
    return ['MBConvBlock'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const act = this.child('act');
      const y = seqOf(x, [this.child('conv1'), act, this.child('conv2'), act, this.child('conv3'), this.child('drop_path')]);
      return act.call(tf.add(y, x)) as Tensor;
    });
  }
}

/** Blocks then the optional `downsample`; `resolution` is the output grid. */
abstract class TinyViTStage extends Module {
  resolution: [number, number] = [0, 0];
  protected setDownsample(resolution: [number, number], inChannels: number, outChannels: number | null, actCfg: ActCfg, downsample: boolean): void {
    if (downsample) {
      const d = this.addModule('downsample', new TinyViTPatchMerging(resolution, inChannels, outChannels ?? inChannels, actCfg));
      this.resolution = d.outResolution;
    } else this.resolution = resolution;
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const blocks = this.child<ModuleList>('blocks').items();
      const down = this.namedChildren().find(([n]) => n === 'downsample')?.[1];
      return seqOf(x, down ? [...blocks, down] : blocks);
    });
  }
}

const dropAt = (d: number | number[], i: number) => (Array.isArray(d) ? d[i] : d);

/** `ConvStage`: MBConv blocks (their activation is always GELU, as MMPretrain), then PatchMerging with `act_cfg`. */
export class ConvStage extends TinyViTStage {
  constructor(o: { inChannels: number; resolution: [number, number]; depth: number; actCfg: ActCfg; dropPath: number | number[]; downsample: boolean; outChannels: number | null; convExpandRatio: number }) {
    super();
    this.addModule('blocks', new ModuleList(Array.from({ length: o.depth }, (_, i) => new MBConvBlock(o.inChannels, o.inChannels, o.convExpandRatio, dropAt(o.dropPath, i)))));
    this.setDownsample(o.resolution, o.inChannels, o.outChannels, o.actCfg, o.downsample);
  }
  override typeNames(): string[] {
    return ['ConvStage'];
  }
}

/** TinyViT `MLP`: LayerNorm · fc1 · act · drop · fc2 · drop. */
export class TinyViTMLP extends Module {
  constructor(inChannels: number, hiddenChannels: number | null = null, outChannels: number | null = null, actCfg: ActCfg = { type: 'GELU' }, drop = 0) {
    super();
    const out = outChannels || inChannels;
    const hidden = hiddenChannels || inChannels;
    this.addModule('norm', new LayerNorm({ normalized_shape: inChannels }));
    this.addModule('fc1', new Linear({ in_features: inChannels, out_features: hidden }));
    this.addModule('fc2', new Linear({ in_features: hidden, out_features: out }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('drop', new Dropout(drop));
  }
  override typeNames(): string[] {
    return ['MLP'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const drop = this.child('drop');
      return seqOf(x, [this.child('norm'), this.child('fc1'), this.child('act'), drop, this.child('fc2'), drop]);
    });
  }
}

/**
 * `TinyViTBlock` on (B, H·W, C) tokens: window attention (the map zero-padded at the bottom / right to whole windows;
 * padded tokens take part in the attention unmasked, as PyTorch), residual; depthwise `local_conv`; residual MLP.
 */
export class TinyViTBlock extends Module {
  readonly windowSize: number;
  constructor(
    inChannels: number,
    readonly resolution: [number, number],
    numHeads: number,
    { windowSize = 7, mlpRatio = 4, drop = 0, dropPath = 0, localConvSize = 3, actCfg = { type: 'GELU' } as ActCfg } = {},
  ) {
    super();
    assert(windowSize > 0, () => 'window_size must be greater than 0');
    this.windowSize = windowSize;
    this.addModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
    assert(inChannels % numHeads === 0, () => 'dim must be divisible by num_heads');
    const headDim = Math.floor(inChannels / numHeads);
    this.addModule('attn', new LeAttention(inChannels, headDim, numHeads, 1, [windowSize, windowSize]));
    this.addModule('mlp', new TinyViTMLP(inChannels, Math.trunc(inChannels * mlpRatio), null, actCfg, drop));
    this.addModule('local_conv', new ConvBN2d({ in_channels: inChannels, out_channels: inChannels, kernel_size: localConvSize, stride: 1, padding: Math.floor(localConvSize / 2), groups: inChannels }));
  }
  override typeNames(): string[] {
    return ['TinyViTBlock'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [h, w] = this.resolution;
      const [b, l, c] = x.shape as [number, number, number];
      assert(l === h * w, () => 'input feature has wrong size');
      const ws = this.windowSize;
      const attn = this.child('attn');
      const dp = this.child('drop_path');
      let y: Tensor;
      if (h === ws && w === ws) y = attn.call(x) as Tensor;
      else {
        const padB = (ws - (h % ws)) % ws;
        const padR = (ws - (w % ws)) % ws;
        let m: Tensor = tf.reshape(x, [b, h, w, c]);
        if (padB > 0 || padR > 0) m = tf.pad(m, [[0, 0], [0, padB], [0, padR], [0, 0]]);
        const [ph, pw] = [h + padB, w + padR];
        m = windowReverse(attn.call(windowPartition(m, ws)) as Tensor, ph, pw, ws);
        if (padB > 0 || padR > 0) m = tf.slice(m, [0, 0, 0, 0], [b, h, w, c]);
        y = tf.reshape(m, [b, l, c]);
      }
      let z = tf.add(x, dp.call(y) as Tensor);
      z = tf.reshape(this.child('local_conv').call(tf.reshape(z, [b, h, w, c])) as Tensor, [b, l, c]);
      return tf.add(z, dp.call(this.child('mlp').call(z)) as Tensor);
    });
  }
}

/** `BasicStage`: TinyViT blocks, then the optional PatchMerging. */
export class BasicStage extends TinyViTStage {
  constructor(o: {
    inChannels: number;
    resolution: [number, number];
    depth: number;
    numHeads: number;
    windowSize: number;
    mlpRatio: number;
    drop: number;
    dropPath: number | number[];
    downsample: boolean;
    localConvSize: number;
    outChannels: number | null;
    actCfg: ActCfg;
  }) {
    super();
    const blocks = Array.from(
      { length: o.depth },
      (_, i) => new TinyViTBlock(o.inChannels, o.resolution, o.numHeads, { windowSize: o.windowSize, mlpRatio: o.mlpRatio, drop: o.drop, localConvSize: o.localConvSize, actCfg: o.actCfg, dropPath: dropAt(o.dropPath, i) }),
    );
    this.addModule('blocks', new ModuleList(blocks));
    this.setDownsample(o.resolution, o.inChannels, o.outChannels, o.actCfg, o.downsample);
  }
  override typeNames(): string[] {
    return ['BasicStage'];
  }
}

export interface TinyViTArch {
  channels: number[];
  num_heads: number[];
  depths: number[];
}

export const TINYVIT_ARCH: Record<string, TinyViTArch> = {
  '5m': { channels: [64, 128, 160, 320], num_heads: [2, 4, 5, 10], depths: [2, 2, 6, 2] },
  '11m': { channels: [64, 128, 256, 448], num_heads: [2, 4, 8, 14], depths: [2, 2, 6, 2] },
  '21m': { channels: [96, 192, 384, 576], num_heads: [3, 6, 12, 18], depths: [2, 2, 6, 2] },
};

export interface TinyViTOptions {
  /** '5m' | '11m' | '21m' or `{channels, num_heads, depths}`. Default: '5m'. */
  arch?: string | TinyViTArch;
  /** (h, w) (a number is taken as a square). Default: (224, 224). */
  img_size?: number | [number, number];
  /** Window size per stage (the first, convolutional, stage ignores its entry). Default: [7, 7, 14, 7]. */
  window_size?: number[];
  /** Default: 3. */
  in_channels?: number;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Dropout in the MLPs. Default: 0. */
  drop_rate?: number;
  /** Stochastic depth, linearly increasing over all blocks. Default: 0.1. */
  drop_path_rate?: number;
  /** Activation checkpointing in PyTorch; no effect here. Default: false. */
  use_checkpoint?: boolean;
  /** Default: 4. */
  mbconv_expand_ratio?: number;
  /** Default: 3. */
  local_conv_size?: number;
  /** Stored only (MMPretrain's `set_layer_lr_decay` is a no-op). Default: 1. */
  layer_lr_decay?: number;
  /** Default: -1 (negative indices count from 4, as MMPretrain). */
  out_indices?: number | number[];
  /** Stages put in eval mode with frozen parameters (the patch embedding is not frozen). Default: 0. */
  frozen_stages?: number;
  /** Global average pooling before the output norm (outputs (B, C)). Default: true. */
  gap_before_final_norm?: boolean;
  /** Activation of the TinyViT blocks and patch mergings. Default: GELU. */
  act_cfg?: ActCfg;
  /** Output norms. Default: LN. */
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const TINYVIT_KEYS = ['arch', 'img_size', 'window_size', 'in_channels', 'mlp_ratio', 'drop_rate', 'drop_path_rate', 'use_checkpoint', 'mbconv_expand_ratio', 'local_conv_size', 'layer_lr_decay', 'out_indices', 'frozen_stages', 'gap_before_final_norm', 'act_cfg', 'norm_cfg', 'init_cfg'];

export class TinyViT extends BaseBackbone {
  readonly channels: number[];
  readonly numHeads: number[];
  readonly depths: number[];
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly gapBeforeFinalNorm: boolean;
  readonly layerLrDecay: number;

  constructor(opts: TinyViTOptions = {}) {
    checkKeys(opts, TINYVIT_KEYS, 'TinyViT');
    super(opts.init_cfg);
    const {
      arch: archOpt = '5m',
      img_size = [224, 224],
      window_size = [7, 7, 14, 7],
      in_channels = 3,
      mlp_ratio = 4,
      drop_rate = 0,
      drop_path_rate = 0.1,
      mbconv_expand_ratio = 4,
      local_conv_size = 3,
      layer_lr_decay = 1,
      out_indices = -1,
      frozen_stages = 0,
      gap_before_final_norm = true,
      act_cfg = { type: 'GELU' },
      norm_cfg = { type: 'LN' },
    } = opts;
    let arch: TinyViTArch;
    if (typeof archOpt === 'string') {
      assert(Object.prototype.hasOwnProperty.call(TINYVIT_ARCH, archOpt), () => `Unavaiable arch, please choose from (${pySetRepr(Object.keys(TINYVIT_ARCH))} or pass a dict.`);
      arch = TINYVIT_ARCH[archOpt];
    } else {
      const keys = Object.keys(archOpt ?? {});
      assert(['channels', 'num_heads', 'depths'].every((k) => keys.includes(k)), () => `The arch dict must have"channels", "num_heads", "window_sizes" keys, but got dict_keys([${keys.map((k) => `'${k}'`).join(', ')}])`);
      arch = archOpt;
    }
    this.channels = arch.channels;
    this.numHeads = arch.num_heads;
    this.depths = arch.depths;
    this.numStages = this.channels.length;
    const imgSize: [number, number] = typeof img_size === 'number' ? [img_size, img_size] : [img_size[0], img_size[1]];

    const list = typeof out_indices === 'number' ? [out_indices] : Array.isArray(out_indices) ? [...out_indices] : null;
    assert(list, () => `"out_indices" must by a sequence or int, get ${typeof out_indices} instead.`);
    this.outIndices = list.map((i) => {
      const j = i < 0 ? 4 + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    this.frozenStages = frozen_stages;
    this.gapBeforeFinalNorm = gap_before_final_norm;
    this.layerLrDecay = layer_lr_decay;

    const pe = this.addModule('patch_embed', new TinyViTPatchEmbed(in_channels, this.channels[0], imgSize));
    const pr = pe.patchesResolution;
    const total = this.depths.reduce((a, b) => a + b, 0);
    const dpr = linspace(0, drop_path_rate, total);
    const stages = this.addModule('stages', new ModuleList<TinyViTStage>());
    const norms: [string, AnyModule][] = [];
    let start = 0;
    for (let i = 0; i < this.numStages; i++) {
      const depth = this.depths[i];
      const resolution: [number, number] = [Math.floor(pr[0] / 2 ** i), Math.floor(pr[1] / 2 ** i)];
      const dropPath = dpr.slice(start, start + depth);
      start += depth;
      const downsample = i < this.numStages - 1;
      const outChannels = this.channels[Math.min(i + 1, this.numStages - 1)];
      const stage =
        i >= 1
          ? new BasicStage({ inChannels: this.channels[i], resolution, depth, numHeads: this.numHeads[i], windowSize: window_size[i], mlpRatio: mlp_ratio, drop: drop_rate, dropPath, downsample, localConvSize: local_conv_size, outChannels, actCfg: act_cfg })
          : new ConvStage({ inChannels: this.channels[i], resolution, depth, actCfg: act_cfg, dropPath, downsample, outChannels, convExpandRatio: mbconv_expand_ratio });
      stages.push(stage);
      if (this.outIndices.includes(i)) norms.push([`norm${i}`, buildNormLayer(norm_cfg, outChannels)[1]]);
    }
    for (const [n, m] of norms) this.addModule(n, m);
    this.train(true);
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const pe = this.child('patch_embed');
    let y = pe.call(x) as Tensor;
    // Each intermediate is freed once used, unless a forward hook watches it (CAM, feature taps).
    let disposable = !pe.hasForwardHooks();
    this.child<ModuleList<TinyViTStage>>('stages')
      .items()
      .forEach((stage, i) => {
        const next = stage.call(y);
        if (disposable) y.dispose();
        y = next;
        disposable = !stage.hasForwardHooks();
        if (!this.outIndices.includes(i)) return;
        const norm = this.child(`norm${i}`);
        outs.push(
          tf.tidy(() => {
            if (this.gapBeforeFinalNorm) return norm.call(tf.mean(y, y.rank === 3 ? 1 : [1, 2])) as Tensor;
            const out = norm.call(y) as Tensor;
            return tf.reshape(out, [out.shape[0], stage.resolution[0], stage.resolution[1], out.shape[out.rank - 1]!]);
          }),
        );
      });
    if (disposable) y.dispose();
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    const stages = this.child<ModuleList>('stages').items();
    freeze(stages.slice(0, Math.max(0, this.frozenStages)));
    return this;
  }
}
