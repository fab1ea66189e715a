/**
 * `LeViT` (MMPretrain `backbones/levit.py`): a `HybridBackbone` patch embedding (four stride-2 conv+BN, HSwish between),
 * then stages of residual attention (with learned attention biases) and MLP blocks on (B, N, C) tokens whose linear
 * layers are Linear+BatchNorm1d (`LinearBatchNorm`); stages after the first start with an `AttentionSubsample`
 * (queries on every other token). `deploy=True` / `switchToDeploy()` folds every conv+BN and linear+BN pair.
 * Outputs are NHWC maps of the chosen stages.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import type { NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { pySetRepr } from '../utils/arch_settings';
import { AttentionBiasLookup, attentionBiasGrid } from '../utils/attention_bias';
import { ConvBN, fuseParameters, LinearBatchNorm } from '../utils/fusable_bn';
import type { Reparameterizable } from '../utils/reparam';
import { BaseBackbone } from './base_backbone';

/** `HybridBackbone`: `patch_embed` = conv+BN (3 → C/8) · act · (→ C/4) · act · (→ C/2) · act · (→ C), each stride 2. */
export class HybridBackbone extends Module {
  constructor(embedDim: number, { kernelSize = 3, stride = 2, pad = 1, dilation = 1, groups = 1, actCfg = { type: 'HSwish' } as ActCfg, normCfg = { type: 'BN' } as NormCfg } = {}) {
    super();
    const ins = [3, embedDim / 8, embedDim / 4, embedDim / 2].map(Math.floor);
    const outs = [embedDim / 8, embedDim / 4, embedDim / 2, embedDim].map(Math.floor);
    const seq = new Sequential();
    ins.forEach((c, i) => {
      seq.append(new ConvBN({ in_channels: c, out_channels: outs[i], kernel_size: kernelSize, stride, padding: pad, dilation, groups }, undefined, normCfg));
      if (i < ins.length - 1) seq.append(buildActivationLayer(actCfg));
    });
    this.addModule('patch_embed', seq);
  }
  override typeNames(): string[] {
    return ['HybridBackbone'];
  }
  forward(x: Tensor): Tensor {
    return this.child('patch_embed').call(x) as Tensor;
  }
}

/** `x + drop_path(block(x))`. */
export class LeViTResidual extends Module {
  constructor(block: AnyModule, dropPathRate = 0) {
    super();
    this.addModule('block', block);
    this.addModule('drop_path', dropPathRate > 0 ? new DropPath(dropPathRate) : new Identity());
  }
  override typeNames(): string[] {
    return ['Residual'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.add(x, this.child('drop_path').call(this.child('block').call(x)) as Tensor));
  }
}

/** Shared parts of LeViT's `Attention` and `AttentionSubsample`: heads, dims, the bias table and its index buffer. */
abstract class BiasedAttention extends Module {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly scale: number;
  readonly d: number;
  readonly dh: number;
  readonly attentionBiases: tf.Variable;
  protected readonly lookup: AttentionBiasLookup;

  constructor(keyDim: number, numHeads: number, attnRatio: number, resolution: number, stride: number, subResolution: number) {
    super();
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.scale = keyDim ** -0.5;
    this.d = Math.trunc(attnRatio * keyDim);
    this.dh = this.d * numHeads;
    const grid = attentionBiasGrid([resolution, resolution], stride, [subResolution, subResolution]);
    this.lookup = new AttentionBiasLookup(grid);
    this.attentionBiases = this.registerParameter('attention_biases', [numHeads, grid.offsets.length]);
    // PyTorch keeps the indices as an int64 buffer; here a float buffer holding the same integers.
    const idx = this.registerBuffer('attention_bias_idxs', [this.lookup.numQueries, this.lookup.numKeys]);
    tf.tidy(() => idx.assign(tf.tensor2d(Float32Array.from(grid.idxs), [this.lookup.numQueries, this.lookup.numKeys])));
  }

