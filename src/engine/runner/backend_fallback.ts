/**
 * What a training session keeps so that a lost backend (WebGPU device lost, WebGL context lost) costs at most the
 * iteration in progress: {@link StateSnapshotHook} copies the run's whole state to CPU memory after finished
 * iterations (the survival checkpoint's content, not written anywhere), {@link BackendGuardHook} stops the loop at
 * the next iteration boundary once the watch says the backend is gone (before garbage read back from it is logged
 * or snapshotted), and {@link snapshotBytes} turns the snapshot into checkpoint bytes that `loadIntoRunner` resumes
 * on the next backend exactly as from `survival.pth`. Tensors on the lost backend cannot be read; the snapshot was
 * read while it could.
 */
import type { BackendLoss, BackendWatch } from '../../backends/backend_loss';
import { backendLabel } from '../../backends/backend_loss';
import { Hook } from '../hooks/hook';
import { serializeRunnerCheckpoint } from './checkpoint_io';
import type { Runner } from './runner';
import { captureDataRng, type SurvivalMeta } from './survival';

/** The loop was stopped because its backend is gone. */
export class BackendLostError extends Error {
  constructor(readonly loss: BackendLoss) {
    super(loss.message);
    this.name = 'BackendLostError';
  }
}

/**
 * Throws {@link BackendLostError} at iteration boundaries (before and after each training and validation
 * iteration) once the watch reports the backend lost: a lost WebGL context reads back zeros, which must not reach
 * the logs, the checkpoints or the snapshot. Runs first (HIGHEST, registered after the pause gate).
 */
export class BackendGuardHook extends Hook<Runner> {
  static override readonly defaultPriority = 'HIGHEST' as const;

  constructor(private readonly watch: Pick<BackendWatch, 'check'>) {
    super('HIGHEST');
  }

  private guard(): void {
    const loss = this.watch.check();
    if (loss) throw new BackendLostError(loss);
  }

  override beforeTrainIter(): void {
    this.guard();
  }
  override afterTrainIter(): void {
    this.guard();
  }
  override beforeValIter(): void {
    this.guard();
  }
  override afterValIter(): void {
    this.guard();
  }
  override beforeSaveCheckpoint(): void {
    this.guard();
  }
}

/** The message hub's scalar history at a moment: the live arrays and their lengths (they only grow). */
type ScalarsAt = Record<string, { logs: number[]; counts: number[]; n: number }>;

/** A run's state at the end of an iteration, in CPU memory. */
export interface StateSnapshot {
  /** Iterations done. */
  iter: number;
  /** The epoch in progress (0-based, as the survival checkpoint's `meta.epoch`) and batches done in it. */
  epoch: number;
  innerIter: number;
  /** `runner.checkpointObject(...)` with the survival checkpoint's `meta.studio` (scalars as {@link ScalarsAt}). */
  checkpoint: Record<string, unknown>;
  scalars: ScalarsAt;
  /** Scalars records the session had produced when it was taken (the panel drops later ones when it rewinds). */
  records: number;
  /** Bytes of tensor data it holds, and milliseconds it took. */
  bytes: number;
  ms: number;
}

/** Bytes of the typed arrays in a state dict / optimizer state (nested plain objects, Maps and arrays). */
function typedBytes(v: unknown, depth = 0): number {
  if (depth > 6 || v === null || typeof v !== 'object') return 0;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof Map) return [...v.values()].reduce((a: number, x) => a + typedBytes(x, depth + 1), 0);
  if (Array.isArray(v)) return v.length > 64 ? 0 : v.reduce((a: number, x) => a + typedBytes(x, depth + 1), 0);
  return Object.values(v).reduce((a: number, x) => a + typedBytes(x, depth + 1), 0);
}

export interface StateSnapshotOptions {
  /** Whether the backend is lost now (a snapshot read after the loss is garbage and is dropped). */
  isLost: () => boolean;
  /** Scalars records produced so far. */
  records: () => number;
  /**
   * At most this share of the training time goes to snapshots (default 0.2): after one that took `t` ms the next is
   * taken once `t / maxOverhead` ms have passed. The first two are always taken (the first read-back compiles the
   * GPU backend's download shaders), and so is every epoch's last iteration.
   */
  maxOverhead?: number;
  /** Snapshots stop (the survival checkpoint remains) when the state is larger than this (default 512 MB). */
  maxBytes?: number;
  now?: () => number;
}

/**
 * Keeps the run's state after its latest finished iteration (within the overhead budget) in memory: weights,
 * optimizer state, schedulers, runtime info and scalars, the epoch position and the data side's random state at
 * the epoch's start — what `survival.pth` holds. Runs last (LOWEST), after every hook that changes state at the end
 * of an iteration (scheduler steps, the logger's scalars).
 */
