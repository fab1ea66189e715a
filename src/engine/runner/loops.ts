import type { Runner } from './runner';
import type { DataBatch, RunnerDataLoader, RunnerEvaluator } from './interfaces';

/** Thrown when a loss becomes NaN or infinite: the run stops, and what was saved before stays (mmengine's `CheckInvalidLossHook`). */
export class InvalidLossError extends Error {
  constructor(
    readonly key: string,
    readonly value: number,
    readonly iter: number,
    readonly epoch: number,
    readonly lastCheckpoint: string | null,
  ) {
    super(`loss '${key}' became ${value} at iteration ${iter} (epoch ${epoch}); training stopped. ${lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint}.` : 'No checkpoint was saved before it.'}`);
  }
}

/** Options of `train_cfg` (`by_epoch`, `max_epochs` / `max_iters`, `val_interval`, `val_begin`). */
export interface TrainCfg {
  by_epoch?: boolean;
  max_epochs?: number;
  max_iters?: number;
  val_interval?: number;
  val_begin?: number;
  type?: string;
  dynamic_intervals?: [number, number][] | null;
}

abstract class TrainLoopBase {
  stopTraining = false;
  epoch = 0;
  iter = 0;
  abstract readonly maxEpochs: number;
  abstract readonly maxIters: number;
  readonly valInterval: number;
  readonly valBegin: number;

  constructor(
    protected readonly runner: Runner,
    readonly dataloader: RunnerDataLoader,
    cfg: TrainCfg,
  ) {
    this.valInterval = cfg.val_interval ?? 1;
    this.valBegin = cfg.val_begin ?? 1;
  }

  abstract run(): Promise<void>;

  protected async runIter(idx: number, batch: DataBatch): Promise<void> {
    const r = this.runner;
    await r.callHook('beforeTrainIter', idx, batch);
    const outputs = await r.model.trainStep(batch, r.optimWrapper!);
    for (const [key, value] of Object.entries(outputs)) {
      if (key.includes('loss') && !Number.isFinite(value)) {
        throw new InvalidLossError(key, value, this.iter + 1, this.epoch + 1, r.messageHub.getInfo<string>('last_ckpt') ?? null);
      }
    }
    await r.callHook('afterTrainIter', idx, batch, outputs);
    this.iter += 1;
  }
}

/** mmengine's `EpochBasedTrainLoop`. */
export class EpochBasedTrainLoop extends TrainLoopBase {
  readonly maxEpochs: number;
  readonly maxIters: number;

  constructor(runner: Runner, dataloader: RunnerDataLoader, cfg: TrainCfg) {
    super(runner, dataloader, cfg);
    if (!cfg.max_epochs || cfg.max_epochs < 1) throw new Error(`train_cfg.max_epochs must be a positive integer, got ${cfg.max_epochs}`);
    this.maxEpochs = cfg.max_epochs;
    this.maxIters = this.maxEpochs * dataloader.length;
  }

  async run(): Promise<void> {
    const r = this.runner;
    await r.callHook('beforeTrain');
    while (this.epoch < this.maxEpochs && !this.stopTraining) {
      await this.runEpoch();
      if (r.valLoop && this.epoch >= this.valBegin && (this.epoch % this.valInterval === 0 || this.epoch === this.maxEpochs)) {
        await r.valLoop.run();
      }
    }
    await r.callHook('afterTrain');
  }

  private async runEpoch(): Promise<void> {
    const r = this.runner;
    await r.callHook('beforeTrainEpoch');
    r.model.train();
    let idx = 0;
    for await (const batch of this.dataloader) {
      await this.runIter(idx++, batch);
      if (this.stopTraining) break;
    }
    await r.callHook('afterTrainEpoch');
    this.epoch += 1;
  }
}

/** mmengine's `IterBasedTrainLoop`: cycles the data loader until `max_iters`. */
export class IterBasedTrainLoop extends TrainLoopBase {
  readonly maxEpochs = 1;
  readonly maxIters: number;

  constructor(runner: Runner, dataloader: RunnerDataLoader, cfg: TrainCfg) {
    super(runner, dataloader, cfg);
    if (!cfg.max_iters || cfg.max_iters < 1) throw new Error(`train_cfg.max_iters must be a positive integer, got ${cfg.max_iters}`);
    this.maxIters = cfg.max_iters;
  }

  async run(): Promise<void> {
    const r = this.runner;
    await r.callHook('beforeTrain');
    await r.callHook('beforeTrainEpoch');
    let it = this.dataloader[Symbol.asyncIterator]();
    let dataEpoch = 0;
    while (this.iter < this.maxIters && !this.stopTraining) {
      r.model.train();
      let next = await it.next();
      if (next.done) {
        dataEpoch += 1;
        this.dataloader.setEpoch?.(dataEpoch);
        it = this.dataloader[Symbol.asyncIterator]();
        next = await it.next();
        if (next.done) throw new Error('The training data loader yields no batch (is the dataset smaller than one batch with drop_last?)');
      }
      await this.runIter(this.iter, next.value);
      if (r.valLoop && this.iter >= this.valBegin && (this.iter % this.valInterval === 0 || this.iter === this.maxIters)) {
        await r.valLoop.run();
      }
    }
    await r.callHook('afterTrainEpoch');
    await r.callHook('afterTrain');
  }
}

/** mmengine's `ValLoop` and `TestLoop`: predictions over the whole loader, then the evaluator's metrics. */
export class EvalLoop {
  constructor(
    private readonly runner: Runner,
    readonly mode: 'val' | 'test',
    readonly dataloader: RunnerDataLoader,
    readonly evaluator: RunnerEvaluator,
  ) {}

  async run(): Promise<Record<string, unknown>> {
    const r = this.runner;
    const cap = this.mode === 'val' ? 'Val' : 'Test';
    await r.callHook(`before${cap}`);
    await r.callHook(`before${cap}Epoch`);
    r.model.eval();
    let idx = 0;
    let size = 0;
    for await (const batch of this.dataloader) {
      await r.callHook(`before${cap}Iter`, idx, batch);
      const outputs = this.mode === 'val' ? await r.model.valStep(batch) : await r.model.testStep(batch);
      this.evaluator.process(outputs, batch);
      size += outputs.length;
      await r.callHook(`after${cap}Iter`, idx, batch, outputs);
      idx += 1;
    }
    const metrics = this.evaluator.evaluate(size);
    await r.callHook(`after${cap}Epoch`, metrics);
    await r.callHook(`after${cap}`);
    return metrics;
  }
}
