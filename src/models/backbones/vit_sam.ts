/**
 * `ViTSAM` (MMPretrain `backbones/vit_sam.py`): the image encoder of Segment Anything. Patch tokens stay on a
 * [B, h, w, C] grid with an absolute `pos_embed` of shape [1, h, w, C]; layers use windowed attention (zero
 * padding to whole windows) except those in `global_attn_indexes`, with decomposed relative position embeddings
 * (`rel_pos_h`, `rel_pos_w`); each output goes through the `channel_reduction` neck (1×1 conv, LayerNorm2d,
 * 3×3 conv, LayerNorm2d) when `out_channels > 0`. Outputs are feature maps (`raw` / `featmap`) or their spatial
 * mean (`avg_featmap`). The zoo configs use it headless (`mode='tensor'` gives the backbone features).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import type { NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Module, type AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';
import { entryToFloat32, type StateDict } from '../nn/state_dict';
import type { FFN } from '../nn/transformer';
import { addDecomposedRelPos } from '../utils/decomposed_rel_pos';
import { PatchEmbed, resizePosEmbed } from '../utils/embed';
import { LayerNorm2d } from '../utils/layer_norm_2d';
import { resizePosEmbedEntry, resizeTableLinear } from '../utils/pos_embed_state';
import { windowPartition, windowReverse } from '../utils/shift_window_msa';
import { BaseBackbone, freeze } from './base_backbone';
import { TransformerEncoderLayer, vitLayerDepth } from './vision_transformer';

export interface ViTSAMAttentionOptions {
  embed_dims: number;
  /** Default: 8. */
  num_heads?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: false. */
  use_rel_pos?: boolean;
  /** The grid the relative tables are sized for (2·size − 1 rows); needed with `use_rel_pos`. */
  input_size?: [number, number] | null;
}

/** SAM's `Attention` on [B, H, W, C]: keys `rel_pos_h`, `rel_pos_w` (with `use_rel_pos`), `qkv`, `proj`. */
export class ViTSAMAttention extends Module {
  readonly numHeads: number;
  readonly scale: number;
  readonly useRelPos: boolean;

  constructor(o: ViTSAMAttentionOptions) {
    super();
    const { embed_dims, num_heads = 8, qkv_bias = true, use_rel_pos = false } = o;
    this.numHeads = num_heads;
    const headDims = Math.floor(embed_dims / num_heads);
    this.scale = headDims ** -0.5;
    this.addModule('qkv', new Linear({ in_features: embed_dims, out_features: embed_dims * 3, bias: qkv_bias }));
    this.addModule('proj', new Linear({ in_features: embed_dims, out_features: embed_dims }));
    this.useRelPos = use_rel_pos;
    if (use_rel_pos) {
      assert(o.input_size, () => 'Input size must be provided if using relative position embed.');
      this.registerParameter('rel_pos_h', [2 * o.input_size[0] - 1, headDims]);
      this.registerParameter('rel_pos_w', [2 * o.input_size[1] - 1, headDims]);
    }
  }

  override typeNames(): string[] {
    return ['Attention'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const n = h * w;
      const nH = this.numHeads;
      const qkv = tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, 3 * c]);
      const hd = c / nH;
      const [q, k, v] = tf.split(qkv, 3, -1).map((t) => tf.reshape(tf.transpose(tf.reshape(t, [b, n, nH, hd]), [0, 2, 1, 3]), [b * nH, n, hd]));
      let attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (this.useRelPos) attn = addDecomposedRelPos(attn, q, this.param('rel_pos_h'), this.param('rel_pos_w'), [h, w], [h, w]);
      const y = tf.matMul(tf.softmax(attn, -1), v); // [B·nH, N, hd]
      const merged = tf.reshape(tf.transpose(tf.reshape(y, [b, nH, n, hd]), [0, 2, 1, 3]), [b, h, w, c]);
      return this.child('proj').call(merged) as Tensor;
    });
  }
}

export interface ViTSAMTransformerEncoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  drop_rate?: number;
  drop_path_rate?: number;
  num_fcs?: number;
  qkv_bias?: boolean;
  act_cfg?: ActCfg;
  norm_cfg?: NormCfg;
  use_rel_pos?: boolean;
  /** 0: global attention. Default: 0. */
  window_size?: number;
  input_size?: [number, number] | null;
  init_cfg?: InitCfg | null;
}