export class StateSnapshotHook extends Hook<Runner> {
  static override readonly defaultPriority = 'LOWEST' as const;
  snapshot: StateSnapshot | null = null;
  /** Set when the state is over `maxBytes` (snapshots stop). */
  disabledBecause: string | null = null;
  private dataRng: SurvivalMeta['data_rng'] = [];
  private lastEnd = 0;
  private lastCost = 0;
  /** Snapshots taken so far. */
  taken = 0;
  private readonly maxOverhead: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly opts: StateSnapshotOptions) {
    super('LOWEST');
    this.maxOverhead = opts.maxOverhead ?? 0.2;
    this.maxBytes = opts.maxBytes ?? 512e6;
    this.now = opts.now ?? (() => performance.now());
  }

  override beforeTrain(): void {
    this.lastEnd = this.now();
  }

  override beforeTrainEpoch(runner: Runner): void {
    const ds = (runner.trainLoop?.dataloader as { dataset?: unknown } | undefined)?.dataset;
    this.dataRng = captureDataRng(ds);
  }

  override async afterTrainIter(runner: Runner, batchIdx: number): Promise<void> {
    if (this.disabledBecause) return;
    const t = this.now();
    const epochLength = runner.trainLoop?.dataloader.length ?? 0;
    const epochEnd = batchIdx + 1 === epochLength;
    if (this.taken >= 2 && !epochEnd && this.lastCost > this.maxOverhead * (t - this.lastEnd)) return;
    await this.take(runner, batchIdx + 1, epochLength);
  }

  private async take(runner: Runner, innerIter: number, epochLength: number): Promise<void> {
    const t0 = this.now();
    const iters = runner.iter + 1;
    const records = this.opts.records();
    const scalars: ScalarsAt = {};
    for (const [k, buf] of runner.messageHub.logScalars) {
      const [logs, counts] = buf.data;
      // A buffer at its maximum length drops its oldest entries as it grows: copy it then (never in practice).
      scalars[k] = logs.length >= buf.maxLength ? { logs: logs.slice(), counts: counts.slice(), n: logs.length } : { logs, counts, n: logs.length };
    }
    const sampler = (runner.trainLoop?.dataloader as { sampler?: { seed?: number } } | undefined)?.sampler;
    const studio: Omit<SurvivalMeta, 'log_scalars'> = {
      survival: true,
      epoch: runner.epoch,
      inner_iter: innerIter,
      epoch_length: epochLength,
      sampler_seed: typeof sampler?.seed === 'number' ? sampler.seed : null,
      data_rng: this.dataRng,
    };
    const checkpoint = await runner.checkpointObject({ epoch: runner.epoch, iter: iters, studio });
    if (this.opts.isLost()) return; // read after the loss: not the state
    const bytes = typedBytes(checkpoint.state_dict) + typedBytes(checkpoint.optimizer);
    const t1 = this.now();
    this.lastCost = t1 - t0;
    this.lastEnd = t1;
    if (bytes > this.maxBytes) {
      this.snapshot = null;
      this.disabledBecause = `the run's state (${(bytes / 1e6).toFixed(0)} MB) is larger than the ${(this.maxBytes / 1e6).toFixed(0)} MB kept in memory`;
      runner.logger.warning(`In-memory state snapshots are off: ${this.disabledBecause}; a lost GPU backend continues from the survival checkpoint.`);
      return;
    }
    this.taken++;
    this.snapshot = { iter: iters, epoch: runner.epoch, innerIter, checkpoint, scalars, records, bytes, ms: this.lastCost };
  }
}

/** A snapshot as `.pth` bytes (a survival checkpoint: `loadIntoRunner(..., { resume: true })` continues from it). */
export function snapshotBytes(s: StateSnapshot): Uint8Array {
  const log_scalars = Object.fromEntries(Object.entries(s.scalars).map(([k, v]) => [k, { log_history: v.logs.slice(0, v.n), count_history: v.counts.slice(0, v.n) }]));
  const meta = s.checkpoint.meta as Record<string, unknown>;
  const studio = { ...(meta.studio as object), log_scalars };
  return serializeRunnerCheckpoint({ ...s.checkpoint, meta: { ...meta, studio } });
}

/** Where a run goes on from after a loss. */
export type ResumePoint = 'snapshot' | 'survival' | 'start';

/**
 * "WebGL context lost at iteration 5; continuing on WASM from iteration 4." (`phase` 'val': "… during the validation
 * after iteration 8; …").
 */
export function lossNotice(loss: BackendLoss, lostAtIter: number, backend: string, from: ResumePoint, resumedIter: number, phase: 'train' | 'val' = 'train'): string {
  const what = loss.kind === 'context-lost' || loss.backend === 'webgl' ? `${backendLabel(loss.backend)} context lost` : `${backendLabel(loss.backend)} device lost`;
  const detail = loss.kind === 'error' || (loss.detail && loss.detail !== 'webglcontextlost') ? ` (${loss.detail})` : '';
  const where =
    from === 'start'
      ? 'from the start (no state had been kept yet)'
      : `from iteration ${resumedIter}${from === 'survival' ? ' (the survival checkpoint)' : ''}`;
  const when = phase === 'val' ? `during the validation after iteration ${lostAtIter}` : `at iteration ${lostAtIter}`;
  return `${what}${detail} ${when}; continuing on ${backendLabel(backend)} ${where}.`;
}
