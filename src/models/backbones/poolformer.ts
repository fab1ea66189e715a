/**
 * `PoolFormer` (MMPretrain `backbones/poolformer.py`) and the MetaFormer structure it shares with RIFormer:
 * `patch_embed` (PatchEmbed: `proj` conv), `network.N` alternating stages (Sequential of blocks: `layer_scale_1`,
 * `layer_scale_2`, token mixer, `norm2`, `mlp.fc1`/`mlp.fc2`) and downsampling PatchEmbeds (only where the width
 * changes), `norm{i}` per output index. PoolFormer's token mixer is `norm1` + `token_mixer` (AvgPool(x) − x).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { ModuleList, Sequential } from '../nn/container';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { AvgPool2d } from '../nn/pooling';
import { resolveArch } from '../utils/arch_settings';
import { BaseBackbone, freeze, runStages } from './base_backbone';

/** MetaFormer's patch embedding: one conv `proj` (kernel `patch_size`, `stride`, `padding`), `norm` Identity. */
export class MetaFormerPatchEmbed extends Module {
  constructor(o: { patch_size: number; stride: number; padding: number; in_chans: number; embed_dim: number }) {
    super();
    this.addModule('proj', new Conv2d({ in_channels: o.in_chans, out_channels: o.embed_dim, kernel_size: o.patch_size, stride: o.stride, padding: o.padding }));
    this.addModule('norm', new Identity());
  }
  override typeNames(): string[] {
    return ['PatchEmbed'];
  }
  forward(x: Tensor): Tensor {
    return this.child('proj').call(x) as Tensor;
  }
}

/** PoolFormer's token mixer: AvgPool(pool_size, stride 1, same padding, padded cells not counted) − x. */
export class Pooling extends Module {
  constructor(poolSize = 3) {
    super();
    this.addModule('pool', new AvgPool2d({ kernel_size: poolSize, stride: 1, padding: Math.floor(poolSize / 2), count_include_pad: false }));
  }
  override typeNames(): string[] {
    return ['Pooling'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.sub(this.child('pool').call(x) as Tensor, x));
  }
}

/** 1×1-conv MLP: `fc1` → act → Dropout → `fc2` → Dropout (one `drop` module). */
export class MetaFormerMlp extends Module {
  constructor(o: { in_features: number; hidden_features?: number; out_features?: number; act_cfg?: ActCfg; drop?: number }) {
    super();
    const hidden = o.hidden_features || o.in_features;
    const out = o.out_features || o.in_features;
    this.addModule('fc1', new Conv2d({ in_channels: o.in_features, out_channels: hidden, kernel_size: 1 }));
    this.addModule('act', buildActivationLayer(o.act_cfg ?? { type: 'GELU' }));
    this.addModule('fc2', new Conv2d({ in_channels: hidden, out_channels: out, kernel_size: 1 }));
    this.addModule('drop', new Dropout(o.drop ?? 0));
  }
  override typeNames(): string[] {
    return ['Mlp'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const drop = this.child('drop');
      const h = drop.call(this.child('act').call(this.child('fc1').call(x) as Tensor) as Tensor) as Tensor;
      return drop.call(this.child('fc2').call(h) as Tensor) as Tensor;
    });
  }
}

/** What every MetaFormer block takes. */
export interface MetaFormerBlockOptions {
  dim: number;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: GN with one group. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Dropout of the MLP. Default: 0. */
  drop?: number;
  /** Stochastic depth of both branches. Default: 0. */
  drop_path?: number;
  /** Default: 1e-5. */
  layer_scale_init_value?: number;
}

/**
 * x + DropPath(layer_scale_1 · mix(x)), then x + DropPath(layer_scale_2 · mlp(norm2(x))). The token-mixing modules
 * (registered first, before `norm2`) and `mix` come from the subclass.
 */
export abstract class MetaFormerBlock extends Module {
  readonly dim: number;
  readonly normCfg: NormCfg;
  readonly layerScale1: tf.Variable;
  readonly layerScale2: tf.Variable;

