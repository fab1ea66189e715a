/**
 * `T2T_ViT` (MMPretrain `backbones/t2t_vit.py`): `cls_token`, the sinusoid `pos_embed` buffer (resized bicubically
 * for other grids), `tokens_to_token` (soft splits by unfolding 7×7/4, 3×3/2, 3×3/2 with two T2T transformer layers
 * between, then `project`), `encoder.N` of T2TTransformerLayer, `norm`; `out_type` raw / cls_token / featmap /
 * avg_featmap. The Performer variant raises NotImplementedError, as MMPretrain 1.2.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import type { StateDict } from '../nn/state_dict';
import { FFN } from '../nn/transformer';
import { MultiheadAttention } from '../utils/attention';
import { resizePosEmbed } from '../utils/embed';
import { resizePosEmbedEntry } from '../utils/pos_embed_state';
import { unfoldNHWC, type UnfoldOptions } from '../utils/unfold';
import { BaseBackbone } from './base_backbone';

export interface T2TTransformerLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  /** Input token width; when set, attention maps it to `embed_dims` and adds v as the shortcut. */
  input_dims?: number | null;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: 2. */
  num_fcs?: number;
  /** Default: false. */
  qkv_bias?: boolean;
  /**
   * Accepted, and as in MMPretrain 1.2 without effect on the result: a non-None `qk_scale` (T2T always sets one)
   * makes its attention use `scaled_dot_product_attention_pyimpl` with `scale=head_dims ** -0.5`, which divides the
   * logits by that scale, i.e. multiplies q·kᵀ by √head_dims. That behaviour is reproduced here.
   */
  qk_scale?: number | null;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

