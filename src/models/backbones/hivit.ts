/**
 * HiViT (MMPretrain `backbones/hivit.py`): a patch embedding that keeps each 16×16 patch as a 4×4 grid of
 * inner tokens, MLP-only blocks and `PatchMerge`s on those inner grids (the stem stages), then — once the inner grid
 * is 1×1 — plain attention blocks (`BlockWithRPE`, optional relative position bias and layer scale) on the patches.
 *
 * `blocks` lists every block and merge in order; `out_indices` count the stem entries (blocks and merges) and then,
 * again from 0, the main blocks, as MMPretrain's two loops do (its constructor overwrites the last index with
 * `depths[-1] - 1`). MMPretrain turns the feature into an NCHW map in place when it outputs an index before the last,
 * so later blocks fail there; here the following blocks keep running on the token layout. `frozen_stages > 0` fails
 * in MMPretrain 1.2 (it reads a missing `fc_norm`); here it freezes `pos_embed`, `patch_embed` and the first
 * `frozen_stages` entries of `blocks`, as its code intends.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { GELU } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { LayerNorm } from '../nn/norm';
import { Linear } from '../nn/linear';
import type { Generator } from '../../utils/random';
import { pySetRepr } from '../utils/arch_settings';
import { linspace } from '../utils/linspace';
import { relativePositionBias, relativePositionIndex } from '../utils/window_msa';
import { BaseBackbone, freeze } from './base_backbone';

const norm = (cfg: NormCfg, dim: number): AnyModule => buildNormLayer(cfg, dim)[1];

/** HiViT's `Mlp`: fc1 → GELU → fc2 → dropout. */
export class HiViTMlp extends Module<Tensor, Tensor> {
  constructor(inFeatures: number, hidden: number, drop: number) {
    super();
    this.addModule('fc1', new Linear({ in_features: inFeatures, out_features: hidden }));
    this.addModule('act', new GELU());
    this.addModule('fc2', new Linear({ in_features: hidden, out_features: inFeatures }));
    this.addModule('drop', new Dropout(drop));
  }
  override typeNames(): string[] {
    return ['Mlp'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => ['fc1', 'act', 'fc2', 'drop'].reduce((h, n) => this.child(n).call(h) as Tensor, x));
  }
}

/** Multi-head self-attention on [B, N, C] with an optional relative position bias over an S×S patch grid. */
export class HiViTAttention extends Module<Tensor, Tensor> {
  readonly inputSize: number;
  readonly numHeads: number;
  readonly scale: number;
  readonly table: tf.Variable | null;

  constructor(inputSize: number, dim: number, numHeads: number, qkvBias: boolean, qkScale: number | null, attnDrop: number, projDrop: number, rpe: boolean) {
    super();
    this.inputSize = inputSize;
    this.numHeads = numHeads;
    this.scale = qkScale || (dim / numHeads) ** -0.5;
    this.table = rpe ? this.registerParameter('relative_position_bias_table', [(2 * inputSize - 1) ** 2, numHeads]) : null;
    if (rpe) {
      const n = inputSize * inputSize;
      const idx = this.registerBuffer('relative_position_index', [n, n]);
      tf.tidy(() => idx.assign(tf.tensor2d(relativePositionIndex(inputSize, inputSize), [n, n])));
    }
    this.addModule('qkv', new Linear({ in_features: dim, out_features: dim * 3, bias: qkvBias }));
    this.addModule('attn_drop', new Dropout(attnDrop));
    this.addModule('proj', new Linear({ in_features: dim, out_features: dim }));
    this.addModule('proj_drop', new Dropout(projDrop));
  }

  override typeNames(): string[] {
    return ['Attention'];
  }

