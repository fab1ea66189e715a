/**
 * What the panel knows of a run, folded from the worker's events by {@link applyTrainEvent} (pure, tested in Node):
 * status, loop position, the scalars records (the run's `scalars.json`), the log tail, validation results and the
 * checkpoints in the work dir.
 *
 * The records grow by appending: each progress event costs the records it brings, not the run's length. They are
 * kept as {@link Series}: versions of one growing array (a version reads its first `length` items), so a new state
 * shares the array of the previous one, and the train / val split and the logged keys are updated the same way.
 * Panels subscribe to the slice they draw with the selectors below (`useTrainStore(useShallow(selectChart))`), so
 * an event that does not touch a slice leaves its component alone.
 */
import { scalarsJsonLine } from '../../../engine/runner/py_format';
import { unpackScalars, type InvalidLossInfo, type LoopPosition, type TrainEvent, type WorkerMemory } from '../../../engine/runner/worker_protocol';
import type { PretrainedReport } from '../../../models/utils/pretrained';

/**
 * An append-only series: every version shares one growing array and reads its first `length` items. Appending to
 * the newest version pushes onto that array (O(items added)); appending to an older one, or after a truncation,
 * copies first, so no version ever sees another's items.
 */
export interface Series<T> {
  readonly items: readonly T[];
  readonly length: number;
}

export const EMPTY_SERIES: Series<never> = Object.freeze({ items: Object.freeze([]) as readonly never[], length: 0 });

/** `s` with `more` at its end (the same series when `more` is empty). */
export function appendSeries<T>(s: Series<T>, more: readonly T[]): Series<T> {
  if (!more.length) return s;
  const items = s.length > 0 && s.items.length === s.length && !Object.isFrozen(s.items) ? (s.items as T[]) : s.items.slice(0, s.length);
  for (const x of more) items.push(x);
  return { items, length: items.length };
}

/** The first `n` items of `s` (the same series when it has no more). */
export function truncateSeries<T>(s: Series<T>, n: number): Series<T> {
  return n >= s.length ? s : { items: s.items, length: Math.max(0, n) };
}

/** The items of `s` as an array (no copy for the newest version). */
export function seriesArray<T>(s: Series<T>): readonly T[] {
  return s.items.length === s.length ? s.items : s.items.slice(0, s.length);
}

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface ValResult {
  epoch: number;
  metrics: Record<string, number>;
  confusion: number[][] | null;
  classes: string[] | null;
}

export interface RunState {
  status: RunStatus;
  runName: string | null;
  workDir: string | null;
  timestamp: string | null;
  backend: string | null;
  resumedFrom: string | null;
  position: LoopPosition | null;
  /** Every scalars record in order (train lines carry `lr`/`loss`, val lines the metrics). */
  records: Series<Record<string, number>>;
  /** The train records (with `lr` or `loss`) and the val records, split as they arrive. */
  train: Series<Record<string, number>>;
  val: Series<Record<string, number>>;
  /** Keys logged in train / val records (positions `step`, `iter`, `epoch` left out), sorted; a new array only when a key is new. */
  trainKeys: readonly string[];
  valKeys: readonly string[];
  /** The notices of lost backends the run went on from ("WebGL context lost at iteration 5; continuing on WASM…"). */
  backendNotices: string[];
  /** The last {@link MAX_LINES} log lines. */
  lines: string[];
  vals: ValResult[];
  checkpoints: { name: string; bytes: number }[];
  /** What the config's Pretrained init_cfgs loaded (null: none in this run). */
  pretrained: PretrainedReport | null;
  error: { message: string; invalidLoss: InvalidLossInfo | null } | null;
  startedAt: number | null;
  /** The last survival checkpoint written (`survival.pth`: iteration, epoch, batches done in it). */
  survival: { iter: number; epoch: number; innerIter: number; bytes: number; reason: 'interval' | 'pause' } | null;
  /** The last warning that does not stop the run (storage full while writing the survival checkpoint). */
  warning: string | null;
  /** The worker's memory with its last progress message. */
  workerMemory: WorkerMemory | null;
}

export const MAX_LINES = 400;

export const initialRunState: RunState = {
  status: 'idle',
  runName: null,
  workDir: null,
  timestamp: null,
  backend: null,
  resumedFrom: null,
  position: null,
  records: EMPTY_SERIES,
  train: EMPTY_SERIES,
  val: EMPTY_SERIES,
  trainKeys: [],
  valKeys: [],
  backendNotices: [],
  lines: [],
  vals: [],
  checkpoints: [],
  pretrained: null,
  error: null,
  startedAt: null,
  survival: null,
  warning: null,
  workerMemory: null,
};

/** Keys that are positions, not curves. */
export const AXIS_KEYS: ReadonlySet<string> = new Set(['step', 'iter', 'epoch']);

/** A train record (MMPretrain's rule, and the studio's: it carries `lr` or `loss`). */
export const isTrainRecord = (r: Record<string, number>) => 'lr' in r || 'loss' in r;

/** `keys` with the new non-axis keys of `records`, sorted (the same array when none is new). */
function withKeys(keys: readonly string[], records: readonly Record<string, number>[]): readonly string[] {
  let added: string[] | null = null;
  for (const r of records) for (const k in r) if (!AXIS_KEYS.has(k) && !keys.includes(k) && !added?.includes(k)) (added ??= []).push(k);
  return added ? [...keys, ...added].sort() : keys;
}

