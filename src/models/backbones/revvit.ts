/**
 * `RevVisionTransformer` (MMPretrain `backbones/revvit.py`): reversible ViT. Tokens are doubled into two streams
 * (x₁, x₂); each `RevTransformerEncoderLayer` computes y₁ = x₁ + attn(ln1(x₂)), y₂ = x₂ + ffn(ln2(y₁)); then the
 * final `ln1` on [y₁ ‖ y₂] and a `TwoStreamFusion`. Only the plain forward is implemented (gradients by autodiff, as
 * PyTorch's `no_custom_backward`); the reversible memory-saving backward is not needed for the results.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { Stochastic } from '../nn/dropout';
import { Generator } from '../../utils/random';
import { Module } from '../nn/module';
import { FFN } from '../nn/transformer';
import { PatchEmbed } from '../utils/embed';
import { TransformerEncoderLayer, VisionTransformer, type VisionTransformerOptions, type VitArch, type VitLayerBase, VIT_ARCH } from './vision_transformer';
import { freeze } from './base_backbone';

export interface RevTransformerEncoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  num_fcs?: number;
  qkv_bias?: boolean;
  act_cfg?: { type: string };
  norm_cfg?: { type: string };
  layer_id?: number;
  init_cfg?: unknown;
}

/**
 * Keys as `TransformerEncoderLayer` (`ln1`, `attn`, `ln2`, `ffn` without identity). Input and output: the two
 * streams concatenated on the channels, [x₁ ‖ x₂]. One DropPath mask per sample is shared by both branches (PyTorch
 * reseeds the same generator for both).
 */
export class RevTransformerEncoderLayer extends TransformerEncoderLayer implements Stochastic {
  generator = new Generator(0);
  readonly dropPathRate: number;
  readonly layerId: number;

  constructor(o: RevTransformerEncoderLayerOptions) {
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'act_cfg', 'norm_cfg', 'layer_id', 'init_cfg'], 'RevTransformerEncoderLayer');
    const { drop_path_rate = 0, layer_id = 0, init_cfg, ...rest } = o;
    void init_cfg;
    super({ ...rest, norm_cfg: o.norm_cfg ?? { type: 'LN' }, qkv_bias: o.qkv_bias ?? true, drop_path_rate: 0 });
    this.addModule('ffn', new FFN({ embed_dims: o.embed_dims, feedforward_channels: o.feedforward_channels, num_fcs: o.num_fcs ?? 2, ffn_drop: o.drop_rate ?? 0, act_cfg: o.act_cfg ?? { type: 'GELU' }, add_identity: false }));
    this.dropPathRate = drop_path_rate;
    this.layerId = layer_id;
  }

  override typeNames(): string[] {
    return ['RevTransformerEncoderLayer'];
  }

  /** (x₁, x₂) → (y₁, y₂). */
  forwardStreams(x1: Tensor, x2: Tensor): [Tensor, Tensor] {
    return tf.tidy(() => {
      let mask: Tensor | null = null;
      if (this.training && this.dropPathRate > 0) {
        const keep = 1 - this.dropPathRate;
        const shape = [x1.shape[0], ...Array(x1.rank - 1).fill(1)];
        mask = tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.generator.nextSeed()), keep)), keep);
      }
      const drop = (t: Tensor) => (mask ? tf.mul(t, mask) : t);
      const y1 = tf.add(x1, drop(this.child('attn').call(this.child('ln1').call(x2)) as Tensor));
      const y2 = tf.add(x2, drop(this.child('ffn').call(this.child('ln2').call(y1)) as Tensor));
      return [y1, y2];
    });
  }

  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(x, 2, -1);
      return tf.concat(this.forwardStreams(x1, x2), -1);
    });
  }
}

export type FusionMode = 'add' | 'max' | 'min' | 'avg' | 'concat';

/** Fuses the two halves of the channels ([B, N, 2C]). */
export class TwoStreamFusion extends Module {
  constructor(readonly mode: FusionMode) {
    super();
    assert(['add', 'max', 'min', 'avg', 'concat'].includes(mode), () => `TwoStreamFusion: NotImplementedError (mode '${mode}'; choose from add, max, min, avg, concat)`);
  }
  override typeNames(): string[] {
    return ['TwoStreamFusion'];
  }
  forward(x: Tensor): Tensor {
    if (this.mode === 'concat') return tf.clone(x);
    return tf.tidy(() => {
      const [a, b] = tf.split(x, 2, -1);
      if (this.mode === 'add') return tf.add(a, b);
      if (this.mode === 'max') return tf.maximum(a, b);
      if (this.mode === 'min') return tf.minimum(a, b);
      return tf.div(tf.add(a, b), 2);
    });
  }
}

