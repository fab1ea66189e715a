/**
 * Reading training logs: mmengine's `vis_data/scalars.json` (MMPretrain 1.x) and MMClassification
 * 0.x's `*.log.json`, with MMPretrain's `load_json_log` semantics (`mmpretrain/utils/analyze.py`;
 * mmcls 0.x: `mmcls/utils/logger.py`), made tolerant: a malformed line is skipped and counted, never
 * fatal.
 *
 * - mmengine: a line with `lr` is a train line, any other line a validation line (`step` = epoch
 *   for epoch-based runs).
 * - mmcls 0.x: `mode: "train" | "val"`; the first line carries `env_info` (kept as metadata);
 *   lines without `epoch` are skipped, as the 0.x tool does.
 */
import { parsePythonJson } from './python_json';

export type LogFormat = 'mmengine' | 'mmcls0x';
export type Phase = 'train' | 'val';

/** One kept line: its numeric scalars and where it came from. */
export interface LogRecord {
  /** 1-based line number in the file. */
  line: number;
  /** The line's numeric values (`step`, `epoch`, `iter`, `lr`, `loss`, `accuracy/top1`…). */
  scalars: Record<string, number>;
}

/** Why a line was not kept. */
export type SkipReason =
  | 'truncated' // starts like a JSON object but is cut off (a run killed mid-write)
  | 'non-json' // any other text that is not JSON
  | 'not-an-object' // valid JSON, but not a `{…}` record
  | 'non-finite' // a NaN or ±Infinity value (Python's json writes these bare)
  | 'foreign-task' // keys of another OpenMMLab task (detection, segmentation, OCR…)
  | 'no-epoch' // mmcls 0.x line without `epoch` (the 0.x tool skips these)
  | 'unknown-mode'; // mmcls 0.x line whose `mode` is neither train nor val

export const SKIP_REASONS: readonly SkipReason[] = [
  'truncated',
  'non-json',
  'not-an-object',
  'non-finite',
  'foreign-task',
  'no-epoch',
  'unknown-mode',
];

export interface SkippedLine {
  line: number;
  reason: SkipReason;
  /** Human-readable detail: the offending keys or the start of the text. */
  detail: string;
}

export interface LoadedLog {
  /** The name given at load time (a file name or path). */
  name: string;
  format: LogFormat;
  train: LogRecord[];
  val: LogRecord[];
  skipped: SkippedLine[];
  /** Keys whose values were not numbers (strings, lists…) and were dropped from kept lines, with counts. */
  droppedKeys: Record<string, number>;
  /** Metadata lines' content (mmcls 0.x `env_info`, `seed`, `exp_name`…). */
  meta: Record<string, unknown>;
  /** Non-blank lines read. */
  lineCount: number;
}

/**
 * Metric keys written by other OpenMMLab tasks; a line carrying one does not belong in a
 * classification log (e.g. a detection run's `scalars.json` dropped by mistake, or concatenated logs).
 */
export const FOREIGN_TASK_KEY =
  /^(?:(?:coco|pascal_voc|lvis|cityscapes|openimages|objects365|crowdhuman|dota|icdar|recog|kie|motchallenge-metric|NuScenes metric|Kitti metric|Waymo metric)\/|(?:bbox|segm|proposal)_mAP|mIoU$|mAcc$|aAcc$|mDice$|mFscore$)/;

export interface LoadJsonLogOptions {
  /** Force a format instead of detecting it from the first record. Default: detected. */
  format?: LogFormat;
  /** Keys that mark a line as another task's. Default: {@link FOREIGN_TASK_KEY}. */
  foreignKeys?: RegExp;
}

/** Keys of mmcls 0.x records that are not scalars to plot. */
const MMCLS0X_META_KEYS = new Set(['mode']);

function detectFormat(first: Record<string, unknown> | undefined): LogFormat {
  if (first && ('env_info' in first || first.mode === 'train' || first.mode === 'val')) return 'mmcls0x';
  return 'mmengine';
}

