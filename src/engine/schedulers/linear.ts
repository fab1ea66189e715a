/** `LinearParamScheduler` (mmengine): the factor moves linearly from `start_factor` to `end_factor` over `[begin, end)`. */
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface LinearOptions extends CommonSchedulerOptions {
  /** Factor in the first step, in [0, 1]. Default 1/3. */
  start_factor: number;
  /** Factor at the end of the linear change, in [0, 1]. Default 1.0. */
  end_factor: number;
  /** Derived: `end - begin - 1`. */
  total_iters: number;
}

export class LinearParamScheduler extends ParamScheduler<LinearOptions> {
  static override readonly typeName: string = 'LinearParamScheduler';
  static override readonly spec = { start_factor: 1.0 / 3, end_factor: 1.0 };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    const { start_factor, end_factor } = opts as { start_factor: number; end_factor: number };
    if (start_factor > 1.0 || start_factor < 0) throw new Error(`${this.typeName}: Starting multiplicative factor should between 0 and 1.`);
    if (end_factor > 1.0 || end_factor < 0) throw new Error(`${this.typeName}: Ending multiplicative factor should between 0 and 1.`);
    return { ...opts, total_iters: (opts.end as number) - (opts.begin as number) - 1 };
  }

  protected computeValues(): number[] {
    const { start_factor: s, end_factor: e, total_iters } = this.opts;
    const current = this.currentValues();
    if (this.lastStep === 0) return current.map((v) => v * s);
    return current.map((v) => v * (1 + (e - s) / (total_iters * s + (this.lastStep - 1) * (e - s))));
  }
}