/** The state with `recs` appended (records, train / val split, keys). */
function withRecords(s: RunState, recs: readonly Record<string, number>[]): Pick<RunState, 'records' | 'train' | 'val' | 'trainKeys' | 'valKeys'> {
  if (!recs.length) return s;
  const train = recs.filter(isTrainRecord);
  const val = train.length === recs.length ? [] : recs.filter((r) => !isTrainRecord(r));
  return {
    records: appendSeries(s.records, recs),
    train: appendSeries(s.train, train),
    val: appendSeries(s.val, val),
    trainKeys: withKeys(s.trainKeys, train),
    valKeys: withKeys(s.valKeys, val),
  };
}

/** The records cut to the first `n` (a rewind after a lost backend: the iterations after it are run again). */
function keepRecords(s: RunState, n: number): Pick<RunState, 'records' | 'train' | 'val'> {
  if (n >= s.records.length) return s;
  let droppedTrain = 0;
  for (let i = n; i < s.records.length; i++) if (isTrainRecord(s.records.items[i])) droppedTrain++;
  const droppedVal = s.records.length - n - droppedTrain;
  return { records: truncateSeries(s.records, n), train: truncateSeries(s.train, s.train.length - droppedTrain), val: truncateSeries(s.val, s.val.length - droppedVal) };
}

/** The state after one worker event. */
export function applyTrainEvent(s: RunState, e: TrainEvent): RunState {
  switch (e.kind) {
    case 'started':
      return { ...s, status: 'running', backend: e.backend, workDir: e.workDir, timestamp: e.timestamp, resumedFrom: e.resumedFrom, position: e.position };
    case 'progress': {
      const recs = unpackScalars(e.scalars);
      const lines = e.lines.length ? [...s.lines, ...e.lines].slice(-MAX_LINES) : s.lines;
      return { ...s, ...withRecords(s, recs), position: e.position, lines, workerMemory: e.memory ?? s.workerMemory };
    }
    case 'backend-lost':
      return {
        ...s,
        ...keepRecords(s, e.keepRecords),
        vals: s.vals.every((v) => v.epoch <= e.keepValEpochs) ? s.vals : s.vals.filter((v) => v.epoch <= e.keepValEpochs),
        status: s.status === 'paused' || s.status === 'stopping' ? s.status : 'running',
        backend: e.backend,
        position: e.position,
        backendNotices: [...s.backendNotices, e.message],
      };
    case 'survival': {
      const { kind: _k, ...survival } = e;
      return { ...s, survival, warning: null };
    }
    case 'warning':
      return { ...s, warning: e.message };
    case 'val':
      return { ...s, vals: [...s.vals, { epoch: e.epoch, metrics: e.metrics, confusion: e.confusion, classes: e.classes }] };
    case 'pretrained':
      return { ...s, pretrained: e.report };
    case 'checkpoint':
      return { ...s, checkpoints: [...s.checkpoints.filter((c) => c.name !== e.name), { name: e.name, bytes: e.bytes }] };
    case 'checkpoint-removed':
      return { ...s, checkpoints: s.checkpoints.filter((c) => c.name !== e.name) };
    case 'state':
      return { ...s, status: e.state === 'paused' ? 'paused' : e.state === 'stopping' ? 'stopping' : 'running' };
    case 'done':
      return { ...s, status: e.stopped ? 'stopped' : 'finished', position: e.position };
    case 'error':
      return { ...s, status: 'failed', error: { message: e.message, invalidLoss: e.invalidLoss } };
  }
}

/** The run's `scalars.json` text (mmengine's JSON lines) from records (all of them, or the new ones). */
export function scalarsJsonText(records: readonly Record<string, number>[] | Series<Record<string, number>>): string {
  const list = 'items' in records ? seriesArray(records) : records;
  return list.map((r) => scalarsJsonLine(r) + '\n').join('');
}

/** Train records (they carry `loss` or `lr`) and val records (the others). */
export function splitRecords(records: readonly Record<string, number>[]): { train: Record<string, number>[]; val: Record<string, number>[] } {
  const train: Record<string, number>[] = [];
  const val: Record<string, number>[] = [];
  for (const r of records) (isTrainRecord(r) ? train : val).push(r);
  return { train, val };
}

// ---- selectors: each component reads its slice (with `useShallow` where it is an object) ----------------------

/** The charts: the train and val series and their keys. */
export const selectChart = (s: RunState) => ({ train: s.train, val: s.val, trainKeys: s.trainKeys, valKeys: s.valKeys });
/** The progress bars and the status line. */
export const selectProgress = (s: RunState) => ({ position: s.position, status: s.status, backend: s.backend, resumedFrom: s.resumedFrom, workDir: s.workDir });
/** The error, warning, survival and backend notices under the buttons. */
export const selectNotices = (s: RunState) => ({ status: s.status, backend: s.backend, error: s.error, warning: s.warning, survival: s.survival, backendNotices: s.backendNotices });
/** Whether any record arrived (the charts are shown). */
export const selectHasRecords = (s: RunState) => s.records.length > 0;

/** Seconds left: the remaining iterations at the recent pace (validation time not counted), or null. */
export function etaSeconds(p: LoopPosition | null): number | null {
  if (!p || p.secPerIter === null || !p.maxIters) return null;
  return Math.max(0, p.maxIters - p.iter) * p.secPerIter;
}

/** `1:02:03` / `4:05`. */
export function formatDuration(sec: number): string {
  const t = Math.round(sec);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
