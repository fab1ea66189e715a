/** `CosineAnnealingParamScheduler` (mmengine): cosine annealing from the initial value to `eta_min` over `T_max`. */
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';
import { etaMinFor, resolveEtaMin } from './eta_min';

export interface CosineAnnealingOptions extends CommonSchedulerOptions {
  /** Half-period in steps. Default (null): `end - begin`. */
  T_max: number;
  /** Minimum value. Default null (0 when `eta_min_ratio` is also null). */
  eta_min: number | null;
  /** Minimum as a ratio of the base value; exclusive with `eta_min`. Default null. */
  eta_min_ratio: number | null;
}

export class CosineAnnealingParamScheduler extends ParamScheduler<CosineAnnealingOptions> {
  static override readonly typeName: string = 'CosineAnnealingParamScheduler';
  static override readonly spec = { T_max: null, eta_min: null, eta_min_ratio: null };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    const resolved = resolveEtaMin(this.typeName, opts, true);
    // Python `T_max or (end - begin)`: null and 0 both fall back.
    const T_max = (opts.T_max as number | null) || (opts.end as number) - (opts.begin as number);
    return { ...resolved, T_max };
  }

  static override convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    const out = super.convertEpochOptions(opts, epochLength);
    if (opts.T_max !== undefined && opts.T_max !== null) out.T_max = (opts.T_max as number) * epochLength;
    return out;
  }

  protected computeValues(): number[] {
    const T = this.opts.T_max;
    const t = this.lastStep;
    const current = this.currentValues();
    if (t === 0) return current;
    if ((t - 1 - T) % (2 * T) === 0) {
      return current.map((v, i) => {
        const base = this.baseValues[i];
        return v + ((base - etaMinFor(this.opts, base)) * (1 - Math.cos(Math.PI / T))) / 2;
      });
    }
    const ratio = (1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T));
    return current.map((v, i) => {
      const etaMin = etaMinFor(this.opts, this.baseValues[i]);
      return ratio * (v - etaMin) + etaMin;
    });
  }
}
