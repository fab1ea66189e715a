/**
 * Constructor options and defaults of each optimizer type, as PyTorch 1.13 (`torch/optim/*.py`) and
 * MMPretrain (`Lamb`, `LARS`) define them: they become each optimizer's `defaults` and fill every param group.
 * Pure data, shared by the tfjs optimizers and by tensor-free simulations (the Schedule panel).
 */
import { REQUIRED, resolveOptions, type OptionSpec } from '../../utils/options';
import type { ParamGroup } from './param_groups';

/** PyTorch implementation switches that change nothing here; accepted so configs load. */
const INERT = { foreach: null, differentiable: false };

export const OPTIMIZER_SPECS: Record<string, OptionSpec> = {
  SGD: { lr: REQUIRED, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, ...INERT },
  Adam: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, capturable: false, fused: null, ...INERT },
  AdamW: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2, amsgrad: false, maximize: false, capturable: false, fused: null, ...INERT },
  RMSprop: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: false, maximize: false, ...INERT },
  Adagrad: { lr: 1e-2, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10, maximize: false, ...INERT },
  Lamb: {
    lr: 1e-3,
    bias_correction: true,
    betas: [0.9, 0.999],
    eps: 1e-6,
    weight_decay: 0.01,
    grad_averaging: true,
    max_grad_norm: 1.0,
    trust_clip: false,
    always_adapt: false,
  },
  LARS: { lr: REQUIRED, momentum: 0, weight_decay: 0, dampening: 0, eta: 0.001, nesterov: false, eps: 1e-8 },
};

/** Names of the optimizer types with a spec. */
export function optimizerTypes(): string[] {
  return Object.keys(OPTIMIZER_SPECS).sort();
}

/**
 * The `defaults` of an optimizer built from `cfg` (an `optim_wrapper.optimizer` dict without `type`/`params`):
 * unknown options rejected, missing ones filled, numbers checked (`Invalid learning rate: -1` as PyTorch says).
 */
export function optimizerDefaults(type: string, cfg: Record<string, unknown>): Record<string, unknown> {
  const spec = OPTIMIZER_SPECS[type];
  if (!spec) throw new Error(`Unknown optimizer type '${type}' (known: ${optimizerTypes().join(', ')})`);
  const d = resolveOptions<Record<string, unknown>>(type, cfg, spec);
  const lr = d.lr as number;
  if (typeof lr !== 'number' || !(lr >= 0)) throw new Error(`${type}: Invalid learning rate: ${lr}`);
  if (typeof d.weight_decay !== 'number' || !((d.weight_decay as number) >= 0)) throw new Error(`${type}: Invalid weight_decay value: ${d.weight_decay}`);
  if ('momentum' in d && !((d.momentum as number) >= 0)) throw new Error(`${type}: Invalid momentum value: ${d.momentum}`);
  if (type === 'LARS' && !((d.eta as number) >= 0)) throw new Error(`LARS: Invalid LARS coefficient value: ${d.eta}`);
  if ('eps' in d && !((d.eps as number) >= 0)) throw new Error(`${type}: Invalid epsilon value: ${d.eps}`);
  if ('betas' in d) {
    const b = d.betas as number[];
    if (!Array.isArray(b) || b.length !== 2) throw new Error(`${type}: betas must be a pair, got ${JSON.stringify(b)}`);
    if (!(b[0] >= 0 && b[0] < 1)) throw new Error(`${type}: Invalid beta parameter at index 0: ${b[0]}`);
    if (!(b[1] >= 0 && b[1] < 1)) throw new Error(`${type}: Invalid beta parameter at index 1: ${b[1]}`);
    d.betas = [b[0], b[1]];
  }
  if ((type === 'SGD' || type === 'LARS') && d.nesterov && (!((d.momentum as number) > 0) || d.dampening !== 0)) {
    throw new Error(`${type}: Nesterov momentum requires a momentum and zero dampening`);
  }
  return d;
}

/** PyTorch `add_param_group`: a group's own settings over the optimizer's defaults (betas copied). */
export function fillGroup<P>(group: ParamGroup<P>, defaults: Record<string, unknown>): ParamGroup<P> {
  const out: ParamGroup<P> = { ...group };
  for (const [k, v] of Object.entries(defaults)) {
    if (!(k in out)) out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}