  /** x [B, N, C]; the bias is added when `useRpe` (HiViT's `rpe_index`). */
  forwardRpe(x: Tensor, useRpe: boolean): Tensor {
    return tf.tidy(() => {
      const [b, n, c] = x.shape as [number, number, number];
      const d = c / this.numHeads;
      const [q, k, v] = tf.split(this.child('qkv').call(x) as Tensor, 3, -1).map((t) => tf.transpose(tf.reshape(t, [b, n, this.numHeads, d]), [0, 2, 1, 3]));
      let attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (useRpe && this.table) {
        assert(n === this.inputSize * this.inputSize, () => `HiViT attention: ${n} tokens, but the relative position bias is built for ${this.inputSize}×${this.inputSize}`);
        attn = tf.add(attn, relativePositionBias(this.table, this.inputSize, this.inputSize));
      }
      const p = this.child('attn_drop').call(tf.softmax(attn, -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b, n, c]);
      return this.child('proj_drop').call(this.child('proj').call(y) as Tensor) as Tensor;
    });
  }

  forward(x: Tensor): Tensor {
    return this.forwardRpe(x, true);
  }
}

export interface BlockWithRPEOptions {
  inputSize: number;
  dim: number;
  /** 0: an MLP-only block. */
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  qkScale: number | null;
  drop: number;
  attnDrop: number;
  dropPath: number;
  rpe: boolean;
  layerScaleInitValue: number;
  normCfg: NormCfg;
}

/** x + drop_path(γ₁·attn(norm1(x))) (attention blocks only), then x + drop_path(γ₂·mlp(norm2(x))). */
export class BlockWithRPE extends Module<Tensor, Tensor> {
  readonly withAttn: boolean;
  readonly gamma1: tf.Variable | null = null;
  readonly gamma2: tf.Variable | null = null;

  constructor(o: BlockWithRPEOptions) {
    super();
    this.withAttn = o.numHeads > 0;
    if (this.withAttn) {
      this.addModule('norm1', norm(o.normCfg, o.dim));
      this.addModule('attn', new HiViTAttention(o.inputSize, o.dim, o.numHeads, o.qkvBias, o.qkScale, o.attnDrop, o.drop, o.rpe));
    }
    this.addModule('drop_path', o.dropPath > 0 ? new DropPath(o.dropPath) : new Identity());
    this.addModule('norm2', norm(o.normCfg, o.dim));
    this.addModule('mlp', new HiViTMlp(o.dim, Math.trunc(o.dim * o.mlpRatio), o.drop));
    if (o.layerScaleInitValue > 0) {
      if (this.withAttn) this.gamma1 = this.registerParameter('gamma_1', [o.dim], o.layerScaleInitValue);
      this.gamma2 = this.registerParameter('gamma_2', [o.dim], o.layerScaleInitValue);
    }
  }

  override typeNames(): string[] {
    return ['BlockWithRPE'];
  }

  forwardRpe(x: Tensor, useRpe: boolean): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      let h = x;
      if (this.withAttn) {
        let a = this.child<HiViTAttention>('attn').forwardRpe(this.child('norm1').call(h) as Tensor, useRpe);
        if (this.gamma1) a = tf.mul(this.gamma1, a);
        h = tf.add(h, dp.call(a) as Tensor);
      }
      let m = this.child('mlp').call(this.child('norm2').call(h) as Tensor) as Tensor;
      if (this.gamma2) m = tf.mul(this.gamma2, m);
      return tf.add(h, dp.call(m) as Tensor);
    });
  }

  forward(x: Tensor): Tensor {
    return this.forwardRpe(x, false);
  }
}

/** HiViT's `PatchEmbed`: conv (patch/inner stride) → [B, patches, inner, inner, C] → optional norm. */
export class HiViTPatchEmbed extends Module<Tensor, Tensor> {
  readonly patchSize: number;
  readonly innerPatches: number;
  readonly patchesResolution: [number, number];
  readonly numPatches: number;

