/**
 * One training run as the Train panel's worker drives it: builds the runner from a {@link StartRequest} (dataset
 * files mounted at the config's data roots), resumes from the work dir's `last_checkpoint` when asked, and reports
 * progress, validation results, checkpoints and failures as {@link TrainEvent}s. No DOM: the worker is a thin shell
 * around it and Node tests drive it directly.
 */
import { tf } from '../../backends/tf';
import { loadCheckpoint } from '../../fileio';
import { FileSystem, MemorySource, type MemoryEntry } from '../../fileio/sources';
import { buildRunner } from './build_runner';
import { loadIntoRunner, serializeRunnerCheckpoint } from './checkpoint_io';
import { InvalidLossError } from './loops';
import type { Runner } from './runner';
import type { WorkDirStore } from './work_dir';
import { Hook } from '../hooks/hook';
import { SurvivalCheckpointHook } from '../hooks/survival_checkpoint_hook';
import { newestCheckpoint, readSurvivalInfo, type StorageEstimate } from './survival';
import { buildWithPretrained, findPretrainedInits, formatPretrainedReport, pretrainedReport, readPretrainedFiles, withoutPretrainedInits } from '../../models/utils/pretrained';
import { checkpointNameFromPointer, ProgressBatcher, TrainControlHook, type LoopPosition, type StartRequest, type TrainEvent, type WorkerMemory } from './worker_protocol';

export interface SessionEnv {
  /** Sends an event to the panel (with buffers to transfer). */
  post(event: TrainEvent, transfer?: Transferable[]): void;
  /** Opens (creates) the work dir `name`. */
  openWorkDir(name: string): Promise<WorkDirStore>;
  /** Makes `name` the tfjs backend; returns the backend actually used. */
  initBackend(name: string): Promise<string>;
  now?: () => number;
  /** Storage usage and quota for the storage-full message (default `navigator.storage.estimate()`). */
  estimate?: StorageEstimate;
}

/** Reports every checkpoint written to or removed from the work dir. */
class ObservedWorkDir implements WorkDirStore {
  constructor(
    private readonly inner: WorkDirStore,
    private readonly post: SessionEnv['post'],
  ) {}
  get root(): string {
    return this.inner.root;
  }
  async write(path: string, data: string | Uint8Array): Promise<void> {
    await this.inner.write(path, data);
    if (path.endsWith('.pth')) this.post({ kind: 'checkpoint', name: path, bytes: typeof data === 'string' ? data.length : data.byteLength });
  }
  append(path: string, text: string): Promise<void> {
    return this.inner.append(path, text);
  }
  read(path: string): Promise<Uint8Array | null> {
    return this.inner.read(path);
  }
  async remove(path: string): Promise<void> {
    await this.inner.remove(path);
    if (path.endsWith('.pth')) this.post({ kind: 'checkpoint-removed', name: path });
  }
  list(prefix?: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  /** Moves a complete file over another (the survival checkpoint's last step), where the store can. */
  get rename(): ((from: string, to: string) => Promise<void>) | undefined {
    const inner = this.inner as WorkDirStore & { rename?(from: string, to: string): Promise<void> };
    if (!inner.rename) return undefined;
    return async (from, to) => {
      await inner.rename!(from, to);
      if (to.endsWith('.pth')) {
        const bytes = await this.inner.read(to);
        this.post({ kind: 'checkpoint', name: to, bytes: bytes?.byteLength ?? 0 });
      }
    };
  }
}

/** The dropped files as a file system: one source mounted at each of the config's data roots. */
export function datasetFileSystem(files: StartRequest['files'], mounts: string[]): FileSystem {
  const entries = new Map<string, MemoryEntry>(files.map((f) => [f.path, f.data as MemoryEntry]));
  const source = new MemorySource(entries, 'dropped dataset files');
  const fs = new FileSystem(null);
  for (const m of new Set(mounts.length ? mounts : [''])) fs.mount(m, source);
  return fs;
}

/** A plain `number[][]` from a confusion-matrix metric value, or null. */
function asMatrix(v: unknown): number[][] | null {
  if (!Array.isArray(v) || !v.every((row) => Array.isArray(row) || ArrayBuffer.isView(row))) return null;
  return v.map((row) => Array.from(row as ArrayLike<number>, Number));
}

/** Posts progress (batched), the loop position and validation results. Runs last (LOWEST). */
class ProgressHook extends Hook<Runner> {
  private iterTimes: number[] = [];
  private lastIterEnd: number | null = null;
  phase: LoopPosition['phase'] = 'train';

