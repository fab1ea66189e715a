/**
 * DenseNet (MMPretrain `backbones/densenet.py`): a 7×7 stem (`stem.0-3`), then per stage a `DenseBlock`
 * (`stages.i.block.j`: norm1 → act → 1×1 conv1 → norm2 → act → 3×3 conv2 on the concatenation of every earlier
 * feature) and a transition (`transitions.i`: norm → act → 1×1 conv → 2×2 avg pool; after the last stage only norm → act).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Conv2d } from '../nn/conv';
import type { Stochastic } from '../nn/dropout';
import { Generator } from '../../utils/random';
import type { InitCfg } from '../nn/init';
import { Module, runChain } from '../nn/module';
import { AvgPool2d, MaxPool2d } from '../nn/pooling';
import { BaseBackbone, freeze, runStages } from './base_backbone';

/** norm1 → act → conv1 (1×1, bn_size·k) → norm2 → act → conv2 (3×3, k) on the concatenated inputs; dropout in training. */
export class DenseLayer extends Module<Tensor[], Tensor> implements Stochastic {
  generator = new Generator(0);
  readonly dropRate: number;
  readonly memoryEfficient: boolean;

  constructor(inC: number, growthRate: number, bnSize: number, normCfg: NormCfg, actCfg: ActCfg, dropRate: number, memoryEfficient: boolean) {
    super();
    this.addModule('norm1', buildNormLayer(normCfg, inC)[1]);
    this.addModule('conv1', new Conv2d({ in_channels: inC, out_channels: bnSize * growthRate, kernel_size: 1, stride: 1, bias: false }));
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('norm2', buildNormLayer(normCfg, bnSize * growthRate)[1]);
    this.addModule('conv2', new Conv2d({ in_channels: bnSize * growthRate, out_channels: growthRate, kernel_size: 3, stride: 1, padding: 1, bias: false }));
    this.dropRate = dropRate;
    this.memoryEfficient = memoryEfficient;
  }

  override typeNames(): string[] {
    return ['DenseLayer'];
  }

  forward(xs: Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = xs.length === 1 ? xs[0] : tf.concat(xs, 3);
      const act = this.child('act');
      const bottleneck = runChain([this.child('norm1'), act, this.child('conv1')], x);
      const y = runChain([this.child('norm2'), act, this.child('conv2')], bottleneck);
      if (this.dropRate > 0 && this.training) return tf.dropout(y, this.dropRate, undefined, this.generator.nextSeed());
      return y;
    });
  }
}

/** `block.0…`: each layer sees the concatenation of the input and every earlier layer's output; returns all of it. */
export class DenseBlock extends Module {
  constructor(numLayers: number, inC: number, bnSize: number, growthRate: number, normCfg: NormCfg, actCfg: ActCfg, dropRate: number, memoryEfficient: boolean) {
    super();
    this.addModule('block', new ModuleList(Array.from({ length: numLayers }, (_, i) => new DenseLayer(inC + i * growthRate, growthRate, bnSize, normCfg, actCfg, dropRate, memoryEfficient))));
  }

  override typeNames(): string[] {
    return ['DenseBlock'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const feats = [x];
      for (const layer of this.child<ModuleList<DenseLayer>>('block').items()) feats.push(layer.call(feats));
      return feats.length === 1 ? tf.clone(x) : tf.concat(feats, 3);
    });
  }
}

/** `nn.Sequential` with the named children norm, act, conv (1×1), pool (2×2 average). */
export class DenseTransition extends Module {
  constructor(inC: number, outC: number, normCfg: NormCfg, actCfg: ActCfg) {
    super();
    this.addModule('norm', buildNormLayer(normCfg, inC)[1]);
    this.addModule('act', buildActivationLayer(actCfg));
    this.addModule('conv', new Conv2d({ in_channels: inC, out_channels: outC, kernel_size: 1, stride: 1, bias: false }));
    this.addModule('pool', new AvgPool2d({ kernel_size: 2, stride: 2 }));
  }

  override typeNames(): string[] {
    return ['DenseTransition', 'Sequential'];
  }

  forward(x: Tensor): Tensor {
    return runChain(this.namedChildren().map(([, m]) => m), x);
  }
}

/** A custom `arch` dict. */
export interface DenseNetArch {
  growth_rate: number;
  depths: number[];
  init_channels: number;
}

export const DENSENET_ARCH_SETTINGS: Record<string, DenseNetArch> = {
  '121': { growth_rate: 32, depths: [6, 12, 24, 16], init_channels: 64 },
  '169': { growth_rate: 32, depths: [6, 12, 32, 32], init_channels: 64 },
  '201': { growth_rate: 32, depths: [6, 12, 48, 32], init_channels: 64 },
  '161': { growth_rate: 48, depths: [6, 12, 36, 24], init_channels: 96 },
};