  constructor(imgSize: [number, number], patchSize: number, innerPatches: number, inChans: number, embedDim: number, normCfg: NormCfg | null, kernelSize: number | null, padSize: number | null) {
    super();
    this.patchSize = patchSize;
    this.innerPatches = innerPatches;
    this.patchesResolution = [Math.floor(imgSize[0] / patchSize), Math.floor(imgSize[1] / patchSize)];
    this.numPatches = this.patchesResolution[0] * this.patchesResolution[1];
    const conv = Math.floor(patchSize / innerPatches);
    this.addModule('proj', new Conv2d({ in_channels: inChans, out_channels: embedDim, kernel_size: kernelSize || conv, stride: conv, padding: padSize || 0 }));
    if (normCfg) this.addModule('norm', norm(normCfg, embedDim));
  }

  override typeNames(): string[] {
    return ['PatchEmbed'];
  }

  /** x: NHWC images → [B, Hp·Wp, inner, inner, C]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w] = x.shape as [number, number, number, number];
      const hp = Math.floor(h / this.patchSize);
      const wp = Math.floor(w / this.patchSize);
      const s = this.innerPatches;
      const y = this.child('proj').call(x) as Tensor;
      const c = y.shape[3]!;
      assert(y.shape[1] === hp * s && y.shape[2] === wp * s, () => `shape '[${b}, -1, ${hp}, ${s}, ${wp}, ${s}]' is invalid for the patch embedding output [${b}, ${c}, ${y.shape[1]}, ${y.shape[2]}]`);
      const t = tf.transpose(tf.reshape(y, [b * hp, s, wp, s * c]), [0, 2, 1, 3]);
      const out = tf.reshape(t, [b, hp * wp, s, s, c]);
      return this.namedChildren().some(([n]) => n === 'norm') ? (this.child('norm').call(out) as Tensor) : out;
    });
  }
}

/** HiViT's `PatchMerge` on the inner grids: [B, N, s, s, C] → [B, N, s/2, s/2, 2C] (x0, x1, x2, x3 order). */
export class HiViTPatchMerge extends Module<Tensor, Tensor> {
  constructor(dim: number, normCfg: NormCfg) {
    super();
    this.addModule('norm', norm(normCfg, dim * 4));
    this.addModule('reduction', new Linear({ in_features: dim * 4, out_features: dim * 2, bias: false }));
  }
  override typeNames(): string[] {
    return ['PatchMerge'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      assert(x.rank === 5, () => `PatchMerge: expected [B, N, s, s, C] inner grids, got shape [${x.shape}]`);
      const [b, n, s, , c] = x.shape as number[];
      const h = s / 2;
      // rows (i, r), cols (j, q) → channel block index q·2 + r: x0 (r0 q0), x1 (r1 q0), x2 (r0 q1), x3 (r1 q1)
      const g = tf.transpose(tf.reshape(x, [b * n * h, 2, h, 2, c]), [0, 2, 3, 1, 4]);
      const merged = tf.reshape(g, [b, n, h, h, 4 * c]);
      return this.child('reduction').call(this.child('norm').call(merged) as Tensor) as Tensor;
    });
  }
}

/** PyTorch's cubic-convolution weights (A = −0.75) of the four taps around fraction t. */
function cubicWeights(t: number): number[] {
  const A = -0.75;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** `F.interpolate(..., scale_factor=scale, mode='bicubic')` along one axis as an [out, in] matrix. */
function bicubicScaleMatrix(inSize: number, outSize: number, scale: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) / scale - 0.5;
    const i0 = Math.floor(src);
    const w = cubicWeights(src - i0);
    for (let k = 0; k < 4; k++) m[o * inSize + Math.min(Math.max(i0 - 1 + k, 0), inSize - 1)] += w[k];
  }
  return m;
}

type HiViTArch = { embed_dims: number; depths: number[]; num_heads: number };
const A = (embed_dims: number, depths: number[], num_heads: number): HiViTArch => ({ embed_dims, depths, num_heads });
export const HIVIT_ARCH: Record<string, HiViTArch> = {
  t: A(384, [1, 1, 10], 6), tiny: A(384, [1, 1, 10], 6),
  s: A(384, [2, 2, 20], 6), small: A(384, [2, 2, 20], 6),
  b: A(512, [2, 2, 24], 8), base: A(512, [2, 2, 24], 8),
  l: A(768, [2, 2, 40], 12), large: A(768, [2, 2, 40], 12),
};
const ESSENTIAL = ['embed_dims', 'depths', 'num_heads'];

