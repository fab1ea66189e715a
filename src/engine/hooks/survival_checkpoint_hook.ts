import type { Runner } from '../runner/runner';
import { captureDataRng, writeSurvivalCheckpoint, type StorageEstimate, type SurvivalMeta, type SurvivalWriteResult, browserStorageEstimate } from '../runner/survival';
import { Hook, type PriorityName } from './hook';

export interface SurvivalCheckpointHookOptions {
  /** Write every this many iterations (null: by time only). */
  interval_iters?: number | null;
  /** Write when this many seconds passed since the last one (null: by iterations only). Default 30. */
  interval_s?: number | null;
  priority?: PriorityName | number;
}

/** A state-dict entry with a non-finite value (NaN / ±Inf), or null. */
function firstNonFinite(stateDict: Map<string, { data: ArrayLike<number> | BigInt64Array | BigUint64Array }>): string | null {
  for (const [k, v] of stateDict) {
    const d = v.data;
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) continue;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return k;
  }
  return null;
}

/**
 * The studio's survival checkpoint (not an mmengine hook; the user's `CheckpointHook` keeps its MMPretrain meaning):
 * `survival.pth` every `interval_iters` iterations or `interval_s` seconds, and at a pause ({@link saveNow}), with
 * the position inside the epoch, the data side's random state at the epoch's start and the scalars so far in
 * `meta.studio`. A state with a non-finite weight is never written, so the file always holds the last finite state.
 * A failed write (storage full) keeps the last good file, reports through `onFailure` and training goes on.
 * Registered after `CheckpointHook` at the same priority (VERY_LOW), so it sees the epoch's checkpoint first.
 */
export class SurvivalCheckpointHook extends Hook<Runner> {
  static override readonly defaultPriority: PriorityName = 'VERY_LOW';
  readonly intervalIters: number | null;
  readonly intervalS: number | null;
  /** Called after each write attempt (the session posts events from it). */
  onWrite: (result: SurvivalWriteResult, info: { iter: number; epoch: number; innerIter: number; bytes: number; reason: 'interval' | 'pause' }) => void = () => {};
  estimate: StorageEstimate = browserStorageEstimate;
  now: () => number = () => Date.now();
  private lastIter = 0;
  private lastTime = 0;
  private dataRng: SurvivalMeta['data_rng'] = [];
  /** Batches done in the epoch in progress (the position a save records). */
  private innerIter = 0;
  private inTrain = false;
  private saving: Promise<void> | null = null;
  private seenLastCkpt: string | undefined;

  constructor(opts: SurvivalCheckpointHookOptions = {}) {
    super(opts.priority);
    this.intervalIters = opts.interval_iters ?? null;
    this.intervalS = opts.interval_s === undefined ? 30 : opts.interval_s;
    if (this.intervalIters !== null && !(Number.isInteger(this.intervalIters) && this.intervalIters > 0)) throw new Error(`SurvivalCheckpointHook: interval_iters must be a positive integer or None, got ${this.intervalIters}`);
    if (this.intervalS !== null && !(this.intervalS > 0)) throw new Error(`SurvivalCheckpointHook: interval_s must be positive or None, got ${this.intervalS}`);
  }

  override beforeTrain(runner: Runner): void {
    this.seenLastCkpt = runner.messageHub.getInfo<string>('last_ckpt');
    this.lastIter = runner.iter;
    this.lastTime = this.now();
  }

  /** The sampler and augmentation state at the epoch's start: a resume replays the epoch's first batches from it. */
  override beforeTrainEpoch(runner: Runner): void {
    const ds = (runner.trainLoop?.dataloader as { dataset?: unknown } | undefined)?.dataset;
    // After a resume the counts were restored to this epoch's start, so this captures the same state again.
    this.dataRng = captureDataRng(ds);
    this.innerIter = 0;
    this.inTrain = true;
  }

  override async afterTrainIter(runner: Runner, batchIdx: number): Promise<void> {
    this.innerIter = batchIdx + 1;
    const iters = runner.iter + 1;
    const byIters = this.intervalIters !== null && iters - this.lastIter >= this.intervalIters;
    const byTime = this.intervalS !== null && this.now() - this.lastTime >= this.intervalS * 1000;
    if (byIters || byTime) await this.save(runner, iters, 'interval');
  }

  /** Notes when `CheckpointHook` saved this epoch (which of the two checkpoints is newer, for a NaN loss). */
  override afterTrainEpoch(runner: Runner): void {
    this.inTrain = false;
    const last = runner.messageHub.getInfo<string>('last_ckpt');
    if (last && last !== this.seenLastCkpt) runner.messageHub.updateInfo('last_ckpt_iter', runner.iter);
    this.seenLastCkpt = last;
  }

  /** Writes now (at a pause, between iterations); nothing outside a training epoch. */
  async saveNow(runner: Runner): Promise<void> {
    if (!this.inTrain) return;
    await this.saving;
    if (runner.iter > this.lastIter) await this.save(runner, runner.iter, 'pause');
  }

  private async save(runner: Runner, iters: number, reason: 'interval' | 'pause'): Promise<void> {
    const run = async () => {
      this.lastIter = iters;
      this.lastTime = this.now();
      const epochLength = runner.trainLoop?.dataloader.length ?? 0;
      const sampler = (runner.trainLoop?.dataloader as { sampler?: { seed?: number } } | undefined)?.sampler;
      const studio: SurvivalMeta = {
        survival: true,
        epoch: runner.epoch,
        inner_iter: this.innerIter,
        epoch_length: epochLength,
        sampler_seed: typeof sampler?.seed === 'number' ? sampler.seed : null,
        data_rng: this.dataRng,
        log_scalars: runner.messageHub.stateDict().log_scalars,
      };
      const checkpoint = await runner.checkpointObject({ epoch: runner.epoch, iter: iters, studio });
      const bad = firstNonFinite(checkpoint.state_dict as Map<string, { data: ArrayLike<number> }>);
      if (bad) {
        runner.logger.warning(`The survival checkpoint at iteration ${iters} is not written: ${bad} is not finite; the last finite one is kept.`);
        return;
      }
      if (!runner.workDir) return;
      const bytes = await runner.serializeCheckpoint(checkpoint);
      const position = { iter: iters, epoch: runner.epoch, inner_iter: this.innerIter, epoch_length: epochLength };
      const lastCkpt = runner.messageHub.getInfo<string>('last_ckpt') ?? null;
      const result = await writeSurvivalCheckpoint(runner.workDir, bytes, { ...position, last_ckpt: lastCkpt, reason, time: new Date().toISOString() }, this.estimate);
      if (result.ok) runner.messageHub.updateInfo('survival_ckpt', { file: 'survival.pth', iter: iters });
      else runner.logger.warning(result.message);
      this.onWrite(result, { iter: iters, epoch: runner.epoch, innerIter: this.innerIter, bytes: bytes.byteLength, reason });
    };
    this.saving = run();
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }
}
