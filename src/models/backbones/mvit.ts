/**
 * `MViT` (MMPretrain `backbones/mvit.py`): Multiscale Vision Transformer v2. A strided patch embedding, then
 * `MultiScaleBlock`s whose attention pools q / k / v with depthwise convolutions (+ LayerNorm) — q with stride 2 at
 * the `downscale_indices`, k / v with `adaptive_kv_stride` halved at each of them — adds decomposed relative
 * positions (`rel_pos_h`, `rel_pos_w`, resized linearly at forward time when the grid differs from the one they were
 * sized for) and the pooled q back (`residual_pooling`). The skip path is max-pooled when q is strided, and projected
 * (in the attention or the MLP half, per `dim_mul_in_attention`) when the width changes. A stage's output LayerNorm
 * (`norm{i}`) also feeds the following blocks, as in MMPretrain. Tokens are [B, h·w, C]; outputs are NHWC maps.
 * MMPretrain 1.2's MViT has no class token and no load-time resizing of the relative tables.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { MaxPool2d } from '../nn/pooling';
import type { Generator } from '../../utils/random';
import { pySetRepr } from '../utils/arch_settings';
import { addDecomposedRelPos } from '../utils/decomposed_rel_pos';
import { PatchEmbed, resizePosEmbed } from '../utils/embed';
import { linspace } from '../utils/linspace';
import { BaseBackbone } from './base_backbone';

type Size = [number, number];
/** Tokens [B, h·w, C] and their grid. */
type Tokens = [Tensor, Size];

/** `MLP`: fc1 → act → fc2 (input, hidden and output widths may all differ). */
export class MViTMLP extends Module {
  constructor(in_channels: number, hidden_channels: number, out_channels: number, act_cfg: ActCfg = { type: 'GELU' }) {
    super();
    this.addModule('fc1', new Linear({ in_features: in_channels, out_features: hidden_channels }));
    this.addModule('act', buildActivationLayer(act_cfg));
    this.addModule('fc2', new Linear({ in_features: hidden_channels, out_features: out_channels }));
  }

  override typeNames(): string[] {
    return ['MLP'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('fc2').call(this.child('act').call(this.child('fc1').call(x) as Tensor) as Tensor) as Tensor);
  }
}

/**
 * `attention_pool`: [B', H·W, C] tokens of grid `size` → `pool` (NHWC) → [B', H'·W', C] (→ `norm`), with the new grid.
 */
function attentionPool(x: Tensor, pool: AnyModule, size: Size, norm: AnyModule | null): Tokens {
  const [b, L, c] = x.shape as [number, number, number];
  assert(L === size[0] * size[1], () => `attention_pool: ${L} tokens for a ${size[0]}×${size[1]} grid`);
  const y = pool.call(tf.reshape(x, [b, size[0], size[1], c])) as Tensor;
  const out: Size = [y.shape[1]!, y.shape[2]!];
  let t = tf.reshape(y, [b, out[0] * out[1], c]);
  if (norm) t = norm.call(t) as Tensor;
  return [t, out];
}

export interface MultiScaleAttentionOptions {
  in_dims: number;
  out_dims: number;
  num_heads: number;
  qkv_bias?: boolean;
  norm_cfg?: NormCfg;
  pool_kernel?: Pair;
  stride_q?: number;
  stride_kv?: number;
  rel_pos_spatial?: boolean;
  residual_pooling?: boolean;
  input_size?: Size | null;
  rel_pos_zero_init?: boolean;
}

/** `MultiScaleAttention`: keys `rel_pos_h`, `rel_pos_w` (with `rel_pos_spatial`), `qkv`, `proj`, `pool_{q,k,v}`, `norm_{q,k,v}`. */
export class MultiScaleAttention extends Module<Tokens, Tokens> {
  readonly numHeads: number;
  readonly outDims: number;
  readonly headDims: number;
  readonly scale: number;
  readonly relPosSpatial: boolean;
  readonly residualPooling: boolean;
  readonly relPosZeroInit: boolean;
  /** Grids of the last forward's pooled q and k (for `matmulCost`). */
  private lastShapes: { b: number; q: Size; k: Size } | null = null;