export interface HiViTOptions {
  /** t/tiny, s/small, b/base, l/large or `{embed_dims, depths, num_heads}`. Default: 'base'. */
  arch?: string | HiViTArch;
  /** Default: 224. */
  img_size?: number | [number, number];
  /** Default: 16. */
  patch_size?: number;
  /** Default: 4. */
  inner_patches?: number;
  /** Default: 3. */
  in_chans?: number;
  /** MLP ratio of the stem stages. Default: 3. */
  stem_mlp_ratio?: number;
  /** MLP ratio of the main stage. Default: 4. */
  mlp_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  qk_scale?: number | null;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** The last entry is replaced by depths[-1] − 1. Default: [23]. */
  out_indices?: number[];
  /** Absolute position embedding. Default: true. */
  ape?: boolean;
  /** Relative position bias in the attention blocks. Default: false. */
  rpe?: boolean;
  /** Default: true. */
  patch_norm?: boolean;
  /** Default: -1. */
  frozen_stages?: number;
  kernel_size?: number | null;
  pad_size?: number | null;
  /** Default: 0 (no layer scale). */
  layer_scale_init_value?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const KEYS = ['arch', 'img_size', 'patch_size', 'inner_patches', 'in_chans', 'stem_mlp_ratio', 'mlp_ratio', 'qkv_bias', 'qk_scale', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'norm_cfg', 'out_indices', 'ape', 'rpe', 'patch_norm', 'frozen_stages', 'kernel_size', 'pad_size', 'layer_scale_init_value', 'init_cfg'];

export class HiViT extends BaseBackbone {
  readonly embedDims: number;
  readonly depths: number[];
  readonly numHeads: number;
  readonly numStages: number;
  readonly numMainBlocks: number;
  readonly patchSize: number;
  readonly ape: boolean;
  readonly rpe: boolean;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly posEmbed: tf.Variable | null;
  readonly patchesResolution: [number, number];
  readonly blocks: ModuleList;

