/**
 * One training run as the Train panel's worker drives it: builds the runner from a {@link StartRequest} (dataset
 * files mounted at the config's data roots), resumes from the work dir's `last_checkpoint` when asked, and reports
 * progress, validation results, checkpoints and failures as {@link TrainEvent}s. No DOM: the worker is a thin shell
 * around it and Node tests drive it directly.
 */
import { lossFromError, isBackendLostError, nextBackend, quietLostBackend, switchBackend, watchBackendLoss, type BackendLoss, type BackendWatch, type SwitchResult } from '../../backends/backend_loss';
import type { BackendName } from '../../backends/names';
import { describeOutOfMemory, estimateModelMemory, isOutOfMemory, type MemoryEstimate } from '../../backends/oom';
import { tf } from '../../backends/tf';
import { startedBackend } from '../../backends/register';
import { guardWasmHeap } from '../../backends/wasm_heap_guard';
import { loadCheckpoint } from '../../fileio';
import { FileSystem, MemorySource, type MemoryEntry } from '../../fileio/sources';
import { getModelComplexityInfo } from '../../models/analysis/complexity';
import type { ImageClassifier } from '../../models/classifiers/image';
import { BackendGuardHook, BackendLostError, lossNotice, snapshotBytes, StateSnapshotHook, type ResumePoint } from './backend_fallback';
import { buildRunner } from './build_runner';
import { loadIntoRunner, serializeRunnerCheckpoint } from './checkpoint_io';
import { InvalidLossError } from './loops';
import type { Runner } from './runner';
import type { WorkDirStore } from './work_dir';
import { Hook } from '../hooks/hook';
import { SurvivalCheckpointHook } from '../hooks/survival_checkpoint_hook';
import { newestCheckpoint, readSurvivalInfo, SURVIVAL_FILE, type StorageEstimate } from './survival';
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
  /**
   * Watches the active backend for loss (default {@link watchBackendLoss}: WebGPU's `device.lost`, WebGL's
   * `webglcontextlost`; never fires on WASM or CPU). Tests inject a fake to lose a backend on purpose.
   */
  watchBackendLoss?: (onLost: (loss: BackendLoss) => void) => BackendWatch;
  /** Starts the backend to go on with after a loss (default {@link switchBackend}: `next`, else the ones after it). */
  switchBackend?: (next: BackendName, skip: readonly string[]) => Promise<SwitchResult>;
  /**
   * The in-memory state snapshot a lost backend resumes from (only while the backend can be lost): at most
   * `maxOverhead` of the training time (default 0.2), up to `maxBytes` of state (default 512 MB); false: none (the
   * survival checkpoint alone).
   */
  snapshots?: { maxOverhead?: number; maxBytes?: number } | false;
}

/**
 * Reports every checkpoint written to or removed from the work dir. Once `live()` turns false (a run abandoned on a
 * lost backend, which may still wake up with garbage state) it writes, appends and removes nothing.
 */
