import type { Runner } from '../runner/runner';
import { Hook, type PriorityName } from './hook';

/** mmengine's `ParamSchedulerHook`: steps iteration-based schedulers after each iteration, epoch-based ones after each epoch. */
export class ParamSchedulerHook extends Hook<Runner> {
  static override readonly defaultPriority: PriorityName = 'LOW';

  override afterTrainIter(runner: Runner): void {
    for (const s of runner.paramSchedulers) if (!s.byEpoch) s.step();
  }

  override afterTrainEpoch(runner: Runner): void {
    for (const s of runner.paramSchedulers) if (s.byEpoch) s.step();
  }

  /** Steps the schedulers that follow a validation metric (`need_val_args`, e.g. ReduceOnPlateau). */
  override afterValEpoch(runner: Runner, metrics: Record<string, unknown> | null): void {
    if (!metrics) return;
    for (const s of runner.paramSchedulers) if (s.needValArgs) s.step(metrics);
  }
}
