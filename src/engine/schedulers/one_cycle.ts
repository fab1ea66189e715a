/** `OneCycleParamScheduler` (mmengine): the 1cycle policy (warm up to `eta_max`, anneal to a minimum); not chainable. */
import type { ParamGroupsOwner } from '../optimizers/param_groups';
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface OneCyclePhase {
  /** Last step of the phase (a float, as in mmengine). */
  end_step: number;
  /** Group keys holding the start and end values of the phase (`initial_lr`, `max_lr`, `min_lr`). */
  start: string;
  end: string;
}

export interface OneCycleOptions extends CommonSchedulerOptions {
  /** Upper value(s) in the cycle, one number or one per group. Default 0. */
  eta_max: number | number[];
  /** Steps in the cycle. Default null: `end - begin`. */
  total_steps: number;
  /** Fraction of the cycle spent increasing. Default 0.3. */
  pct_start: number;
  /** 'cos' or 'linear'. Default 'cos'. */
  anneal_strategy: 'cos' | 'linear';
  /** initial = eta_max / div_factor. Default 25. */
  div_factor: number;
  /** min = initial / final_div_factor. Default 1e4. */
  final_div_factor: number;
  /** Use a third phase (symmetric warm-up and annealing, then a final decay). Default false. */
  three_phase: boolean;
  /** Derived: the phases. */
  phases: OneCyclePhase[];
}

/** Cosine anneal from `start` to `end` as `pct` goes from 0 to 1. */
export function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

/** Linear anneal from `start` to `end` as `pct` goes from 0 to 1. */
export function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

export class OneCycleParamScheduler extends ParamScheduler<OneCycleOptions> {
  static override readonly typeName: string = 'OneCycleParamScheduler';
  static override readonly spec = {
    eta_max: 0,
    total_steps: null,
    pct_start: 0.3,
    anneal_strategy: 'cos',
    div_factor: 25.0,
    final_div_factor: 1e4,
    three_phase: false,
  };

  static override prepare(opts: Record<string, unknown>, optimizer: ParamGroupsOwner, paramName: string): Record<string, unknown> {
    const name = this.typeName;
    if (paramName !== 'lr') throw new Error(`${name}: OneCycle only works for learning rate updating, but got param_name as ${paramName}`);
    let total_steps = opts.total_steps as number | null;
    if (total_steps !== null) {
      if (!Number.isInteger(total_steps) || total_steps <= 0) throw new Error(`${name}: Expected positive integer total_steps, but got ${total_steps}`);
    } else {
      total_steps = (opts.end as number) - (opts.begin as number);
    }
    const pct = opts.pct_start as number;
    if (typeof pct !== 'number' || pct < 0 || pct > 1) throw new Error(`${name}: Expected float between 0 and 1 pct_start, but got ${pct}`);
    const strategy = opts.anneal_strategy;
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new Error(`${name}: anneal_strategy must by one of "cos" or "linear", instead got ${String(strategy)}`);
    }
    const phases: OneCyclePhase[] = opts.three_phase
      ? [
          { end_step: pct * total_steps - 1, start: 'initial_lr', end: 'max_lr' },
          { end_step: 2 * pct * total_steps - 2, start: 'max_lr', end: 'initial_lr' },
          { end_step: total_steps - 1, start: 'initial_lr', end: 'min_lr' },
        ]
      : [
          { end_step: pct * total_steps - 1, start: 'initial_lr', end: 'max_lr' },
          { end_step: total_steps - 1, start: 'max_lr', end: 'min_lr' },
        ];
    const groups = optimizer.paramGroups;
    const etaMax = opts.eta_max;
    if (Array.isArray(etaMax) && etaMax.length !== groups.length) {
      throw new Error(`${name}: expected ${groups.length} values for max_lr, got ${etaMax.length}`);
    }
    if (opts.last_step === -1) {
      const divFactor = opts.div_factor as number;
      const finalDiv = opts.final_div_factor as number;
      groups.forEach((group, i) => {
        const max = Array.isArray(etaMax) ? (etaMax[i] as number) : (etaMax as number);
        group.initial_lr = max / divFactor;
        group.max_lr = max;
        group.min_lr = (group.initial_lr as number) / finalDiv;
      });
    }
    return { ...opts, total_steps, phases };
  }

  static override convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    const out = super.convertEpochOptions(opts, epochLength);
    if (opts.total_steps !== undefined && opts.total_steps !== null) out.total_steps = (opts.total_steps as number) * epochLength;
    return out;
  }

  protected computeValues(): number[] {
    const { total_steps, phases, anneal_strategy } = this.opts;
    const stepNum = this.lastStep;
    if (stepNum > total_steps) {
      throw new Error(`${this.typeName}: Tried to step ${stepNum + 1} times. The specified number of total steps is ${total_steps}`);
    }
    const anneal = anneal_strategy === 'cos' ? annealCos : annealLinear;
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      for (let i = 0; i < phases.length; i++) {
        const { end_step, start, end } = phases[i];
        if (stepNum <= end_step || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (end_step - startStep);
          return anneal(group[start] as number, group[end] as number, pct);
        }
        startStep = end_step;
      }
      throw new Error(`${this.typeName}: no phase`); // unreachable: the last phase always matches
    });
  }
}
