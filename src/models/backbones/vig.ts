/**
 * Vision GNN (MMPretrain `backbones/vig.py`): `Vig` (isotropic, 14×14 nodes) and `PyramidVig` (four stages).
 *
 * Each block is `Sequential(Grapher, FFN)`. The Grapher projects (`fc1`), builds a dynamic k-NN graph over the
 * nodes (L2-normalised features, optional relative-position term, dilated neighbour selection; with `r > 1` the
 * neighbours are taken from an r×r average-pooled copy), aggregates with `graph_conv.gconv` (max-relative `mr`,
 * `edge`, `sage` or `gin`), projects back (`fc2`) and adds the shortcut. Everything runs channels last: the N nodes
 * sit on the H axis of an [B, N, 1, C] map, their neighbours on the W axis ([B, N, k, C]).
 *
 * `Vig` / `PyramidVig` keep MMPretrain's quirk that the stem stays in eval mode (`_freeze_stages` runs on every
 * `train()`); frozen blocks are also frozen at construction here (PyTorch waits for the first `train()`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout, DropPath, type Stochastic } from '../nn/dropout';
import { Generator } from '../../utils/random';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { AvgPool2d } from '../nn/pooling';
import { pySetRepr } from '../utils/arch_settings';
import { interpolationMatrix } from '../utils/embed';
import { denseKnn, dilateNeighbours, gatherNeighbours } from '../utils/graph_knn';
import { linspace } from '../utils/linspace';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

function normLayer(cfg: NormCfg, channels: number): AnyModule {
  return buildNormLayer(cfg, channels)[1];
}

/** `BasicConv`: per step a 1×1 conv with 4 groups, then norm, activation and (drop > 0) Dropout2d. */
export class BasicConv extends Sequential {
  constructor(channels: number[], actCfg: ActCfg | null, normCfg: NormCfg | null, bias = true, drop = 0) {
    super();
    for (let i = 1; i < channels.length; i++) {
      this.append(new Conv2d({ in_channels: channels[i - 1], out_channels: channels[i], kernel_size: 1, bias, groups: 4 }));
      if (normCfg) this.append(normLayer(normCfg, channels[channels.length - 1]));
      if (actCfg) this.append(buildActivationLayer(actCfg));
      if (drop > 0) this.append(new Dropout2d(drop));
    }
  }
  override typeNames(): string[] {
    return ['BasicConv', 'Sequential'];
  }
}

/** `nn.Dropout2d` on NHWC: whole channels of a sample dropped together. */
class Dropout2d extends Dropout {
  override typeNames(): string[] {
    return ['Dropout2d'];
  }
  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.tidy(() => {
      const shape = [x.shape[0]!, 1, 1, x.shape[3]!];
      const keep = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.generator.nextSeed()), 1 - this.p));
      return tf.mul(tf.div(x, 1 - this.p), keep);
    });
  }
}

export type GraphConvType = 'mr' | 'edge' | 'sage' | 'gin';

/** A graph convolution on nodes x [B, N, 1, C] with neighbours y[idx] ([B, N, k, C]) → [B, N, 1, C']. */
abstract class GraphConvBase extends Module<Tensor, Tensor> {
  abstract aggregate(x: Tensor, neighbours: Tensor): Tensor;
  forward(): Tensor {
    throw new Error(`${this.typeName}: call aggregate(x, neighbours)`);
  }
}

/** Max-relative graph convolution: nn(interleave(x, max_j(x_j − x_i))). */
export class MRConv2d extends GraphConvBase {
  constructor(inC: number, outC: number, act: ActCfg | null, norm: NormCfg | null, bias: boolean) {
    super();
    this.addModule('nn', new BasicConv([inC * 2, outC], act, norm, bias));
  }
  override typeNames(): string[] {
    return ['MRConv2d'];
  }
  aggregate(x: Tensor, nb: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n, , c] = x.shape as [number, number, number, number];
      const rel = tf.max(tf.sub(nb, x), 2, true);
      // torch.cat([x, x_j], dim=2).reshape(b, 2c, n, 1): channels interleaved x₀, x_j₀, x₁, x_j₁, …
      const both = tf.reshape(tf.stack([x, rel], 4), [b, n, 1, 2 * c]);
      return this.child('nn').call(both) as Tensor;
    });
  }
}

