/**
 * What the panel knows of a run, folded from the worker's events by {@link applyTrainEvent} (pure, tested in Node):
 * status, loop position, the scalars records (the run's `scalars.json`), the log tail, validation results and the
 * checkpoints in the work dir.
 */
import { scalarsJsonLine } from '../../../engine/runner/py_format';
import { unpackScalars, type InvalidLossInfo, type LoopPosition, type TrainEvent, type WorkerMemory } from '../../../engine/runner/worker_protocol';
import type { PretrainedReport } from '../../../models/utils/pretrained';

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
  records: Record<string, number>[];
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
  records: [],
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

/** The state after one worker event. */
export function applyTrainEvent(s: RunState, e: TrainEvent): RunState {
  switch (e.kind) {
    case 'started':
      return { ...s, status: 'running', backend: e.backend, workDir: e.workDir, timestamp: e.timestamp, resumedFrom: e.resumedFrom, position: e.position };
    case 'progress': {
      const recs = unpackScalars(e.scalars);
      const lines = e.lines.length ? [...s.lines, ...e.lines].slice(-MAX_LINES) : s.lines;
      return { ...s, position: e.position, records: recs.length ? [...s.records, ...recs] : s.records, lines, workerMemory: e.memory ?? s.workerMemory };
    }
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

/** The run's `scalars.json` text (mmengine's JSON lines) from the records so far. */
export function scalarsJsonText(records: readonly Record<string, number>[]): string {
  return records.map((r) => scalarsJsonLine(r) + '\n').join('');
}

/** Train records (they carry `loss` or `lr`) and val records (the others). */
export function splitRecords(records: readonly Record<string, number>[]): { train: Record<string, number>[]; val: Record<string, number>[] } {
  const train: Record<string, number>[] = [];
  const val: Record<string, number>[] = [];
  for (const r of records) ('lr' in r || 'loss' in r ? train : val).push(r);
  return { train, val };
}

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
