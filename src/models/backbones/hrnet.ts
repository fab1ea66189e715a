/**
 * HRNet (MMPretrain `backbones/hrnet.py`): a two-conv stem, `layer1` (a ResLayer), then stages 2–4 of `HRModule`s
 * keeping parallel branches at 1/4, 1/8, 1/16, 1/32 resolution, exchanged by `fuse_layers` after each module and
 * widened by `transition1-3`. Returns every branch of the last stage (only the first with `multiscale_output: false`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { ReLU } from '../nn/activation';
import { buildConvLayer, buildNormLayer, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import type { Conv2d } from '../nn/conv';
import type { InitCfg } from '../nn/init';
import { Identity, Module, type AnyModule } from '../nn/module';
import { Upsample } from '../utils/upsample';
import { BaseBackbone, batchNormsToEval } from './base_backbone';
import { BasicBlock, Bottleneck, ResLayer, type BlockClass } from './resnet';

/** One stage of `extra`, as MMPretrain's dicts. */
export interface HRStageCfg {
  num_modules: number;
  num_branches: number;
  /** 'BASIC' (BasicBlock) or 'BOTTLENECK' (Bottleneck). */
  block: string;
  num_blocks: number[];
  num_channels: number[];
  /** mmseg's key; only 'SUM' exists (MMPretrain ignores it). */
  fuse_method?: string;
}

/** `extra`: the four stages. */
export interface HRNetExtra {
  stage1: HRStageCfg;
  stage2: HRStageCfg;
  stage3: HRStageCfg;
  stage4: HRStageCfg;
}

const BLOCKS: Record<string, [BlockClass, number]> = { BASIC: [BasicBlock, 1], BOTTLENECK: [Bottleneck, 4] };

function blockOf(name: string): [BlockClass, number] {
  const b = BLOCKS[name];
  assert(b, () => `HRNet: unknown block '${name}' (choose from 'BASIC', 'BOTTLENECK')`);
  return b;
}

/** Runs `m` on `x` in its own tidy. */
const run = (m: AnyModule, x: Tensor): Tensor => tf.tidy(() => m.call(x) as Tensor);

/** conv (no bias) → norm (→ ReLU, in place in the transitions), as the fuse and transition layers' `nn.Sequential`s. */
function convNorm(convCfg: ConvCfg | null, normCfg: NormCfg, inC: number, outC: number, k: number, stride: number, relu: false | 'relu' | 'inplace', tail?: AnyModule): Sequential {
  const seq = new Sequential(
    buildConvLayer(convCfg, { in_channels: inC, out_channels: outC, kernel_size: k, stride, padding: (k - 1) / 2, bias: false }),
    buildNormLayer(normCfg, outC)[1],
  );
  if (relu) {
    const act = new ReLU();
    act.inplace = relu === 'inplace';
    seq.append(act);
  }
  if (tail) seq.append(tail);
  return seq;
}

/** Options of one `HRModule`. */
export interface HRModuleOptions {
  num_branches: number;
  block: BlockClass;
  expansion: number;
  num_blocks: number[];
  in_channels: number[];
  num_channels: number[];
  /** Fuse into every branch (else only the first). Default: true. */
  multiscale_output?: boolean;
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
}

/** Parallel residual branches, then each output branch sums every branch resized to it (upsample / strided convs) and a ReLU. */
export class HRModule extends Module<Tensor[], Tensor[]> {
  readonly numBranches: number;
  readonly numOutBranches: number;