/** Edge convolution: max_j nn([x_i, x_j − x_i]). */
export class EdgeConv2d extends GraphConvBase {
  constructor(inC: number, outC: number, act: ActCfg | null, norm: NormCfg | null, bias: boolean) {
    super();
    this.addModule('nn', new BasicConv([inC * 2, outC], act, norm, bias));
  }
  override typeNames(): string[] {
    return ['EdgeConv2d'];
  }
  aggregate(x: Tensor, nb: Tensor): Tensor {
    return tf.tidy(() => {
      const xi = tf.broadcastTo(x, nb.shape);
      const y = this.child('nn').call(tf.concat([xi, tf.sub(nb, xi)], 3)) as Tensor;
      return tf.max(y, 2, true);
    });
  }
}

/** GraphSAGE: nn2([x, max_j nn1(x_j)]). */
export class GraphSAGE extends GraphConvBase {
  constructor(inC: number, outC: number, act: ActCfg | null, norm: NormCfg | null, bias: boolean) {
    super();
    this.addModule('nn1', new BasicConv([inC, inC], act, norm, bias));
    this.addModule('nn2', new BasicConv([inC * 2, outC], act, norm, bias));
  }
  override typeNames(): string[] {
    return ['GraphSAGE'];
  }
  aggregate(x: Tensor, nb: Tensor): Tensor {
    return tf.tidy(() => {
      const xj = tf.max(this.child('nn1').call(nb) as Tensor, 2, true);
      return this.child('nn2').call(tf.concat([x, xj], 3)) as Tensor;
    });
  }
}

/** GIN: nn((1 + eps)·x + Σ_j x_j). */
export class GINConv2d extends GraphConvBase {
  readonly eps: tf.Variable;
  constructor(inC: number, outC: number, act: ActCfg | null, norm: NormCfg | null, bias: boolean) {
    super();
    this.addModule('nn', new BasicConv([inC, outC], act, norm, bias));
    this.eps = this.registerParameter('eps', [1], 0);
  }
  override typeNames(): string[] {
    return ['GINConv2d'];
  }
  aggregate(x: Tensor, nb: Tensor): Tensor {
    return tf.tidy(() => {
      const xj = tf.sum(nb, 2, true);
      return this.child('nn').call(tf.add(tf.mul(tf.add(this.eps, 1), x), xj)) as Tensor;
    });
  }
}

export interface DyGraphConv2dOptions {
  in_channels: number;
  out_channels: number;
  k?: number;
  dilation?: number;
  graph_conv_type?: GraphConvType;
  act_cfg?: ActCfg | null;
  norm_cfg?: NormCfg | null;
  graph_conv_bias?: boolean;
  use_stochastic?: boolean;
  epsilon?: number;
  r?: number;
}

/** `DyGraphConv2d`: the dynamic k-NN graph of the nodes, then `gconv`. x: NHWC. */
export class DyGraphConv2d extends Module<Tensor, Tensor> implements Stochastic {
  generator = new Generator(0);
  readonly k: number;
  readonly d: number;
  readonly r: number;
  readonly useStochastic: boolean;
  readonly epsilon: number;
  private readonly pool: AvgPool2d | null;