/** Options of `DenseNet`, named and defaulted as MMPretrain's. */
export interface DenseNetOptions {
  /** '121', '169', '201', '161' or a dict {growth_rate, depths, init_channels}. Default: '121'. */
  arch?: string | number | DenseNetArch;
  /** Default: 3. */
  in_channels?: number;
  /** Width factor of the 1×1 bottleneck conv. Default: 4. */
  bn_size?: number;
  /** Dropout after each dense layer (training only). Default: 0. */
  drop_rate?: number;
  /** Channel reduction of the transitions. Default: 0.5. */
  compression_factor?: number;
  /** Gradient checkpointing (accepted; no effect here). Default: false. */
  memory_efficient?: boolean;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Stages whose (transitioned) outputs are returned. Default: -1 (the last). */
  out_indices?: number | number[];
  /** The first `frozen_stages` stages and their transitions are frozen (the stem is not). Default: 0. */
  frozen_stages?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DENSENET_KEYS = ['arch', 'in_channels', 'bn_size', 'drop_rate', 'compression_factor', 'memory_efficient', 'norm_cfg', 'act_cfg', 'out_indices', 'frozen_stages', 'init_cfg'];

/** Python's `repr` of a set of strings (order as given). */
const pySet = (items: string[]) => `{${items.map((k) => `'${k}'`).join(', ')}}`;

export class DenseNet extends BaseBackbone {
  readonly growthRate: number;
  readonly depths: number[];
  readonly initChannels: number;
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  /** Channels after each stage's transition. */
  readonly stageChannels: number[] = [];

  constructor(opts: DenseNetOptions = {}) {
    checkKeys(opts, DENSENET_KEYS, 'DenseNet');
    super(opts.init_cfg);
    const {
      in_channels = 3, bn_size = 4, drop_rate = 0, compression_factor = 0.5, memory_efficient = false, norm_cfg = { type: 'BN' },
      act_cfg = { type: 'ReLU' }, out_indices = -1, frozen_stages = 0,
    } = opts;
    const archIn = opts.arch ?? '121';
    let arch: DenseNetArch;
    if (typeof archIn === 'string' || typeof archIn === 'number') {
      const a = DENSENET_ARCH_SETTINGS[String(archIn)];
      // (Object.keys would sort these integer-like names.)
      assert(a, () => `Unavailable arch, please choose from (${pySet(['121', '169', '201', '161'])}) or pass a dict.`);
      arch = a;
    } else {
      const essential = ['growth_rate', 'depths', 'init_channels'];
      assert(archIn && typeof archIn === 'object' && essential.every((k) => k in archIn), () => `Custom arch needs a dict with keys ${pySet(essential)}`);
      arch = archIn;
    }
    this.growthRate = arch.growth_rate;
    this.depths = [...arch.depths];
    this.initChannels = arch.init_channels;
    this.numStages = this.depths.length;

    const outIdx = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    assert(Array.isArray(outIdx), () => `"out_indices" must by a sequence or int, get ${typeof out_indices} instead.`);
    this.outIndices = outIdx.map((i) => {
      const j = i < 0 ? this.numStages + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    assert(frozen_stages <= this.numStages, () => `DenseNet: frozen_stages (${frozen_stages}) exceeds the ${this.numStages} stages`);
    this.frozenStages = frozen_stages;

    // MMPretrain keeps its shared activation as the backbone's own `act` child too (no parameters).
    this.addModule('act', buildActivationLayer(act_cfg));
    this.addModule(
      'stem',
      new Sequential(
        new Conv2d({ in_channels, out_channels: this.initChannels, kernel_size: 7, stride: 2, padding: 3, bias: false }),
        buildNormLayer(norm_cfg, this.initChannels)[1],
        buildActivationLayer(act_cfg),
        new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }),
      ),
    );
    const stages = this.addModule('stages', new ModuleList());
    const transitions = this.addModule('transitions', new ModuleList());
    let channels = this.initChannels;
    this.depths.forEach((depth, i) => {
      stages.push(new DenseBlock(depth, channels, bn_size, this.growthRate, norm_cfg, act_cfg, drop_rate, memory_efficient));
      channels += depth * this.growthRate;
      if (i !== this.numStages - 1) {
        const outC = Math.floor(channels * compression_factor);
        transitions.push(new DenseTransition(channels, outC, norm_cfg, act_cfg));
        channels = outC;
      } else {
        transitions.push(new Sequential(buildNormLayer(norm_cfg, channels)[1], buildActivationLayer(act_cfg)));
      }
      this.stageChannels.push(channels);
    });
    this.freezeStages();
  }

  private freezeStages(): void {
    const stages = this.child<ModuleList>('stages');
    const transitions = this.child<ModuleList>('transitions');
    for (let i = 0; i < this.frozenStages; i++) freeze([transitions.at(i), stages.at(i)]);
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    return this;
  }

  forward(x: Tensor): Tensor[] {
    const stages = this.child<ModuleList>('stages').items();
    const transitions = this.child<ModuleList>('transitions').items();
    const modules = [this.child('stem'), ...stages.flatMap((s, i) => [s, transitions[i]])];
    // Module 2 + 2i is stage i's transition.
    const picks = [...new Set(this.outIndices)].filter((i) => i < this.numStages).map((i) => 2 + 2 * i);
    return runStages(x, modules, picks);
  }
}