function excerpt(text: string): string {
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

type LineResult = { ok: true; obj: Record<string, unknown> } | { ok: false; reason: SkipReason; detail: string };

function parseLine(text: string): LineResult {
  let value: unknown;
  try {
    value = parsePythonJson(text);
  } catch {
    const truncated = text.startsWith('{') && !text.endsWith('}');
    return { ok: false, reason: truncated ? 'truncated' : 'non-json', detail: excerpt(text) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not-an-object', detail: excerpt(text) };
  }
  return { ok: true, obj: value as Record<string, unknown> };
}

/**
 * Parses a JSON-lines training log.
 *
 * @param text The file's content.
 * @param name The file name or path (used in legends and messages).
 */
export function loadJsonLog(text: string, name: string, options: LoadJsonLogOptions = {}): LoadedLog {
  const foreignKeys = options.foreignKeys ?? FOREIGN_TASK_KEY;
  const log: LoadedLog = {
    name,
    format: options.format ?? 'mmengine',
    train: [],
    val: [],
    skipped: [],
    droppedKeys: {},
    meta: {},
    lineCount: 0,
  };
  let formatKnown = options.format !== undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    log.lineCount++;
    const lineNo = i + 1;
    const parsed = parseLine(raw);
    if (!parsed.ok) {
      log.skipped.push({ line: lineNo, reason: parsed.reason, detail: parsed.detail });
      continue;
    }
    const obj = parsed.obj;
    if (!formatKnown) {
      log.format = detectFormat(obj);
      formatKnown = true;
    }
    if (log.format === 'mmcls0x' && 'env_info' in obj) {
      Object.assign(log.meta, obj);
      continue;
    }
    const skip = (reason: SkipReason, detail: string) => log.skipped.push({ line: lineNo, reason, detail });
    const foreign = Object.keys(obj).filter((k) => foreignKeys.test(k));
    if (foreign.length > 0) {
      skip('foreign-task', foreign.join(', '));
      continue;
    }
    const scalars: Record<string, number> = {};
    const nonFinite: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'number') {
        if (Number.isFinite(v)) scalars[k] = v;
        else nonFinite.push(`${k}=${v}`);
      } else if (!(log.format === 'mmcls0x' && MMCLS0X_META_KEYS.has(k))) {
        log.droppedKeys[k] = (log.droppedKeys[k] ?? 0) + 1;
      }
    }
    if (nonFinite.length > 0) {
      skip('non-finite', nonFinite.join(', '));
      continue;
    }
    const record: LogRecord = { line: lineNo, scalars };
    if (log.format === 'mmengine') {
      // MMPretrain's "hack trick": a line with `lr` is a training line.
      (('lr' in obj) ? log.train : log.val).push(record);
      continue;
    }
    if (!('epoch' in scalars)) {
      skip('no-epoch', excerpt(raw));
    } else if (obj.mode === 'train' || obj.mode === 'val') {
      log[obj.mode].push(record);
    } else {
      skip('unknown-mode', `mode=${JSON.stringify(obj.mode)}`);
    }
  }
  return log;
}

/** Number of skipped lines per reason (every reason present, zeros included). */
export function skippedCounts(log: LoadedLog): Record<SkipReason, number> {
  const counts = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  for (const s of log.skipped) counts[s.reason]++;
  return counts;
}

/**
 * The name analyze_logs uses for a log in legends: the base name without `.json`, then without
 * `.log` (`20230101_120000.log.json` → `20230101_120000`).
 */
export function toolBasename(path: string): string {
  let base = path.split(/[\\/]/).pop() ?? path;
  if (base.endsWith('.json')) base = base.slice(0, -5);
  if (base.endsWith('.log')) base = base.slice(0, -4);
  return base;
}

/**
 * A readable run name for a dropped file: mmengine writes every run's log as
 * `<work_dir>/<timestamp>/vis_data/scalars.json`, so for `scalars.json` the run folder names the run.
 */
export function runNameFromPath(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const base = parts[parts.length - 1] ?? path;
  if (base === 'scalars.json' && parts.length >= 2) {
    const parent = parts[parts.length - 2] === 'vis_data' ? parts[parts.length - 3] : parts[parts.length - 2];
    if (parent) return parent;
  }
  return toolBasename(path);
}
