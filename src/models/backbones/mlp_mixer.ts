/**
 * `MlpMixer` (MMPretrain `backbones/mlp_mixer.py`): `patch_embed` (fixed input size), `layers.N` of MixerBlock
 * (`ln1`, `token_mix` FFN over the tokens, `ln2`, `channel_mix` FFN over the channels), final `ln1`. Each output is
 * PyTorch's (B, C, N) token map.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import { FFN } from '../nn/transformer';
import { pySetRepr } from '../utils/arch_settings';
import { PatchEmbed } from '../utils/embed';
import { xavierLinears } from '../utils/ffn_init';
import { BaseBackbone } from './base_backbone';

export interface MixerBlockOptions {
  num_tokens: number;
  embed_dims: number;
  tokens_mlp_dims: number;
  channels_mlp_dims: number;
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: 2. */
  num_fcs?: number;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

/** x + token_mix(ln1(x)ᵀ)ᵀ, then x + channel_mix(ln2(x)); x: [B, N, C]. */
export class MixerBlock extends Module {
  constructor(o: MixerBlockOptions) {
    super();
    checkKeys(o, ['num_tokens', 'embed_dims', 'tokens_mlp_dims', 'channels_mlp_dims', 'drop_rate', 'drop_path_rate', 'num_fcs', 'act_cfg', 'norm_cfg', 'init_cfg'], 'MixerBlock');
    const { drop_rate = 0, drop_path_rate = 0, num_fcs = 2, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    this.addModule(...buildNormLayer(norm_cfg, o.embed_dims, 1));
    this.addModule('token_mix', new FFN({ embed_dims: o.num_tokens, feedforward_channels: o.tokens_mlp_dims, num_fcs, ffn_drop: drop_rate, drop_path: drop_path_rate, act_cfg, add_identity: false }));
    this.addModule(...buildNormLayer(norm_cfg, o.embed_dims, 2));
    this.addModule('channel_mix', new FFN({ embed_dims: o.embed_dims, feedforward_channels: o.channels_mlp_dims, num_fcs, ffn_drop: drop_rate, drop_path: drop_path_rate, act_cfg }));
  }

  override typeNames(): string[] {
    return ['MixerBlock'];
  }

  afterInitWeights(rng: Generator): void {
    xavierLinears(this.child('token_mix'), rng);
    xavierLinears(this.child('channel_mix'), rng);
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [n1, , n2] = this.namedChildren().map(([, m]) => m);
      const t = tf.transpose(n1.call(x) as Tensor, [0, 2, 1]);
      const h = tf.add(x, tf.transpose(this.child('token_mix').call(t) as Tensor, [0, 2, 1]));
      return this.child<FFN>('channel_mix').forwardWithIdentity(n2.call(h) as Tensor, h);
    });
  }
}

type MixerArch = { embed_dims: number; num_layers: number; tokens_mlp_dims: number; channels_mlp_dims: number };
const M = (embed_dims: number, num_layers: number, tokens_mlp_dims: number, channels_mlp_dims: number): MixerArch => ({ embed_dims, num_layers, tokens_mlp_dims, channels_mlp_dims });

export const MLP_MIXER_ARCH: Record<string, MixerArch> = {
  s: M(512, 8, 256, 2048), small: M(512, 8, 256, 2048),
  b: M(768, 12, 384, 3072), base: M(768, 12, 384, 3072),
  l: M(1024, 24, 512, 4096), large: M(1024, 24, 512, 4096),
};

const ESSENTIAL = ['embed_dims', 'num_layers', 'tokens_mlp_dims', 'channels_mlp_dims'];

