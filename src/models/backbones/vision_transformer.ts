/**
 * `VisionTransformer` (MMPretrain `backbones/vision_transformer.py`): ViT and DeiT archs, `patch_embed`,
 * `cls_token`, `pos_embed` (resized bicubically for other input sizes and when loading other grids),
 * `layers.N` of TransformerEncoderLayer (`ln1`, `attn`, `ln2`, `ffn`), final `ln1`, `out_type`
 * raw / cls_token / featmap / avg_featmap.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';
import { entryToFloat32, type StateDict } from '../nn/state_dict';
import { FFN } from '../nn/transformer';
import { MultiheadAttention } from '../utils/attention';
import { PatchEmbed, resizePosEmbed } from '../utils/embed';
import { SwiGLUFFNFused } from '../utils/swiglu_ffn';
import { BaseBackbone, freeze } from './base_backbone';

export interface TransformerEncoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  layer_scale_init_value?: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  num_fcs?: number;
  qkv_bias?: boolean;
  /** 'origin' (FFN) or 'swiglu_fused' (DINOv2-g's SwiGLUFFNFused). Default: 'origin'. */
  ffn_type?: 'origin' | 'swiglu_fused';
  act_cfg?: ActCfg;
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

/** Pre-norm encoder block: x + attn(ln1(x)), then x + ffn(ln2(x)). */
export class TransformerEncoderLayer extends Module {
  constructor(o: TransformerEncoderLayerOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'layer_scale_init_value', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'ffn_type', 'act_cfg', 'norm_cfg', 'init_cfg'], 'TransformerEncoderLayer');
    const ffnType = o.ffn_type ?? 'origin';
    // MMPretrain raises NotImplementedError for any other ffn_type
    assert(ffnType === 'origin' || ffnType === 'swiglu_fused', () => `TransformerEncoderLayer: ffn_type '${String(ffnType)}' is not supported (allowed: 'origin', 'swiglu_fused')`);
    const norm = o.norm_cfg ?? { type: 'LN' };
    const ls = o.layer_scale_init_value ?? 0;
    this.addModule('ln1', buildNormLayer(norm, o.embed_dims)[1]);
    this.addModule('attn', new MultiheadAttention({ embed_dims: o.embed_dims, num_heads: o.num_heads, attn_drop: o.attn_drop_rate, proj_drop: o.drop_rate, drop_path: o.drop_path_rate, qkv_bias: o.qkv_bias, layer_scale_init_value: ls }));
    this.addModule('ln2', buildNormLayer(norm, o.embed_dims)[1]);
    this.addModule(
      'ffn',
      ffnType === 'swiglu_fused'
        ? new SwiGLUFFNFused({ embed_dims: o.embed_dims, feedforward_channels: o.feedforward_channels, layer_scale_init_value: ls })
        : new FFN({ embed_dims: o.embed_dims, feedforward_channels: o.feedforward_channels, num_fcs: o.num_fcs ?? 2, ffn_drop: o.drop_rate, drop_path: o.drop_path_rate, act_cfg: o.act_cfg ?? { type: 'GELU' }, layer_scale_init_value: ls }),
    );
  }

  /** MMPretrain's `init_weights`: FFN linears Xavier-uniform, biases N(0, 1e-6). */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => {
      for (const [, m] of this.child('ffn').namedModules()) {
        if (!(m instanceof Linear)) continue;
        const a = Math.sqrt(6 / (m.inFeatures + m.outFeatures));
        m.weight.assign(tf.tensor(rng.uniformArray(m.weight.size, -a, a), m.weight.shape));
        if (m.bias) m.bias.assign(tf.tensor(rng.normalArray(m.bias.size, 0, 1e-6)));
      }
    });
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.child('attn').call(this.child('ln1').call(x)) as Tensor);
      return this.child<FFN | SwiGLUFFNFused>('ffn').forwardWithIdentity(this.child('ln2').call(h) as Tensor, h);
    });
  }
}

export type VitArch = { embed_dims: number; num_layers: number; num_heads: number; feedforward_channels: number };
type Arch = VitArch;