  constructor(o: MetaFormerBlockOptions, mixerModules: [string, AnyModule][]) {
    super();
    const { dim, mlp_ratio = 4, norm_cfg = { type: 'GN', num_groups: 1 }, act_cfg = { type: 'GELU' }, drop = 0, drop_path = 0, layer_scale_init_value = 1e-5 } = o;
    this.dim = dim;
    this.normCfg = norm_cfg;
    for (const [name, m] of mixerModules) this.addModule(name, m);
    this.addModule('norm2', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('mlp', new MetaFormerMlp({ in_features: dim, hidden_features: Math.trunc(dim * mlp_ratio), act_cfg, drop }));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.layerScale1 = this.registerParameter('layer_scale_1', [dim], layer_scale_init_value);
    this.layerScale2 = this.registerParameter('layer_scale_2', [dim], layer_scale_init_value);
  }

  /** The token-mixing branch before its layer scale (NHWC). */
  protected abstract mix(x: Tensor): Tensor;

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const h = tf.add(x, dp.call(tf.mul(this.layerScale1, this.mix(x))) as Tensor);
      const m = this.child('mlp').call(this.child('norm2').call(h) as Tensor) as Tensor;
      return tf.add(h, dp.call(tf.mul(this.layerScale2, m)) as Tensor);
    });
  }
}

export interface PoolFormerBlockOptions extends MetaFormerBlockOptions {
  /** Default: 3. */
  pool_size?: number;
}

/** `norm1` → `token_mixer` (Pooling). */
export class PoolFormerBlock extends MetaFormerBlock {
  constructor(o: PoolFormerBlockOptions) {
    const normCfg = o.norm_cfg ?? { type: 'GN', num_groups: 1 };
    super(o, [
      ['norm1', buildNormLayer(normCfg, o.dim)[1]],
      ['token_mixer', new Pooling(o.pool_size ?? 3)],
    ]);
  }
  override typeNames(): string[] {
    return ['PoolFormerBlock'];
  }
  protected mix(x: Tensor): Tensor {
    return this.child('token_mixer').call(this.child('norm1').call(x) as Tensor) as Tensor;
  }
}

export type MetaFormerArch = { layers: number[]; embed_dims: number[]; mlp_ratios?: number[]; layer_scale_init_value?: number };

/** PoolFormer's and RIFormer's `arch_settings` (the same table). */
export const METAFORMER_ARCH: Record<string, MetaFormerArch> = {
  s12: { layers: [2, 2, 6, 2], embed_dims: [64, 128, 320, 512], mlp_ratios: [4, 4, 4, 4], layer_scale_init_value: 1e-5 },
  s24: { layers: [4, 4, 12, 4], embed_dims: [64, 128, 320, 512], mlp_ratios: [4, 4, 4, 4], layer_scale_init_value: 1e-5 },
  s36: { layers: [6, 6, 18, 6], embed_dims: [64, 128, 320, 512], mlp_ratios: [4, 4, 4, 4], layer_scale_init_value: 1e-6 },
  m36: { layers: [6, 6, 18, 6], embed_dims: [96, 192, 384, 768], mlp_ratios: [4, 4, 4, 4], layer_scale_init_value: 1e-6 },
  m48: { layers: [8, 8, 24, 8], embed_dims: [96, 192, 384, 768], mlp_ratios: [4, 4, 4, 4], layer_scale_init_value: 1e-6 },
};

/** Options common to PoolFormer and RIFormer. */
export interface MetaFormerOptions {
  /** A name of {@link METAFORMER_ARCH} or `{layers, embed_dims, mlp_ratios?, layer_scale_init_value?}`. Default: 's12'. */
  arch?: string | MetaFormerArch;
  /** Default: GN with one group. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Stem patch embedding. Defaults: 7, 4, 2. */
  in_patch_size?: number;
  in_stride?: number;
  in_pad?: number;
  /** Downsampling patch embeddings. Defaults: 3, 2, 1. */
  down_patch_size?: number;
  down_stride?: number;
  down_pad?: number;
  /** Default: 0. */
  drop_rate?: number;
  /** Default: 0. */
  drop_path_rate?: number;
  /** Indices into `network` (0–6 for four stages); negative ones count from 7. Default: -1. */
  out_indices?: number | number[];
  frozen_stages?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export const METAFORMER_KEYS = ['arch', 'norm_cfg', 'act_cfg', 'in_patch_size', 'in_stride', 'in_pad', 'down_patch_size', 'down_stride', 'down_pad', 'drop_rate', 'drop_path_rate', 'out_indices', 'frozen_stages', 'init_cfg'];

/** What a MetaFormer block factory receives per block. */
export type MetaFormerBlockFactory = (o: MetaFormerBlockOptions) => MetaFormerBlock;

/**
 * The MetaFormer backbone of PoolFormer and RIFormer. `frozenNetworkCount` is how many `network` entries
 * `frozen_stages` freezes (the two classes differ by one); `patch_embed` is frozen whenever `frozen_stages >= 0`.
 */
export abstract class MetaFormer extends BaseBackbone {
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly network: ModuleList;
  readonly embedDims: number[];

