import type { Runner } from '../runner/runner';
import { every, Hook, type PriorityName } from './hook';

export interface LoggerHookOptions {
  interval?: number;
  ignore_last?: boolean;
  interval_exp_name?: number;
  log_metric_by_epoch?: boolean;
  priority?: PriorityName | number;
}

/** mmengine's `LoggerHook`: writes the text log and `scalars.json` lines every `interval` iterations and after each evaluation. */
export class LoggerHook extends Hook<Runner> {
  static override readonly defaultPriority: PriorityName = 'BELOW_NORMAL';
  readonly interval: number;
  readonly ignoreLast: boolean;
  readonly intervalExpName: number;
  readonly logMetricByEpoch: boolean;
  private jsonLogPath = '';

  constructor({ interval = 10, ignore_last = true, interval_exp_name = 1000, log_metric_by_epoch = true, priority }: LoggerHookOptions = {}) {
    super(priority);
    if (!Number.isInteger(interval) || interval <= 0) throw new Error(`LoggerHook: interval must be a positive integer, got ${interval}`);
    this.interval = interval;
    this.ignoreLast = ignore_last;
    this.intervalExpName = interval_exp_name;
    this.logMetricByEpoch = log_metric_by_epoch;
  }

  override beforeRun(runner: Runner): void {
    this.jsonLogPath = `${runner.timestamp}.json`;
  }

  override afterTrainIter(runner: Runner, batchIdx: number): void {
    const len = runner.loaderOf('train').length;
    if (every.nTrainIters(runner.iter, this.intervalExpName) || every.endOfEpoch(len, batchIdx)) {
      runner.logger.info(`Exp name: ${runner.experimentName}`);
    }
    if (!(every.nInnerIters(batchIdx, this.interval) || (every.endOfEpoch(len, batchIdx) && (!this.ignoreLast || len <= this.interval)))) return;
    const { tag, logStr } = runner.logProcessor.getLogAfterIter(runner.logView(), batchIdx, 'train');
    runner.logger.info(logStr);
    runner.visualizer.addScalars(tag, runner.iter + 1, this.jsonLogPath);
  }

  override afterValIter(runner: Runner, batchIdx: number): void {
    if (every.nInnerIters(batchIdx, this.interval)) runner.logger.info(runner.logProcessor.getLogAfterIter(runner.logView(), batchIdx, 'val').logStr);
  }

  override afterTestIter(runner: Runner, batchIdx: number): void {
    if (every.nInnerIters(batchIdx, this.interval)) runner.logger.info(runner.logProcessor.getLogAfterIter(runner.logView(), batchIdx, 'test').logStr);
  }

  override afterValEpoch(runner: Runner): void {
    const { tag, logStr } = runner.logProcessor.getLogAfterEpoch(runner.logView(), runner.loaderOf('val').length, 'val');
    runner.logger.info(logStr);
    const step = runner.trainLoop ? (this.logMetricByEpoch ? runner.epoch : runner.iter) : 0;
    runner.visualizer.addScalars(tag, step, this.jsonLogPath);
  }

  override async afterTestEpoch(runner: Runner): Promise<void> {
    const { tag, logStr } = runner.logProcessor.getLogAfterEpoch(runner.logView(), runner.loaderOf('test').length, 'test', true);
    runner.logger.info(logStr);
    if (runner.workDir) await runner.workDir.write(`${runner.logDir}/${this.jsonLogPath}`, JSON.stringify(tag, null, 4));
  }

  /** Makes sure every log line and scalar record is written (mmengine closes the visualizer here). */
  override async afterRun(runner: Runner): Promise<void> {
    await runner.flush();
  }
}
