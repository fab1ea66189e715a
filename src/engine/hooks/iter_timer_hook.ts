import type { Runner } from '../runner/runner';
import { Hook, type PriorityName } from './hook';

/** Seconds from a monotonic clock. */
export type Clock = () => number;
const defaultClock: Clock = () => performance.now() / 1000;

/** mmengine's `IterTimerHook`: logs `data_time` and `time` per iteration and the remaining time (`eta`). */
export class IterTimerHook extends Hook<Runner> {
  private t = 0;
  private timeSecTot = 0;
  private timeSecTestVal = 0;
  private startIter = 0;

  constructor(cfg: { priority?: PriorityName | number } = {}, private readonly clock: Clock = defaultClock) {
    super(cfg);
  }

  override beforeTrain(runner: Runner): void {
    this.startIter = runner.iter;
  }

  override beforeTrainEpoch(): void {
    this.t = this.clock();
  }
  override beforeValEpoch(): void {
    this.t = this.clock();
  }
  override beforeTestEpoch(): void {
    this.t = this.clock();
  }
  override afterTrainEpoch(): void {
    this.timeSecTestVal = 0;
  }
  override afterValEpoch(): void {
    this.timeSecTestVal = 0;
  }
  override afterTestEpoch(): void {
    this.timeSecTestVal = 0;
  }

  override beforeTrainIter(runner: Runner): void {
    runner.messageHub.updateScalar('train/data_time', this.clock() - this.t);
  }
  override beforeValIter(runner: Runner): void {
    runner.messageHub.updateScalar('val/data_time', this.clock() - this.t);
  }
  override beforeTestIter(runner: Runner): void {
    runner.messageHub.updateScalar('test/data_time', this.clock() - this.t);
  }

  override afterTrainIter(runner: Runner): void {
    const iterTime = this.tick(runner, 'train');
    this.timeSecTot += iterTime;
    const avg = this.timeSecTot / (runner.iter - this.startIter + 1);
    runner.messageHub.updateInfo('eta', avg * (runner.maxIters - runner.iter - 1));
  }
  override afterValIter(runner: Runner, batchIdx: number): void {
    this.afterEvalIter(runner, batchIdx, 'val');
  }
  override afterTestIter(runner: Runner, batchIdx: number): void {
    this.afterEvalIter(runner, batchIdx, 'test');
  }

  private afterEvalIter(runner: Runner, batchIdx: number, mode: 'val' | 'test'): void {
    this.timeSecTestVal += this.tick(runner, mode);
    const avg = this.timeSecTestVal / (batchIdx + 1);
    runner.messageHub.updateInfo('eta', avg * (runner.loaderOf(mode).length - batchIdx - 1));
  }

  private tick(runner: Runner, mode: string): number {
    const now = this.clock();
    const dt = now - this.t;
    runner.messageHub.updateScalar(`${mode}/time`, dt);
    this.t = now;
    return dt;
  }
}