/** Pre-norm transformer layer whose attention may change the token width (then v is the attention's shortcut). */
export class T2TTransformerLayer extends Module {
  readonly vShortcut: boolean;
  constructor(o: T2TTransformerLayerOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'input_dims', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'qk_scale', 'act_cfg', 'norm_cfg', 'init_cfg'], 'T2TTransformerLayer');
    const { embed_dims, num_heads, feedforward_channels, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, num_fcs = 2, qkv_bias = false, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    this.vShortcut = o.input_dims !== undefined && o.input_dims !== null;
    const inDims = o.input_dims || embed_dims;
    this.addModule('ln1', buildNormLayer(norm_cfg, inDims)[1]);
    this.addModule('attn', new MultiheadAttention({ input_dims: inDims, embed_dims, num_heads, attn_drop: attn_drop_rate, proj_drop: drop_rate, drop_path: drop_path_rate, qkv_bias, qk_scale: Math.floor(embed_dims / num_heads) ** 0.5, v_shortcut: this.vShortcut }));
    this.addModule('ln2', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('ffn', new FFN({ embed_dims, feedforward_channels, num_fcs, ffn_drop: drop_rate, drop_path: drop_path_rate, act_cfg }));
  }

  override typeNames(): string[] {
    return ['T2TTransformerLayer'];
  }

  /** x: [B, N, input_dims] → [B, N, embed_dims]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const a = this.child('attn').call(this.child('ln1').call(x)) as Tensor;
      const h = this.vShortcut ? a : tf.add(x, a);
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('ln2').call(h) as Tensor, h);
    });
  }
}

const SOFT_SPLITS: UnfoldOptions[] = [
  { kernel_size: 7, stride: 4, padding: 2 },
  { kernel_size: 3, stride: 2, padding: 1 },
  { kernel_size: 3, stride: 2, padding: 1 },
];

/** `nn.Unfold` as a module (no parameters): NHWC map → unfolded NHWC map. */
export class Unfold extends Module {
  constructor(readonly opts: UnfoldOptions) {
    super();
  }
  override typeNames(): string[] {
    return ['Unfold'];
  }
  forward(x: Tensor): Tensor {
    return unfoldNHWC(x, this.opts);
  }
}

export interface T2TModuleOptions {
  /** A single side length (as MMPretrain, which computes `img_size // 16`). Default: 224. */
  img_size?: number;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 384. */
  embed_dims?: number;
  /** Default: 64. */
  token_dims?: number;
  /** Default: false (true raises, as MMPretrain 1.2). */
  use_performer?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** Tokens-to-Token module: soft split, T2T layer, re-structurization, …, then `project` to `embed_dims`. */
export class T2TModule extends Module {
  readonly initOutSize: [number, number];
  /** Grid of the last forward's tokens. */
  lastOutSize: [number, number] = [0, 0];

  constructor(o: T2TModuleOptions = {}) {
    super();
    checkKeys(o, ['img_size', 'in_channels', 'embed_dims', 'token_dims', 'use_performer', 'init_cfg'], 'T2TModule');
    const { img_size = 224, in_channels = 3, embed_dims = 384, token_dims = 64, use_performer = false } = o;
    assert(typeof img_size === 'number', () => "unsupported operand type(s) for //: 'tuple' and 'int'");
    SOFT_SPLITS.forEach((s, i) => this.addModule(`soft_split${i}`, new Unfold(s)));
    if (use_performer) throw new Error("NotImplementedError: Performer hasn't been implemented.");
    this.addModule('attention1', new T2TTransformerLayer({ input_dims: in_channels * 7 * 7, embed_dims: token_dims, num_heads: 1, feedforward_channels: token_dims }));
    this.addModule('attention2', new T2TTransformerLayer({ input_dims: token_dims * 3 * 3, embed_dims: token_dims, num_heads: 1, feedforward_channels: token_dims }));
    this.addModule('project', new Linear({ in_features: token_dims * 3 * 3, out_features: embed_dims }));
    const side = Math.floor(img_size / 16);
    this.initOutSize = [side, side];
  }

  override typeNames(): string[] {
    return ['T2TModule'];
  }

  /** NHWC images → tokens [B, h·w, embed_dims]; the grid is in `lastOutSize`. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = this.child('soft_split0').call(x) as Tensor;
      for (const step of [1, 2]) {
        const [b, h, w, c] = y.shape as [number, number, number, number];
        const t = this.child(`attention${step}`).call(tf.reshape(y, [b, h * w, c])) as Tensor;
        y = this.child(`soft_split${step}`).call(tf.reshape(t, [b, h, w, t.shape[2]!])) as Tensor;
      }
      const [b, h, w, c] = y.shape as [number, number, number, number];
      this.lastOutSize = [h, w];
      return this.child('project').call(tf.reshape(y, [b, h * w, c])) as Tensor;
    });
  }
}

/** `get_sinusoid_encoding`: [1, n, d] table, sin on even and cos on odd channels of pos / 10000^(2⌊i/2⌋/d). */
export function sinusoidEncoding(nPosition: number, embedDims: number): Float32Array {
  const out = new Float32Array(nPosition * embedDims);
  for (let p = 0; p < nPosition; p++) {
    for (let i = 0; i < embedDims; i++) {
      const a = p / 10000 ** ((2 * Math.floor(i / 2)) / embedDims);
      out[p * embedDims + i] = i % 2 === 0 ? Math.sin(a) : Math.cos(a);
    }
  }
  return out;
}

export type T2TOutType = 'raw' | 'cls_token' | 'featmap' | 'avg_featmap';

export interface T2TViTOptions {
  /** Default: 224. */
  img_size?: number;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 384. */
  embed_dims?: number;
  /** Default: 14. */
  num_layers?: number;
  /** Default: -1. */
  out_indices?: number | number[];
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** Default: true. */
  final_norm?: boolean;
  /** Default: 'cls_token'. */
  out_type?: T2TOutType;
  /** Default: true. */
  with_cls_token?: boolean;
  /** Default: 'bicubic'. */
  interpolate_mode?: 'bicubic' | 'bilinear';
  /** Extra options of the T2T module (token_dims, use_performer, init_cfg). */
  t2t_cfg?: Omit<T2TModuleOptions, 'img_size' | 'in_channels' | 'embed_dims'>;
  layer_cfgs?: Partial<T2TTransformerLayerOptions> | Partial<T2TTransformerLayerOptions>[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

const OUT_TYPES = ['raw', 'cls_token', 'featmap', 'avg_featmap'];

export class T2T_ViT extends BaseBackbone {
  readonly embedDims: number;
  readonly numLayers: number;
  readonly patchResolution: [number, number];
  readonly outType: T2TOutType;
  readonly numExtraTokens: number;
  readonly interpolateMode: 'bicubic' | 'bilinear';
  readonly outIndices: number[];
  readonly finalNorm: boolean;
  readonly clsToken: tf.Variable | null;
  readonly posEmbed: tf.Variable;
  readonly encoder: ModuleList<T2TTransformerLayer>;

  constructor(opts: T2TViTOptions = {}) {
    checkKeys(opts, ['img_size', 'in_channels', 'embed_dims', 'num_layers', 'out_indices', 'drop_rate', 'drop_path_rate', 'norm_cfg', 'final_norm', 'out_type', 'with_cls_token', 'interpolate_mode', 't2t_cfg', 'layer_cfgs', 'init_cfg'], 'T2T_ViT');
    super(opts.init_cfg);
    const { img_size = 224, in_channels = 3, embed_dims = 384, num_layers = 14, out_indices = -1, drop_rate = 0, drop_path_rate = 0, norm_cfg = { type: 'LN' }, final_norm = true, out_type = 'cls_token', with_cls_token = true, interpolate_mode = 'bicubic', t2t_cfg = {}, layer_cfgs = {} } = opts;
    this.embedDims = embed_dims;
    this.numLayers = num_layers;
    for (const k of ['img_size', 'in_channels', 'embed_dims']) assert(!(k in t2t_cfg), () => `__init__() got multiple values for keyword argument '${k}'`);
    const t2t = new T2TModule({ img_size, in_channels, embed_dims, ...t2t_cfg });
    this.patchResolution = t2t.initOutSize;
    const numPatches = this.patchResolution[0] * this.patchResolution[1];
    if (!OUT_TYPES.includes(out_type)) throw new Error(`Unsupported \`out_type\` ${out_type}, please choose from {${OUT_TYPES.map((t) => `'${t}'`).join(', ')}}`);
    this.outType = out_type;
    if (with_cls_token) {
      this.clsToken = this.registerParameter('cls_token', [1, 1, embed_dims]);
      this.numExtraTokens = 1;
    } else if (out_type !== 'cls_token') {
      this.clsToken = null;
      this.numExtraTokens = 0;
    } else throw new Error('with_cls_token must be True when `out_type="cls_token"`.');
    this.interpolateMode = interpolate_mode;
    const n = numPatches + this.numExtraTokens;
    this.posEmbed = this.registerBuffer('pos_embed', [1, n, embed_dims]);
    const table = sinusoidEncoding(n, embed_dims);
    tf.tidy(() => this.posEmbed.assign(tf.tensor3d(table, [1, n, embed_dims])));
    this.addModule('tokens_to_token', t2t);
    this.addModule('drop_after_pos', new Dropout(drop_rate));

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? num_layers + i : i;
      assert(j >= 0 && j <= num_layers, () => `Invalid out_indices ${i}`);
      return j;
    });

    this.encoder = this.addModule('encoder', new ModuleList<T2TTransformerLayer>());
    for (let i = 0; i < num_layers; i++) {
      const cfg = Array.isArray(layer_cfgs) ? layer_cfgs[i] : layer_cfgs;
      const dpr = num_layers > 1 ? (drop_path_rate * i) / (num_layers - 1) : 0;
      this.encoder.push(new T2TTransformerLayer({ embed_dims, num_heads: 6, feedforward_channels: 3 * embed_dims, drop_path_rate: dpr, qkv_bias: false, norm_cfg, ...cfg }));
    }
    this.finalNorm = final_norm;
    this.addModule('norm', final_norm ? buildNormLayer(norm_cfg, embed_dims)[1] : new Identity());
  }

  /** `init_weights`: `cls_token` ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    const t = this.clsToken;
    if (t) tf.tidy(() => t.assign(tf.tensor(rng.truncNormalArray(t.size, 0, 0.02, -2, 2), t.shape)));
  }

  /** `_prepare_pos_embed`: a checkpoint's table of another grid is resized to this one. */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    resizePosEmbedEntry(sd, `${prefix}pos_embed`, this.posEmbed.shape[1]!, { numExtraTokens: this.numExtraTokens, dst: this.patchResolution, mode: this.interpolateMode });
  }

  private formatOutput(x: Tensor, hw: [number, number]): Tensor {
    if (this.outType === 'raw') return tf.clone(x);
    if (this.outType === 'cls_token') return tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]);
    const patch = tf.slice(x, [0, this.numExtraTokens, 0], [-1, -1, -1]);
    if (this.outType === 'featmap') return tf.reshape(patch, [x.shape[0], hw[0], hw[1], this.embedDims]);
    return tf.mean(patch, 1);
  }

  /** x: NHWC images → outputs per `out_indices`. */
  forward(x: Tensor): Tensor[] {
    const b = x.shape[0];
    const t2t = this.child<T2TModule>('tokens_to_token');
    let h = tf.tidy(() => {
      let y = t2t.call(x);
      if (this.clsToken) y = tf.concat([tf.tile(this.clsToken, [b, 1, 1]), y], 1);
      y = tf.add(y, resizePosEmbed(this.posEmbed, this.patchResolution, t2t.lastOutSize, this.interpolateMode, this.numExtraTokens));
      return this.child('drop_after_pos').call(y) as Tensor;
    });
    const hw = t2t.lastOutSize;
    const outs: Tensor[] = [];
    let hooked = false;
    this.encoder.items().forEach((layer, i) => {
      const last = i === this.numLayers - 1;
      const next = tf.tidy(() => {
        const y = layer.call(h) as Tensor;
        return last && this.finalNorm ? (this.child('norm').call(y) as Tensor) : y;
      });
      if (!hooked) h.dispose();
      hooked = layer.hasForwardHooks() && !(last && this.finalNorm);
      h = next;
      if (this.outIndices.includes(i)) outs.push(tf.tidy(() => this.formatOutput(h, hw)));
    });
    if (!hooked) h.dispose();
    return outs;
  }
}
