/**
 * `EfficientFormer` (MMPretrain `backbones/efficientformer.py`): `patch_embed` (two stride-2 ConvModules),
 * `network.N` stages (optional stride-2 ConvModule downsample, `Meta4D` pooling blocks, then in the last stage `Flat`
 * and `vit_num` `Meta3D` attention blocks), `norm{i}` per output stage (GN with one group, or LN on the tokens).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, ConvModule, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { Sequential } from '../nn/container';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { pySetRepr } from '../utils/arch_settings';
import { LayerScale } from '../utils/attention';
import { BaseBackbone, freeze } from './base_backbone';
import { Pooling } from './poolformer';

/** Index of the relative offset (|Δrow|, |Δcol|) of every pair of points of a `resolution`² grid, as LeViT's. */
function attentionBiasIndices(resolution: number): { idxs: Int32Array; numOffsets: number } {
  const points: [number, number][] = [];
  for (let i = 0; i < resolution; i++) for (let j = 0; j < resolution; j++) points.push([i, j]);
  const offsets = new Map<string, number>();
  const idxs = new Int32Array(points.length * points.length);
  let k = 0;
  for (const p1 of points) {
    for (const p2 of points) {
      const key = `${Math.abs(p1[0] - p2[0])},${Math.abs(p1[1] - p2[1])}`;
      if (!offsets.has(key)) offsets.set(key, offsets.size);
      idxs[k++] = offsets.get(key)!;
    }
  }
  return { idxs, numOffsets: offsets.size };
}

export interface AttentionWithBiasOptions {
  embed_dims: number;
  /** Default: 8. */
  num_heads?: number;
  /** Default: 32. */
  key_dim?: number;
  /** Default: 4. */
  attn_ratio?: number;
  /** Default: 7. */
  resolution?: number;
}

/** Multi-head attention with a learned bias per head and relative offset; tokens must form a `resolution`² grid. */
export class AttentionWithBias extends Module {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly scale: number;
  readonly d: number;
  readonly dh: number;
  readonly numPoints: number;
  readonly attentionBiases: tf.Variable;
  readonly attentionBiasIdxs: tf.Variable;
  private readonly idxs: Int32Array;
  private oneHot: Tensor | null = null;

  constructor(o: AttentionWithBiasOptions) {
    super();
    const { embed_dims, num_heads = 8, key_dim = 32, attn_ratio = 4, resolution = 7 } = o;
    this.numHeads = num_heads;
    this.keyDim = key_dim;
    this.scale = key_dim ** -0.5;
    this.d = Math.trunc(attn_ratio * key_dim);
    this.dh = this.d * num_heads;
    const nhKd = key_dim * num_heads;
    this.addModule('qkv', new Linear({ in_features: embed_dims, out_features: this.dh + nhKd * 2 }));
    this.addModule('proj', new Linear({ in_features: this.dh, out_features: embed_dims }));
    const { idxs, numOffsets } = attentionBiasIndices(resolution);
    this.idxs = idxs;
    this.numPoints = resolution * resolution;
    this.attentionBiases = this.registerParameter('attention_biases', [num_heads, numOffsets]);
    // PyTorch keeps the indices as an int64 buffer; here a float buffer holding the same integers.
    this.attentionBiasIdxs = this.registerBuffer('attention_bias_idxs', [this.numPoints, this.numPoints]);
    tf.tidy(() => this.attentionBiasIdxs.assign(tf.tensor2d(Float32Array.from(idxs), [this.numPoints, this.numPoints])));
  }

  override typeNames(): string[] {
    return ['AttentionWithBias'];
  }

