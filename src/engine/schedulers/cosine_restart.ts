/** `CosineRestartParamScheduler` (mmengine): cosine annealing restarted at each period, scaled by `restart_weights`. */
import { REQUIRED } from '../../utils/options';
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';
import { etaMinFor, resolveEtaMin } from './eta_min';

export interface CosineRestartOptions extends CommonSchedulerOptions {
  /** Length of each cosine cycle, in steps. Required. */
  periods: number[];
  /** Weight of the maximum at each restart (same length as `periods`). Default [1]. */
  restart_weights: number[];
  /** Minimum value. Default null; exactly one of `eta_min` / `eta_min_ratio` must be set. */
  eta_min: number | null;
  /** Minimum as a ratio of the base value. Default null. */
  eta_min_ratio: number | null;
  /** Derived: running sums of `periods`. */
  cumulative_periods: number[];
}

/** Index of the period containing `step` (the first cumulative period above it), or null past the last one. */
export function positionInPeriods(step: number, cumulativePeriods: number[]): number | null {
  const i = cumulativePeriods.findIndex((p) => step < p);
  return i < 0 ? null : i;
}

export class CosineRestartParamScheduler extends ParamScheduler<CosineRestartOptions> {
  static override readonly typeName: string = 'CosineRestartParamScheduler';
  static override readonly spec = { periods: REQUIRED, restart_weights: [1], eta_min: null, eta_min_ratio: null };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    const resolved = resolveEtaMin(this.typeName, opts, false);
    const periods = opts.periods as number[];
    const weights = opts.restart_weights as number[];
    if (!Array.isArray(periods) || !Array.isArray(weights) || periods.length !== weights.length) {
      throw new Error(`${this.typeName}: periods and restart_weights should have the same length.`);
    }
    let sum = 0;
    const cumulative_periods = periods.map((p) => (sum += p));
    return { ...resolved, cumulative_periods };
  }

  static override convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    const periods = (opts.periods as number[]).map((p) => p * epochLength);
    return { ...super.convertEpochOptions(opts, epochLength), periods };
  }

  protected computeValues(): number[] {
    const { periods, restart_weights, cumulative_periods } = this.opts;
    const current = this.currentValues();
    const idx = positionInPeriods(this.lastStep, cumulative_periods);
    if (idx === null) return current;
    const weight = restart_weights[idx];
    const nearestRestart = idx === 0 ? 0 : cumulative_periods[idx - 1];
    const period = periods[idx];
    const step = this.lastStep - nearestRestart;
    return current.map((v, i) => {
      const base = this.baseValues[i];
      const etaMax = base * weight;
      const etaMin = etaMinFor(this.opts, base);
      if (step === 0) return etaMax;
      return ((1 + Math.cos((Math.PI * step) / period)) / (1 + Math.cos((Math.PI * (step - 1)) / period))) * (v - etaMin) + etaMin;
    });
  }
}
