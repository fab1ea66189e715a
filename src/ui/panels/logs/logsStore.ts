/**
 * The Logs panel's store: loaded runs and the view settings. Other panels add logs with
 * {@link addLog} (e.g. the Train panel after each logging interval, with the run's growing
 * `scalars.json` text): calling it again with the same name replaces that run's data and keeps its
 * colour and visibility.
 */
import { create } from 'zustand';
import { loadJsonLog, runNameFromPath, type LoadedLog, type Phase } from '../../../tools/analysis_tools/load_json_log';
import { logKeys } from '../../../tools/analysis_tools/plot_curve';
import type { SmoothingMethod } from '../../../tools/analysis_tools/smoothing';
import type { XAxisMode } from '../../../tools/analysis_tools/x_axis';
import { TAB10 } from '../../../tools/analysis_tools/chart_layout';

export type RunSource = 'file' | 'studio';

export interface LogRun {
  /** Stable id (the name the run was added under). */
  id: string;
  /** Display name (editable; used in legends). */
  name: string;
  source: RunSource;
  log: LoadedLog;
  visible: boolean;
  color: string;
}

/** A curve the user can pick: a key of one phase (`train:loss`, `val:accuracy/top1`). */
export type KeyId = `${Phase}:${string}`;

export const keyId = (phase: Phase, key: string): KeyId => `${phase}:${key}`;
export function parseKeyId(id: KeyId): { phase: Phase; key: string } {
  const i = id.indexOf(':');
  return { phase: id.slice(0, i) as Phase, key: id.slice(i + 1) };
}

export interface LogsView {
  /** Curves shown; default on first load: `train:loss` and the validation metrics. */
  selectedKeys: KeyId[];
  /** Regex (case-insensitive) narrowing the key picker. */
  keyFilter: string;
  smoothing: SmoothingMethod;
  /** EMA weight, TensorBoard's slider (default 0.6). */
  emaWeight: number;
  /** Moving-window length. */
  window: number;
  xAxis: XAxisMode;
  logY: boolean;
  /** Y range ignores the 5 % extremes (TensorBoard's "Ignore outliers in chart scaling"). */
  ignoreOutliers: boolean;
  /** Figure title (exports, combined chart). */
  title: string;
  /** One chart per key (TensorBoard) or all curves in one figure (the tool). */
  combined: boolean;
  /** Draw `accuracy_top-1` (0.x) and `accuracy/top1` (1.x) as one metric. */
  matchAliases: boolean;
  /** cal_train_time's --include-outliers. */
  includeOutliers: boolean;
}

export interface LogsData {
  runs: LogRun[];
  view: LogsView;
}

export interface LogsActions {
  /** Parses `text` and adds (or replaces) the run named `name`. Returns the run. */
  addLog(name: string, text: string, source?: RunSource): LogRun;
  /** Adds (or replaces) an already parsed log. */
  addParsedLog(name: string, log: LoadedLog, source?: RunSource): LogRun;
  removeRun(id: string): void;
  setVisible(id: string, visible: boolean): void;
  renameRun(id: string, name: string): void;
  clearRuns(): void;
  setView(patch: Partial<LogsView>): void;
  toggleKey(id: KeyId): void;
}

export type LogsState = LogsData & LogsActions;

export const initialLogsView: LogsView = {
  selectedKeys: [],
  keyFilter: '',
  smoothing: 'ema',
  emaWeight: 0.6,
  window: 5,
  xAxis: 'tool',
  logY: false,
  ignoreOutliers: false,
  title: '',
  combined: false,
  includeOutliers: false,
  matchAliases: true,
};

/** Curves worth showing first: the loss, and validation metrics (not their timing keys). */
export function defaultKeysFor(log: LoadedLog): KeyId[] {
  const keys = logKeys(log);
  const picks: KeyId[] = keys.train.includes('loss') ? [keyId('train', 'loss')] : [];
  for (const k of keys.val) if (!['time', 'data_time', 'memory'].includes(k)) picks.push(keyId('val', k));
  return picks;
}

function nextColor(runs: LogRun[]): string {
  const used = new Set(runs.map((r) => r.color));
  return TAB10.find((c) => !used.has(c)) ?? TAB10[runs.length % TAB10.length];
}

export const useLogsStore = create<LogsState>()((set, get) => ({
  runs: [],
  view: initialLogsView,
  addLog(name, text, source = 'file') {
    return get().addParsedLog(name, loadJsonLog(text, name), source);
  },
  addParsedLog(name, log, source = 'file') {
    const { runs, view } = get();
    const existing = runs.find((r) => r.id === name);
    const run: LogRun = existing
      ? { ...existing, log, source }
      : { id: name, name: runNameFromPath(name), source, log, visible: true, color: nextColor(runs) };
    const selectedKeys = view.selectedKeys.length ? view.selectedKeys : defaultKeysFor(log);
    set({
      runs: existing ? runs.map((r) => (r.id === name ? run : r)) : [...runs, run],
      view: { ...view, selectedKeys },
    });
    return run;
  },
  removeRun: (id) => set((s) => ({ runs: s.runs.filter((r) => r.id !== id) })),
  setVisible: (id, visible) => set((s) => ({ runs: s.runs.map((r) => (r.id === id ? { ...r, visible } : r)) })),
  renameRun: (id, name) => set((s) => ({ runs: s.runs.map((r) => (r.id === id ? { ...r, name } : r)) })),
  clearRuns: () => set({ runs: [], view: { ...get().view, selectedKeys: [] } }),
  setView: (patch) => set((s) => ({ view: { ...s.view, ...patch } })),
  toggleKey: (id) =>
    set((s) => {
      const has = s.view.selectedKeys.includes(id);
      return { view: { ...s.view, selectedKeys: has ? s.view.selectedKeys.filter((k) => k !== id) : [...s.view.selectedKeys, id] } };
    }),
}));

export interface AddLogOptions {
  /** When the run started (unix seconds, `Date.now() / 1000`): gives the wall-time axis to logs without timestamps. */
  startTime?: number;
}

/**
 * Adds (or refreshes) a log from anywhere in the studio, e.g. the Train panel after each logging
 * interval: `addLog('my_run/vis_data/scalars.json', scalarsJsonText, 'studio', { startTime })`.
 * Lines may also carry `timestamp` (unix seconds) for exact wall and relative times.
 */
export function addLog(name: string, text: string, source: RunSource = 'studio', options: AddLogOptions = {}): LogRun {
  const log = loadJsonLog(text, name);
  if (options.startTime !== undefined) log.meta.start_time = options.startTime;
  return useLogsStore.getState().addParsedLog(name, log, source);
}