  constructor(o: MultiScaleAttentionOptions) {
    super();
    const { in_dims, out_dims, num_heads, qkv_bias = true, norm_cfg = { type: 'LN' }, pool_kernel = [3, 3], stride_q = 1, stride_kv = 1, rel_pos_spatial = false, residual_pooling = true, input_size = null, rel_pos_zero_init = false } = o;
    this.numHeads = num_heads;
    this.outDims = out_dims;
    this.headDims = Math.floor(out_dims / num_heads);
    this.scale = this.headDims ** -0.5;
    this.relPosSpatial = rel_pos_spatial;
    this.residualPooling = residual_pooling;
    this.relPosZeroInit = rel_pos_zero_init;
    if (rel_pos_spatial) {
      assert(input_size && input_size[0] === input_size[1], () => 'MultiScaleAttention: AssertionError: input_size[0] == input_size[1] (rel_pos_spatial needs a square input grid)');
      const size = input_size[0];
      const relDim = 2 * Math.max(Math.floor(size / stride_q), Math.floor(size / stride_kv)) - 1;
      this.registerParameter('rel_pos_h', [relDim, this.headDims]);
      this.registerParameter('rel_pos_w', [relDim, this.headDims]);
    }
    this.addModule('qkv', new Linear({ in_features: in_dims, out_features: out_dims * 3, bias: qkv_bias }));
    this.addModule('proj', new Linear({ in_features: out_dims, out_features: out_dims }));
    const k = pair(pool_kernel);
    const padding: Size = [k[0] >> 1, k[1] >> 1];
    const d = this.headDims;
    for (const [n, stride] of [['q', stride_q], ['k', stride_kv], ['v', stride_kv]] as const) {
      this.addModule(`pool_${n}`, new Conv2d({ in_channels: d, out_channels: d, kernel_size: k, stride, padding, groups: d, bias: false }));
      this.addModule(`norm_${n}`, buildNormLayer(norm_cfg, d)[1]);
    }
  }

  override typeNames(): string[] {
    return ['MultiScaleAttention'];
  }

  /** `init_weights`: relative tables ~ TruncNormal(std 0.02) unless `rel_pos_zero_init`. */
  afterInitWeights(rng: Generator): void {
    if (!this.relPosSpatial || this.relPosZeroInit) return;
    for (const p of ['rel_pos_h', 'rel_pos_w']) {
      const v = this.param(p);
      tf.tidy(() => v.assign(tf.tensor(rng.truncNormalArray(v.size, 0, 0.02, -2, 2), v.shape)));
    }
  }

  /**
   * fvcore's products inside: q·kᵀ and attn·v (`matmul`), and the two rel-pos `einsum`s, from the last forward's
   * pooled grids (the input shape alone does not give them).
   */
  matmulCost(shape: readonly number[]): { flops: number; acts: number } {
    const s = this.lastShapes;
    if (!s) return { flops: 0, acts: 0 };
    const bh = s.b * this.numHeads, d = this.headDims;
    const nq = s.q[0] * s.q[1], nk = s.k[0] * s.k[1];
    let flops = 2 * bh * nq * nk * d;
    if (this.relPosSpatial) flops += bh * nq * (s.k[0] + s.k[1]) * d;
    void shape;
    return { flops, acts: bh * nq * nk + bh * nq * d };
  }

  forward([x, size]: Tokens): Tokens {
    let qSize: Size = size;
    const y = tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      const nH = this.numHeads, d = this.headDims;
      // (B, N, 3, nH, d) → three [B·nH, N, d]
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, 3, nH, d]), [2, 0, 3, 1, 4]);
      const [q0, k0, v0] = tf.unstack(qkv, 0).map((t) => tf.reshape(t, [b * nH, n, d]));
      const [q, qs] = attentionPool(q0, this.child('pool_q'), size, this.child('norm_q'));
      const [k, ks] = attentionPool(k0, this.child('pool_k'), size, this.child('norm_k'));
      const [v] = attentionPool(v0, this.child('pool_v'), size, this.child('norm_v'));
      qSize = qs;
      this.lastShapes = { b, q: qs, k: ks };
      let attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (this.relPosSpatial) attn = addDecomposedRelPos(attn, q, this.param('rel_pos_h'), this.param('rel_pos_w'), qs, ks);
      let out = tf.matMul(tf.softmax(attn, -1), v);
      if (this.residualPooling) out = tf.add(out, q);
      const nq = qs[0] * qs[1];
      const merged = tf.reshape(tf.transpose(tf.reshape(out, [b, nH, nq, d]), [0, 2, 1, 3]), [b, nq, this.outDims]);
      return this.child('proj').call(merged) as Tensor;
    });
    return [y, qSize];
  }
}