  constructor(o: DyGraphConv2dOptions) {
    super();
    const { k = 9, dilation = 1, graph_conv_type = 'mr', act_cfg = { type: 'GELU' }, norm_cfg = null, graph_conv_bias = true, use_stochastic = false, epsilon = 0.2, r = 1 } = o;
    const Conv = { edge: EdgeConv2d, mr: MRConv2d, sage: GraphSAGE, gin: GINConv2d }[graph_conv_type];
    if (!Conv) throw new Error(`graph_conv_type:${String(graph_conv_type)} is not supported`);
    this.addModule('gconv', new Conv(o.in_channels, o.out_channels, act_cfg, norm_cfg, graph_conv_bias));
    this.k = k;
    this.d = dilation;
    this.r = r;
    this.useStochastic = use_stochastic;
    this.epsilon = epsilon;
    this.pool = r > 1 ? new AvgPool2d({ kernel_size: r, stride: r }) : null;
  }

  override typeNames(): string[] {
    return ['DyGraphConv2d', 'GraphConv2d'];
  }

  /** The neighbour positions kept of the k·d nearest: every d-th, or (stochastic, training) k random ones. */
  private randomPick(): number[] | null {
    if (!(this.useStochastic && this.training && this.generator.random() < this.epsilon)) return null;
    return this.generator.permutation(this.k * this.d).slice(0, this.k);
  }

  /** Neighbour indices [B, N, k] of the nodes x [B, N, C] among y [B, M, C]. */
  edgeIndex(x: Tensor, y: Tensor, relativePos: Tensor | null): Tensor {
    return tf.tidy(() => dilateNeighbours(denseKnn(x, y, this.k * this.d, relativePos), this.d, this.randomPick()));
  }

  forwardWithPos(x: Tensor, relativePos: Tensor | null): Tensor {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const nodes = tf.reshape(x, [b, h * w, c]);
      const y = this.pool ? tf.reshape(this.pool.call(x), [b, -1, c]) : nodes;
      const idx = this.edgeIndex(nodes, y, relativePos);
      const out = this.child<GraphConvBase>('gconv').aggregate(tf.reshape(nodes, [b, h * w, 1, c]), gatherNeighbours(y, idx));
      return tf.reshape(out, [b, h, w, -1]);
    });
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithPos(x, null);
  }
}

/** `get_2d_sincos_pos_embed(embed_dim, grid_size)`: [grid², embed_dim] (first half from the column coordinate). */
function sincos2d(embedDim: number, grid: number): Float64Array {
  assert(embedDim % 4 === 0, () => `relative_pos needs channels divisible by 4, got ${embedDim}`);
  const quarter = embedDim / 4;
  const omega = Array.from({ length: quarter }, (_, i) => 1 / 10000 ** (i / quarter));
  const out = new Float64Array(grid * grid * embedDim);
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      const row = (i * grid + j) * embedDim;
      for (let q = 0; q < quarter; q++) {
        out[row + q] = Math.sin(j * omega[q]);
        out[row + quarter + q] = Math.cos(j * omega[q]);
        out[row + 2 * quarter + q] = Math.sin(i * omega[q]);
        out[row + 3 * quarter + q] = Math.cos(i * omega[q]);
      }
    }
  }
  return out;
}

/**
 * The Grapher's initial `relative_pos` [1, n, n/r²]: −(2·P·Pᵀ/C) of the sincos embedding P of the √n×√n grid,
 * bicubically resized along the key axis to n/r² (align_corners False).
 */
export function vigRelativePos(channels: number, n: number, r: number): Float32Array {
  const g = Math.trunc(Math.sqrt(n));
  const p = sincos2d(channels, g);
  const m = Math.trunc(n / (r * r));
  // resize(P·Pᵀ) = (Rows·P)·(Cols·P)ᵀ: both bicubic maps are linear
  const mix = (t: [number, number][][]) => {
    const out = new Float64Array(t.length * channels);
    t.forEach((row, o) => {
      for (const [i, w] of row) for (let c = 0; c < channels; c++) out[o * channels + c] += w * p[i * channels + c];
    });
    return out;
  };
  const a = mix(taps(g * g, n));
  const b = mix(taps(g * g, m));
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += a[i * channels + c] * b[j * channels + c];
      out[i * m + j] = (-2 * s) / channels;
    }
  }
  return out;
}