/** SAM's encoder layer (`ln1`, `attn`, `ln2`, `ffn`) on [B, H, W, C], windowed when `window_size > 0`. */
export class ViTSAMTransformerEncoderLayer extends TransformerEncoderLayer {
  readonly windowSize: number;

  constructor(o: ViTSAMTransformerEncoderLayerOptions) {
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'act_cfg', 'norm_cfg', 'use_rel_pos', 'window_size', 'input_size', 'init_cfg'], 'TransformerEncoderLayer');
    const { use_rel_pos = false, window_size = 0, input_size = null, ...rest } = o;
    super({ ...rest, norm_cfg: rest.norm_cfg ?? { type: 'LN' } });
    this.windowSize = window_size;
    this.addModule('attn', new ViTSAMAttention({ embed_dims: o.embed_dims, num_heads: o.num_heads, qkv_bias: o.qkv_bias, use_rel_pos, input_size: window_size === 0 ? input_size : [window_size, window_size] }));
  }

  override typeNames(): string[] {
    return ['TransformerEncoderLayer'];
  }

  /** PyTorch's default initialisation only (no Xavier re-init of the FFN, unlike ViT's layer). */
  override afterInitWeights(): void {}

  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = this.child('ln1').call(x) as Tensor;
      const [b, H, W, c] = y.shape as [number, number, number, number];
      const ws = this.windowSize;
      if (ws > 0) {
        const ph = (ws - (H % ws)) % ws;
        const pw = (ws - (W % ws)) % ws;
        if (ph || pw) y = tf.pad(y, [[0, 0], [0, ph], [0, pw], [0, 0]]);
        const Hp = H + ph;
        const Wp = W + pw;
        const win = tf.reshape(windowPartition(y, ws), [(b * Hp * Wp) / (ws * ws), ws, ws, c]);
        const out = this.child('attn').call(win) as Tensor;
        y = windowReverse(tf.reshape(out, [-1, ws * ws, c]), Hp, Wp, ws);
        if (ph || pw) y = tf.slice(y, [0, 0, 0, 0], [-1, H, W, -1]);
      } else y = this.child('attn').call(y) as Tensor;
      const h = tf.add(x, y);
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('ln2').call(h) as Tensor, h);
    });
  }
}

export type ViTSAMArch = { embed_dims: number; num_layers: number; num_heads: number; feedforward_channels: number; global_attn_indexes: number[] };

const S = (embed_dims: number, num_layers: number, num_heads: number, feedforward_channels: number, global_attn_indexes: number[]): ViTSAMArch => ({ embed_dims, num_layers, num_heads, feedforward_channels, global_attn_indexes });

/** `ViTSAM.arch_zoo`. */
export const VIT_SAM_ARCH: Record<string, ViTSAMArch> = {
  b: S(768, 12, 12, 3072, [2, 5, 8, 11]), base: S(768, 12, 12, 3072, [2, 5, 8, 11]),
  l: S(1024, 24, 16, 4096, [5, 11, 17, 23]), large: S(1024, 24, 16, 4096, [5, 11, 17, 23]),
  h: S(1280, 32, 16, 5120, [7, 15, 23, 31]), huge: S(1280, 32, 16, 5120, [7, 15, 23, 31]),
};

export type ViTSAMOutType = 'raw' | 'featmap' | 'avg_featmap';

export interface ViTSAMOptions {
  /** 'base' | 'large' | 'huge' or a dict with `global_attn_indexes`. Default: 'base'. */
  arch?: string | ViTSAMArch;
  /** Default: 224. */
  img_size?: Pair;
  /** Default: 16. */
  patch_size?: number;
  /** Default: 3. */
  in_channels?: number;
  /** Channels of the `channel_reduction` neck; 0 disables it. Default: 256. */
  out_channels?: number;
  /** Default: -1. */
  out_indices?: number | number[];
  /** Default: 'raw'. */
  out_type?: ViTSAMOutType;
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: true. */
  use_abs_pos?: boolean;
  /** Default: true. */
  use_rel_pos?: boolean;
  /** Default: 14. */
  window_size?: number;
  /** Default: LN eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: 'bicubic'. */
  interpolate_mode?: 'bicubic' | 'bilinear';
  patch_cfg?: Record<string, unknown>;
  layer_cfgs?: Record<string, unknown> | Record<string, unknown>[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

const VIT_SAM_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'out_channels', 'out_indices', 'out_type', 'drop_rate', 'drop_path_rate', 'qkv_bias', 'use_abs_pos', 'use_rel_pos', 'window_size', 'norm_cfg', 'frozen_stages', 'interpolate_mode', 'patch_cfg', 'layer_cfgs', 'init_cfg'];

export class ViTSAM extends BaseBackbone {
  readonly embedDims: number;
  readonly numLayers: number;
  readonly globalAttnIndexes: number[];
  readonly patchResolution: [number, number];
  readonly outType: ViTSAMOutType;
  readonly useAbsPos: boolean;
  readonly useRelPos: boolean;
  readonly interpolateMode: 'bicubic' | 'bilinear';
  readonly outIndices: number[];
  readonly outChannels: number;
  readonly frozenStages: number;
  readonly posEmbed: tf.Variable | null;
  readonly layers: ModuleList<ViTSAMTransformerEncoderLayer>;

