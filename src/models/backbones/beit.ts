/**
 * `BEiTViT` (MMPretrain `backbones/beit.py`, BEiT / BEiT v2): a {@link VisionTransformer} with BEiT layers
 * (`BEiTAttention` with learnable q/v biases and a per-layer relative position bias, weighted shortcuts `gamma_1`
 * / `gamma_2`), an optional absolute `pos_embed` (`use_abs_pos_emb`) and an optional relative position bias
 * shared by every layer (`use_shared_rel_pos_bias`, module `rel_pos_bias`). Defaults as MMPretrain: no final
 * norm, `out_type='avg_featmap'`, layer scale 0.1. At load, a checkpoint's shared bias table is copied into each
 * layer when the model uses per-layer tables, and tables of another grid are resized
 * (`resize_relative_position_bias_table`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import type { NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { entryToFloat32, type StateDict, type StateDictEntry } from '../nn/state_dict';
import { FFN, type FFNOptions } from '../nn/transformer';
import { BEiTAttention, beitRelativePositionBias, beitRelativePositionIndex } from '../utils/beit_attention';
import { resizeRelativePositionBiasTable } from '../utils/window_msa';
import { TransformerEncoderLayer, VIT_ARCH, VisionTransformer, type VisionTransformerOptions, type VitArch, type VitLayerBase } from './vision_transformer';

/** The backbone's shared relative position bias (keys `relative_position_bias_table`, `relative_position_index`). */
export class RelativePositionBias extends Module<void, Tensor> {
  readonly windowSize: [number, number];
  constructor(windowSize: [number, number], numHeads: number) {
    super();
    this.windowSize = windowSize;
    const [wh, ww] = windowSize;
    this.registerParameter('relative_position_bias_table', [(2 * wh - 1) * (2 * ww - 1) + 3, numHeads]);
    const n = wh * ww + 1;
    const idx = this.registerBuffer('relative_position_index', [n, n]);
    tf.tidy(() => idx.assign(tf.tensor(beitRelativePositionIndex(wh, ww), [n, n])));
  }
  override typeNames(): string[] {
    return ['RelativePositionBias'];
  }
  /** [nH, N+1, N+1]. */
  forward(): Tensor {
    return beitRelativePositionBias(this.param('relative_position_bias_table'), this.windowSize[0], this.windowSize[1]);
  }
}

/** A state-dict entry holding the values of an index buffer. */
function indexEntry(idx: tf.Variable): StateDictEntry {
  return { dtype: 'float32', shape: [...idx.shape], data: idx.dataSync() as Float32Array };
}

/** mmcv `FFN` config (`dropout_layer` dict, `add_identity`, …) → this project's {@link FFN}. */
function buildMmcvFFN(cfg: Record<string, unknown>): FFN {
  checkKeys(cfg, ['embed_dims', 'feedforward_channels', 'num_fcs', 'act_cfg', 'ffn_drop', 'dropout', 'dropout_layer', 'add_identity', 'add_residual', 'init_cfg', 'layer_scale_init_value'], 'FFN');
  const { dropout_layer, dropout, add_residual, init_cfg, ...rest } = cfg as Record<string, unknown> & { dropout_layer?: { type: string; drop_prob?: number } | null };
  void init_cfg;
  const o: FFNOptions = { ...(rest as FFNOptions) };
  if (dropout !== undefined) o.ffn_drop = dropout as number;
  if (add_residual !== undefined) o.add_identity = add_residual as boolean;
  if (dropout_layer) {
    assert(dropout_layer.type === 'DropPath', () => `FFN: dropout_layer type '${dropout_layer.type}' is not supported (DropPath only)`);
    o.drop_path = dropout_layer.drop_prob ?? 0.1;
  }
  return new FFN(o);
}

export interface BEiTTransformerEncoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  /** > 0 adds `gamma_1` / `gamma_2`. */
  layer_scale_init_value: number;
  window_size: [number, number] | null;
  use_rel_pos_bias: boolean;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  num_fcs?: number;
  bias?: boolean | 'qv_bias';
  act_cfg?: ActCfg;
  norm_cfg?: NormCfg;
  /** Overrides of the `BEiTAttention` settings. */
  attn_cfg?: Record<string, unknown>;
  /** Overrides of the mmcv `FFN` settings. Default: `{add_identity: false}`. */
  ffn_cfg?: Record<string, unknown>;
  init_cfg?: InitCfg | null;
}