class ObservedWorkDir implements WorkDirStore {
  constructor(
    private readonly inner: WorkDirStore,
    private readonly post: SessionEnv['post'],
    private readonly live: () => boolean = () => true,
  ) {}
  get root(): string {
    return this.inner.root;
  }
  async write(path: string, data: string | Uint8Array): Promise<void> {
    if (!this.live()) return;
    await this.inner.write(path, data);
    if (path.endsWith('.pth')) this.post({ kind: 'checkpoint', name: path, bytes: typeof data === 'string' ? data.length : data.byteLength });
  }
  async append(path: string, text: string): Promise<void> {
    if (this.live()) await this.inner.append(path, text);
  }
  read(path: string): Promise<Uint8Array | null> {
    return this.inner.read(path);
  }
  async remove(path: string): Promise<void> {
    if (!this.live()) return;
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
      if (!this.live()) return;
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

/** `[B, C, H, W]` of a loader batch (packed CHW images, pseudo-collated or a list), or null. */
function batchInputShape(batch: unknown): number[] | null {
  const inputs = (batch as { inputs?: unknown } | null)?.inputs as { shape?: number[] } | { shape?: number[] }[] | undefined;
  if (Array.isArray(inputs)) return inputs[0]?.shape?.length === 3 ? [inputs.length, ...inputs[0].shape] : null;
  const shape = inputs?.shape;
  return shape?.length === 4 ? [...shape] : shape?.length === 3 ? [1, ...shape] : null;
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

  /** The last training batch's input shape (`[B, C, H, W]`), for the out-of-memory estimate. */
  inputShape: number[] | null = null;

  override beforeTrainIter(_runner: Runner, _idx: number, batch: unknown): void {
    this.lastIterEnd ??= this.now();
    this.inputShape = batchInputShape(batch) ?? this.inputShape;
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
async function withVariablesDisposedOnFailure<T>(build: () => Promise<T>, onFailure: (created: tf.Variable[], e: unknown) => void = () => {}): Promise<T> {
  const registered = () => tf.engine().registeredVariables;
  const before = new Set(Object.keys(registered()));
  try {
    return await build();
  } catch (e) {
    const created = Object.entries(registered()).filter(([name]) => !before.has(name)).map(([, v]) => v);
    onFailure(created, e);
    for (const v of created) v.dispose();
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

/**
 * The message shown for a failed run; a lost device (driver reset, tab in the background too long, another app took
 * the GPU) that no other backend could take over from says what is kept and how to go on.
 */
export function describeFailure(e: unknown, lastCheckpoint: string | null): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!isBackendLostError(e)) return message;
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

/** The state a run goes on from on the next backend after a loss. */
interface ResumeState {
  bytes: Uint8Array;
  /** Named in the log ("Load checkpoint from …"). */
  file: string;
  from: ResumePoint;
  /** Iterations done, and the epoch in progress (0-based), in that state. */
  iter: number;
  epoch: number;
  /** Scalars records the session had produced up to that state. */
  records: number;
  /** How the state was kept, for the log. */
  note?: string;
}

/** An attempt that ended because its backend was lost. */
interface LostOutcome {
  loss: BackendLoss;
  /** The iteration in progress (1-based) when it was noticed; `phase` says whether it was validating. */
  lostAtIter: number;
  phase: 'train' | 'val';
  /** The newest state kept (null: none yet, the run starts over as requested). */
  resume: ResumeState | null;
  error: unknown;
}

/** What every attempt of one run shares. */
interface RunContext {
  req: StartRequest;
  env: SessionEnv;
  control: TrainControlHook;
  now: () => number;
  store: WorkDirStore;
  fileSystem: FileSystem;
  pretrainedFiles: Awaited<ReturnType<typeof readPretrainedFiles>>;
  build: { cfg: Record<string, unknown>; note: string | null };
  /** Scalars records produced so far (the panel's count; a rewind sets it back). */
  records: number;
  /** The survival checkpoint this run wrote last, and the records produced then. */
  survival: { iter: number; epoch: number; records: number } | null;
}

/**
 * A run, on one backend after another: it starts on the requested backend; when that backend is lost (WebGPU device
 * lost, WebGL context lost) the run is built again on the next one (WebGPU → WebGL → WASM → CPU, those that failed
 * skipped) from the newest state kept — the in-memory snapshot of the last finished iteration, or the survival
 * checkpoint this run wrote — and goes on, with a `backend-lost` event the panel shows as a notice.
 */
async function run(req: StartRequest, env: SessionEnv, control: TrainControlHook, now: () => number): Promise<void> {
  let backend = await env.initBackend(req.backend);
  const ctx: RunContext = {
    req,
    env,
    control,
    now,
    store: await env.openWorkDir(req.workDirName),
    fileSystem: datasetFileSystem(req.files, req.mounts),
    pretrainedFiles: await readPretrainedFiles(req.pretrained ?? []),
    build: configForBuild(req),
    records: 0,
    survival: null,
  };
  const failed = new Set<string>();
  let resume: ResumeState | null = null;
  let notice: (LostOutcome & { previous: string }) | null = null;
  for (;;) {
    const outcome = await runOnBackend(ctx, backend, resume, notice);
    if (!outcome) return;
    quietLostBackend(backend);
    failed.add(backend);
    const next = nextBackend(backend, failed);
    if (!next) throw outcome.error;
    let switched: SwitchResult;
    try {
      switched = await (env.switchBackend ?? switchBackend)(next, [...failed]);
    } catch (e) {
      throw new Error(`${outcome.loss.message}, and no other backend could take over: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const name of Object.keys(switched.failed)) failed.add(name);
    resume = outcome.resume;
    notice = { ...outcome, previous: backend };
    backend = switched.backend;
  }
}

/** The newest state to go on from: the in-memory snapshot, this run's survival checkpoint, or the earlier state. */
async function newestState(ctx: RunContext, snapshots: StateSnapshotHook | null, previous: ResumeState | null): Promise<ResumeState | null> {
  const snap = snapshots?.snapshot ?? null;
  const survival = ctx.survival;
  const best = Math.max(previous?.iter ?? -1, survival?.iter ?? -1);
  if (snap && snap.iter >= best) {
    return { bytes: snapshotBytes(snap), file: `the state after iteration ${snap.iter} (in memory)`, from: 'snapshot', iter: snap.iter, epoch: snap.epoch, records: snap.records, note: `kept in memory in ${snap.ms.toFixed(0)} ms (${(snap.bytes / 1e6).toFixed(2)} MB)` };
  }
  if (survival && survival.iter > (previous?.iter ?? -1)) {
    const bytes = await ctx.store.read(SURVIVAL_FILE).catch(() => null);
    if (bytes) return { bytes, file: `${ctx.store.root}/${SURVIVAL_FILE}`, from: 'survival', iter: survival.iter, epoch: survival.epoch, records: survival.records };
  }
  return previous;
}

/** `lenet5_mnist (LeNet5)`, `vit-large-p16_in1k (VisionTransformer arch 'large')`: the model as the messages name it. */
function modelLabel(req: StartRequest): string {
  const model = (req.cfg.model ?? {}) as { type?: string; backbone?: { type?: string; arch?: unknown } };
  const bb = model.backbone;
  const arch = typeof bb?.arch === 'string' ? ` arch '${bb.arch}'` : '';
  const type = bb?.type ? `${bb.type}${arch}` : model.type ?? '';
  const name = req.cfgFileName.replace(/\.py$/, '');
  return type ? `${name} (${type})` : name;
}

/** The batch size the loader gives (from the last batch, else the config). */
function trainBatchSize(req: StartRequest, inputShape: number[] | null): number | null {
  if (inputShape) return inputShape[0];
  const b = (req.cfg.train_dataloader as { batch_size?: unknown } | undefined)?.batch_size;
  return typeof b === 'number' ? b : null;
}

/**
 * The memory estimate for an allocation that failed while training: weights, gradients and optimizer state from the
 * model's shapes, activations from the complexity analysis at batch 1 on the last batch's image size (itself an
 * allocation: when it fails too, activations stay unknown).
 */
function trainingEstimate(req: StartRequest, model: ImageClassifier, backend: string, inputShape: number[] | null): MemoryEstimate {
  let activations: number | null = null;
  if (inputShape && inputShape.length === 4) {
    try {
      activations = getModelComplexityInfo(model, [inputShape[1], inputShape[2], inputShape[3]]).activations;
    } catch {
      activations = null;
    }
  }
  const opt = ((req.cfg.optim_wrapper as { optimizer?: { type?: string } } | undefined)?.optimizer ?? null) as { type: string } | null;
  return estimateModelMemory(model, {
    name: modelLabel(req),
    batchSize: trainBatchSize(req, inputShape),
    activationsPerSample: activations,
    optimizer: opt?.type ? opt : null,
    backend,
  });
}

/** An out-of-memory error said in the model's terms (the original as `cause`). */
function outOfMemory(e: unknown, estimate: MemoryEstimate | null, doing: 'building' | 'training'): Error {
  return new Error(describeOutOfMemory(e, estimate, doing), { cause: e });
}

/** Milliseconds to wait after a failed op for the backend's loss to be announced (WebGPU's `device.lost` comes later). */
const LOSS_GRACE_MS = 500;

/**
 * One attempt of a run on `backend`: builds the runner, loads the state (`resume`, else as the request says), trains.
 * Returns null when the run ended (finished or stopped), the loss when the backend was lost; throws on failures.
 * A lost attempt is abandoned: it may never settle (a lost WebGL context waits forever on its fences), so nothing it
 * does afterwards reaches the panel or the work dir.
 */
async function runOnBackend(ctx: RunContext, backend: string, resume: ResumeState | null, notice: (LostOutcome & { previous: string }) | null): Promise<LostOutcome | null> {
  const { req, env, control, now } = ctx;
  // A full WASM heap throws (out of memory, said with the model's estimate) instead of breaking the backend.
  guardWasmHeap(startedBackend(backend));
  let live = true;
  const post: SessionEnv['post'] = (event, transfer) => {
    if (live) env.post(event, transfer);
  };
  // Where the loop was when the loss was first noticed (the event, the guard's check, or a failed op).
  let iterNow: () => { iter: number; phase: 'train' | 'val' } = () => ({ iter: resume?.iter ?? 0, phase: 'train' });
  let lostAt: { iter: number; phase: 'train' | 'val' } | null = null;
  const markLost = () => (lostAt ??= iterNow());
  const watched = (env.watchBackendLoss ?? watchBackendLoss)(() => void markLost());
  const watch: BackendWatch = {
    backend: watched.backend,
    canLose: watched.canLose,
    get lost() {
      return watched.lost;
    },
    whenLost: watched.whenLost,
    stop: () => watched.stop(),
    check: () => markLostIf(watched.check()),
  };
  const lossOf = async (e: unknown): Promise<BackendLoss | null> => {
    const found = () => watch.lost ?? watch.check() ?? (isBackendLostError(e) ? lossFromError(backend, e) : null);
    markLostIf(found());
    if (found() || !watch.canLose) return found();
    await Promise.race([watch.whenLost, new Promise((r) => setTimeout(r, LOSS_GRACE_MS))]);
    return markLostIf(found());
  };
  const markLostIf = (loss: BackendLoss | null) => {
    if (loss) markLost();
    return loss;
  };
  const workDir = new ObservedWorkDir(ctx.store, post, () => live);
  let partial: MemoryEstimate | null = null;
  let built: Awaited<ReturnType<typeof buildWithPretrained<Awaited<ReturnType<typeof buildRunner>>>>>;
  try {
    built = await buildWithPretrained(
      ctx.pretrainedFiles,
      () =>
        withVariablesDisposedOnFailure(
          () =>
            buildRunner(ctx.build.cfg, {
              cfgText: req.cfgText,
              cfgFileName: req.cfgFileName,
              workDir,
              phase: 'train',
              datasetContext: { fileSystem: ctx.fileSystem },
              serializeCheckpoint: serializeRunnerCheckpoint,
            }),
          (created, e) => {
            // What was allocated when the build ran out of memory: a lower bound of the model's size.
            if (isOutOfMemory(e, backend)) partial = estimateModelMemory({ shapes: new Map(created.map((v) => [v.name, [...v.shape]])) }, { name: modelLabel(req), backend, partial: true });
          },
        ),
      (checkpoint) => pretrainedMissing(req, checkpoint),
    );
  } catch (e) {
    watch.stop();
    const loss = await lossOf(e);
    if (loss) return { loss, lostAtIter: lostAt!.iter + 1, phase: 'train', resume, error: e };
    if (isOutOfMemory(e, backend)) throw outOfMemory(e, partial, 'building');
    throw e;
  }
  const {
    result: { runner, model, optimWrapper },
    loaded,
  } = built;
  let lastInputShape: () => number[] | null = () => null;
  try {
    const batcher = new ProgressBatcher(
      ({ scalars, lines }) => post({ kind: 'progress', position: position(), scalars, lines, memory: workerMemory() }, [scalars.values.buffer]),
      req.progressIntervalMs ?? 250,
      now,
    );
    const progress = new ProgressHook(batcher, post, now);
    lastInputShape = () => progress.inputShape;
    iterNow = () => ({ iter: runner.iter, phase: progress.phase === 'val' ? 'val' : 'train' });
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
    runner.registerHook(new BackendGuardHook(watch));
    runner.registerHook(progress);
    const survival = survivalHook(req, runner);
    if (survival) {
      survival.estimate = env.estimate ?? survival.estimate;
      survival.onWrite = (result, info) => {
        if (!live) return;
        if (result.ok) ctx.survival = { iter: info.iter, epoch: info.epoch, records: ctx.records };
        post(result.ok ? { kind: 'survival', ...info } : { kind: 'warning', message: result.message });
      };
      control.onPausedAtGate = () => survival.saveNow(runner);
    }
    const snapshots =
      env.snapshots !== false && watch.canLose
        ? new StateSnapshotHook({ isLost: () => watch.check() !== null, records: () => ctx.records, ...(env.snapshots ?? {}), now })
        : null;
    if (snapshots) runner.registerHook(snapshots);
    runner.logger.onLine((line) => live && batcher.addLine(line));
    runner.visualizer.onScalars((record) => {
      if (!live) return;
      ctx.records++;
      batcher.addScalars(record);
    });
    if (!notice) {
      if (ctx.build.note) runner.logger.info(ctx.build.note);
      if (loaded.length) {
        // As mmengine logs PretrainedInit's loads while the runner initialises the weights.
        const report = pretrainedReport(model.stateDictShapes().keys(), loaded, ctx.pretrainedFiles);
        const lines = formatPretrainedReport(report);
        for (const line of lines) runner.logger.info(line);
        post({ kind: 'pretrained', report, lines });
      }
    }

    let resumedFrom: string | null = null;
    if (resume) await loadIntoRunner(runner, resume.bytes, resume.file, { resume: true });
    else resumedFrom = await loadCheckpointsAsConfigured(req, runner, model.stateDictShapes(), workDir);
    if (notice) {
      const from: ResumePoint = resume?.from ?? 'start';
      const message = lossNotice(notice.loss, notice.lostAtIter, backend, from, runner.iter, notice.phase);
      runner.logger.warning(message + (resume?.note ? ` (the state after iteration ${resume.iter} was ${resume.note})` : ''));
      ctx.records = resume?.records ?? 0;
      post({
        kind: 'backend-lost',
        lost: notice.loss.backend,
        backend,
        message,
        lostAtIter: notice.lostAtIter,
        resumedIter: runner.iter,
        from,
        keepRecords: ctx.records,
        keepValEpochs: runner.epoch,
        timestamp: runner.timestamp,
        position: position(),
      });
    } else {
      post({ kind: 'started', backend, workDir: workDir.root, timestamp: runner.timestamp, resumedFrom, position: position() });
    }

    const training = runner.train();
    const lost = watch.whenLost.then((l) => Promise.reject(new BackendLostError(l)));
    lost.catch(() => undefined);
    try {
      await Promise.race([training, lost]);
    } catch (e) {
      const loss = await lossOf(e);
      if (!loss) {
        batcher.flush();
        throw e;
      }
      // What was produced so far reaches the panel, which keeps the records up to the state the run goes on from.
      try {
        batcher.flush();
      } catch {
        // the records that did not go out are run again
      }
      live = false;
      training.catch(() => undefined);
      const at = lostAt ?? iterNow();
      return { loss, lostAtIter: at.iter + (at.phase === 'val' ? 0 : 1), phase: at.phase, resume: await newestState(ctx, snapshots, resume), error: e };
    }
    batcher.flush();
    post({ kind: 'done', stopped: control.stopRequested, position: position() });
    return null;
  } catch (e) {
    if (live && isOutOfMemory(e, backend)) throw outOfMemory(e, trainingEstimate(req, model, backend, lastInputShape()), 'training');
    throw e;
  } finally {
    live = false;
    watch.stop();
    optimWrapper?.dispose();
    model.dispose();
  }
}