  constructor(o: HiViTOptions = {}) {
    checkKeys(o, KEYS, 'HiViT');
    super(o.init_cfg);
    const archOpt = o.arch ?? 'base';
    let arch: HiViTArch;
    if (typeof archOpt === 'string') {
      const name = archOpt.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(HIVIT_ARCH, name), () => `Arch ${name} is not in default archs ${pySetRepr(Object.keys(HIVIT_ARCH))}`);
      arch = HIVIT_ARCH[name];
    } else {
      const keys = Object.keys(archOpt ?? {});
      assert(archOpt && typeof archOpt === 'object' && keys.length === ESSENTIAL.length && ESSENTIAL.every((k) => keys.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(ESSENTIAL)}`);
      arch = archOpt;
    }
    const { patch_size = 16, inner_patches = 4, in_chans = 3, stem_mlp_ratio = 3, mlp_ratio = 4, qkv_bias = true, qk_scale = null, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, norm_cfg = { type: 'LN' }, ape = true, rpe = false, patch_norm = true, frozen_stages = -1, kernel_size = null, pad_size = null, layer_scale_init_value = 0 } = o;
    this.embedDims = arch.embed_dims;
    this.depths = [...arch.depths];
    this.numHeads = arch.num_heads;
    this.numStages = this.depths.length;
    this.numMainBlocks = this.depths[this.numStages - 1];
    this.patchSize = patch_size;
    this.ape = ape;
    this.rpe = rpe;
    this.outIndices = [...(o.out_indices ?? [23])];
    this.outIndices[this.outIndices.length - 1] = this.numMainBlocks - 1;
    this.frozenStages = frozen_stages;
    const img: [number, number] = typeof o.img_size === 'object' && o.img_size ? o.img_size : [o.img_size ?? 224, o.img_size ?? 224];

    let embedDim = Math.floor(this.embedDims / 2 ** (this.numStages - 1));
    const pe = this.addModule('patch_embed', new HiViTPatchEmbed(img, patch_size, inner_patches, in_chans, embedDim, patch_norm ? norm_cfg : null, kernel_size, pad_size));
    this.patchesResolution = pe.patchesResolution;
    const [hp, wp] = this.patchesResolution;
    if (rpe) assert(hp === wp, () => 'If you use relative position, make sure H == W of input size');
    this.posEmbed = ape ? this.registerParameter('pos_embed', [1, pe.numPatches, this.embedDims]) : null;
    if (rpe) {
      const n = hp * wp;
      const idx = this.registerBuffer('relative_position_index', [n, n]);
      tf.tidy(() => idx.assign(tf.tensor2d(relativePositionIndex(hp, wp), [n, n])));
    }
    this.addModule('pos_drop', new Dropout(drop_rate));

    const total = this.depths.reduce((a, b) => a + b, 0) + this.depths.slice(0, -1).reduce((a, b) => a + b, 0);
    const dpr = linspace(0, drop_path_rate, total);
    let next = 0;
    this.blocks = this.addModule('blocks', new ModuleList());
    this.depths.forEach((depth, s) => {
      const main = embedDim === this.embedDims;
      const count = main ? depth : depth * 2;
      for (let i = 0; i < count; i++) {
        this.blocks.push(
          new BlockWithRPE({
            inputSize: hp,
            dim: embedDim,
            numHeads: main ? this.numHeads : 0,
            mlpRatio: main ? mlp_ratio : stem_mlp_ratio,
            qkvBias: qkv_bias,
            qkScale: qk_scale,
            drop: drop_rate,
            attnDrop: attn_drop_rate,
            dropPath: dpr[next++],
            rpe,
            layerScaleInitValue: layer_scale_init_value,
            normCfg: norm_cfg,
          }),
        );
      }
      if (s + 1 < this.numStages) {
        this.blocks.push(new HiViTPatchMerge(embedDim, norm_cfg));
        embedDim *= 2;
      }
    });
    if (this.frozenStages > 0) this.freezeStages();
  }

  private freezeStages(): void {
    if (this.posEmbed) this.posEmbed.trainable = false;
    this.child('pos_drop').eval();
    freeze([this.child('patch_embed'), ...this.blocks.items().slice(0, this.frozenStages)]);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages > 0) this.freezeStages();
    return this;
  }

  /** `_init_weights`: Linear trunc-normal(0.02) / bias 0, LayerNorm 1 / 0; pos_embed and bias tables trunc-normal(0.02). */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => {
      const tn = (v: tf.Variable) => v.assign(tf.tensor(rng.truncNormalArray(v.size, 0, 0.02, -2, 2), v.shape));
      for (const [, m] of this.namedModules()) {
        if (m instanceof HiViTAttention && m.table) tn(m.table);
      }
      if (this.posEmbed) tn(this.posEmbed);
      for (const [, m] of this.namedModules()) {
        if (m instanceof Linear) {
          tn(m.weight);
          if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
        } else if (m instanceof LayerNorm && m.weight) {
          m.weight.assign(tf.onesLike(m.weight));
          m.bias!.assign(tf.zerosLike(m.bias!));
        }
      }
    });
  }

  /**
   * `get_layer_depth`: `[depth, len(blocks) + 2]` — 0 for `pos_embed` (any substring of it, as Python's `in`) and
   * `patch_embed`, `layers.i` → i + 1 (MMPretrain 1.2 tests the prefix `layers`, which HiViT lacks, so its blocks
   * land in the last depth with the rest).
   */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    const numLayers = this.blocks.length + 2;
    if (!paramName.startsWith(prefix)) return [numLayers - 1, numLayers];
    const name = paramName.slice(prefix.length);
    if ('pos_embed'.includes(name) || name.startsWith('patch_embed')) return [0, numLayers];
    if (name.startsWith('layers')) return [Number.parseInt(name.split('.')[1], 10) + 1, numLayers];
    return [numLayers - 1, numLayers];
  }

  /** `interpolate_pos_encoding`: the table, bicubically rescaled by ((Hp + 0.1)/√N, (Wp + 0.1)/√N) for other inputs. */
  private posEncoding(npatch: number, h: number, w: number): Tensor {
    const pos = this.posEmbed!;
    const [, n, dim] = pos.shape as [number, number, number];
    if (npatch === n && w === h) return pos;
    return tf.tidy(() => {
      const side = Math.trunc(Math.sqrt(n));
      const h0 = Math.floor(h / this.patchSize) + 0.1;
      const w0 = Math.floor(w / this.patchSize) + 0.1;
      const oh = Math.floor(side * (h0 / Math.sqrt(n)));
      const ow = Math.floor(side * (w0 / Math.sqrt(n)));
      assert(Math.trunc(h0) === oh && Math.trunc(w0) === ow, () => 'interpolate_pos_encoding: output grid mismatch');
      const my = tf.tensor2d(bicubicScaleMatrix(side, oh, h0 / Math.sqrt(n)), [oh, side]);
      const mx = tf.tensor2d(bicubicScaleMatrix(side, ow, w0 / Math.sqrt(n)), [ow, side]);
      const rows = tf.reshape(tf.matMul(my, tf.reshape(pos, [side, side * dim])), [oh, side, dim]);
      const cols = tf.matMul(mx, tf.reshape(tf.transpose(rows, [1, 0, 2]), [side, oh * dim]));
      return tf.reshape(tf.transpose(tf.reshape(cols, [ow, oh, dim]), [1, 0, 2]), [1, oh * ow, dim]);
    });
  }

  /** x: NHWC → NHWC maps: [B, Hp·s, Wp·s, C] for stem indices, [B, Hp, Wp, C] for main ones. */
  forward(x: Tensor): Tensor[] {
    const [b, h, w] = x.shape as [number, number, number, number];
    const hp = Math.floor(h / this.patchSize);
    const wp = Math.floor(w / this.patchSize);
    const all = this.blocks.items();
    const stem = all.slice(0, all.length - this.numMainBlocks);
    const main = all.slice(all.length - this.numMainBlocks) as BlockWithRPE[];
    const outs: Tensor[] = [];
    let t = this.child('patch_embed').call(x) as Tensor;
    const advance = (next: Tensor) => {
      if (!outs.includes(t)) t.dispose();
      t = next;
    };
    stem.forEach((blk, i) => {
      advance(tf.tidy(() => blk.call(t) as Tensor));
      if (this.outIndices.includes(i)) {
        outs.push(
          tf.tidy(() => {
            const [, , s, , c] = t.shape as number[];
            return tf.reshape(tf.transpose(tf.reshape(t, [b * hp, wp, s, s * c]), [0, 2, 1, 3]), [b, hp * s, wp * s, c]);
          }),
        );
      }
    });
    advance(
      tf.tidy(() => {
        const [, n, , , c] = t.shape as number[];
        let y = tf.reshape(tf.slice(t, [0, 0, 0, 0, 0], [b, n, 1, 1, c]), [b, n, c]);
        if (this.posEmbed) y = tf.add(y, this.posEncoding(n, h, w));
        return this.child('pos_drop').call(y) as Tensor;
      }),
    );
    main.forEach((blk, i) => {
      advance(tf.tidy(() => blk.forwardRpe(t, this.rpe)));
      if (this.outIndices.includes(i)) outs.push(tf.reshape(t, [b, hp, wp, t.shape[2]!]));
    });
    if (!outs.includes(t)) t.dispose();
    return outs;
  }
}