/** x + drop_path(γ₁·attn(ln1(x), rel_pos_bias)), then x + drop_path(γ₂·ffn(ln2(x))). */
export class BEiTTransformerEncoderLayer extends TransformerEncoderLayer {
  readonly gamma1: tf.Variable | null;
  readonly gamma2: tf.Variable | null;
  /** The backbone's shared bias module, when it has one (not a child: its keys live under `rel_pos_bias`). */
  sharedRelPosBias: RelativePositionBias | null = null;

  constructor(o: BEiTTransformerEncoderLayerOptions) {
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'layer_scale_init_value', 'window_size', 'use_rel_pos_bias', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'bias', 'act_cfg', 'norm_cfg', 'attn_cfg', 'ffn_cfg', 'init_cfg'], 'BEiTTransformerEncoderLayer');
    const { embed_dims, num_heads, feedforward_channels, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, num_fcs = 2, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    super({ embed_dims, num_heads, feedforward_channels, attn_drop_rate, drop_path_rate: 0, drop_rate: 0, num_fcs, act_cfg, norm_cfg, init_cfg: o.init_cfg });
    // As the Python class, `attn_drop` / `proj_drop` land in BEiTAttention's **kwargs (ignored).
    this.addModule('attn', new BEiTAttention({ window_size: o.window_size, use_rel_pos_bias: o.use_rel_pos_bias, qk_scale: null, embed_dims, num_heads, attn_drop: attn_drop_rate, proj_drop: drop_rate, bias: o.bias ?? 'qv_bias', ...(o.attn_cfg ?? {}) }));
    this.addModule('ffn', buildMmcvFFN({ embed_dims, feedforward_channels, num_fcs, ffn_drop: drop_rate, dropout_layer: { type: 'DropPath', drop_prob: drop_path_rate }, act_cfg, ...(o.ffn_cfg ?? { add_identity: false }) }));
    this.addModule('drop_path', new DropPath(drop_path_rate));
    const ls = o.layer_scale_init_value;
    this.gamma1 = ls > 0 ? this.registerParameter('gamma_1', [embed_dims], ls) : null;
    this.gamma2 = ls > 0 ? this.registerParameter('gamma_2', [embed_dims], ls) : null;
  }

  override typeNames(): string[] {
    return ['BEiTTransformerEncoderLayer', 'TransformerEncoderLayer'];
  }

  override forward(x: Tensor): Tensor {
    return tf.tidy(() => this.forwardWithBias(x, this.sharedRelPosBias ? this.sharedRelPosBias.call() : null));
  }

  /** The Python `forward(x, rel_pos_bias)`. */
  forwardWithBias(x: Tensor, relPosBias: Tensor | null): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      let a = this.child<BEiTAttention>('attn').attend(this.child('ln1').call(x) as Tensor, relPosBias);
      if (this.gamma1) a = tf.mul(this.gamma1, a);
      const h = tf.add(x, dp.call(a) as Tensor);
      let f = this.child('ffn').call(this.child('ln2').call(h)) as Tensor;
      if (this.gamma2) f = tf.mul(this.gamma2, f);
      return tf.add(h, dp.call(f) as Tensor);
    });
  }
}

/** `BEiTViT.arch_zoo`. */
export const BEIT_ARCH: Record<string, VitArch> = Object.fromEntries(
  ['s', 'small', 'b', 'base', 'l', 'large', 'eva-g', 'eva-giant', 'deit-t', 'deit-tiny', 'deit-s', 'deit-small', 'deit-b', 'deit-base'].map((k) => [k, VIT_ARCH[k]]),
);

export interface BEiTViTOptions extends Omit<VisionTransformerOptions, 'qkv_bias' | 'pre_norm'> {
  /** true, false or 'qv_bias' (learnable q and v biases). Default: 'qv_bias'. */
  bias?: boolean | 'qv_bias';
  /** Default: false. */
  use_abs_pos_emb?: boolean;
  /** A relative position bias table in each layer. Default: true. */
  use_rel_pos_bias?: boolean;
  /** One relative position bias table shared by all layers. Default: false. */
  use_shared_rel_pos_bias?: boolean;
}

const BEIT_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'out_indices', 'drop_rate', 'drop_path_rate', 'bias', 'norm_cfg', 'final_norm', 'out_type', 'with_cls_token', 'frozen_stages', 'use_abs_pos_emb', 'use_rel_pos_bias', 'use_shared_rel_pos_bias', 'interpolate_mode', 'layer_scale_init_value', 'patch_cfg', 'layer_cfgs', 'init_cfg'];

