/** `StepParamScheduler` and `MultiStepParamScheduler` (mmengine): multiply by `gamma` every `step_size` steps / at milestones. */
import { REQUIRED } from '../../utils/options';
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface StepOptions extends CommonSchedulerOptions {
  /** Period of decay, in steps (epochs when `by_epoch`). Required. */
  step_size: number;
  /** Multiplicative factor of decay. Default 0.1. */
  gamma: number;
}

export class StepParamScheduler extends ParamScheduler<StepOptions> {
  static override readonly typeName: string = 'StepParamScheduler';
  static override readonly spec = { step_size: REQUIRED, gamma: 0.1 };

  static override convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    return { ...super.convertEpochOptions(opts, epochLength), step_size: (opts.step_size as number) * epochLength };
  }

  protected computeValues(): number[] {
    const { step_size, gamma } = this.opts;
    const current = this.currentValues();
    if (this.lastStep === 0 || this.lastStep % step_size !== 0) return current;
    return current.map((v) => v * gamma);
  }
}

export interface MultiStepOptions extends CommonSchedulerOptions {
  /** Steps at which to decay (a repeated milestone decays once per repetition). Required. */
  milestones: number[];
  /** Multiplicative factor of decay. Default 0.1. */
  gamma: number;
  /** Derived: milestone → how many times it is listed (Python `Counter(milestones)`). */
  counts: Map<number, number>;
}

export class MultiStepParamScheduler extends ParamScheduler<MultiStepOptions> {
  static override readonly typeName: string = 'MultiStepParamScheduler';
  static override readonly spec = { milestones: REQUIRED, gamma: 0.1 };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    const milestones = opts.milestones;
    if (!Array.isArray(milestones) || milestones.some((m) => typeof m !== 'number')) {
      throw new Error(`${this.typeName}: 'milestones' must be a list of numbers, got ${JSON.stringify(milestones)}`);
    }
    const counts = new Map<number, number>();
    for (const m of milestones as number[]) counts.set(m, (counts.get(m) ?? 0) + 1);
    return { ...opts, counts };
  }

  static override convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    const milestones = (opts.milestones as number[]).map((m) => m * epochLength);
    return { ...super.convertEpochOptions(opts, epochLength), milestones };
  }

  protected computeValues(): number[] {
    const current = this.currentValues();
    const count = this.opts.counts.get(this.lastStep);
    if (count === undefined) return current;
    const factor = this.opts.gamma ** count;
    return current.map((v) => v * factor);
  }

  override stateDict(): Record<string, unknown> {
    const { counts, ...state } = super.stateDict();
    // mmengine stores `milestones` as a Counter: {milestone: count}.
    return { ...state, milestones: Object.fromEntries(counts as Map<number, number>) };
  }
}