export interface MultiScaleBlockOptions {
  in_dims: number;
  out_dims: number;
  num_heads: number;
  mlp_ratio?: number;
  qkv_bias?: boolean;
  drop_path?: number;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  qkv_pool_kernel?: Pair;
  stride_q?: number;
  stride_kv?: number;
  rel_pos_spatial?: boolean;
  residual_pooling?: boolean;
  dim_mul_in_attention?: boolean;
  input_size?: Size | null;
  rel_pos_zero_init?: boolean;
}

/** `MultiScaleBlock`: keys `norm1`, `attn`, `norm2`, `mlp`, `proj` (when the width changes). */
export class MultiScaleBlock extends Module<Tokens, Tokens> {
  readonly dimMulInAttention: boolean;
  readonly hasProj: boolean;
  readonly poolSkip: MaxPool2d | null;
  readonly initOutSize: Size | null;

  constructor(o: MultiScaleBlockOptions) {
    super();
    const { in_dims, out_dims, num_heads, mlp_ratio = 4, qkv_bias = true, drop_path = 0, norm_cfg = { type: 'LN' }, act_cfg = { type: 'GELU' }, qkv_pool_kernel = [3, 3], stride_q = 1, stride_kv = 1, rel_pos_spatial = true, residual_pooling = true, dim_mul_in_attention = true, input_size = null, rel_pos_zero_init = false } = o;
    this.dimMulInAttention = dim_mul_in_attention;
    this.addModule('norm1', buildNormLayer(norm_cfg, in_dims)[1]);
    const attnDims = dim_mul_in_attention ? out_dims : in_dims;
    this.addModule('attn', new MultiScaleAttention({ in_dims, out_dims: attnDims, num_heads, qkv_bias, norm_cfg, pool_kernel: qkv_pool_kernel, stride_q, stride_kv, rel_pos_spatial, residual_pooling, input_size, rel_pos_zero_init }));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.addModule('norm2', buildNormLayer(norm_cfg, attnDims)[1]);
    this.addModule('mlp', new MViTMLP(attnDims, Math.trunc(attnDims * mlp_ratio), out_dims, act_cfg));
    this.hasProj = in_dims !== out_dims;
    if (this.hasProj) this.addModule('proj', new Linear({ in_features: in_dims, out_features: out_dims }));
    if (stride_q > 1) {
      const kernel = stride_q + 1;
      this.poolSkip = this.addModule('pool_skip', new MaxPool2d({ kernel_size: kernel, stride: stride_q, padding: kernel >> 1 }));
      this.initOutSize = input_size ? [Math.floor(input_size[0] / stride_q), Math.floor(input_size[1] / stride_q)] : null;
    } else {
      this.poolSkip = null;
      this.initOutSize = input_size;
    }
  }

  override typeNames(): string[] {
    return ['MultiScaleBlock'];
  }

  forward([x, size]: Tokens): Tokens {
    let outSize: Size = size;
    const y = tf.tidy(() => {
      const xNorm = this.child('norm1').call(x) as Tensor;
      const [xAttn, os] = this.child<MultiScaleAttention>('attn').call([xNorm, size]);
      outSize = os;
      let skip = this.dimMulInAttention && this.hasProj ? (this.child('proj').call(xNorm) as Tensor) : x;
      if (this.poolSkip) skip = attentionPool(skip, this.poolSkip, size, null)[0];
      const h = tf.add(skip, this.child('drop_path').call(xAttn) as Tensor);
      const hNorm = this.child('norm2').call(h) as Tensor;
      const xMlp = this.child('mlp').call(hNorm) as Tensor;
      const skip2 = !this.dimMulInAttention && this.hasProj ? (this.child('proj').call(hNorm) as Tensor) : h;
      return tf.add(skip2, this.child('drop_path').call(xMlp) as Tensor);
    });
    return [y, outSize];
  }
}

export type MViTArch = { embed_dims: number; num_layers: number; num_heads: number; downscale_indices: number[] };