  constructor(o: HRModuleOptions) {
    super();
    const { num_branches: nb, num_blocks, in_channels, num_channels, multiscale_output = true, conv_cfg = null, norm_cfg = { type: 'BN' } } = o;
    if (nb !== num_blocks.length) throw new Error(`NUM_BRANCHES(${nb}) != NUM_BLOCKS(${num_blocks.length})`);
    if (nb !== num_channels.length) throw new Error(`NUM_BRANCHES(${nb}) != NUM_CHANNELS(${num_channels.length})`);
    if (nb !== in_channels.length) throw new Error(`NUM_BRANCHES(${nb}) != NUM_INCHANNELS(${in_channels.length})`);
    this.numBranches = nb;
    const branches = new ModuleList();
    for (let i = 0; i < nb; i++) {
      branches.push(
        new ResLayer({ block: o.block, num_blocks: num_blocks[i], in_channels: in_channels[i], out_channels: num_channels[i] * o.expansion, expansion: o.expansion, conv_cfg, norm_cfg }),
      );
    }
    this.addModule('branches', branches);
    this.numOutBranches = nb === 1 ? 1 : multiscale_output ? nb : 1;
    if (nb > 1) {
      const fuse = new ModuleList();
      for (let i = 0; i < this.numOutBranches; i++) {
        // PyTorch keeps `None` at j == i, so the other entries keep their indices.
        const layer = new ModuleList();
        for (let j = 0; j < nb; j++) {
          if (j > i) {
            layer.addModule(String(j), convNorm(conv_cfg, norm_cfg, in_channels[j], in_channels[i], 1, 1, false, new Upsample({ scale_factor: 2 ** (j - i) })));
          } else if (j < i) {
            const down = new Sequential();
            for (let k = 0; k < i - j; k++) {
              const last = k === i - j - 1;
              down.append(convNorm(conv_cfg, norm_cfg, in_channels[j], last ? in_channels[i] : in_channels[j], 3, 2, !last && 'relu'));
            }
            layer.addModule(String(j), down);
          }
        }
        fuse.push(layer);
      }
      this.addModule('fuse_layers', fuse);
    }
    this.addModule('relu', new ReLU());
  }

  override typeNames(): string[] {
    return ['HRModule'];
  }

  forward(x: Tensor[]): Tensor[] {
    assert(x.length === this.numBranches, () => `HRModule: expected ${this.numBranches} inputs, got ${x.length}`);
    const branches = this.child<ModuleList>('branches');
    if (this.numBranches === 1) return [run(branches.at(0), x[0])];
    return tf.tidy(() => {
      const xs = x.map((xi, i) => run(branches.at(i), xi));
      const fuse = this.child<ModuleList>('fuse_layers');
      const out: Tensor[] = [];
      for (let i = 0; i < this.numOutBranches; i++) {
        const layer = fuse.at(i) as ModuleList;
        let y: Tensor | null = null;
        for (let j = 0; j < this.numBranches; j++) {
          const t = j === i ? xs[j] : run(layer.child(String(j)), xs[j]);
          y = y ? tf.add(y, t) : t;
        }
        out.push(this.child('relu').call(y as Tensor) as Tensor);
      }
      return out;
    });
  }
}

/** mmengine `Sequential` of HRModules passing the list of branches along. */
export class HRStage extends Module<Tensor[], Tensor[]> {
  constructor(modules: HRModule[]) {
    super();
    modules.forEach((m, i) => this.addModule(String(i), m));
  }
  override typeNames(): string[] {
    return ['Sequential'];
  }
  forward(x: Tensor[]): Tensor[] {
    let y = x;
    for (const [, m] of this.namedChildren()) {
      const next = tf.tidy(() => (m as HRModule).call(y));
      if (y !== x && !m.hasForwardHooks()) tf.dispose(y);
      y = next;
    }
    return y;
  }
}