  /**
   * attention_biases[:, attention_bias_idxs]: [heads, N, N], as a product with the one-hot matrix of the indices
   * (tfjs's gather gradient needs UnsortedSegmentSum, which the WASM backend lacks; its OneHot kernel is also wrong
   * for long inputs, so the matrix is built here). The indices are those of `attention_bias_idxs` as constructed
   * (a checkpoint of the same resolution holds the same ones).
   */
  private bias(): Tensor {
    if (!this.oneHot) {
      const k = this.attentionBiases.shape[1]!;
      const n2 = this.idxs.length;
      const m = new Float32Array(k * n2);
      this.idxs.forEach((v, j) => (m[v * n2 + j] = 1));
      this.oneHot = tf.keep(tf.tensor2d(m, [k, n2]));
    }
    const oneHot = this.oneHot;
    return tf.tidy(() => tf.reshape(tf.matMul(this.attentionBiases, oneHot), [this.numHeads, this.numPoints, this.numPoints]));
  }

  override dispose(): void {
    this.oneHot?.dispose();
    this.oneHot = null;
    super.dispose();
  }

  /** x: [B, N, C]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      assert(n === this.numPoints, () => `AttentionWithBias: ${n} tokens, but the attention bias is built for ${this.numPoints} (${Math.sqrt(this.numPoints)}×${Math.sqrt(this.numPoints)})`);
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, this.numHeads, -1]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, [this.keyDim, this.keyDim, this.d], -1);
      const attn = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), this.scale), this.bias()), -1);
      const y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, this.dh]);
      return this.child('proj').call(y) as Tensor;
    });
  }
}

/** (B, H, W, C) NHWC → (B, H·W, C) tokens (PyTorch's `flatten(2).transpose(1, 2)`). */
export class Flat extends Module {
  override typeNames(): string[] {
    return ['Flat'];
  }
  forward(x: Tensor): Tensor {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    return tf.reshape(x, [b, h * w, c]);
  }
}

/** fc1 → act → drop → fc2 → drop on (B, N, C). */
export class LinearMlp extends Module {
  constructor(inFeatures: number, hiddenFeatures: number | null = null, outFeatures: number | null = null, actCfg: ActCfg = { type: 'GELU' }, drop = 0) {
    super();
    const hidden = hiddenFeatures || inFeatures;
    const out = outFeatures || inFeatures;
    this.addModule('fc1', new Linear({ in_features: inFeatures, out_features: hidden }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('drop1', new Dropout(drop));
    this.addModule('fc2', new Linear({ in_features: hidden, out_features: out }));
    this.addModule('drop2', new Dropout(drop));
  }
  override typeNames(): string[] {
    return ['LinearMlp'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const n of ['fc1', 'act', 'drop1', 'fc2', 'drop2']) y = this.child(n).call(y) as Tensor;
      return y;
    });
  }
}

/** 1×1 conv fc1 → norm1 → act → drop → fc2 → norm2 → drop on NHWC. */
export class ConvMlp extends Module {
  constructor(inFeatures: number, hiddenFeatures: number | null = null, outFeatures: number | null = null, normCfg: NormCfg = { type: 'BN' }, actCfg: ActCfg = { type: 'GELU' }, drop = 0) {
    super();
    const hidden = hiddenFeatures || inFeatures;
    const out = outFeatures || inFeatures;
    this.addModule('fc1', new Conv2d({ in_channels: inFeatures, out_channels: hidden, kernel_size: 1 }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('fc2', new Conv2d({ in_channels: hidden, out_channels: out, kernel_size: 1 }));
    this.addModule('norm1', buildNormLayer(normCfg, hidden)[1]);
    this.addModule('norm2', buildNormLayer(normCfg, out)[1]);
    this.addModule('drop', new Dropout(drop));
  }
  override typeNames(): string[] {
    return ['ConvMlp'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const n of ['fc1', 'norm1', 'act', 'drop', 'fc2', 'norm2', 'drop']) y = this.child(n).call(y) as Tensor;
      return y;
    });
  }
}

/** Residual `token_mixer` and `mlp` branches, each scaled by `ls1` / `ls2` and dropped by `drop_path`. */
abstract class MetaBlock extends Module {
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const mixIn = this.hasChild('norm1') ? (this.child('norm1').call(x) as Tensor) : x;
      const h = tf.add(x, dp.call(this.child('ls1').call(this.child('token_mixer').call(mixIn))) as Tensor);
      const mlpIn = this.hasChild('norm2') ? (this.child('norm2').call(h) as Tensor) : h;
      return tf.add(h, dp.call(this.child('ls2').call(this.child('mlp').call(mlpIn))) as Tensor);
    });
  }

  private hasChild(name: string): boolean {
    return this.namedChildren().some(([n]) => n === name);
  }
}