const A = (embed_dims: number, num_layers: number, num_heads: number, feedforward_channels: number): Arch => ({ embed_dims, num_layers, num_heads, feedforward_channels });

export const VIT_ARCH: Record<string, Arch> = {
  s: A(768, 8, 8, 768 * 3), small: A(768, 8, 8, 768 * 3),
  b: A(768, 12, 12, 3072), base: A(768, 12, 12, 3072),
  l: A(1024, 24, 16, 4096), large: A(1024, 24, 16, 4096),
  h: A(1280, 32, 16, 5120), huge: A(1280, 32, 16, 5120),
  'eva-g': A(1408, 40, 16, 6144), 'eva-giant': A(1408, 40, 16, 6144),
  'deit-t': A(192, 12, 3, 192 * 4), 'deit-tiny': A(192, 12, 3, 192 * 4),
  'deit-s': A(384, 12, 6, 384 * 4), 'deit-small': A(384, 12, 6, 384 * 4), 'dinov2-s': A(384, 12, 6, 384 * 4), 'dinov2-small': A(384, 12, 6, 384 * 4),
  'deit-b': A(768, 12, 12, 768 * 4), 'deit-base': A(768, 12, 12, 768 * 4),
  'dinov2-g': A(1536, 40, 24, 6144), 'dinov2-giant': A(1536, 40, 24, 6144),
};

export type VitOutType = 'raw' | 'cls_token' | 'featmap' | 'avg_featmap';

export interface VisionTransformerOptions {
  /** An arch name (base, deit-tiny, …) or `{embed_dims, num_layers, num_heads, feedforward_channels}`. Default: 'base'. */
  arch?: string | Arch;
  /** Default: 224. */
  img_size?: Pair;
  /** Default: 16. */
  patch_size?: number;
  /** Default: 3. */
  in_channels?: number;
  /** Default: -1 (last layer). */
  out_indices?: number | number[];
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: LN eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: true. */
  final_norm?: boolean;
  /** Default: 'cls_token'. */
  out_type?: VitOutType;
  /** Default: true. */
  with_cls_token?: boolean;
  /** Default: -1. */
  frozen_stages?: number;
  /** Position-embedding resizing. Default: 'bicubic'. */
  interpolate_mode?: 'bicubic' | 'bilinear';
  layer_scale_init_value?: number;
  patch_cfg?: Record<string, unknown>;
  layer_cfgs?: Record<string, unknown> | Record<string, unknown>[];
  /** Default: false. */
  pre_norm?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export const VIT_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'out_indices', 'drop_rate', 'drop_path_rate', 'qkv_bias', 'norm_cfg', 'final_norm', 'out_type', 'with_cls_token', 'frozen_stages', 'interpolate_mode', 'layer_scale_init_value', 'patch_cfg', 'layer_cfgs', 'pre_norm', 'init_cfg'];

/** Common layer settings the backbone passes to `buildLayer` (before `layer_cfgs`). */
export interface VitLayerBase {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  drop_rate: number;
  drop_path_rate: number;
  norm_cfg: NormCfg;
}

/**
 * `get_layer_depth` of MMPretrain's ViT-family backbones (layer-wise lr decay): `[depth, num_layers + 2]` with
 * `cls_token` / `pos_embed` / `patch_embed` at 0, `layers.i` at i + 1, everything else (and names outside
 * `prefix`, e.g. the head) at num_layers + 1.
 */
export function vitLayerDepth(paramName: string, prefix: string, numLayers: number): [number, number] {
  const n = numLayers + 2;
  if (!paramName.startsWith(prefix)) return [n - 1, n];
  const name = paramName.slice(prefix.length);
  if (name === 'cls_token' || name === 'pos_embed' || name.startsWith('patch_embed')) return [0, n];
  if (name.startsWith('layers')) return [Number(name.split('.')[1]) + 1, n];
  return [n - 1, n];
}