/** The non-zero (input index, weight) pairs of each output of a bicubic resize inSize → outSize (identity if equal). */
function taps(inSize: number, outSize: number): [number, number][][] {
  if (inSize === outSize) return Array.from({ length: outSize }, (_, o) => [[o, 1]]);
  const mat = interpolationMatrix(inSize, outSize, 'bicubic');
  return Array.from({ length: outSize }, (_, o) => {
    const row: [number, number][] = [];
    for (let i = 0; i < inSize; i++) if (mat[o * inSize + i] !== 0) row.push([i, mat[o * inSize + i]]);
    return row;
  });
}

export interface GrapherOptions {
  in_channels: number;
  k?: number;
  dilation?: number;
  graph_conv_type?: GraphConvType;
  act_cfg?: ActCfg | null;
  norm_cfg?: NormCfg | null;
  graph_conv_bias?: boolean;
  use_stochastic?: boolean;
  epsilon?: number;
  r?: number;
  n?: number;
  drop_path?: number;
  relative_pos?: boolean;
}

/** `Grapher`: x + drop_path(fc2(graph_conv(fc1(x), relative_pos))). */
export class Grapher extends Module<Tensor, Tensor> {
  readonly channels: number;
  readonly n: number;
  readonly r: number;
  readonly relativePos: tf.Variable | null;

  constructor(o: GrapherOptions) {
    super();
    const { k = 9, dilation = 1, graph_conv_type = 'mr', act_cfg = { type: 'GELU' }, norm_cfg = null, graph_conv_bias = true, use_stochastic = false, epsilon = 0.2, r = 1, n = 196, drop_path = 0, relative_pos = false } = o;
    const c = o.in_channels;
    this.channels = c;
    this.n = n;
    this.r = r;
    this.addModule('fc1', new Sequential(new Conv2d({ in_channels: c, out_channels: c, kernel_size: 1 }), normLayer({ type: 'BN' }, c)));
    this.addModule('graph_conv', new DyGraphConv2d({ in_channels: c, out_channels: c * 2, k, dilation, graph_conv_type, act_cfg, norm_cfg, graph_conv_bias, use_stochastic, epsilon, r }));
    this.addModule('fc2', new Sequential(new Conv2d({ in_channels: c * 2, out_channels: c, kernel_size: 1 }), normLayer({ type: 'BN' }, c)));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.relativePos = null;
    if (relative_pos) {
      const m = Math.trunc(n / (r * r));
      this.relativePos = this.registerParameter('relative_pos', [1, n, m], 0, false);
      const init = vigRelativePos(c, n, r);
      tf.tidy(() => this.relativePos!.assign(tf.tensor3d(init, [1, n, m])));
    }
  }

  override typeNames(): string[] {
    return ['Grapher'];
  }

  /** `_get_relative_pos`: the table, bicubically resized to (H·W, H·W/r²) when the node count differs from n. */
  relativePosFor(h: number, w: number): Tensor | null {
    const rp = this.relativePos;
    if (!rp || h * w === this.n) return rp;
    return tf.tidy(() => {
      const n = h * w;
      const m = Math.trunc(n / (this.r * this.r));
      const [, sn, sm] = rp.shape as [number, number, number];
      const my = tf.tensor2d(interpolationMatrix(sn, n, 'bicubic'), [n, sn]);
      const mx = tf.tensor2d(interpolationMatrix(sm, m, 'bicubic'), [m, sm]);
      return tf.reshape(tf.matMul(tf.matMul(my, tf.reshape(rp, [sn, sm])), mx, false, true), [1, n, m]);
    });
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const rp = this.relativePosFor(x.shape[1]!, x.shape[2]!);
      const h = this.child('fc1').call(x) as Tensor;
      const g = this.child<DyGraphConv2d>('graph_conv').forwardWithPos(h, rp);
      const y = this.child('fc2').call(g) as Tensor;
      return tf.add(this.child('drop_path').call(y) as Tensor, x);
    });
  }
}