  constructor(opts: ViTSAMOptions = {}) {
    checkKeys(opts, VIT_SAM_KEYS, 'ViTSAM');
    super(opts.init_cfg);
    const archOpt = opts.arch ?? 'base';
    const arch = typeof archOpt === 'string' ? VIT_SAM_ARCH[archOpt.toLowerCase()] : archOpt;
    assert(arch, () => `Arch ${String(archOpt)} is not in default archs {${Object.keys(VIT_SAM_ARCH).map((k) => `'${k}'`).join(', ')}}`);
    assert(['embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'].every((k) => k in arch), () => "Custom arch needs a dict with keys {'embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'}");
    assert(Array.isArray(arch.global_attn_indexes), () => "ViTSAM: KeyError: 'global_attn_indexes' (a custom arch needs it)");
    const { img_size = 224, patch_size = 16, in_channels = 3, out_channels = 256, out_indices = -1, out_type = 'raw', drop_rate = 0, drop_path_rate = 0, qkv_bias = true, use_abs_pos = true, use_rel_pos = true, window_size = 14, norm_cfg = { type: 'LN', eps: 1e-6 }, frozen_stages = -1, interpolate_mode = 'bicubic', patch_cfg = {}, layer_cfgs = {} } = opts;
    this.embedDims = arch.embed_dims;
    this.numLayers = arch.num_layers;
    this.globalAttnIndexes = arch.global_attn_indexes;

    const patchEmbed = this.addModule('patch_embed', new PatchEmbed({ in_channels, input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: patch_size, stride: patch_size, ...patch_cfg }));
    this.patchResolution = patchEmbed.initOutSize!;
    assert(['raw', 'featmap', 'avg_featmap'].includes(out_type), () => `Unsupported \`out_type\` ${out_type}, please choose from {'raw', 'featmap', 'avg_featmap'}`);
    this.outType = out_type;
    this.useAbsPos = use_abs_pos;
    this.useRelPos = use_rel_pos;
    this.interpolateMode = interpolate_mode;
    if (use_abs_pos) {
      this.posEmbed = this.registerParameter('pos_embed', [1, ...this.patchResolution, this.embedDims]);
      this.addModule('drop_after_pos', new Dropout(drop_rate));
    } else this.posEmbed = null;

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : out_indices).map((i) => {
      const j = i < 0 ? this.numLayers + i : i;
      assert(j >= 0 && j <= this.numLayers, () => `Invalid out_indices ${i}`);
      return j;
    });
    const cfgs = Array.isArray(layer_cfgs) ? layer_cfgs : Array(this.numLayers).fill(layer_cfgs);
    this.layers = this.addModule('layers', new ModuleList<ViTSAMTransformerEncoderLayer>());
    for (let i = 0; i < this.numLayers; i++) {
      const dpr = this.numLayers > 1 ? (drop_path_rate * i) / (this.numLayers - 1) : 0;
      this.layers.push(new ViTSAMTransformerEncoderLayer({ embed_dims: this.embedDims, num_heads: arch.num_heads, feedforward_channels: arch.feedforward_channels, drop_rate, drop_path_rate: dpr, qkv_bias, window_size: this.globalAttnIndexes.includes(i) ? 0 : window_size, input_size: this.patchResolution, use_rel_pos, norm_cfg, ...cfgs[i] }));
    }
    this.outChannels = out_channels;
    if (out_channels > 0) {
      this.addModule('channel_reduction', new Sequential(
        new Conv2d({ in_channels: this.embedDims, out_channels, kernel_size: 1, bias: false }),
        new LayerNorm2d({ normalized_shape: out_channels, eps: 1e-6 }),
        new Conv2d({ in_channels: out_channels, out_channels, kernel_size: 3, padding: 1, bias: false }),
        new LayerNorm2d({ normalized_shape: out_channels, eps: 1e-6 }),
      ));
    }
    this.frozenStages = frozen_stages;
    if (frozen_stages > 0) this.freezeStages();
  }