/** Options of `HRNet`, named and defaulted as MMPretrain's. */
export interface HRNetOptions {
  /** 'w18', 'w30', 'w32', 'w40', 'w44', 'w48' or 'w64' (used when `extra` is absent). Default: 'w32'. */
  arch?: string;
  /** Explicit stages (`stage1`–`stage4`); wins over `arch`. */
  extra?: HRNetExtra | null;
  /** Default: 3. */
  in_channels?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN (the stem's `layer1` always uses plain BN, as MMPretrain). */
  norm_cfg?: NormCfg;
  /** Keep BatchNorm in eval mode while training. Default: false. */
  norm_eval?: boolean;
  /** Gradient checkpointing (accepted; no effect here). Default: false. */
  with_cp?: boolean;
  /**
   * Accepted. MMPretrain 1.2 hands the zero init to each block's `init_cfg`, but its branches are plain
   * `nn.Sequential` ResLayers whose blocks' `init_weights` mmengine never calls, so it changes nothing; same here.
   */
  zero_init_residual?: boolean;
  /** Return every branch of the last stage (else only the highest-resolution one). Default: true. */
  multiscale_output?: boolean;
  /** Default: Kaiming on Conv2d, Constant 1 on norms. */
  init_cfg?: InitCfg | InitCfg[] | null;
}

const HRNET_KEYS = ['arch', 'extra', 'in_channels', 'conv_cfg', 'norm_cfg', 'norm_eval', 'with_cp', 'zero_init_residual', 'multiscale_output', 'init_cfg'];
const STAGE_KEYS = ['num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels', 'fuse_method'];

type StageRow = [number, number, string, number[], number[]];
const widthRows = (w: number): StageRow[] => [
  [1, 1, 'BOTTLENECK', [4], [64]],
  [1, 2, 'BASIC', [4, 4], [w, 2 * w]],
  [4, 3, 'BASIC', [4, 4, 4], [w, 2 * w, 4 * w]],
  [3, 4, 'BASIC', [4, 4, 4, 4], [w, 2 * w, 4 * w, 8 * w]],
];

/** MMPretrain's `arch_zoo`: num_modules, num_branches, block, num_blocks, num_channels per stage. */
export const HRNET_ARCH_ZOO: Record<string, StageRow[]> = Object.fromEntries([18, 30, 32, 40, 44, 48, 64].map((w) => [`w${w}`, widthRows(w)]));

const DEFAULT_HRNET_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: 'Conv2d' },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

/** `parse_arch`: `extra` when given, else the stages of `arch`. */
export function parseHRNetArch(arch: string, extra?: HRNetExtra | null): HRNetExtra {
  if (extra) return extra;
  const rows = HRNET_ARCH_ZOO[arch];
  assert(rows, () => `Invalid arch, please choose arch from [${Object.keys(HRNET_ARCH_ZOO).map((k) => `'${k}'`).join(', ')}], or specify \`extra\` argument directly.`);
  const stage = ([num_modules, num_branches, block, num_blocks, num_channels]: StageRow): HRStageCfg => ({ num_modules, num_branches, block, num_blocks, num_channels });
  return { stage1: stage(rows[0]), stage2: stage(rows[1]), stage3: stage(rows[2]), stage4: stage(rows[3]) };
}

export class HRNet extends BaseBackbone {
  readonly extra: HRNetExtra;
  readonly normEval: boolean;
  readonly zeroInitResidual: boolean;
  readonly multiscaleOutput: boolean;
  /** Channels of each returned branch. */
  readonly outChannels: number[];