export class VisionTransformer extends BaseBackbone {
  /** The class's `arch_zoo` (subclasses add or replace archs). */
  static archZoo: Record<string, Arch> = VIT_ARCH;
  readonly embedDims: number;
  readonly numLayers: number;
  readonly outType: VitOutType;
  readonly numExtraTokens: number;
  readonly outIndices: number[];
  readonly patchResolution: [number, number];
  readonly interpolateMode: 'bicubic' | 'bilinear';
  readonly finalNorm: boolean;
  readonly frozenStages: number;
  readonly clsToken: tf.Variable | null;
  /** Null for variants without an absolute position embedding (BEiT's `use_abs_pos_emb=False`). */
  readonly posEmbed: tf.Variable | null;
  readonly layers: ModuleList<TransformerEncoderLayer>;

  /**
   * @param extraTokens tokens before the patch tokens (class token, DeiT's distillation token).
   * @param where the class name in error messages.
   * @param allowedKeys the constructor options of that class.
   */
  constructor(opts: VisionTransformerOptions = {}, extraTokens = 1, where = 'VisionTransformer', allowedKeys: string[] = VIT_KEYS) {
    checkKeys(opts, allowedKeys, where);
    super(opts.init_cfg);
    const zoo = (new.target as typeof VisionTransformer).archZoo;
    const archOpt = opts.arch ?? 'base';
    const arch = typeof archOpt === 'string' ? zoo[archOpt.toLowerCase()] : archOpt;
    assert(arch, () => `Arch ${String(archOpt)} is not in default archs ${Object.keys(zoo).join(', ')}`);
    assert(['embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'].every((k) => k in arch), () => 'Custom arch needs a dict with keys embed_dims, num_layers, num_heads, feedforward_channels');
    const { img_size = 224, patch_size = 16, in_channels = 3, out_indices = -1, drop_rate = 0, drop_path_rate = 0, norm_cfg = { type: 'LN', eps: 1e-6 }, final_norm = true, out_type = 'cls_token', with_cls_token = true, frozen_stages = -1, interpolate_mode = 'bicubic', patch_cfg = {}, layer_cfgs = {}, pre_norm = false } = opts;
    this.embedDims = arch.embed_dims;
    this.numLayers = arch.num_layers;
    assert(['raw', 'cls_token', 'featmap', 'avg_featmap'].includes(out_type), () => `Unsupported \`out_type\` ${out_type}, please choose from raw, cls_token, featmap, avg_featmap`);
    this.outType = out_type;
    this.interpolateMode = interpolate_mode;
    this.finalNorm = final_norm;
    this.frozenStages = frozen_stages;

    if (with_cls_token) {
      this.clsToken = this.registerParameter('cls_token', [1, 1, this.embedDims]);
      this.numExtraTokens = extraTokens;
    } else {
      assert(out_type !== 'cls_token', () => 'with_cls_token must be True when `out_type="cls_token"`.');
      this.clsToken = null;
      this.numExtraTokens = 0;
    }
    const patchEmbed = new PatchEmbed({ in_channels, input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: patch_size, stride: patch_size, bias: !pre_norm, ...patch_cfg });
    this.patchResolution = patchEmbed.initOutSize!;
    const posTokens = this.posEmbedTokens(opts);
    this.posEmbed = posTokens === null ? null : this.registerParameter('pos_embed', [1, this.patchResolution[0] * this.patchResolution[1] + posTokens, this.embedDims]);
    this.registerExtraTokens();
    this.addModule('patch_embed', patchEmbed);
    this.addModule('drop_after_pos', new Dropout(drop_rate));
    this.registerBeforeLayers(opts, arch);
    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : out_indices).map((i) => {
      const j = i < 0 ? this.numLayers + i : i;
      assert(j >= 0 && j <= this.numLayers, () => `Invalid out_indices ${i}`);
      return j;
    });
    const cfgs = Array.isArray(layer_cfgs) ? layer_cfgs : Array(this.numLayers).fill(layer_cfgs);
    this.layers = this.addModule('layers', new ModuleList<TransformerEncoderLayer>());
    for (let i = 0; i < this.numLayers; i++) {
      const dpr = this.numLayers > 1 ? (drop_path_rate * i) / (this.numLayers - 1) : 0;
      const base: VitLayerBase = { embed_dims: this.embedDims, num_heads: arch.num_heads, feedforward_channels: arch.feedforward_channels, drop_rate, drop_path_rate: dpr, norm_cfg };
      this.layers.push(this.buildLayer(base, cfgs[i], opts));
    }
    this.addModule('pre_norm', pre_norm ? buildNormLayer(norm_cfg, this.embedDims)[1] : new Identity());
    if (final_norm) this.addModule('ln1', buildNormLayer(norm_cfg, this.embedDims)[1]);
    if (out_type === 'avg_featmap' && this.avgFeatmapNorm()) this.addModule('ln2', buildNormLayer(norm_cfg, this.embedDims)[1]);
    if (frozen_stages > 0) this.freezeStages();
  }

  /**
   * Hook: extra-token slots at the start of `pos_embed` (default: as many as the extra tokens), or null for no
   * `pos_embed`. Runs inside the constructor (subclass fields are not set yet).
   */
  protected posEmbedTokens(opts: VisionTransformerOptions): number | null {
    void opts;
    return this.numExtraTokens;
  }

  /** Hook: modules registered between `drop_after_pos` and `layers` (BEiT's shared `rel_pos_bias`). */
  protected registerBeforeLayers(opts: VisionTransformerOptions, arch: Arch): void {
    void opts;
    void arch;
  }

  /** Hook: encoder layer `i` from the common settings and its `layer_cfgs` entry. */
  protected buildLayer(base: VitLayerBase, layerCfg: Record<string, unknown>, opts: VisionTransformerOptions): TransformerEncoderLayer {
    return new TransformerEncoderLayer({ ...base, layer_scale_init_value: opts.layer_scale_init_value ?? 0, qkv_bias: opts.qkv_bias ?? true, ...layerCfg });
  }

  /** Hook: does `out_type='avg_featmap'` add the `ln2` norm (DeiT3 has none). */
  protected avgFeatmapNorm(): boolean {
    return true;
  }

  /**
   * Hook: patch tokens [B, h·w, C] → the tokens before `pre_norm`: extra tokens prepended, position embedding
   * added, `drop_after_pos`.
   */
  protected embedTokens(tokens: Tensor, grid: [number, number]): Tensor {
    let all = tf.concat([...this.extraTokens(tokens.shape[0]), tokens], 1);
    if (this.posEmbed) all = tf.add(all, resizePosEmbed(this.posEmbed, this.patchResolution, grid, this.interpolateMode, this.numExtraTokens));
    return this.child('drop_after_pos').call(all) as Tensor;
  }

  /** Hook for variants with more tokens (DeiT's `dist_token`). */
  protected registerExtraTokens(): void {}

  /** Extra tokens prepended before the patch tokens (class token first). */
  protected extraTokens(batch: number): Tensor[] {
    return this.clsToken ? [tf.tile(this.clsToken, [batch, 1, 1])] : [];
  }

  private freezeStages(): void {
    if (this.posEmbed) this.posEmbed.trainable = false;
    if (this.clsToken) this.clsToken.trainable = false;
    freeze([this.child('drop_after_pos'), this.child('patch_embed'), this.child('pre_norm')]);
    freeze(this.layers.items().slice(0, this.frozenStages));
    if (this.frozenStages === this.numLayers) {
      const last: AnyModule[] = [];
      if (this.finalNorm) last.push(this.child('ln1'));
      if (this.outType === 'avg_featmap' && this.avgFeatmapNorm()) last.push(this.child('ln2'));
      freeze(last);
    }
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages > 0) this.freezeStages();
    return this;
  }

  /** `init_weights`: `pos_embed` ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    const pe = this.posEmbed;
    if (pe) tf.tidy(() => pe.assign(tf.tensor(rng.truncNormalArray(pe.size, 0, 0.02, -2, 2), pe.shape)));
  }

  /** `_prepare_pos_embed`: drop a checkpoint's class-token slot without cls token; resize other grids. */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    const key = `${prefix}pos_embed`;
    const e = sd.get(key);
    if (!e || e.shape.length !== 3 || !this.posEmbed) return;
    let data = entryToFloat32(e);
    let shape = [...e.shape];
    const [, L, C] = this.posEmbed.shape;
    if (!this.clsToken && shape[1] === L + 1) {
      data = data.slice(C!);
      shape = [1, shape[1] - 1, C!];
    }
    if (shape[1] !== L || shape[2] !== C) {
      const side = Math.trunc(Math.sqrt(shape[1] - this.numExtraTokens));
      if (side * side + this.numExtraTokens !== shape[1] || shape[2] !== C) return; // report a shape mismatch
      const resized = tf.tidy(() => resizePosEmbed(tf.tensor(data, shape), [side, side], this.patchResolution, this.interpolateMode, this.numExtraTokens));
      sd.set(key, { dtype: 'float32', shape: [...resized.shape], data: resized.dataSync() as Float32Array });
      resized.dispose();
    } else if (data !== e.data) sd.set(key, { dtype: 'float32', shape, data });
  }

  /** MMPretrain's `get_layer_depth` (layer-wise lr decay). */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    return vitLayerDepth(paramName, prefix, this.numLayers);
  }

  /** Output of one layer in the requested `out_type` (tokens [B, L, C] in). */
  protected formatOutput(x: Tensor, hw: [number, number]): Tensor | Tensor[] {
    if (this.outType === 'raw') return tf.clone(x);
    if (this.outType === 'cls_token') return tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]);
    const patch = tf.slice(x, [0, this.numExtraTokens, 0], [-1, -1, -1]);
    if (this.outType === 'featmap') return tf.reshape(patch, [x.shape[0], hw[0], hw[1], this.embedDims]); // NHWC inside
    assert(this.avgFeatmapNorm(), () => `'${this.typeName}' object has no attribute 'ln2' (out_type='avg_featmap' is not usable)`);
    return this.child('ln2').call(tf.mean(patch, 1)) as Tensor;
  }

  /** x: NHWC images → tuple of outputs per `out_indices`. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = tf.tidy(() => {
      const pe = this.child<PatchEmbed>('patch_embed');
      const tokens = pe.call(x);
      const all = this.embedTokens(tokens, pe.lastOutSize);
      return this.child('pre_norm').call(all) as Tensor;
    });
    const grid = this.child<PatchEmbed>('patch_embed').lastOutSize;
    let hooked = false;
    this.layers.items().forEach((layer, i) => {
      const next = tf.tidy(() => {
        const y = layer.call(h);
        return i === this.numLayers - 1 && this.finalNorm ? (this.child('ln1').call(y) as Tensor) : y;
      });
      if (!hooked) h.dispose();
      hooked = layer.hasForwardHooks();
      h = next;
      if (this.outIndices.includes(i)) outs.push(...[tf.tidy(() => this.formatOutput(h, grid))].flat());
    });
    if (!hooked) h.dispose();
    return outs;
  }
}

/**
 * `DistilledVisionTransformer` (MMPretrain `backbones/deit.py`): a `dist_token` after the class token; with
 * `out_type='cls_token'` each output index gives two tensors, class then distillation token (flattened into the
 * backbone's output list; `DeiTClsHead` reads the last two).
 */
export class DistilledVisionTransformer extends VisionTransformer {
  constructor(opts: VisionTransformerOptions = {}) {
    super({ arch: 'deit-base', ...opts, with_cls_token: true }, 2, 'DistilledVisionTransformer');
  }

  protected override registerExtraTokens(): void {
    this.registerParameter('dist_token', [1, 1, this.embedDims]);
  }

  protected override extraTokens(batch: number): Tensor[] {
    return [tf.tile(this.clsToken!, [batch, 1, 1]), tf.tile(this.param('dist_token'), [batch, 1, 1])];
  }

  protected override formatOutput(x: Tensor, hw: [number, number]): Tensor | Tensor[] {
    if (this.outType !== 'cls_token') return super.formatOutput(x, hw);
    return [tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]), tf.squeeze(tf.slice(x, [0, 1, 0], [-1, 1, -1]), [1])];
  }

  override afterInitWeights(rng: Generator): void {
    super.afterInitWeights(rng);
    const d = this.param('dist_token');
    tf.tidy(() => d.assign(tf.tensor(rng.truncNormalArray(d.size, 0, 0.02, -2, 2), d.shape)));
  }
}
