import { tf } from '../../backends/tf';
import type { Runner } from './runner';
import type { DataBatch, RunnerDataLoader, RunnerEvaluator } from './interfaces';

/** One optimizer parameter group at a non-finite loss: its lr then, and its parameters that are no longer finite. */
export interface ParamGroupDiagnosis {
  index: number;
  lr: number | null;
  /** Names (PyTorch keys) of the group's parameters holding NaN / Inf after the step; `total` parameters in all. */
  nonFinite: string[];
  total: number;
}

/** Where a non-finite loss happened and what was kept. */
export interface InvalidLossDiagnosis {
  groups: ParamGroupDiagnosis[];
  /** The checkpoint kept to resume from (the last finite one), and its iteration when known. */
  keptIter: number | null;
}

/**
 * Thrown when a loss becomes NaN or infinite: the run stops, and what was saved before stays (mmengine's
 * `CheckInvalidLossHook`). The message names the iteration, each parameter group's lr at that moment and the
 * groups whose parameters the step made non-finite (a NaN gradient spreads into them), and the checkpoint kept.
 */
export class InvalidLossError extends Error {
  constructor(
    readonly key: string,
    readonly value: number,
    readonly iter: number,
    readonly epoch: number,
    readonly lastCheckpoint: string | null,
    readonly diagnosis: InvalidLossDiagnosis = { groups: [], keptIter: null },
  ) {
    super(`loss '${key}' became ${value} at iteration ${iter} (epoch ${epoch}); training stopped. ${describeGroups(diagnosis.groups)}${lastCheckpoint ? `The last finite checkpoint ${lastCheckpoint}${diagnosis.keptIter !== null ? ` (iteration ${diagnosis.keptIter})` : ''} is kept: resume from it with a lower lr.` : 'No checkpoint was saved before it.'}`);
  }
}

function describeGroups(groups: ParamGroupDiagnosis[]): string {
  if (!groups.length) return '';
  const lr = `lr at that moment: ${groups.map((g) => `${g.lr ?? '?'}${groups.length > 1 ? ` (group ${g.index})` : ''}`).join(', ')}. `;
  const bad = groups.filter((g) => g.nonFinite.length);
  if (!bad.length) return `${lr}Every parameter is still finite (the forward pass overflowed: inputs, loss or lr too large). `;
  const shown = bad.map((g) => `group ${g.index} (lr ${g.lr ?? '?'}): ${g.nonFinite.length} of ${g.total} parameters, ${g.nonFinite.slice(0, 3).join(', ')}${g.nonFinite.length > 3 ? ', …' : ''}`);
  return `${lr}Non-finite parameters after the step (the gradient was not finite) in ${shown.join('; ')}. `;
}

/** Each parameter group's lr and its non-finite parameters (read once, at the failure). */
export function diagnoseParamGroups(runner: Runner): ParamGroupDiagnosis[] {
  const ow = runner.optimWrapper as unknown as { optimizer?: { paramGroups?: { params?: tf.Variable[]; lr?: number }[] } } | undefined;
  const groups = ow?.optimizer?.paramGroups ?? [];
  const names = new Map<tf.Variable, string>((runner.model.namedParameters?.() ?? []).map(([n, v]) => [v, n]));
  const lrs = runner.optimWrapper?.getLr().lr ?? [];
  return groups.map((g, index) => {
    const params = g.params ?? [];
    const nonFinite = params.filter((p) => !p.isDisposed && tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(p))).dataSync()[0] !== 0)).map((p) => names.get(p) ?? p.name);
    return { index, lr: lrs[index] ?? g.lr ?? null, nonFinite, total: params.length };
  });
}

/** The last finite checkpoint: the survival checkpoint or the user's last one, whichever is newer. */
function keptCheckpoint(runner: Runner): { file: string | null; iter: number | null } {
  const survival = runner.messageHub.getInfo<{ file: string; iter: number }>('survival_ckpt');
  const last = runner.messageHub.getInfo<string>('last_ckpt') ?? null;
  const lastIter = runner.messageHub.getInfo<number>('last_ckpt_iter') ?? null;
  if (survival && (lastIter === null || survival.iter >= lastIter)) return { file: survival.file, iter: survival.iter };
  return { file: last, iter: lastIter };
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
  /**
   * Batches of the current epoch already trained before a resume from a survival checkpoint: the epoch's first
   * `resumeInnerIter` batches are drawn again (same order, same augmentation) but not trained on.
   */
  resumeInnerIter = 0;
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
        const kept = keptCheckpoint(r);
        throw new InvalidLossError(key, value, this.iter + 1, this.epoch + 1, kept.file, { groups: diagnoseParamGroups(r), keptIter: kept.iter });
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
    const skip = Math.min(this.resumeInnerIter, this.dataloader.length);
    this.resumeInnerIter = 0;
    if (skip) r.logger.info(`Advance dataloader ${skip} steps to skip data that has already been trained`);
    for await (const batch of this.dataloader) {
      if (idx < skip) {
        idx++;
        continue;
      }
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
    const nextBatch = async (): Promise<DataBatch> => {
      let next = await it.next();
      if (next.done) {
        dataEpoch += 1;
        this.dataloader.setEpoch?.(dataEpoch);
        it = this.dataloader[Symbol.asyncIterator]();
        next = await it.next();
        if (next.done) throw new Error('The training data loader yields no batch (is the dataset smaller than one batch with drop_last?)');
      }
      return next.value;
    };
    // As mmengine: a resumed run draws the batches already trained on again, so the next ones are the same.
    if (this.iter > 0) {
      r.logger.info(`Advance dataloader ${this.iter} steps to skip data that has already been trained`);
      for (let i = 0; i < this.iter; i++) await nextBatch();
    }
    this.resumeInnerIter = 0;
    while (this.iter < this.maxIters && !this.stopTraining) {
      r.model.train();
      const batch = await nextBatch();
      await this.runIter(this.iter, batch);
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