  constructor(
    private readonly batcher: ProgressBatcher,
    private readonly post: SessionEnv['post'],
    private readonly now: () => number,
  ) {
    super('LOWEST');
  }

  secPerIter(): number | null {
    return this.iterTimes.length ? this.iterTimes.reduce((a, b) => a + b, 0) / this.iterTimes.length / 1000 : null;
  }

  override beforeTrainIter(): void {
    this.lastIterEnd ??= this.now();
  }

  override afterTrainIter(): void {
    const t = this.now();
    if (this.lastIterEnd !== null) this.iterTimes.push(t - this.lastIterEnd);
    if (this.iterTimes.length > 20) this.iterTimes.shift();
    this.lastIterEnd = t;
    this.batcher.tick();
  }

  override afterTrainEpoch(): void {
    this.batcher.flush();
  }

  override beforeValEpoch(): void {
    this.phase = 'val';
    this.batcher.flush();
  }

  override afterValEpoch(runner: Runner, metrics: Record<string, unknown> | null): void {
    this.phase = 'train';
    this.lastIterEnd = null;
    const numbers: Record<string, number> = {};
    let confusion: number[][] | null = null;
    for (const [k, v] of Object.entries(metrics ?? {})) {
      if (typeof v === 'number') numbers[k] = v;
      else if (k.startsWith('confusion_matrix')) confusion = asMatrix(v);
    }
    const meta = runner.valLoop?.dataloader.datasetMeta;
    const classes = Array.isArray(meta?.classes) ? (meta.classes as unknown[]).map(String) : null;
    this.batcher.flush();
    this.post({ kind: 'val', epoch: runner.epoch, metrics: numbers, confusion, classes });
  }
}

/**
 * Runs `build`; if it throws, disposes the tf variables it created (a model built before a later part of the config
 * failed), so a failed start leaves no tensors behind.
 */
async function withVariablesDisposedOnFailure<T>(build: () => Promise<T>): Promise<T> {
  const registered = () => tf.engine().registeredVariables;
  const before = new Set(Object.keys(registered()));
  try {
    return await build();
  } catch (e) {
    for (const [name, v] of Object.entries(registered())) if (!before.has(name)) v.dispose();
    throw e;
  }
}

/**
 * Resuming needs the checkpoint of the model the config builds: every key with its shape. Throws a message naming
 * the first differences otherwise (a work dir reused for another config, a changed `num_classes`).
 */
export async function checkSameModel(shapes: Map<string, number[]>, bytes: Uint8Array, name: string): Promise<void> {
  const ck = await loadCheckpoint(bytes, name);
  const mismatched = [...shapes].filter(([k, s]) => ck.stateDict.has(k) && ck.stateDict.get(k)!.shape.join(',') !== s.join(','));
  const missing = [...shapes.keys()].filter((k) => !ck.stateDict.has(k));
  if (!mismatched.length && !missing.length) return;
  const shown = mismatched.slice(0, 3).map(([k, s]) => `${k}: checkpoint [${ck.stateDict.get(k)!.shape.join(', ')}], model [${s.join(', ')}]`);
  throw new Error(
    `${name} is a checkpoint of a different model than this config builds, so the run cannot resume from it: ` +
      [mismatched.length && `${mismatched.length} shape mismatch${mismatched.length > 1 ? 'es' : ''} (${shown.join('; ')})`, missing.length && `${missing.length} of the model's ${shapes.size} keys missing (${missing.slice(0, 3).join(', ')})`].filter(Boolean).join(', ') +
      '. Resume with the config the run was started with, or train in a new work dir.',
  );
}

/**
 * mmengine's `load_or_resume`: `resume` (the request's, or `resume=True` in the config) continues from `load_from`
 * when set, else from the work dir's `last_checkpoint`; otherwise `load_from` loads weights only. Paths are in the
 * work dir (the panel writes a dropped checkpoint there). Returns the checkpoint resumed from, or null.
 */
async function loadCheckpointsAsConfigured(req: StartRequest, runner: Runner, shapes: Map<string, number[]>, workDir: WorkDirStore): Promise<string | null> {
  const loadFrom = typeof req.cfg.load_from === 'string' ? req.cfg.load_from : null;
  const read = async (path: string, what: string): Promise<Uint8Array> => {
    const bytes = await workDir.read(path);
    if (!bytes) throw new Error(`${what}: '${path}' is not in ${workDir.root}; choose the checkpoint in the Train panel (it is copied there) or clear load_from`);
    return bytes;
  };
  if (req.resume || req.cfg.resume === true) {
    let name = loadFrom;
    if (!name) {
      // The newer of last_checkpoint's and the studio's survival checkpoint (which continues inside its epoch).
      const pointer = await workDir.read('last_checkpoint');
      const newest = newestCheckpoint(await readSurvivalInfo(workDir), pointer ? checkpointNameFromPointer(new TextDecoder().decode(pointer)) : null);
      if (!newest) {
        if (!req.resume) return null; // resume=True in the config with nothing saved yet: mmengine starts from scratch.
        throw new Error(`${workDir.root}: no last_checkpoint to resume from (no checkpoint was saved in this work dir)`);
      }
      name = newest.file;
    }
    const bytes = await read(name, loadFrom ? 'load_from' : 'last_checkpoint');
    await checkSameModel(shapes, bytes, name);
    await loadIntoRunner(runner, bytes, `${workDir.root}/${name}`, { resume: true });
    return name;
  }
  if (loadFrom) await loadIntoRunner(runner, await read(loadFrom, 'load_from'), loadFrom, { resume: false });
  return null;
}

/** A lost GPU device or WebGL context (driver reset, tab in the background too long, another app took the GPU). */
const DEVICE_LOST = /device (was |is )?lost|GPUDevice.*lost|context (was )?lost|CONTEXT_LOST/i;

/** The message shown for a failed run; a lost device says what is kept and how to go on. */
export function describeFailure(e: unknown, lastCheckpoint: string | null): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!DEVICE_LOST.test(message)) return message;
  const kept = lastCheckpoint ? `The last checkpoint ${lastCheckpoint} is kept: resume from it` : 'No checkpoint was saved yet: start again';
  return `The GPU device was lost during training (${message}). ${kept}, on the same backend after a reload or on WASM.`;
}

