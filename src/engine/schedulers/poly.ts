/** `PolyParamScheduler` (mmengine): polynomial decay to `eta_min` over `[begin, end)`. */
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface PolyOptions extends CommonSchedulerOptions {
  /** Minimum value at the end of scheduling. Default 0. */
  eta_min: number;
  /** Power of the polynomial. Default 1.0. */
  power: number;
  /** Derived: `end - begin - 1`. */
  total_iters: number;
}

export class PolyParamScheduler extends ParamScheduler<PolyOptions> {
  static override readonly typeName: string = 'PolyParamScheduler';
  static override readonly spec = { eta_min: 0, power: 1.0 };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    return { ...opts, total_iters: (opts.end as number) - (opts.begin as number) - 1 };
  }

  protected computeValues(): number[] {
    const { eta_min, power, total_iters } = this.opts;
    const current = this.currentValues();
    if (this.lastStep === 0) return current;
    return current.map((v) => (v - eta_min) * (1 - 1 / (total_iters - this.lastStep + 1)) ** power + eta_min);
  }
}