/** Vig's `FFN`: x + drop_path(fc2(act(fc1(x)))), each fc a 1×1 conv + BN. */
export class VigFFN extends Module<Tensor, Tensor> {
  constructor(inFeatures: number, hidden: number, actCfg: ActCfg, dropPath: number) {
    super();
    this.addModule('fc1', new Sequential(new Conv2d({ in_channels: inFeatures, out_channels: hidden, kernel_size: 1 }), normLayer({ type: 'BN' }, hidden)));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('fc2', new Sequential(new Conv2d({ in_channels: hidden, out_channels: inFeatures, kernel_size: 1 }), normLayer({ type: 'BN' }, inFeatures)));
    this.addModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
  }
  override typeNames(): string[] {
    return ['FFN'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = this.child('act').call(this.child('fc1').call(x) as Tensor) as Tensor;
      return tf.add(this.child('drop_path').call(this.child('fc2').call(h) as Tensor) as Tensor, x);
    });
  }
}

function pickArch<T>(arch: unknown, settings: Record<string, T>, where: string): T {
  assert(typeof arch === 'string' && Object.prototype.hasOwnProperty.call(settings, arch), () => `${where}: KeyError '${String(arch)}': arch must be one of ${pySetRepr(Object.keys(settings))}`);
  return settings[arch as string];
}

function outIndexList(outIndices: unknown, count: number): number[] {
  let list: number[];
  if (typeof outIndices === 'number') list = [outIndices];
  else if (Array.isArray(outIndices)) list = [...(outIndices as number[])];
  else throw new TypeError(`"out_indices" must by a tuple, list or int, get ${typeof outIndices} instead.`);
  return list.map((index) => {
    const i = index < 0 ? count + index : index;
    assert(i >= 0 && i <= count, () => `Invalid out_indices ${index}`);
    return i;
  });
}

/** Adds the [1, C, h, w] position parameter to an NHWC map. */
function addPosEmbed(x: Tensor, pos: tf.Variable): Tensor {
  assert(x.shape[1] === pos.shape[2] && x.shape[2] === pos.shape[3], () => `The size of tensor a (${x.shape[1]}×${x.shape[2]}) must match the size of tensor b (${pos.shape[2]}×${pos.shape[3]}) of pos_embed: the input must be 224×224`);
  return tf.add(x, tf.transpose(pos, [0, 2, 3, 1]));
}

const COMMON_KEYS = ['arch', 'in_channels', 'k', 'out_indices', 'act_cfg', 'norm_cfg', 'graph_conv_bias', 'graph_conv_type', 'epsilon', 'use_stochastic', 'drop_path', 'norm_eval', 'frozen_stages', 'init_cfg'];

export interface VigCommonOptions {
  arch: string;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 9. */
  k?: number;
  /** Default: -1. */
  out_indices?: number | number[];
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: true. */
  graph_conv_bias?: boolean;
  /** 'mr' | 'edge' | 'sage' | 'gin'. Default: 'mr'. */
  graph_conv_type?: GraphConvType;
  /** Default: 0.2. */
  epsilon?: number;
  /** Default: false. */
  use_stochastic?: boolean;
  /** Default: 0. */
  drop_path?: number;
  /** Default: false. */
  norm_eval?: boolean;
  /** Default: 0. */
  frozen_stages?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

export interface VigOptions extends VigCommonOptions {
  /** Default: true. */
  use_dilation?: boolean;
  /** Default: false. */
  relative_pos?: boolean;
}

function convBnAct(inC: number, outC: number, stride: number, norm: NormCfg, act: ActCfg | null): AnyModule[] {
  const out: AnyModule[] = [new Conv2d({ in_channels: inC, out_channels: outC, kernel_size: 3, stride, padding: 1 }), normLayer(norm, outC)];
  if (act) out.push(buildActivationLayer(act));
  return out;
}

abstract class VigBase extends BaseBackbone {
  readonly outIndices: number[];
  readonly normEval: boolean;
  readonly frozenStages: number;
  readonly posEmbed: tf.Variable;