/** `MViT.arch_zoo`. */
export const MVIT_ARCH: Record<string, MViTArch> = {
  tiny: { embed_dims: 96, num_layers: 10, num_heads: 1, downscale_indices: [1, 3, 8] },
  small: { embed_dims: 96, num_layers: 16, num_heads: 1, downscale_indices: [1, 3, 14] },
  base: { embed_dims: 96, num_layers: 24, num_heads: 1, downscale_indices: [2, 5, 21] },
  large: { embed_dims: 144, num_layers: 48, num_heads: 2, downscale_indices: [2, 8, 44] },
};

export interface MViTOptions {
  /** 'tiny' | 'small' | 'base' | 'large' or a dict. Default: 'base'. */
  arch?: string | MViTArch;
  /** Default: 224. */
  img_size?: Pair;
  /** Default: 3. */
  in_channels?: number;
  /** Default: -1 (the last scale). */
  out_scales?: number | number[];
  /** Default: 0. */
  drop_path_rate?: number;
  /** Default: false. */
  use_abs_pos_embed?: boolean;
  /** Default: 'bicubic'. */
  interpolate_mode?: 'bicubic' | 'bilinear';
  /** Default: [3, 3]. */
  pool_kernel?: Pair;
  /** Default: 2. */
  dim_mul?: number;
  /** Default: 2. */
  head_mul?: number;
  /** Default: 4. */
  adaptive_kv_stride?: number;
  /** Default: true. */
  rel_pos_spatial?: boolean;
  /** Default: true. */
  residual_pooling?: boolean;
  /** Default: true. */
  dim_mul_in_attention?: boolean;
  /** Default: false. */
  rel_pos_zero_init?: boolean;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: LN eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: kernel 7, stride 4, padding 3. */
  patch_cfg?: Record<string, unknown>;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const MVIT_KEYS = ['arch', 'img_size', 'in_channels', 'out_scales', 'drop_path_rate', 'use_abs_pos_embed', 'interpolate_mode', 'pool_kernel', 'dim_mul', 'head_mul', 'adaptive_kv_stride', 'rel_pos_spatial', 'residual_pooling', 'dim_mul_in_attention', 'rel_pos_zero_init', 'mlp_ratio', 'qkv_bias', 'norm_cfg', 'patch_cfg', 'init_cfg'];

export class MViT extends BaseBackbone {
  readonly embedDims: number;
  readonly numLayers: number;
  readonly downscaleIndices: number[];
  readonly numScales: number;
  /** Block index → scale index of the blocks that end a scale. */
  readonly stageIndices: Map<number, number>;
  readonly outScales: number[];
  readonly patchResolution: Size;
  readonly useAbsPosEmbed: boolean;
  readonly interpolateMode: 'bicubic' | 'bilinear';
  readonly posEmbed: tf.Variable | null;
  readonly blocks: ModuleList<MultiScaleBlock>;

