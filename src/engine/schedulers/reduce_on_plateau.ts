/**
 * `ReduceOnPlateauParamScheduler` (mmengine): multiplies the parameter by `factor` once the monitored metric has
 * not improved for `patience` validations. It steps after validation with the metrics (`step(metrics)`); the
 * per-epoch `step()` only counts epochs. Built without the initial step of the other schedulers.
 */
import type { ParamGroupsOwner } from '../optimizers/param_groups';
import { INF, ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface ReduceOnPlateauOptions extends CommonSchedulerOptions {
  /** Metric key to watch (e.g. `accuracy/top1`). Default 'loss'. */
  monitor: string;
  /** 'less' (lower is better) or 'greater'. Default 'less'. */
  rule: 'less' | 'greater';
  /** Multiplier on a plateau, < 1. Default 0.1. */
  factor: number;
  /** Validations without improvement tolerated. Default 10. */
  patience: number;
  /** Improvement threshold. Default 1e-4. */
  threshold: number;
  /** 'rel' or 'abs'. Default 'rel'. */
  threshold_rule: 'rel' | 'abs';
  /** Validations to wait after a reduction. Default 0. */
  cooldown: number;
  /** Lower bound(s), one number or one per optimizer group. Default 0. */
  min_value: number | number[];
  /** Reductions smaller than this are ignored. Default 1e-8. */
  eps: number;
  /** Derived: one lower bound per scheduled group. */
  min_values: number[];
}

export class ReduceOnPlateauParamScheduler extends ParamScheduler<ReduceOnPlateauOptions> {
  static override readonly typeName: string = 'ReduceOnPlateauParamScheduler';
  static override readonly deferredStart: boolean = true;
  /** Steps with validation metrics (mmengine `need_val_args`). */
  static readonly needValArgs = true;
  static override readonly spec = {
    monitor: 'loss',
    rule: 'less',
    factor: 0.1,
    patience: 10,
    threshold: 1e-4,
    threshold_rule: 'rel',
    cooldown: 0,
    min_value: 0.0,
    eps: 1e-8,
  };

  static override prepare(opts: Record<string, unknown>, optimizer: ParamGroupsOwner): Record<string, unknown> {
    const name = this.typeName;
    if (!opts.by_epoch) throw new Error(`${name}: Now ${name} only support by_epoch=True`);
    if ((opts.factor as number) >= 1.0) throw new Error(`${name}: Factor should be < 1.0.`);
    if ((opts.threshold as number) < 0) throw new Error(`${name}: threshold ${opts.threshold} should be >= 0.`);
    if (opts.rule !== 'less' && opts.rule !== 'greater') throw new Error(`${name}: mode ${String(opts.rule)} is unknown!`);
    if (opts.threshold_rule !== 'rel' && opts.threshold_rule !== 'abs') throw new Error(`${name}: threshold mode ${String(opts.threshold_rule)} is unknown!`);
    const groups = optimizer.paramGroups.length;
    const ownGroups = 'optimizer' in optimizer ? ((optimizer as unknown as { optimizer: ParamGroupsOwner }).optimizer.paramGroups.length) : groups;
    let min_values: number[];
    if (Array.isArray(opts.min_value)) {
      if (opts.min_value.length !== ownGroups) throw new Error(`${name}: expected ${ownGroups} min_lrs, got ${opts.min_value.length}`);
      min_values = [...(opts.min_value as number[])];
      // An optimizer wrapper's base_param_settings group takes the last group's bound.
      while (min_values.length < groups) min_values.push(min_values[min_values.length - 1]);
    } else {
      min_values = Array(groups).fill(opts.min_value as number);
    }
    return { ...opts, min_values };
  }

  /** The best metric so far (mmengine starts it at ±INF, i.e. ±1e9). */
  best = 0;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(cfg: Record<string, unknown>, optimizer: ParamGroupsOwner) {
    super(cfg, optimizer);
    this.best = this.opts.rule === 'less' ? INF : -INF;
  }

  /** `step()` counts an epoch; `step(metrics)` (after validation) may reduce the parameter. */
  override step(metrics?: Record<string, number>): void {
    if (metrics === undefined) {
      this.globalStep += 1;
      return;
    }
    if (typeof metrics !== 'object' || metrics === null) throw new Error(`${this.typeName}: metrics type should be dict, but got ${typeof metrics}`);
    if (this.begin <= this.globalStep && this.globalStep < this.end) {
      this.lastStep += 1;
      const metric = metrics[this.opts.monitor];
      if (metric === undefined) throw new Error(`Excepted key in ${JSON.stringify(Object.keys(metrics))}, but got key ${this.opts.monitor} is not in dict`);
      if (this.isBetter(metric, this.best)) {
        this.best = metric;
        this.numBadEpochs = 0;
      } else {
        this.numBadEpochs += 1;
      }
      if (this.cooldownCounter > 0) {
        this.cooldownCounter -= 1;
        this.numBadEpochs = 0;
      }
      if (this.numBadEpochs > this.opts.patience) {
        const values = this.computeValues();
        this.optimizer.paramGroups.forEach((group, i) => {
          if ((group[this.paramName] as number) - values[i] > this.opts.eps) group[this.paramName] = values[i];
        });
        this.cooldownCounter = this.opts.cooldown;
        this.numBadEpochs = 0;
      }
    }
    this.afterStep();
    this.lastValue = this.currentValues();
  }

  protected computeValues(): number[] {
    return this.currentValues().map((v, i) => Math.max(v * this.opts.factor, this.opts.min_values[i]));
  }

  private isBetter(a: number, best: number): boolean {
    const { rule, threshold_rule: mode, threshold } = this.opts;
    if (rule === 'less') return mode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return mode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), best: this.best, num_bad_epochs: this.numBadEpochs, cooldown_counter: this.cooldownCounter };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    super.loadStateDict(state);
    if (typeof state.best === 'number') this.best = state.best;
    if (typeof state.num_bad_epochs === 'number') this.numBadEpochs = state.num_bad_epochs;
    if (typeof state.cooldown_counter === 'number') this.cooldownCounter = state.cooldown_counter;
  }
}

export class ReduceOnPlateauLR extends ReduceOnPlateauParamScheduler { static override readonly typeName = 'ReduceOnPlateauLR'; static override readonly form = 'lr'; }
export class ReduceOnPlateauMomentum extends ReduceOnPlateauParamScheduler { static override readonly typeName = 'ReduceOnPlateauMomentum'; static override readonly form = 'momentum'; }