export interface MetaBlockOptions {
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  drop?: number;
  drop_path?: number;
  /** Default: true. */
  use_layer_scale?: boolean;
}

/** MetaFormer block on (B, N, C) tokens: LN → AttentionWithBias, LN → LinearMlp. */
export class Meta3D extends MetaBlock {
  constructor(dim: number, o: MetaBlockOptions & { norm_cfg?: NormCfg } = {}) {
    super();
    const { mlp_ratio = 4, norm_cfg = { type: 'LN' }, act_cfg = { type: 'GELU' }, drop = 0, drop_path = 0, use_layer_scale = true } = o;
    this.addModule('norm1', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('token_mixer', new AttentionWithBias({ embed_dims: dim }));
    this.addModule('norm2', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('mlp', new LinearMlp(dim, Math.trunc(dim * mlp_ratio), null, act_cfg, drop));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.addModule('ls1', use_layer_scale ? new LayerScale(dim) : new Identity());
    this.addModule('ls2', use_layer_scale ? new LayerScale(dim) : new Identity());
  }
  override typeNames(): string[] {
    return ['Meta3D'];
  }
}

/** MetaFormer block on NHWC maps: Pooling token mixer, ConvMlp. */
export class Meta4D extends MetaBlock {
  constructor(dim: number, o: MetaBlockOptions & { pool_size?: number } = {}) {
    super();
    const { pool_size = 3, mlp_ratio = 4, act_cfg = { type: 'GELU' }, drop = 0, drop_path = 0, use_layer_scale = true } = o;
    this.addModule('token_mixer', new Pooling(pool_size));
    this.addModule('mlp', new ConvMlp(dim, Math.trunc(dim * mlp_ratio), null, { type: 'BN' }, act_cfg, drop));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.addModule('ls1', use_layer_scale ? new LayerScale(dim) : new Identity());
    this.addModule('ls2', use_layer_scale ? new LayerScale(dim) : new Identity());
  }
  override typeNames(): string[] {
    return ['Meta4D'];
  }
}

interface StageOptions {
  poolSize: number;
  mlpRatio: number;
  actCfg: ActCfg;
  dropRate: number;
  dropPathRate: number;
  useLayerScale: boolean;
  vitNum: number;
  hasDownsampler: boolean;
}

/** `basic_blocks`: one stage (index 3 is the stage that may end with `Flat` + Meta3D blocks). */
function basicBlocks(inC: number, outC: number, index: number, layers: number[], o: StageOptions): Sequential {
  const blocks = new Sequential();
  if (o.hasDownsampler) blocks.append(new ConvModule({ in_channels: inC, out_channels: outC, kernel_size: 3, stride: 2, padding: 1, bias: true, norm_cfg: { type: 'BN' }, act_cfg: null }));
  if (index === 3 && o.vitNum === layers[index]) blocks.append(new Flat());
  const total = layers.reduce((a, b) => a + b, 0);
  const before = layers.slice(0, index).reduce((a, b) => a + b, 0);
  for (let j = 0; j < layers[index]; j++) {
    const dpr = total > 1 ? (o.dropPathRate * (j + before)) / (total - 1) : 0;
    const common = { act_cfg: o.actCfg, drop: o.dropRate, drop_path: dpr, use_layer_scale: o.useLayerScale };
    if (index === 3 && layers[index] - j <= o.vitNum) {
      blocks.append(new Meta3D(outC, { ...common, mlp_ratio: o.mlpRatio }));
    } else {
      // As MMPretrain: `mlp_ratios` reaches only the Meta3D blocks; Meta4D keeps its default ratio 4.
      blocks.append(new Meta4D(outC, { ...common, pool_size: o.poolSize }));
      if (index === 3 && layers[index] - j - 1 === o.vitNum) blocks.append(new Flat());
    }
  }
  return blocks;
}

type EfficientFormerArch = { layers: number[]; embed_dims: number[]; downsamples: boolean[]; vit_num: number };

export const EFFICIENTFORMER_ARCH: Record<string, EfficientFormerArch> = {
  l1: { layers: [3, 2, 6, 4], embed_dims: [48, 96, 224, 448], downsamples: [false, true, true, true], vit_num: 1 },
  l3: { layers: [4, 4, 12, 6], embed_dims: [64, 128, 320, 512], downsamples: [false, true, true, true], vit_num: 4 },
  l7: { layers: [6, 6, 18, 8], embed_dims: [96, 192, 384, 768], downsamples: [false, true, true, true], vit_num: 8 },
};

export interface EfficientFormerOptions {
  /** 'l1' | 'l3' | 'l7' or `{layers, embed_dims, downsamples, vit_num}`. Default: 'l1'. */
  arch?: string | EfficientFormerArch;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 3. */
  pool_size?: number;
  /** MLP ratio of the Meta3D blocks (MMPretrain does not pass it to Meta4D, which use 4). Default: 4. */
  mlp_ratios?: number;
  /** Last stage's tokens back to a (B, C, H, W) map before its norm. Default: false. */
  reshape_last_feat?: boolean;
  /** Default: -1. */
  out_indices?: number | number[];
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: true. */
  use_layer_scale?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const EF_KEYS = ['arch', 'in_channels', 'pool_size', 'mlp_ratios', 'reshape_last_feat', 'out_indices', 'frozen_stages', 'act_cfg', 'drop_rate', 'drop_path_rate', 'use_layer_scale', 'init_cfg'];

export class EfficientFormer extends BaseBackbone {
  readonly numExtraTokens = 0;
  readonly layers: number[];
  readonly embedDims: number[];
  readonly downsamples: boolean[];
  readonly vitNum: number;
  readonly reshapeLastFeat: boolean;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly network: Sequential[] = [];

  constructor(opts: EfficientFormerOptions = {}) {
    checkKeys(opts, EF_KEYS, 'EfficientFormer');
    super(opts.init_cfg);
    const { arch: archOpt = 'l1', in_channels = 3, pool_size = 3, mlp_ratios = 4, reshape_last_feat = false, out_indices = -1, frozen_stages = -1, act_cfg = { type: 'GELU' }, drop_rate = 0, drop_path_rate = 0, use_layer_scale = true } = opts;
    let arch: EfficientFormerArch;
    if (typeof archOpt === 'string') {
      assert(Object.prototype.hasOwnProperty.call(EFFICIENTFORMER_ARCH, archOpt), () => `Unavailable arch, please choose from (${pySetRepr(Object.keys(EFFICIENTFORMER_ARCH))}) or pass a dict.`);
      arch = EFFICIENTFORMER_ARCH[archOpt];
    } else {
      const want = ['layers', 'embed_dims', 'downsamples', 'vit_num'];
      const got = Object.keys(archOpt);
      assert(got.length === want.length && want.every((k) => got.includes(k)), () => `The arch dict must have ${pySetRepr(want)}, but got [${got.map((k) => `'${k}'`).join(', ')}].`);
      arch = archOpt;
    }
    this.layers = arch.layers;
    this.embedDims = arch.embed_dims;
    this.downsamples = arch.downsamples;
    assert(Array.isArray(this.layers) && Array.isArray(this.embedDims) && Array.isArray(this.downsamples), () => 'EfficientFormer: layers, embed_dims and downsamples must be lists');
    assert(this.layers.length === this.embedDims.length && this.embedDims.length === this.downsamples.length, () => 'EfficientFormer: layers, embed_dims and downsamples must have the same length');
    this.vitNum = arch.vit_num;
    this.reshapeLastFeat = reshape_last_feat;
    assert(this.vitNum >= 0, () => "'vit_num' must be an integer greater than or equal to 0.");
    assert(this.vitNum <= this.layers[this.layers.length - 1], () => "'vit_num' must be an integer smaller than layer number");

    const stem = this.embedDims[0];
    const stemConv = (i: number, o: number) => new ConvModule({ in_channels: i, out_channels: o, kernel_size: 3, stride: 2, padding: 1, bias: true, conv_cfg: null, norm_cfg: { type: 'BN' }, inplace: true });
    this.addModule('patch_embed', new Sequential(stemConv(in_channels, Math.floor(stem / 2)), stemConv(Math.floor(stem / 2), stem)));

    const network = new Sequential();
    for (let i = 0; i < this.layers.length; i++) {
      const inC = i !== 0 ? this.embedDims[i - 1] : this.embedDims[i];
      const stage = basicBlocks(inC, this.embedDims[i], i, this.layers, { poolSize: pool_size, mlpRatio: mlp_ratios, actCfg: act_cfg, dropRate: drop_rate, dropPathRate: drop_path_rate, useLayerScale: use_layer_scale, vitNum: this.vitNum, hasDownsampler: this.downsamples[i] });
      network.append(stage);
      this.network.push(stage);
    }
    // `self.network` is an nn.ModuleList in PyTorch; its state-dict names are the same as a Sequential's.
    this.addModule('network', network);

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? 4 + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    for (const i of this.outIndices) {
      const layer = !this.reshapeLastFeat && i === 3 && this.vitNum > 0 ? buildNormLayer({ type: 'LN' }, this.embedDims[i])[1] : buildNormLayer({ type: 'GN', num_groups: 1 }, this.embedDims[i])[1];
      this.addModule(`norm${i}`, layer);
    }
    assert(frozen_stages <= this.network.length, () => `EfficientFormer: frozen_stages ${frozen_stages} exceeds the ${this.network.length} stages (list index out of range)`);
    this.frozenStages = frozen_stages;
    this.train(true);
  }

  forward(x: Tensor): Tensor[] {
    const last = this.network.length - 1;
    // vit_num 0 still flattens stage 3 (`basic_blocks`); PyTorch then fails in that stage's GroupNorm.
    const flatLast = this.network[last].namedChildren().some(([, m]) => m instanceof Flat);
    assert(!(flatLast && this.vitNum === 0 && !this.reshapeLastFeat && this.outIndices.includes(last)), () => `EfficientFormer: with vit_num 0 the last stage's tokens (B, N, C) meet GroupNorm(1, ${this.embedDims[last]}), which fails in PyTorch too; set reshape_last_feat`);
    const outs: Tensor[] = [];
    let y = tf.tidy(() => this.child('patch_embed').call(x) as Tensor);
    let disposable = !this.child('patch_embed').hasForwardHooks();
    this.network.forEach((block, idx) => {
      let h = 0;
      let w = 0;
      if (idx === last && y.rank === 4) {
        [h, w] = [y.shape[1]!, y.shape[2]!];
        if (this.downsamples[idx]) [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
      }
      const next = tf.tidy(() => block.call(y) as Tensor);
      if (disposable) y.dispose();
      if (this.outIndices.includes(idx)) {
        const norm = this.child(`norm${idx}`);
        outs.push(
          tf.tidy(() => {
            if (idx === last && next.rank === 3) {
              if (this.reshapeLastFeat) return norm.call(tf.reshape(next, [next.shape[0], h, w, -1])) as Tensor;
              return tf.transpose(norm.call(next) as Tensor, [0, 2, 1]);
            }
            return norm.call(next) as Tensor;
          }),
        );
      }
      disposable = !block.hasForwardHooks();
      y = next;
    });
    if (disposable) y.dispose();
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) freeze([this.child('patch_embed')]);
    for (let i = 0; i < this.frozenStages; i++) {
      const mods: AnyModule[] = [this.network[i]];
      if (this.outIndices.includes(i)) mods.push(this.child(`norm${i}`));
      freeze(mods);
    }
    return this;
  }
}