  constructor(opts: MViTOptions = {}) {
    checkKeys(opts, MVIT_KEYS, 'MViT');
    super(opts.init_cfg);
    const archOpt = opts.arch ?? 'base';
    let arch: MViTArch;
    if (typeof archOpt === 'string') {
      const name = archOpt.toLowerCase();
      assert(name in MVIT_ARCH, () => `Arch ${name} is not in default archs ${pySetRepr(Object.keys(MVIT_ARCH))}`);
      arch = MVIT_ARCH[name];
    } else {
      const ess = ['embed_dims', 'num_layers', 'num_heads', 'downscale_indices'];
      assert(archOpt && typeof archOpt === 'object' && ess.every((k) => k in archOpt), () => `Custom arch needs a dict with keys ${pySetRepr(ess)}`);
      arch = archOpt;
    }
    const { img_size = 224, in_channels = 3, out_scales = -1, drop_path_rate = 0, use_abs_pos_embed = false, interpolate_mode = 'bicubic', pool_kernel = [3, 3], dim_mul = 2, head_mul = 2, adaptive_kv_stride = 4, rel_pos_spatial = true, residual_pooling = true, dim_mul_in_attention = true, rel_pos_zero_init = false, mlp_ratio = 4, qkv_bias = true, norm_cfg = { type: 'LN', eps: 1e-6 }, patch_cfg = { kernel_size: 7, stride: 4, padding: 3 } } = opts;
    this.embedDims = arch.embed_dims;
    this.numLayers = arch.num_layers;
    this.downscaleIndices = arch.downscale_indices;
    this.numScales = this.downscaleIndices.length + 1;
    this.stageIndices = new Map(this.downscaleIndices.map((index, i) => [index - 1, i]));
    this.stageIndices.set(this.numLayers - 1, this.numScales - 1);
    this.useAbsPosEmbed = use_abs_pos_embed;
    this.interpolateMode = interpolate_mode;

    const scales = typeof out_scales === 'number' ? [out_scales] : out_scales;
    assert(Array.isArray(scales), () => `"out_scales" must by a sequence or int, get ${typeof out_scales} instead.`);
    this.outScales = scales.map((index) => {
      const j = index < 0 ? this.numScales + index : index;
      assert(j >= 0 && j <= this.numScales, () => `Invalid out_scales ${index}`);
      return j;
    }).sort((a, b) => a - b);

    const patchEmbed = this.addModule('patch_embed', new PatchEmbed({ in_channels, input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', ...patch_cfg }));
    this.patchResolution = patchEmbed.initOutSize!;
    this.posEmbed = use_abs_pos_embed ? this.registerParameter('pos_embed', [1, this.patchResolution[0] * this.patchResolution[1], this.embedDims]) : null;

    const dpr = linspace(0, drop_path_rate, this.numLayers);
    this.blocks = this.addModule('blocks', new ModuleList<MultiScaleBlock>());
    const outDims = [this.embedDims];
    let numHeads = arch.num_heads;
    let strideKv = adaptive_kv_stride;
    let inputSize: Size | null = this.patchResolution;
    for (let i = 0; i < this.numLayers; i++) {
      let strideQ = 1;
      if (this.downscaleIndices.includes(i)) {
        numHeads *= head_mul;
        strideQ = 2;
        strideKv = Math.max(Math.floor(strideKv / 2), 1);
      }
      const last = outDims[outDims.length - 1];
      const grows = dim_mul_in_attention ? this.downscaleIndices.includes(i) : this.downscaleIndices.includes(i + 1);
      const dims = grows ? last * dim_mul : last;
      const block = new MultiScaleBlock({ in_dims: last, out_dims: dims, num_heads: numHeads, mlp_ratio, qkv_bias, drop_path: dpr[i], norm_cfg, qkv_pool_kernel: pool_kernel, stride_q: strideQ, stride_kv: strideKv, rel_pos_spatial, residual_pooling, dim_mul_in_attention, input_size: inputSize, rel_pos_zero_init });
      this.blocks.push(block);
      inputSize = block.initOutSize;
      outDims.push(dims);
      const s = this.stageIndices.get(i);
      if (s !== undefined && this.outScales.includes(s)) this.addModule(`norm${s}`, buildNormLayer(norm_cfg, dims)[1]);
    }
  }

  /** `init_weights`: `pos_embed` ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    const pe = this.posEmbed;
    if (pe) tf.tidy(() => pe.assign(tf.tensor(rng.truncNormalArray(pe.size, 0, 0.02, -2, 2), pe.shape)));
  }

  /** x: NHWC images → per `out_scales` an NHWC map [B, h, w, C]. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const pe = this.child<PatchEmbed>('patch_embed');
    let size: Size = [0, 0];
    let h = tf.tidy(() => {
      let t = pe.call(x);
      size = pe.lastOutSize;
      if (this.posEmbed) t = tf.add(t, resizePosEmbed(this.posEmbed, this.patchResolution, size, this.interpolateMode, 0));
      return t;
    });
    let hooked = pe.hasForwardHooks();
    this.blocks.items().forEach((block, i) => {
      const [next, s] = block.call([h, size]);
      if (!hooked) h.dispose();
      hooked = block.hasForwardHooks();
      h = next;
      size = s;
      const stage = this.stageIndices.get(i);
      if (stage !== undefined && this.outScales.includes(stage)) {
        // The normalised tokens also go on to the next blocks.
        const normed = tf.tidy(() => this.child(`norm${stage}`).call(h) as Tensor);
        if (!hooked) h.dispose();
        hooked = this.child(`norm${stage}`).hasForwardHooks();
        h = normed;
        outs.push(tf.reshape(h, [h.shape[0]!, size[0], size[1], h.shape[2]!]));
      }
    });
    // Outputs are reshapes (shared data), so the stream itself can go.
    if (!hooked) h.dispose();
    return outs;
  }
}
