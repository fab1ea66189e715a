/**
 * The data between the Train panel and its worker (`train.worker.ts`, serving `train_service.ts` through
 * `utils/rpc`): what a run starts from ({@link StartRequest}) and the {@link TrainEvent}s it reports, and the two
 * pieces both sides share: the scalar batch encoding (records packed into one transferable `Float64Array`) and the
 * pause/stop gate hook. No DOM: runs in the page, the worker and Node tests.
 */
import { Hook } from '../hooks/hook';
import type { PretrainedFile, PretrainedReport } from '../../models/utils/pretrained';

/** A dataset file handed to the worker: a `File` (structured-cloned, read lazily there) or bytes. */
export interface DatasetFile {
  /** Path relative to the drop (`t10k-images-idx3-ubyte.gz`, `cifar10/cifar-10-binary.tar.gz`). */
  path: string;
  data: Blob | Uint8Array;
}

/** What the worker trains: the merged config (plain data) with its Python text, where the files go, the backend. */
export interface StartRequest {
  /** The merged config as plain data (`configToJSON`), cfg-options already applied. */
  cfg: Record<string, unknown>;
  /** `dumpConfig(cfg)`: saved in the work dir and in checkpoints. */
  cfgText: string;
  /** Dumped config name in the work dir (`lenet5_mnist.py`). */
  cfgFileName: string;
  /** Work dir name under browser storage (`work_dirs/<name>`). */
  workDirName: string;
  /** Dropped dataset files and the folders (config `data_root`s) they are mounted at. */
  files: DatasetFile[];
  mounts: string[];
  /** tfjs backend to train on (default wasm). */
  backend: string;
  /** Continue from this work dir's `last_checkpoint` (mmengine `resume=True`). */
  resume: boolean;
  /** Minimum milliseconds between progress messages (default 250). */
  progressIntervalMs?: number;
  /**
   * The files for the config's `init_cfg=dict(type='Pretrained', checkpoint=...)`s, each under the `checkpoint` string it
   * stands for. A Pretrained init_cfg without its file fails the start (the panel strips them for "train from scratch").
   */
  pretrained?: PretrainedFile[];
  /**
   * The survival checkpoint (`survival.pth`): every `interval_iters` iterations and/or `interval_s` seconds, and at a
   * pause. Default: the config's `survival_checkpoint = dict(interval_iters=..., interval_s=...)`, else every 30 s;
   * null (or `survival_checkpoint = None`) turns it off.
   */
  survival?: { interval_iters?: number | null; interval_s?: number | null } | null;
}

/** The worker's memory with each progress message (tfjs tensors and bytes; the JS heap where the browser tells it). */
export interface WorkerMemory {
  numTensors: number;
  numBytes: number;
  heapBytes: number | null;
}

/** What a NaN / Inf loss stopped at: iteration, epoch, the checkpoint kept, and each parameter group's state. */
export interface InvalidLossInfo {
  iter: number;
  epoch: number;
  lastCheckpoint: string | null;
  keptIter?: number | null;
  groups?: { index: number; lr: number | null; nonFinite: string[]; total: number }[];
}

/**
 * The backend was lost and the run goes on on another one, from the newest state kept. The panel shows `message`,
 * keeps its first `keepRecords` scalars records (the later ones are run again) and the validations of epochs up to
 * `keepValEpochs`.
 */
export interface BackendLostEvent {
  kind: 'backend-lost';
  /** The backend lost, and the one the run continues on. */
  lost: string;
  backend: string;
  /** "WebGPU device lost at iteration 5; continuing on WASM from iteration 4." */
  message: string;
  /** The iteration in progress when the loss was noticed (1-based), and the iterations done in the state resumed. */
  lostAtIter: number;
  resumedIter: number;
  /** `snapshot`: the in-memory state of the last finished iteration; `survival`: this run's `survival.pth`; `start`: nothing kept yet. */
  from: 'snapshot' | 'survival' | 'start';
  keepRecords: number;
  keepValEpochs: number;
  /** The new runner's timestamp (its log folder in the work dir). */
  timestamp: string;
  position: LoopPosition;
}

/** Scalars records packed for transfer: `values[r * keys.length + k]` (NaN where record r lacks key k). */
export interface PackedScalars {
  keys: string[];
  values: Float64Array;
}

/** Where the loop is: iteration and epoch counters (1-based `iter` = iterations done). */
export interface LoopPosition {
  iter: number;
  maxIters: number;
  epoch: number;
  maxEpochs: number;
  /** Iterations done in the current epoch, and the epoch length. */
  innerIter: number;
  epochLength: number;
  byEpoch: boolean;
  /** Mean seconds per iteration over the recent ones (for the ETA), or null before the first. */
  secPerIter: number | null;
  phase: 'train' | 'val' | 'paused';
}