  /** softmax(q·kᵀ·scale + bias)·v for q [B, H, Nq, kd], k [B, H, N, kd], v [B, H, N, d] → [B, Nq, dh] → proj. */
  protected attend(q: Tensor, k: Tensor, v: Tensor): Tensor {
    const [b, , nq] = q.shape;
    const attn = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), this.scale), this.lookup.lookup(this.attentionBiases)), -1);
    const y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, nq!, this.dh]);
    return this.child('proj').call(y) as Tensor;
  }

  override dispose(): void {
    this.lookup.dispose();
    super.dispose();
  }
}

/** LeViT `Attention` on a `resolution`² grid of tokens: `qkv` and `proj` (act · LinearBatchNorm). */
export class LeViTAttention extends BiasedAttention {
  constructor(dim: number, keyDim: number, numHeads = 8, attnRatio = 4, actCfg: ActCfg = { type: 'HSwish' }, resolution = 14) {
    super(keyDim, numHeads, attnRatio, resolution, 1, resolution);
    this.addModule('qkv', new LinearBatchNorm(dim, this.dh + keyDim * numHeads * 2));
    this.addModule('proj', new Sequential(buildActivationLayer(actCfg), new LinearBatchNorm(this.dh, dim)));
  }
  override typeNames(): string[] {
    return ['Attention'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      assert(n === this.lookup.numKeys, () => `LeViT Attention: ${n} tokens, but its attention biases are built for ${this.lookup.numKeys}`);
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, this.numHeads, -1]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, [this.keyDim, this.keyDim, this.d], -1);
      return this.attend(q, k, v);
    });
  }
}

/** (B, R·R, C) → every `stride`-th row and column → (B, R'·R', C). */
export class Subsample extends Module {
  constructor(
    readonly stride: number,
    readonly resolution: number,
  ) {
    super();
  }
  override typeNames(): string[] {
    return ['Subsample'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, , c] = x.shape as [number, number, number];
      const r = this.resolution;
      const s = this.stride;
      const n = Math.ceil(r / s);
      // x[:, ::s, ::s] as pad · reshape · slice (tfjs has no gradient for strided slices).
      let grid: Tensor = tf.reshape(x, [b, r, r, c]);
      if (n * s > r) grid = tf.pad(grid, [[0, 0], [0, n * s - r], [0, n * s - r], [0, 0]]);
      const sub = tf.slice(tf.reshape(grid, [b, n, s, n, s, c]), [0, 0, 0, 0, 0, 0], [b, n, 1, n, 1, c]);
      return tf.reshape(sub, [b, n * n, c]);
    });
  }
}

/** `AttentionSubsample`: keys / values on every token (`kv`), queries on the subsampled grid (`q`), `proj` to `out_dim`. */
export class AttentionSubsample extends BiasedAttention {
  readonly subResolution: number;
  constructor(inDim: number, outDim: number, keyDim: number, numHeads = 8, attnRatio = 2, actCfg: ActCfg = { type: 'HSwish' }, stride = 2, resolution = 14) {
    const sub = Math.floor((resolution - 1) / stride) + 1;
    super(keyDim, numHeads, attnRatio, resolution, stride, sub);
    this.subResolution = sub;
    this.addModule('kv', new LinearBatchNorm(inDim, this.dh + keyDim * numHeads));
    this.addModule('q', new Sequential(new Subsample(stride, resolution), new LinearBatchNorm(inDim, keyDim * numHeads)));
    this.addModule('proj', new Sequential(buildActivationLayer(actCfg), new LinearBatchNorm(this.dh, outDim)));
  }
  override typeNames(): string[] {
    return ['AttentionSubsample'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      assert(n === this.lookup.numKeys, () => `LeViT AttentionSubsample: ${n} tokens, but its attention biases are built for ${this.lookup.numKeys}`);
      const kv = tf.transpose(tf.reshape(this.child('kv').call(x) as Tensor, [b, n, this.numHeads, -1]), [0, 2, 1, 3]);
      const [k, v] = tf.split(kv, [this.keyDim, this.d], -1);
      const q = tf.transpose(tf.reshape(this.child('q').call(x) as Tensor, [b, this.subResolution ** 2, this.numHeads, this.keyDim]), [0, 2, 1, 3]);
      return this.attend(q, k, v);
    });
  }
}

