/**
 * `DeiT3` (MMPretrain `backbones/deit3.py`): a {@link VisionTransformer} whose layers scale both branches
 * (`attn.gamma1.weight`, `ffn.gamma2.weight`, init 1e-5), whose `pos_embed` covers the patch tokens only (added
 * before the class token is prepended), and which has no `ln2`, `frozen_stages` or `pre_norm`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import type { NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { InitCfg } from '../nn/init';
import type { StateDict } from '../nn/state_dict';
import { FFN, type FFNOptions } from '../nn/transformer';
import { LayerScale, MultiheadAttention } from '../utils/attention';
import { resizePosEmbed } from '../utils/embed';
import { resizePosEmbedEntry } from '../utils/pos_embed_state';
import { TransformerEncoderLayer, VisionTransformer, type VisionTransformerOptions, type VitArch, type VitLayerBase } from './vision_transformer';

export interface DeiT3FFNOptions extends Omit<FFNOptions, 'layer_scale_init_value'> {
  /** `gamma2` LayerScale (parameter `weight`, init 1e-5). Default: true. */
  use_layer_scale?: boolean;
}

/** mmcv's FFN with MMPretrain's `LayerScale` as `gamma2` (key `gamma2.weight`). */
export class DeiT3FFN extends FFN {
  constructor(o: DeiT3FFNOptions) {
    const { use_layer_scale = true, ...rest } = o;
    assert((rest.num_fcs ?? 2) >= 2, () => `num_fcs should be no less than 2. got ${rest.num_fcs}.`);
    super(rest);
    if (use_layer_scale) this.addModule('gamma2', new LayerScale(rest.embed_dims ?? 256));
  }
  override typeNames(): string[] {
    return ['DeiT3FFN'];
  }
}

export interface DeiT3TransformerEncoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  num_fcs?: number;
  qkv_bias?: boolean;
  /** Default: true. */
  use_layer_scale?: boolean;
  act_cfg?: ActCfg;
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

/**
 * DeiT3's encoder layer: x + attn(ln1(x)), then x + ffn(ln1(x)). MMPretrain 1.2 normalises the FFN input with
 * `ln1` as well, so `ln2` is built (and loaded) but never used.
 */
export class DeiT3TransformerEncoderLayer extends TransformerEncoderLayer {
  constructor(o: DeiT3TransformerEncoderLayerOptions) {
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'use_layer_scale', 'act_cfg', 'norm_cfg', 'init_cfg'], 'DeiT3TransformerEncoderLayer');
    const { use_layer_scale = true, ...rest } = o;
    super({ ...rest, layer_scale_init_value: 0 });
    const drop = o.drop_rate ?? 0;
    this.addModule('attn', new MultiheadAttention({ embed_dims: o.embed_dims, num_heads: o.num_heads, attn_drop: o.attn_drop_rate, proj_drop: drop, drop_path: o.drop_path_rate, qkv_bias: o.qkv_bias, layer_scale_init_value: use_layer_scale ? 1e-5 : 0 }));
    this.addModule('ffn', new DeiT3FFN({ embed_dims: o.embed_dims, feedforward_channels: o.feedforward_channels, num_fcs: o.num_fcs ?? 2, ffn_drop: drop, drop_path: o.drop_path_rate, act_cfg: o.act_cfg ?? { type: 'GELU' }, use_layer_scale }));
  }

  override typeNames(): string[] {
    return ['DeiT3TransformerEncoderLayer'];
  }

  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const ln1 = this.child('ln1');
      const h = tf.add(x, this.child('attn').call(ln1.call(x)) as Tensor);
      return this.child<FFN>('ffn').forwardWithIdentity(ln1.call(h) as Tensor, h);
    });
  }
}

const A = (embed_dims: number, num_layers: number, num_heads: number, feedforward_channels: number): VitArch => ({ embed_dims, num_layers, num_heads, feedforward_channels });

/** `DeiT3.arch_zoo`. */
export const DEIT3_ARCH: Record<string, VitArch> = {
  s: A(384, 12, 6, 1536), small: A(384, 12, 6, 1536),
  m: A(512, 12, 8, 2048), medium: A(512, 12, 8, 2048),
  b: A(768, 12, 12, 3072), base: A(768, 12, 12, 3072),
  l: A(1024, 24, 16, 4096), large: A(1024, 24, 16, 4096),
  h: A(1280, 32, 16, 5120), huge: A(1280, 32, 16, 5120),
};

export interface DeiT3Options extends Omit<VisionTransformerOptions, 'frozen_stages' | 'layer_scale_init_value' | 'pre_norm'> {
  /** Layer scale in every layer. Default: true. */
  use_layer_scale?: boolean;
}

const DEIT3_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'out_indices', 'drop_rate', 'drop_path_rate', 'qkv_bias', 'norm_cfg', 'final_norm', 'out_type', 'with_cls_token', 'use_layer_scale', 'interpolate_mode', 'patch_cfg', 'layer_cfgs', 'init_cfg'];

export class DeiT3 extends VisionTransformer {
  static override archZoo = DEIT3_ARCH;

  constructor(opts: DeiT3Options = {}) {
    super(opts as VisionTransformerOptions, 1, 'DeiT3', DEIT3_KEYS);
  }

  /** The position embedding covers the patch grid only. */
  protected override posEmbedTokens(): number {
    return 0;
  }

  protected override buildLayer(base: VitLayerBase, layerCfg: Record<string, unknown>, opts: VisionTransformerOptions): TransformerEncoderLayer {
    const o = opts as DeiT3Options;
    return new DeiT3TransformerEncoderLayer({ ...base, qkv_bias: o.qkv_bias ?? true, use_layer_scale: o.use_layer_scale ?? true, ...layerCfg });
  }

  protected override avgFeatmapNorm(): boolean {
    return false;
  }

  /** Patch tokens + position embedding → `drop_after_pos` → class token prepended. */
  protected override embedTokens(tokens: Tensor, grid: [number, number]): Tensor {
    const pos = resizePosEmbed(this.posEmbed!, this.patchResolution, grid, this.interpolateMode, 0);
    const x = this.child('drop_after_pos').call(tf.add(tokens, pos)) as Tensor;
    return this.clsToken ? tf.concat([...this.extraTokens(tokens.shape[0]), x], 1) : x;
  }

  /** `_prepare_pos_embed`: a checkpoint's other grid is resized (no extra-token slot). */
  override prepareStateDict(sd: StateDict, prefix: string): void {
    resizePosEmbedEntry(sd, `${prefix}pos_embed`, this.posEmbed!.shape[1]!, { numExtraTokens: 0, dst: this.patchResolution, mode: this.interpolateMode });
  }
}