  constructor(opts: MetaFormerOptions, where: string, inChannels: number, frozenStagesDefault: number, makeBlock: MetaFormerBlockFactory) {
    super(opts.init_cfg ?? null);
    const { norm_cfg = { type: 'GN', num_groups: 1 }, act_cfg = { type: 'GELU' }, in_patch_size = 7, in_stride = 4, in_pad = 2, down_patch_size = 3, down_stride = 2, down_pad = 1, drop_rate = 0, drop_path_rate = 0, out_indices = -1, frozen_stages = frozenStagesDefault } = opts;
    const arch = resolveArch(opts.arch ?? 's12', METAFORMER_ARCH, (a) => {
      assert('layers' in a && 'embed_dims' in a, () => `The arch dict must have "layers" and "embed_dims", but got [${Object.keys(a).map((k) => `'${k}'`).join(', ')}].`);
    });
    const { layers, embed_dims: dims } = arch;
    const mlpRatios = arch.mlp_ratios ?? [4, 4, 4, 4];
    const layerScale = arch.layer_scale_init_value ?? 1e-5;
    this.embedDims = [...dims];

    this.addModule('patch_embed', new MetaFormerPatchEmbed({ patch_size: in_patch_size, stride: in_stride, padding: in_pad, in_chans: inChannels, embed_dim: dims[0] }));
    const total = layers.reduce((a, b) => a + b, 0);
    const network: AnyModule[] = [];
    let before = 0;
    for (let i = 0; i < layers.length; i++) {
      const blocks = Array.from({ length: layers[i] }, (_, j) => {
        assert(total !== 1, () => `${where}: float division by zero (the drop-path rule divides by sum(layers) - 1 = 0)`);
        return makeBlock({ dim: dims[i], mlp_ratio: mlpRatios[i], norm_cfg, act_cfg, drop: drop_rate, drop_path: (drop_path_rate * (j + before)) / (total - 1), layer_scale_init_value: layerScale });
      });
      before += layers[i];
      network.push(new Sequential(...blocks));
      if (i >= layers.length - 1) break;
      if (dims[i] !== dims[i + 1]) {
        network.push(new MetaFormerPatchEmbed({ patch_size: down_patch_size, stride: down_stride, padding: down_pad, in_chans: dims[i], embed_dim: dims[i + 1] }));
      }
    }
    this.network = this.addModule('network', new ModuleList(network));

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? 7 + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    for (const i of this.outIndices) {
      const c = dims[Math.floor((i + 1) / 2)];
      assert(c !== undefined, () => `${where}: out_indices ${i} has no embed_dims entry (list index out of range)`);
      this.addModule(`norm${i}`, buildNormLayer(norm_cfg, c)[1]);
    }
    this.frozenStages = frozen_stages;
    assert(this.frozenNetworkCount() <= this.network.length, () => `${where}: frozen_stages ${frozen_stages} exceeds the ${this.network.length} network entries (index out of range)`);
  }

  /** How many leading `network` entries `frozen_stages` freezes. */
  protected abstract frozenNetworkCount(): number;

  /** x: NHWC; one normalised map per output index, in network order. */
  forward(x: Tensor): Tensor[] {
    const mods = [this.child('patch_embed'), ...this.network.items()];
    const wanted = [...Array(this.network.length).keys()].filter((i) => this.outIndices.includes(i));
    const raw = runStages(x, mods, wanted, 1);
    return raw.map((r, k) => {
      const out = this.child(`norm${wanted[k]}`).call(r) as Tensor;
      if (!this.network.at(wanted[k]).hasForwardHooks()) r.dispose();
      return out;
    });
  }

  protected freezeStages(): void {
    if (this.frozenStages >= 0) freeze([this.child('patch_embed')]);
    for (let i = 0; i < this.frozenNetworkCount(); i++) {
      freeze([this.network.at(i)]);
      if (this.outIndices.includes(i)) freeze([this.child(`norm${i}`)]);
    }
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    return this;
  }
}

export interface PoolFormerOptions extends MetaFormerOptions {
  /** Default: 3. */
  pool_size?: number;
  /** Default: 0 — `patch_embed` is frozen unless `frozen_stages` is negative (as MMPretrain). */
  frozen_stages?: number;
}

export class PoolFormer extends MetaFormer {
  constructor(opts: PoolFormerOptions = {}) {
    checkKeys(opts, [...METAFORMER_KEYS, 'pool_size'], 'PoolFormer');
    const poolSize = opts.pool_size ?? 3;
    super(opts, 'PoolFormer', 3, 0, (o) => new PoolFormerBlock({ ...o, pool_size: poolSize }));
    this.train(true);
  }

  protected frozenNetworkCount(): number {
    return Math.max(0, this.frozenStages);
  }
}