export class BEiTViT extends VisionTransformer {
  static override archZoo = BEIT_ARCH;

  constructor(opts: BEiTViTOptions = {}) {
    checkKeys(opts, BEIT_KEYS, 'BEiTViT');
    super({ final_norm: false, out_type: 'avg_featmap', ...opts } as VisionTransformerOptions, 1, 'BEiTViT', BEIT_KEYS);
  }

  get useRelPosBias(): boolean {
    return this.layers.items().some((l) => (l.child('attn') as BEiTAttention).useRelPosBias);
  }

  protected override posEmbedTokens(opts: VisionTransformerOptions): number | null {
    return (opts as BEiTViTOptions).use_abs_pos_emb ? this.numExtraTokens : null;
  }

  protected override registerBeforeLayers(opts: VisionTransformerOptions, arch: VitArch): void {
    const o = opts as BEiTViTOptions;
    assert(!((o.use_rel_pos_bias ?? true) && o.use_shared_rel_pos_bias), () => '`use_rel_pos_bias` and `use_shared_rel_pos_bias` cannot be set to True at the same time');
    if (o.use_shared_rel_pos_bias) this.addModule('rel_pos_bias', new RelativePositionBias(this.patchResolution, arch.num_heads));
  }

  protected override buildLayer(base: VitLayerBase, layerCfg: Record<string, unknown>, opts: VisionTransformerOptions): TransformerEncoderLayer {
    const o = opts as BEiTViTOptions;
    const layer = new BEiTTransformerEncoderLayer({ ...base, layer_scale_init_value: o.layer_scale_init_value ?? 0.1, window_size: this.patchResolution, use_rel_pos_bias: o.use_rel_pos_bias ?? true, bias: o.bias ?? 'qv_bias', ...layerCfg });
    if (o.use_shared_rel_pos_bias) layer.sharedRelPosBias = this.child<RelativePositionBias>('rel_pos_bias');
    return layer;
  }

  /**
   * `_prepare_pos_embed` and `_prepare_relative_position_bias_table`: a shared table is expanded into every layer
   * when this model has per-layer tables; tables of another size are resized (their index buffers, which the
   * Python hook drops, are replaced with this model's).
   */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    super.prepareStateDict(sd, prefix);
    const sharedKey = `${prefix}rel_pos_bias.relative_position_bias_table`;
    const shared = sd.get(sharedKey);
    if (this.useRelPosBias && shared) {
      this.layers.items().forEach((layer, i) => {
        const attn = layer.child('attn');
        if (!attn.hasParam('relative_position_bias_table')) return;
        sd.set(`${prefix}layers.${i}.attn.relative_position_bias_table`, { ...shared });
        // The Python hook leaves the layers' index buffers missing (a non-strict load keeps the built ones).
        const idxKey = `${prefix}layers.${i}.attn.relative_position_index`;
        if (!sd.has(idxKey)) sd.set(idxKey, indexEntry(attn.buffer('relative_position_index')));
      });
      sd.delete(sharedKey);
      sd.delete(`${prefix}rel_pos_bias.relative_position_index`);
    }
    for (const [name, m] of this.namedModules()) {
      if (!m.hasParam('relative_position_bias_table')) continue;
      const key = `${prefix}${name ? `${name}.` : ''}relative_position_bias_table`;
      const e = sd.get(key);
      if (!e || e.shape.length !== 2) continue;
      const [L2, nH2] = m.param('relative_position_bias_table').shape as [number, number];
      const [L1, nH1] = e.shape as [number, number];
      if (L1 === L2 || nH1 !== nH2) continue;
      const src = Math.trunc(Math.sqrt(L1 - 3));
      const dst = Math.trunc(Math.sqrt(L2 - 3));
      const data = entryToFloat32(e);
      const resized = resizeRelativePositionBiasTable(src, dst, data.subarray(0, (L1 - 3) * nH1), nH1);
      const out = new Float32Array(resized.length + 3 * nH1);
      out.set(resized);
      out.set(data.subarray((L1 - 3) * nH1), resized.length);
      sd.set(key, { dtype: 'float32', shape: [out.length / nH1, nH1], data: out });
      const idxKey = key.replace('bias_table', 'index');
      if (sd.has(idxKey)) sd.set(idxKey, indexEntry(m.buffer('relative_position_index')));
    }
  }
}