/** A running (or finished) session: control it, await its end. */
export interface TrainSession {
  control: TrainControlHook;
  done: Promise<void>;
}

/** Starts a run; events flow through `env.post` until `done` (which never rejects: failures are events). */
export function startTrainSession(req: StartRequest, env: SessionEnv): TrainSession {
  const now = env.now ?? (() => performance.now());
  const control = new TrainControlHook((state) => env.post({ kind: 'state', state }));
  let lastCheckpoint: string | null = null;
  const post: SessionEnv['post'] = (event, transfer) => {
    if (event.kind === 'checkpoint') lastCheckpoint = event.name;
    env.post(event, transfer);
  };
  const done = run(req, { ...env, post }, control, now).catch((e: unknown) => {
    const invalid = e instanceof InvalidLossError ? { iter: e.iter, epoch: e.epoch, lastCheckpoint: e.lastCheckpoint, keptIter: e.diagnosis.keptIter, groups: e.diagnosis.groups } : null;
    env.post({ kind: 'error', message: describeFailure(e, lastCheckpoint), invalidLoss: invalid });
  });
  return { control, done };
}

/** tfjs memory and (where the browser reports it) the JS heap of this context: the worker's, sent with progress. */
export function workerMemory(): WorkerMemory {
  const m = tf.memory();
  const heap = (performance as unknown as { memory?: { usedJSHeapSize?: number } }).memory?.usedJSHeapSize;
  return { numTensors: m.numTensors, numBytes: m.numBytes, heapBytes: typeof heap === 'number' ? heap : null };
}

/**
 * The run's survival checkpoint hook: one in the config's hooks (`custom_hooks=[dict(type='SurvivalCheckpointHook')]`)
 * is used as it is; else one is added from the request's `survival`, the config's `survival_checkpoint` dict (a
 * studio key: `--cfg-options survival_checkpoint.interval_iters=5`), or every 30 s. None turns it off.
 */
function survivalHook(req: StartRequest, runner: Runner): SurvivalCheckpointHook | null {
  const own = runner.hooks.find((h): h is SurvivalCheckpointHook => h instanceof SurvivalCheckpointHook);
  if (own) return own;
  const opts = req.survival !== undefined ? req.survival : (req.cfg.survival_checkpoint as StartRequest['survival']);
  if (opts === null) return null;
  const hook = new SurvivalCheckpointHook({ interval_iters: opts?.interval_iters ?? null, interval_s: opts?.interval_s === undefined ? 30 : opts.interval_s });
  runner.registerHook(hook);
  return hook;
}

/** Why a start without a Pretrained checkpoint's file fails, and what to do. */
function pretrainedMissing(req: StartRequest, checkpoint: string): string {
  const keys = findPretrainedInits(req.cfg).filter((r) => r.checkpoint === checkpoint).map((r) => r.key);
  return `${keys.join(', ') || 'init_cfg'}: Pretrained checkpoint '${checkpoint}' was not given. Drop the file (.pth or .safetensors) in the Train panel, or choose "train from scratch".`;
}

