/**
 * Activation modules as `torch.nn` / mmcv name them, and `buildActivationLayer(act_cfg)` as mmcv's
 * `build_activation_layer` (keys checked: `type`, `inplace`, and each layer's own options).
 */
import { tf, type Tensor } from '../../backends/tf';
import { gelu, silu } from '../../backends/fused_ops';
import { checkKeys } from '../../utils/options';
import { Module } from './module';
import type { FusableActivation } from './conv';

/** An element-wise activation; `fusable` names the tfjs fused-kernel activation when there is one. */
export abstract class Activation extends Module {
  readonly fusable: FusableActivation | null = null;
  /** PyTorch's `inplace` flag (no effect on tfjs; shown in the module repr like PyTorch). */
  inplace = false;
}

const INPLACE_REPR = new Set(['ReLU', 'ReLU6', 'ELU', 'LeakyReLU']);

function simple(name: string, fn: (x: Tensor) => Tensor, fusable: FusableActivation | null = null) {
  const C = class extends Activation {
    override readonly fusable = fusable;
    override typeNames(): string[] {
      return [name];
    }
    forward(x: Tensor): Tensor {
      return tf.tidy(() => fn(x));
    }
    override extraRepr(): string {
      return this.inplace && INPLACE_REPR.has(name) ? 'inplace=True' : '';
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

export const ReLU = simple('ReLU', (x) => tf.relu(x), 'relu');
export const ReLU6 = simple('ReLU6', (x) => tf.relu6(x), 'relu6');
export const Sigmoid = simple('Sigmoid', (x) => tf.sigmoid(x), 'sigmoid');
export const Tanh = simple('Tanh', (x) => tf.tanh(x));
export const ELU = simple('ELU', (x) => tf.elu(x), 'elu');
/** x·σ(x) (`nn.SiLU`, mmcv `Swish`): one kernel on WASM. */
export const SiLU = simple('SiLU', silu);
/** mmcv `HSwish`: x·ReLU6(x + 3)/6. */
export const HSwish = simple('HSwish', (x) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)));
/** Exact GELU (erf form, PyTorch's default `approximate='none'`). */
export const GELU = simple('GELU', gelu);

/** mmcv `HSigmoid`: clamp((x + bias)/divisor, min_value, max_value); defaults 3, 6, 0, 1. */
export class HSigmoid extends Activation {
  constructor(
    private readonly opts: { bias?: number; divisor?: number; min_value?: number; max_value?: number } = {},
  ) {
    super();
  }
  override typeNames(): string[] {
    return ['HSigmoid'];
  }
  forward(x: Tensor): Tensor {
    const { bias = 3, divisor = 6, min_value = 0, max_value = 1 } = this.opts;
    return tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, bias), divisor), min_value, max_value));
  }
}

/** `nn.LeakyReLU(negative_slope=0.01)`. */
export class LeakyReLU extends Activation {
  constructor(private readonly slope = 0.01) {
    super();
  }
  override typeNames(): string[] {
    return ['LeakyReLU'];
  }
  forward(x: Tensor): Tensor {
    return tf.leakyRelu(x, this.slope);
  }
}

/** An `act_cfg` dict. */
export interface ActCfg {
  type: string;
  [key: string]: unknown;
}

const builders: Record<string, { keys: string[]; make: (cfg: Record<string, unknown>) => Activation }> = {
  ReLU: { keys: [], make: () => new ReLU() },
  ReLU6: { keys: [], make: () => new ReLU6() },
  Sigmoid: { keys: [], make: () => new Sigmoid() },
  Tanh: { keys: [], make: () => new Tanh() },
  ELU: { keys: [], make: () => new ELU() },
  SiLU: { keys: [], make: () => new SiLU() },
  Swish: { keys: [], make: () => new SiLU() },
  HSwish: { keys: [], make: () => new HSwish() },
  GELU: { keys: ['approximate'], make: () => new GELU() },
  HSigmoid: { keys: ['bias', 'divisor', 'min_value', 'max_value'], make: (c) => new HSigmoid(c as never) },
  LeakyReLU: { keys: ['negative_slope'], make: (c) => new LeakyReLU((c.negative_slope as number) ?? 0.01) },
};

/** Builds an activation from `act_cfg` (mmcv `build_activation_layer`). */
export function buildActivationLayer(cfg: ActCfg, where = 'act_cfg'): Activation {
  const b = builders[cfg.type];
  if (!b) throw new Error(`${where}: unknown activation type '${cfg.type}' (known: ${Object.keys(builders).join(', ')})`);
  checkKeys(cfg, ['type', 'inplace', ...b.keys], `${where} (${cfg.type})`);
  if (cfg.type === 'GELU' && cfg.approximate !== undefined && cfg.approximate !== 'none') {
    throw new Error(`${where}: GELU approximate='${String(cfg.approximate)}' is not supported (only 'none')`);
  }
  const act = b.make(cfg);
  act.inplace = cfg.inplace === true;
  return act;
}

export type ReLU = InstanceType<typeof ReLU>;
export type ReLU6 = InstanceType<typeof ReLU6>;
export type Sigmoid = InstanceType<typeof Sigmoid>;
export type Tanh = InstanceType<typeof Tanh>;
export type ELU = InstanceType<typeof ELU>;
export type SiLU = InstanceType<typeof SiLU>;
export type HSwish = InstanceType<typeof HSwish>;
export type GELU = InstanceType<typeof GELU>;