  protected constructor(o: VigCommonOptions, outCount: number, stem: AnyModule[], posShape: number[]) {
    super(o.init_cfg);
    this.outIndices = outIndexList(o.out_indices ?? -1, outCount);
    this.normEval = o.norm_eval ?? false;
    this.frozenStages = o.frozen_stages ?? 0;
    this.posEmbed = this.registerParameter('pos_embed', posShape);
    this.addModule('stem', new Sequential(...stem));
  }

  protected abstract frozenModules(): AnyModule[];

  protected freezeStages(): void {
    this.child('stem').eval();
    freeze(this.frozenModules().slice(0, this.frozenStages));
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  protected runBlocks(x: Tensor, stages: AnyModule[]): Tensor[] {
    const h = tf.tidy(() => addPosEmbed(this.child('stem').call(x) as Tensor, this.posEmbed));
    const outs = runStages(h, stages, this.outIndices);
    if (!outs.includes(h)) h.dispose();
    return outs;
  }
}

export const VIG_ARCH: Record<string, { num_blocks: number; channels: number }> = {
  tiny: { num_blocks: 12, channels: 192 },
  small: { num_blocks: 16, channels: 320 },
  base: { num_blocks: 16, channels: 640 },
};

/** Isotropic Vision GNN: stem (÷16) + pos_embed (14×14, so 224×224 inputs only), `blocks.i` = (Grapher, FFN). */
export class Vig extends VigBase {
  readonly numBlocks: number;
  readonly blocks: ModuleList<Sequential>;

  constructor(o: VigOptions) {
    checkKeys(o, [...COMMON_KEYS, 'use_dilation', 'relative_pos'], 'Vig');
    const arch = pickArch(o.arch, VIG_ARCH, 'Vig');
    const c = arch.channels;
    const norm = o.norm_cfg ?? { type: 'BN' };
    const act = o.act_cfg ?? { type: 'GELU' };
    const inC = o.in_channels ?? 3;
    const stem = [...convBnAct(inC, c / 8, 2, norm, act), ...convBnAct(c / 8, c / 4, 2, norm, act), ...convBnAct(c / 4, c / 2, 2, norm, act), ...convBnAct(c / 2, c, 2, norm, act), ...convBnAct(c, c, 1, norm, null)];
    super(o, arch.num_blocks, stem, [1, c, 14, 14]);
    this.numBlocks = arch.num_blocks;
    const k = o.k ?? 9;
    const dpr = linspace(0, o.drop_path ?? 0, this.numBlocks);
    const numKnn = linspace(k, 2 * k, this.numBlocks).map((v) => Math.trunc(v));
    const maxDilation = Math.floor(196 / Math.max(...numKnn));
    const useDilation = o.use_dilation ?? true;
    this.blocks = this.addModule('blocks', new ModuleList<Sequential>());
    for (let i = 0; i < this.numBlocks; i++) {
      this.blocks.push(
        new Sequential(
          new Grapher({
            in_channels: c,
            k: numKnn[i],
            dilation: useDilation ? Math.min(Math.floor(i / 4) + 1, maxDilation) : 1,
            graph_conv_type: o.graph_conv_type ?? 'mr',
            act_cfg: act,
            norm_cfg: norm,
            graph_conv_bias: o.graph_conv_bias ?? true,
            use_stochastic: o.use_stochastic ?? false,
            epsilon: o.epsilon ?? 0.2,
            drop_path: dpr[i],
            relative_pos: o.relative_pos ?? false,
          }),
          new VigFFN(c, c * 4, act, dpr[i]),
        ),
      );
    }
    if (this.frozenStages > 0) this.freezeStages();
  }

  protected frozenModules(): AnyModule[] {
    return this.blocks.items();
  }