/**
 * The config the model is built from. An explicit resume (`--resume`) overwrites every weight from the checkpoint
 * (a different model is refused), so Pretrained init_cfgs whose files were not given are skipped then, with a note.
 */
function configForBuild(req: StartRequest): { cfg: Record<string, unknown>; note: string | null } {
  const given = new Set((req.pretrained ?? []).map((f) => f.checkpoint));
  const absent = findPretrainedInits(req.cfg).filter((r) => !given.has(r.checkpoint));
  if (!req.resume || !absent.length) return { cfg: req.cfg, note: null };
  return {
    cfg: withoutPretrainedInits(req.cfg),
    note: `resuming: the Pretrained init_cfg (${absent.map((r) => r.key).join(', ')}) is skipped, the checkpoint resumed from holds every weight`,
  };
}

async function run(req: StartRequest, env: SessionEnv, control: TrainControlHook, now: () => number): Promise<void> {
  const backend = await env.initBackend(req.backend);
  const workDir = new ObservedWorkDir(await env.openWorkDir(req.workDirName), env.post);
  const fileSystem = datasetFileSystem(req.files, req.mounts);
  const pretrainedFiles = await readPretrainedFiles(req.pretrained ?? []);
  const build = configForBuild(req);
  const {
    result: { runner, model, optimWrapper },
    loaded,
  } = await buildWithPretrained(
    pretrainedFiles,
    () =>
      withVariablesDisposedOnFailure(() =>
        buildRunner(build.cfg, {
          cfgText: req.cfgText,
          cfgFileName: req.cfgFileName,
          workDir,
          phase: 'train',
          datasetContext: { fileSystem },
          serializeCheckpoint: serializeRunnerCheckpoint,
        }),
      ),
    (checkpoint) => pretrainedMissing(req, checkpoint),
  );
  try {

    const batcher = new ProgressBatcher(
      ({ scalars, lines }) => env.post({ kind: 'progress', position: position(), scalars, lines, memory: workerMemory() }, [scalars.values.buffer]),
      req.progressIntervalMs ?? 250,
      now,
    );
    const progress = new ProgressHook(batcher, env.post, now);
    const position = (): LoopPosition => {
      const loop = runner.trainLoop!;
      const epochLength = loop.dataloader.length;
      const tc = (runner.cfg.train_cfg ?? {}) as { by_epoch?: boolean; type?: string };
      const byEpoch = tc.by_epoch ?? tc.type !== 'IterBasedTrainLoop';
      return {
        iter: runner.iter,
        maxIters: runner.maxIters,
        epoch: runner.epoch,
        maxEpochs: runner.maxEpochs,
        // Iterations done in the current epoch; a finished run shows its last epoch full.
        innerIter: !epochLength ? 0 : byEpoch && runner.epoch >= runner.maxEpochs ? epochLength : byEpoch ? Math.max(0, runner.iter - runner.epoch * epochLength) : runner.iter % epochLength,
        epochLength,
        byEpoch,
        secPerIter: progress.secPerIter(),
        phase: control.paused ? 'paused' : progress.phase,
      };
    };
    runner.registerHook(control as unknown as Hook<Runner>);
    runner.registerHook(progress);
    const survival = survivalHook(req, runner);
    if (survival) {
      survival.estimate = env.estimate ?? survival.estimate;
      survival.onWrite = (result, info) => env.post(result.ok ? { kind: 'survival', ...info } : { kind: 'warning', message: result.message });
      control.onPausedAtGate = () => survival.saveNow(runner);
    }
    runner.logger.onLine((line) => batcher.addLine(line));
    runner.visualizer.onScalars((record) => batcher.addScalars(record));
    if (build.note) runner.logger.info(build.note);
    if (loaded.length) {
      // As mmengine logs PretrainedInit's loads while the runner initialises the weights.
      const report = pretrainedReport(model.stateDictShapes().keys(), loaded, pretrainedFiles);
      const lines = formatPretrainedReport(report);
      for (const line of lines) runner.logger.info(line);
      env.post({ kind: 'pretrained', report, lines });
    }

    const resumedFrom = await loadCheckpointsAsConfigured(req, runner, model.stateDictShapes(), workDir);
    env.post({ kind: 'started', backend, workDir: workDir.root, timestamp: runner.timestamp, resumedFrom, position: position() });
    try {
      await runner.train();
    } finally {
      batcher.flush();
    }
    env.post({ kind: 'done', stopped: control.stopRequested, position: position() });
  } finally {
    optimWrapper?.dispose();
    model.dispose();
  }
}