/** LeViT `MLP`: `linear1` (LinearBatchNorm) · `activation` · `linear2`. */
export class LeViTMLP extends Module {
  constructor(embedDim: number, mlpRatio: number, actCfg: ActCfg = { type: 'HSwish' }) {
    super();
    const h = embedDim * mlpRatio;
    this.addModule('linear1', new LinearBatchNorm(embedDim, h));
    this.addModule('activation', buildActivationLayer(actCfg));
    this.addModule('linear2', new LinearBatchNorm(h, embedDim));
  }
  override typeNames(): string[] {
    return ['MLP'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('linear2').call(this.child('activation').call(this.child('linear1').call(x))) as Tensor);
  }
}

export interface LeViTArch {
  embed_dims: number[];
  num_heads: number[];
  depths: number[];
  key_dims: number[];
}

export const LEVIT_ARCH: Record<string, LeViTArch> = {
  '128s': { embed_dims: [128, 256, 384], num_heads: [4, 6, 8], depths: [2, 3, 4], key_dims: [16, 16, 16] },
  '128': { embed_dims: [128, 256, 384], num_heads: [4, 8, 12], depths: [4, 4, 4], key_dims: [16, 16, 16] },
  '192': { embed_dims: [192, 288, 384], num_heads: [3, 5, 6], depths: [4, 4, 4], key_dims: [32, 32, 32] },
  '256': { embed_dims: [256, 384, 512], num_heads: [4, 6, 8], depths: [4, 4, 4], key_dims: [32, 32, 32] },
  '384': { embed_dims: [384, 512, 768], num_heads: [6, 9, 12], depths: [4, 4, 4], key_dims: [32, 32, 32] },
};

/** The table's names in MMPretrain's order (an object lists integer-like keys such as '128' first). */
const LEVIT_ARCH_NAMES = ['128s', '128', '192', '256', '384'];

export interface LeViTOptions {
  /**
   * '128s' | '128' | '192' | '256' | '384' (case-insensitive) or `{embed_dims, num_heads, depths, key_dims}` (the keys
   * the class reads; MMPretrain 1.2's own dict check asks for other names and so never accepts a dict).
   */
  arch: string | LeViTArch;
  /** Default: 224. */
  img_size?: number;
  /** Only sets the token grid: img_size // patch_size. Default: 16. */
  patch_size?: number;
  /** Default: 2. */
  attn_ratio?: number;
  /** 0 drops the MLP blocks. Default: 2. */
  mlp_ratio?: number;
  /** Default: HSwish. */
  act_cfg?: ActCfg;
  /** Default: -1 (last stage). */
  out_indices?: number | number[];
  /** Build and immediately fold (conv/linear + BN). Default: false. */
  deploy?: boolean;
  /** The same rate for every residual block. Default: 0. */
  drop_path_rate?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const LEVIT_KEYS = ['arch', 'img_size', 'patch_size', 'attn_ratio', 'mlp_ratio', 'act_cfg', 'out_indices', 'deploy', 'drop_path_rate', 'init_cfg'];

export class LeViT extends BaseBackbone implements Reparameterizable {
  readonly arch: LeViTArch;
  readonly numStages: number;
  readonly resolutions: number[] = [];
  readonly outIndices: number[];
  deploy = false;