  /** x: NHWC 224×224 → the [B, 14, 14, C] map after each block of `out_indices`. */
  forward(x: Tensor): Tensor[] {
    return this.runBlocks(x, this.blocks.items());
  }
}

export const PYRAMID_VIG_ARCH: Record<string, { blocks: number[]; channels: number[] }> = {
  tiny: { blocks: [2, 2, 6, 2], channels: [48, 96, 240, 384] },
  small: { blocks: [2, 2, 6, 2], channels: [80, 160, 400, 640] },
  medium: { blocks: [2, 2, 16, 2], channels: [96, 192, 384, 768] },
  base: { blocks: [2, 2, 18, 2], channels: [128, 256, 512, 1024] },
};

/**
 * Pyramid Vision GNN: stem (÷4) + pos_embed (56×56, so 224×224 inputs only), four `stages` (a stride-2 conv + BN
 * downsample before stages 1–3, then (Grapher, FFN) blocks with relative position, neighbour pools r = 4, 2, 1, 1).
 */
export class PyramidVig extends VigBase {
  readonly numStages: number;
  readonly stages: ModuleList<Sequential>;

  constructor(o: VigCommonOptions) {
    checkKeys(o, COMMON_KEYS, 'PyramidVig');
    const arch = pickArch(o.arch, PYRAMID_VIG_ARCH, 'PyramidVig');
    const ch = arch.channels;
    const norm = o.norm_cfg ?? { type: 'BN' };
    const act = o.act_cfg ?? { type: 'GELU' };
    const inC = o.in_channels ?? 3;
    const stem = [...convBnAct(inC, ch[0] / 2, 2, norm, act), ...convBnAct(ch[0] / 2, ch[0], 2, norm, act), ...convBnAct(ch[0], ch[0], 1, norm, null)];
    super(o, arch.blocks.length, stem, [1, ch[0], 56, 56]);
    this.numStages = arch.blocks.length;
    const numBlocks = arch.blocks.reduce((a, b) => a + b, 0);
    const k = o.k ?? 9;
    const dpr = linspace(0, o.drop_path ?? 0, numBlocks);
    const numKnn = linspace(k, k, numBlocks).map((v) => Math.trunc(v));
    const maxDilation = Math.floor(49 / Math.max(...numKnn));
    let hw = 56 * 56;
    const reduceRatios = [4, 2, 1, 1];
    this.stages = this.addModule('stages', new ModuleList<Sequential>());
    let blockIdx = 0;
    arch.blocks.forEach((count, s) => {
      const c = ch[s];
      const stage = new Sequential();
      if (s > 0) {
        stage.append(new Sequential(new Conv2d({ in_channels: ch[s - 1], out_channels: c, kernel_size: 3, stride: 2, padding: 1 }), normLayer(norm, c)));
        hw = Math.floor(hw / 4);
      }
      for (let j = 0; j < count; j++) {
        stage.append(
          new Sequential(
            new Grapher({
              in_channels: c,
              k: numKnn[blockIdx],
              dilation: Math.min(Math.floor(blockIdx / 4) + 1, maxDilation),
              graph_conv_type: o.graph_conv_type ?? 'mr',
              act_cfg: act,
              norm_cfg: norm,
              graph_conv_bias: o.graph_conv_bias ?? true,
              use_stochastic: o.use_stochastic ?? false,
              epsilon: o.epsilon ?? 0.2,
              r: reduceRatios[s],
              n: hw,
              drop_path: dpr[blockIdx],
              relative_pos: true,
            }),
            new VigFFN(c, c * 4, act, dpr[blockIdx]),
          ),
        );
        blockIdx++;
      }
      this.stages.push(stage);
    });
    if (this.frozenStages > 0) this.freezeStages();
  }

  protected frozenModules(): AnyModule[] {
    return this.stages.items();
  }

  /** x: NHWC 224×224 → the NHWC map after each stage of `out_indices`. */
  forward(x: Tensor): Tensor[] {
    return this.runBlocks(x, this.stages.items());
  }
}