  private freezeStages(): void {
    if (this.posEmbed) {
      this.posEmbed.trainable = false;
      this.child('drop_after_pos').eval();
    }
    freeze([this.child('patch_embed'), ...this.layers.items().slice(0, this.frozenStages)]);
    if (this.frozenStages === this.numLayers && this.outChannels > 0) freeze([this.child('channel_reduction')]);
  }

  /** `init_weights`: `pos_embed` ~ TruncNormal(std 0.02); the rest keeps PyTorch's defaults. */
  afterInitWeights(rng: Generator): void {
    const pe = this.posEmbed;
    if (pe) tf.tidy(() => pe.assign(tf.tensor(rng.truncNormalArray(pe.size, 0, 0.02, -2, 2), pe.shape)));
  }

  /** `_prepare_pos_embed` (a [1, H, W, C] table of another grid is resized) and `_prepare_relative_position`. */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    const key = `${prefix}pos_embed`;
    const e = sd.get(key);
    if (this.posEmbed && e && e.shape.length === 4 && e.shape[3] === this.embedDims && (e.shape[1] !== this.patchResolution[0] || e.shape[2] !== this.patchResolution[1])) {
      const [, h, w, c] = e.shape;
      sd.set(key, { ...e, shape: [1, h * w, c] });
      // expected length −1: resize whenever the grid differs (an equal token count may be another grid)
      resizePosEmbedEntry(sd, key, -1, { numExtraTokens: 0, src: [h, w], dst: this.patchResolution, mode: this.interpolateMode });
      const r = sd.get(key)!;
      sd.set(key, { ...r, shape: [1, ...this.patchResolution, c] });
    }
    if (!this.useRelPos) return;
    for (const [name, m] of this.namedModules()) {
      for (const p of ['rel_pos_h', 'rel_pos_w']) {
        if (!m.hasParam(p)) continue;
        const k = `${prefix}${name}.${p}`;
        const t = sd.get(k);
        const [L2, C2] = m.param(p).shape as [number, number];
        if (!t || t.shape.length !== 2 || t.shape[0] === L2 || t.shape[1] !== C2) continue;
        sd.set(k, { dtype: 'float32', shape: [L2, C2], data: resizeTableLinear(entryToFloat32(t), t.shape[0], C2, L2) });
      }
    }
  }

  /** MMPretrain's `get_layer_depth` (layer-wise lr decay). */
  getLayerDepth(paramName: string, prefix = ''): [number, number] {
    return vitLayerDepth(paramName, prefix, this.numLayers);
  }

  private formatOutput(x: Tensor): Tensor {
    return this.outType === 'avg_featmap' ? tf.mean(x, [1, 2]) : x;
  }

  /** x: NHWC images → per `out_indices` an NHWC map (or [B, C] for `avg_featmap`). */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = tf.tidy(() => {
      const pe = this.child<PatchEmbed>('patch_embed');
      const tokens = pe.call(x);
      const [gh, gw] = pe.lastOutSize;
      let y = tf.reshape(tokens, [x.shape[0], gh, gw, this.embedDims]);
      if (this.posEmbed) {
        const flat = tf.reshape(this.posEmbed, [1, this.patchResolution[0] * this.patchResolution[1], this.embedDims]);
        const pos = tf.reshape(resizePosEmbed(flat, this.patchResolution, [gh, gw], this.interpolateMode, 0), [1, gh, gw, this.embedDims]);
        y = this.child('drop_after_pos').call(tf.add(y, pos)) as Tensor;
      }
      return y;
    });
    let hooked = false;
    this.layers.items().forEach((layer: AnyModule, i) => {
      const next = tf.tidy(() => layer.call(h) as Tensor);
      if (!hooked) h.dispose();
      hooked = layer.hasForwardHooks();
      h = next;
      if (this.outIndices.includes(i)) {
        outs.push(tf.tidy(() => this.formatOutput(this.outChannels > 0 ? (this.child('channel_reduction').call(h) as Tensor) : tf.clone(h))));
      }
    });
    if (!hooked) h.dispose();
    return outs;
  }
}
