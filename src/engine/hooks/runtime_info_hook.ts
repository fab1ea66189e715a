import type { Runner } from '../runner/runner';
import { Hook, type PriorityName } from './hook';

/** mmengine's `RuntimeInfoHook`: puts epoch, iter, lr, losses and metrics into the message hub. */
export class RuntimeInfoHook extends Hook<Runner> {
  static override readonly defaultPriority: PriorityName = 'VERY_HIGH';
  private lastLoopStage: unknown = null;

  override beforeRun(runner: Runner): void {
    runner.messageHub.updateInfoDict({ cfg: runner.cfgText, seed: runner.seed, experiment_name: runner.experimentName, mmengine_version: '0.11.0' });
  }

  override beforeTrain(runner: Runner): void {
    const hub = runner.messageHub;
    hub.updateInfo('loop_stage', 'train');
    hub.updateInfo('epoch', runner.epoch);
    hub.updateInfo('iter', runner.iter);
    hub.updateInfo('max_epochs', runner.maxEpochs);
    hub.updateInfo('max_iters', runner.maxIters);
    const meta = runner.trainLoop?.dataloader.datasetMeta;
    if (meta) hub.updateInfo('dataset_meta', meta);
  }

  override afterTrain(runner: Runner): void {
    runner.messageHub.popInfo('loop_stage');
  }

  override beforeTrainEpoch(runner: Runner): void {
    runner.messageHub.updateInfo('epoch', runner.epoch);
  }

  override beforeTrainIter(runner: Runner): void {
    runner.messageHub.updateInfo('iter', runner.iter);
    for (const [name, lr] of Object.entries(runner.optimWrapper!.getLr())) runner.messageHub.updateScalar(`train/${name}`, lr[0]);
  }

  override afterTrainIter(runner: Runner, _idx: number, _batch: unknown, outputs: Record<string, number> | null): void {
    for (const [k, v] of Object.entries(outputs ?? {})) runner.messageHub.updateScalar(`train/${k}`, v);
  }

  override beforeVal(runner: Runner): void {
    this.lastLoopStage = runner.messageHub.getInfo('loop_stage');
    runner.messageHub.updateInfo('loop_stage', 'val');
  }

  override afterValEpoch(runner: Runner, metrics: Record<string, unknown> | null): void {
    this.recordMetrics(runner, 'val', metrics);
  }

  override afterVal(runner: Runner): void {
    if (this.lastLoopStage === 'train') runner.messageHub.updateInfo('loop_stage', 'train');
    else runner.messageHub.popInfo('loop_stage');
    this.lastLoopStage = null;
  }

  override beforeTest(runner: Runner): void {
    runner.messageHub.updateInfo('loop_stage', 'test');
  }

  override afterTest(runner: Runner): void {
    runner.messageHub.popInfo('loop_stage');
  }

  override afterTestEpoch(runner: Runner, metrics: Record<string, unknown> | null): void {
    this.recordMetrics(runner, 'test', metrics);
  }

  private recordMetrics(runner: Runner, mode: 'val' | 'test', metrics: Record<string, unknown> | null): void {
    for (const [k, v] of Object.entries(metrics ?? {})) {
      if (typeof v === 'number') runner.messageHub.updateScalar(`${mode}/${k}`, v);
      else runner.messageHub.updateInfo(`${mode}/${k}`, v);
    }
  }
}