export type TrainEvent =
  | { kind: 'started'; backend: string; workDir: string; timestamp: string; resumedFrom: string | null; position: LoopPosition }
  | { kind: 'progress'; position: LoopPosition; scalars: PackedScalars; lines: string[]; memory?: WorkerMemory }
  | { kind: 'survival'; iter: number; epoch: number; innerIter: number; bytes: number; reason: 'interval' | 'pause' }
  | { kind: 'warning'; message: string }
  | { kind: 'val'; epoch: number; metrics: Record<string, number>; confusion: number[][] | null; classes: string[] | null }
  | { kind: 'pretrained'; report: PretrainedReport; lines: string[] }
  | { kind: 'checkpoint'; name: string; bytes: number }
  | { kind: 'checkpoint-removed'; name: string }
  | { kind: 'state'; state: 'paused' | 'running' | 'stopping' }
  | BackendLostEvent
  | { kind: 'done'; stopped: boolean; position: LoopPosition }
  | { kind: 'error'; message: string; invalidLoss: InvalidLossInfo | null };

/** The file name of a `last_checkpoint` pointer (`opfs:work_dirs/x/epoch_2.pth` → `epoch_2.pth`). */
export function checkpointNameFromPointer(pointer: string): string {
  return pointer.trim().split('/').pop()!;
}

/** Packs scalars records (every key of every record) into one buffer. */
export function packScalars(records: readonly Record<string, number>[]): PackedScalars {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const values = new Float64Array(records.length * keys.length).fill(NaN);
  records.forEach((r, i) => keys.forEach((k, j) => k in r && (values[i * keys.length + j] = r[k])));
  return { keys, values };
}

/** The records of {@link packScalars}, absent keys left out. */
export function unpackScalars({ keys, values }: PackedScalars): Record<string, number>[] {
  const n = keys.length ? values.length / keys.length : 0;
  const out: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const r: Record<string, number> = {};
    keys.forEach((k, j) => {
      const v = values[i * keys.length + j];
      if (!Number.isNaN(v)) r[k] = v;
    });
    out.push(r);
  }
  return out;
}

/**
 * Collects scalars and log lines and hands them out at most every `intervalMs` (one message per batch instead
 * of one per iteration); `flush` empties it now.
 */
export class ProgressBatcher {
  private records: Record<string, number>[] = [];
  private lines: string[] = [];
  private last = -Infinity;

  constructor(
    private readonly emit: (batch: { scalars: PackedScalars; lines: string[] }) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  addScalars(record: Record<string, number>): void {
    this.records.push(record);
  }

  addLine(line: string): void {
    this.lines.push(line);
  }

  /** Emits if the interval has passed since the last emit (or `force`). Returns whether it emitted. */
  tick(force = false): boolean {
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return false;
    this.last = t;
    const batch = { scalars: packScalars(this.records), lines: this.lines };
    this.records = [];
    this.lines = [];
    this.emit(batch);
    return true;
  }

  flush(): void {
    this.tick(true);
  }
}

/**
 * Lets queued messages (the service's `pause`, `stop` calls) in: the training loop otherwise awaits only settled
 * promises and the worker's message listener would not run until the end. A `MessageChannel` round trip (no 4 ms
 * timer clamping).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** What {@link TrainControlHook} reads of the runner. */
interface ControlledRunner {
  trainLoop?: { stopTraining: boolean };
}

/**
 * Pause / resume / stop for a running loop: `before_train_iter` waits while paused; `stop()` sets mmengine's
 * `stop_training` so the loop ends after the current iteration (and releases a pause). Runs first (HIGHEST).
 * Before each iteration it yields to the event loop so control messages are seen.
 */
export class TrainControlHook extends Hook<ControlledRunner> {
  static override readonly defaultPriority = 'HIGHEST' as const;
  private release: (() => void) | null = null;
  private gate: Promise<void> | null = null;
  private runner: ControlledRunner | null = null;
  stopRequested = false;
  /** Runs once when the loop reaches a pause, before it waits (the session writes the survival checkpoint then). */
  onPausedAtGate: () => Promise<void> = async () => {};

  constructor(private readonly onState: (s: 'paused' | 'running' | 'stopping') => void = () => {}) {
    super('HIGHEST');
  }

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    if (this.gate || this.stopRequested) return;
    this.gate = new Promise((resolve) => (this.release = resolve));
    this.onState('paused');
  }

  resume(): void {
    if (!this.gate) return;
    this.release!();
    this.gate = this.release = null;
    this.onState('running');
  }

  stop(): void {
    this.stopRequested = true;
    if (this.runner?.trainLoop) this.runner.trainLoop.stopTraining = true;
    if (this.gate) {
      this.release!();
      this.gate = this.release = null;
    }
    this.onState('stopping');
  }

  override beforeTrain(runner: ControlledRunner): void {
    this.runner = runner;
    if (this.stopRequested && runner.trainLoop) runner.trainLoop.stopTraining = true;
  }

  override async beforeTrainIter(runner: ControlledRunner): Promise<void> {
    this.runner = runner;
    await yieldToEventLoop();
    if (this.gate) await this.onPausedAtGate();
    while (this.gate) await this.gate;
  }

  /** A long validation pauses too (and sees a stop, which then ends the run at the next training iteration). */
  override async beforeValIter(runner: ControlledRunner): Promise<void> {
    await this.beforeTrainIter(runner);
  }
}
