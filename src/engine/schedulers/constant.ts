/** `ConstantParamScheduler` (mmengine): multiply by `factor` from `begin` until `end`, then restore. */
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface ConstantOptions extends CommonSchedulerOptions {
  /** The factor applied until the milestone `end`. Must lie in [0, 1]. Default 1/3. */
  factor: number;
  /** Derived: `end - begin - 1`. */
  total_iters: number;
}

export class ConstantParamScheduler extends ParamScheduler<ConstantOptions> {
  static override readonly typeName: string = 'ConstantParamScheduler';
  static override readonly spec = { factor: 1.0 / 3 };

  static override prepare(opts: Record<string, unknown>): Record<string, unknown> {
    const factor = opts.factor as number;
    if (factor > 1.0 || factor < 0) throw new Error(`${this.typeName}: Constant multiplicative factor should between 0 and 1.`);
    return { ...opts, total_iters: (opts.end as number) - (opts.begin as number) - 1 };
  }

  protected computeValues(): number[] {
    const { factor, total_iters } = this.opts;
    const current = this.currentValues();
    if (this.lastStep === 0) return current.map((v) => v * factor);
    if (this.lastStep > total_iters || this.lastStep !== total_iters) return current;
    return current.map((v) => v * (1.0 / factor));
  }
}