/** RevViT's `arch_zoo`: ViT's without the EVA / DINOv2 archs. */
export const REVVIT_ARCH: Record<string, VitArch> = Object.fromEntries(
  ['s', 'small', 'b', 'base', 'l', 'large', 'h', 'huge', 'deit-t', 'deit-tiny', 'deit-s', 'deit-small', 'deit-b', 'deit-base'].map((k) => [k, VIT_ARCH[k]]),
);

export interface RevVisionTransformerOptions extends Omit<VisionTransformerOptions, 'out_indices' | 'layer_scale_init_value' | 'pre_norm'> {
  /** Default: 'concat'. */
  fusion_mode?: FusionMode;
  /** PyTorch's switch to plain autodiff; here always plain. */
  no_custom_backward?: boolean;
}

const REVVIT_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'drop_rate', 'drop_path_rate', 'qkv_bias', 'norm_cfg', 'final_norm', 'out_type', 'with_cls_token', 'frozen_stages', 'interpolate_mode', 'patch_cfg', 'layer_cfgs', 'fusion_mode', 'no_custom_backward', 'init_cfg'];

export class RevVisionTransformer extends VisionTransformer {
  static override archZoo: Record<string, VitArch> = REVVIT_ARCH;
  readonly fusionMode: FusionMode;

  constructor(opts: RevVisionTransformerOptions = {}) {
    const { fusion_mode = 'concat', no_custom_backward, ...vit } = opts;
    void no_custom_backward;
    super({ arch: 'base', out_type: 'avg_featmap', with_cls_token: false, ...vit }, 1, 'RevVisionTransformer', REVVIT_KEYS);
    this.fusionMode = fusion_mode;
    this.addModule('fusion_layer', new TwoStreamFusion(fusion_mode));
    if (this.finalNorm) {
      // The final norm sees both streams; re-registering keeps its state-dict position after `layers`.
      this.removeModule('ln1');
      this.addModule('ln1', buildNormLayer(opts.norm_cfg ?? { type: 'LN', eps: 1e-6 }, 2 * this.embedDims)[1]);
      if (this.frozenStages === this.numLayers) freeze([this.child('ln1')]);
    }
  }

  override typeNames(): string[] {
    return ['RevVisionTransformer'];
  }

  protected override buildLayer(base: VitLayerBase, layerCfg: Record<string, unknown>, opts: VisionTransformerOptions): TransformerEncoderLayer {
    return new RevTransformerEncoderLayer({ ...base, qkv_bias: opts.qkv_bias ?? true, layer_id: this.layers?.length ?? 0, ...layerCfg });
  }

  protected override avgFeatmapNorm(): boolean {
    return false;
  }

  /** Channels of the output tokens: 2C after 'concat', else C. */
  get outDims(): number {
    return this.fusionMode === 'concat' ? 2 * this.embedDims : this.embedDims;
  }

  protected override formatOutput(x: Tensor, hw: [number, number]): Tensor {
    if (this.outType === 'raw') return tf.clone(x);
    if (this.outType === 'cls_token') return tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]);
    const patch = tf.slice(x, [0, this.numExtraTokens, 0], [-1, -1, -1]);
    if (this.outType === 'featmap') return tf.reshape(patch, [x.shape[0], hw[0], hw[1], this.outDims]);
    return tf.mean(patch, 1);
  }

  override forward(x: Tensor): Tensor[] {
    const pe = this.child<PatchEmbed>('patch_embed');
    let h = tf.tidy(() => {
      const all = this.embedTokens(pe.call(x), pe.lastOutSize);
      return tf.concat([all, all], -1);
    });
    const grid = pe.lastOutSize;
    let hooked = false;
    for (const layer of this.layers.items()) {
      const next = layer.call(h);
      if (!hooked) h.dispose();
      hooked = layer.hasForwardHooks();
      h = next;
    }
    const out = tf.tidy(() => {
      const y = this.finalNorm ? (this.child('ln1').call(h) as Tensor) : h;
      return this.formatOutput(this.child('fusion_layer').call(y) as Tensor, grid);
    });
    if (!hooked) h.dispose();
    return [out];
  }
}