  constructor(opts: LeViTOptions) {
    checkKeys(opts ?? {}, LEVIT_KEYS, 'LeViT');
    super(opts.init_cfg);
    const { arch: archOpt, img_size = 224, patch_size = 16, attn_ratio = 2, mlp_ratio = 2, act_cfg = { type: 'HSwish' }, out_indices = -1, deploy = false, drop_path_rate = 0 } = opts;
    if (typeof archOpt === 'string') {
      const name = archOpt.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(LEVIT_ARCH, name), () => `Arch ${name} is not in default archs ${pySetRepr(LEVIT_ARCH_NAMES)}`);
      this.arch = LEVIT_ARCH[name];
    } else if (archOpt && typeof archOpt === 'object' && !Array.isArray(archOpt)) {
      const want = ['embed_dims', 'num_heads', 'depths', 'key_dims'];
      const got = Object.keys(archOpt);
      assert(got.length === want.length && want.every((k) => got.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(want)}`);
      this.arch = archOpt;
    } else {
      throw new TypeError(`Expect "arch" to be either a string or a dict, got ${typeof archOpt}`);
    }
    const { embed_dims, num_heads, depths, key_dims } = this.arch;
    assert([num_heads, depths, key_dims].every((l) => Array.isArray(l) && l.length === embed_dims.length), () => 'LeViT: embed_dims, num_heads, depths and key_dims must be lists of the same length');
    this.numStages = embed_dims.length;

    this.addModule('patch_embed', new HybridBackbone(embed_dims[0]));
    let resolution = Math.floor(img_size / patch_size);
    const stages = new ModuleList<Sequential>();
    for (let i = 0; i < this.numStages; i++) {
      const blocks = new Sequential();
      const mlp = () => new LeViTResidual(new LeViTMLP(embed_dims[i], mlp_ratio, act_cfg), drop_path_rate);
      if (i > 0) {
        const down = new AttentionSubsample(embed_dims[i - 1], embed_dims[i], key_dims[i], Math.floor(embed_dims[i - 1] / key_dims[i]), 4, act_cfg, 2, resolution);
        blocks.append(down);
        resolution = down.subResolution;
        if (mlp_ratio > 0) blocks.append(mlp());
      }
      this.resolutions.push(resolution);
      for (let j = 0; j < depths[i]; j++) {
        blocks.append(new LeViTResidual(new LeViTAttention(embed_dims[i], key_dims[i], num_heads[i], attn_ratio, act_cfg, resolution), drop_path_rate));
        if (mlp_ratio > 0) blocks.append(mlp());
      }
      stages.push(blocks);
    }
    this.addModule('stages', stages);

    const list = typeof out_indices === 'number' ? [out_indices] : Array.isArray(out_indices) ? [...out_indices] : null;
    if (!list) throw new TypeError(`"out_indices" must by a list, tuple or int, get ${typeof out_indices} instead.`);
    this.outIndices = list.map((index) => {
      const j = index < 0 ? this.numStages + index : index;
      assert(j >= 0 && j < this.numStages, () => `Invalid out_indices ${index}.`);
      return j;
    });
    if (deploy) this.switchToDeploy();
  }

  /** Folds every conv+BN / linear+BN pair (MMPretrain's `fuse_parameters`); idempotent. */
  switchToDeploy(): void {
    if (this.deploy) return;
    fuseParameters(this);
    this.deploy = true;
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const pe = this.child('patch_embed');
    let y = tf.tidy(() => {
      const f = pe.call(x) as Tensor;
      return tf.reshape(f, [f.shape[0], -1, f.shape[3]!]);
    });
    // Each stage's output is freed once the next one exists, unless a forward hook watches it (CAM, feature taps).
    let disposable = true;
    this.child<ModuleList<Sequential>>('stages')
      .items()
      .forEach((stage, i) => {
        const next = stage.call(y);
        if (disposable) y.dispose();
        y = next;
        disposable = !stage.hasForwardHooks();
        if (this.outIndices.includes(i)) {
          const r = this.resolutions[i];
          outs.push(tf.reshape(y, [y.shape[0], r, r, y.shape[2]!]));
        }
      });
    if (disposable) y.dispose();
    return outs;
  }
}