  constructor(opts: HRNetOptions = {}) {
    checkKeys(opts, HRNET_KEYS, 'HRNet');
    super(opts.init_cfg === undefined ? DEFAULT_HRNET_INIT : opts.init_cfg);
    const { arch = 'w32', in_channels = 3, conv_cfg = null, norm_cfg = { type: 'BN' }, norm_eval = false, zero_init_residual = false, multiscale_output = true } = opts;
    const extra = parseHRNetArch(arch, opts.extra);
    for (let i = 1; i <= 4; i++) {
      const cfg = (extra as unknown as Record<string, HRStageCfg | undefined>)[`stage${i}`];
      assert(cfg, () => `Missing stage${i} config in "extra".`);
      checkKeys(cfg, STAGE_KEYS, `HRNet extra.stage${i}`);
      assert(cfg.fuse_method === undefined || cfg.fuse_method === 'SUM', () => `HRNet extra.stage${i}: only fuse_method 'SUM' exists, got '${String(cfg.fuse_method)}'`);
      assert(
        cfg.num_blocks.length === cfg.num_branches && cfg.num_channels.length === cfg.num_branches,
        () => `HRNet extra.stage${i}: num_blocks (${cfg.num_blocks}) and num_channels (${cfg.num_channels}) need num_branches (${cfg.num_branches}) entries`,
      );
    }
    this.extra = extra;
    this.normEval = norm_eval;
    this.zeroInitResidual = zero_init_residual;
    this.multiscaleOutput = multiscale_output;

    this.addModule('conv1', buildConvLayer(conv_cfg, { in_channels, out_channels: 64, kernel_size: 3, stride: 2, padding: 1, bias: false }));
    this.addModule(...buildNormLayer(norm_cfg, 64, 1));
    this.addModule('conv2', buildConvLayer(conv_cfg, { in_channels: 64, out_channels: 64, kernel_size: 3, stride: 2, padding: 1, bias: false }));
    this.addModule(...buildNormLayer(norm_cfg, 64, 2));
    this.addModule('relu', new ReLU()).inplace = true;

    const s1 = extra.stage1;
    const [block1, exp1] = blockOf(s1.block);
    let pre = s1.num_channels.map((c) => c * exp1);
    // MMPretrain builds layer1 with ResLayer's defaults (plain conv, BN).
    this.addModule('layer1', new ResLayer({ block: block1, expansion: exp1, in_channels: 64, out_channels: pre[0], num_blocks: s1.num_blocks[0] }));

    for (let i = 2; i <= 4; i++) {
      const cfg = extra[`stage${i}` as keyof HRNetExtra];
      const [block, expansion] = blockOf(cfg.block);
      const cur = cfg.num_channels.map((c) => c * expansion);
      this.addModule(`transition${i - 1}`, this.makeTransition(pre, cur, conv_cfg, norm_cfg));
      const lastMultiscale = i === 4 ? multiscale_output : true;
      const modules: HRModule[] = [];
      for (let m = 0; m < cfg.num_modules; m++) {
        modules.push(
          new HRModule({
            num_branches: cfg.num_branches, block, expansion, num_blocks: cfg.num_blocks, in_channels: cur, num_channels: cfg.num_channels,
            multiscale_output: lastMultiscale || m !== cfg.num_modules - 1, conv_cfg, norm_cfg,
          }),
        );
      }
      this.addModule(`stage${i}`, new HRStage(modules));
      pre = cur;
    }
    this.outChannels = multiscale_output ? pre : pre.slice(0, 1);
  }

  private makeTransition(pre: number[], cur: number[], convCfg: ConvCfg | null, normCfg: NormCfg): ModuleList {
    const layers = new ModuleList();
    cur.forEach((c, i) => {
      if (i < pre.length) {
        layers.push(c !== pre[i] ? convNorm(convCfg, normCfg, pre[i], c, 3, 1, 'inplace') : new Identity());
      } else {
        const down = new Sequential();
        const inC = pre[pre.length - 1];
        for (let j = 0; j <= i - pre.length; j++) down.append(convNorm(convCfg, normCfg, inC, j === i - pre.length ? c : inC, 3, 2, 'inplace'));
        layers.push(down);
      }
    });
    return layers;
  }

  override train(mode = true): this {
    super.train(mode);
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** After BN folding: the stem's ReLUs run inside its convs. */
  fuseActivations(): void {
    for (const i of [1, 2]) if (this.child(`bn${i}`) instanceof Identity) this.child<Conv2d>(`conv${i}`).fusedActivation = 'relu';
  }

  private stemConv(i: number, x: Tensor): Tensor {
    return tf.tidy(() => {
      const conv = this.child<Conv2d>(`conv${i}`);
      const y = this.child(`bn${i}`).call(conv.call(x)) as Tensor;
      return conv.fusedActivation === 'relu' ? y : (this.child('relu').call(y) as Tensor);
    });
  }

  forward(x: Tensor): Tensor[] {
    const s1 = this.stemConv(1, x);
    const s2 = this.stemConv(2, s1);
    s1.dispose();
    let xs: Tensor[] = [run(this.child('layer1'), s2)];
    s2.dispose();
    for (let i = 2; i <= 4; i++) {
      const transition = this.child<ModuleList>(`transition${i - 1}`);
      const stage = this.child<HRStage>(`stage${i}`);
      const prev = xs;
      xs = tf.tidy(() => {
        const inputs = transition.items().map((t, j) => run(t, prev[Math.min(j, prev.length - 1)]));
        return stage.call(inputs);
      });
      tf.dispose(prev.filter((t) => !xs.includes(t)));
    }
    return xs;
  }
}