export interface MlpMixerOptions {
  /** s/small, b/base, l/large, or `{embed_dims, num_layers, tokens_mlp_dims, channels_mlp_dims}`. Default: 'base'. */
  arch?: string | MixerArch;
  /** The only input size accepted. Default: 224. */
  img_size?: Pair;
  /** Default: 16. */
  patch_size?: Pair;
  /**
   * Default: -1. As MMPretrain 1.2, only negative indices (counted from the end) pass its check; a non-negative
   * index must be ≥ num_layers (and then never matches a layer).
   */
  out_indices?: number | number[];
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  patch_cfg?: Record<string, unknown>;
  layer_cfgs?: Record<string, unknown> | Record<string, unknown>[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

export class MlpMixer extends BaseBackbone {
  readonly embedDims: number;
  readonly numLayers: number;
  readonly imgSize: [number, number];
  readonly patchResolution: [number, number];
  readonly outIndices: number[];
  readonly layers: ModuleList<MixerBlock>;

  constructor(opts: MlpMixerOptions = {}) {
    checkKeys(opts, ['arch', 'img_size', 'patch_size', 'out_indices', 'drop_rate', 'drop_path_rate', 'norm_cfg', 'act_cfg', 'patch_cfg', 'layer_cfgs', 'init_cfg'], 'MlpMixer');
    super(opts.init_cfg);
    const { img_size = 224, patch_size = 16, out_indices = -1, drop_rate = 0, drop_path_rate = 0, norm_cfg = { type: 'LN' }, act_cfg = { type: 'GELU' }, patch_cfg = {}, layer_cfgs = {} } = opts;
    const archOpt = opts.arch ?? 'base';
    let arch: MixerArch;
    if (typeof archOpt === 'string') {
      const name = archOpt.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(MLP_MIXER_ARCH, name), () => `Arch ${name} is not in default archs ${pySetRepr(Object.keys(MLP_MIXER_ARCH))}`);
      arch = MLP_MIXER_ARCH[name];
    } else {
      const keys = Object.keys(archOpt ?? {});
      assert(archOpt && typeof archOpt === 'object' && keys.length === ESSENTIAL.length && ESSENTIAL.every((k) => keys.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(ESSENTIAL)}`);
      arch = archOpt;
    }
    this.embedDims = arch.embed_dims;
    this.numLayers = arch.num_layers;
    this.imgSize = pair(img_size);

    const patchEmbed = new PatchEmbed({ input_size: img_size, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: patch_size, stride: patch_size, ...patch_cfg });
    this.addModule('patch_embed', patchEmbed);
    this.patchResolution = patchEmbed.initOutSize!;
    const numPatches = this.patchResolution[0] * this.patchResolution[1];

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      if (i < 0) {
        assert(this.numLayers + i >= 0, () => `Invalid out_indices ${i}`);
        return this.numLayers + i;
      }
      assert(i >= this.numLayers, () => `Invalid out_indices ${i}`);
      return i;
    });

    const cfgs = Array.isArray(layer_cfgs) ? layer_cfgs : Array<Record<string, unknown>>(this.numLayers).fill(layer_cfgs);
    this.layers = this.addModule('layers', new ModuleList<MixerBlock>());
    for (let i = 0; i < this.numLayers; i++) {
      this.layers.push(new MixerBlock({ num_tokens: numPatches, embed_dims: this.embedDims, tokens_mlp_dims: arch.tokens_mlp_dims, channels_mlp_dims: arch.channels_mlp_dims, drop_rate, drop_path_rate, act_cfg, norm_cfg, ...cfgs[i] }));
    }
    this.addModule(...buildNormLayer(norm_cfg, this.embedDims, 1));
  }

  /** x: NHWC images of exactly `img_size` → (B, C, N) per output index. */
  forward(x: Tensor): Tensor[] {
    assert(x.shape[1] === this.imgSize[0] && x.shape[2] === this.imgSize[1], () => `The MLP-Mixer doesn't support dynamic input shape. Please input images with shape (${this.imgSize.join(', ')})`);
    const norm = this.namedChildren().at(-1)![1];
    const outs: Tensor[] = [];
    const pe = this.child('patch_embed');
    let h = pe.call(x) as Tensor;
    let hooked = pe.hasForwardHooks();
    this.layers.items().forEach((layer, i) => {
      const next = tf.tidy(() => {
        const y = layer.call(h) as Tensor;
        return i === this.numLayers - 1 ? (norm.call(y) as Tensor) : y;
      });
      if (!hooked) h.dispose();
      hooked = layer.hasForwardHooks() && i < this.numLayers - 1;
      h = next;
      if (this.outIndices.includes(i)) outs.push(tf.transpose(h, [0, 2, 1]));
    });
    if (!hooked) h.dispose();
    return outs;
  }
}
