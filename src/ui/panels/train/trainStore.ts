/**
 * The Train panel's store: the run state folded from worker events, the worker client, the dropped dataset files,
 * and the side effects of a run (its `scalars.json` into the Logs panel, its status into `studio_run.json`).
 * Kept at module level so a run goes on while the user looks at other panels.
 */
import { create } from 'zustand';
import type { DatasetFile, TrainEvent } from '../../../engine/runner/worker_protocol';
import { addLog, useLogsStore } from '../logs/logsStore';
import { keepDatasetCopy, openBrowserWorkDir } from './browserWorkDir';
import { applyTrainEvent, initialRunState, scalarsJsonText, type RunState } from './runState';
import { readRunInfo, setRunStatus, writeRunInfo, type SavedRunInfo } from './savedRuns';
import { TrainClient } from './trainClient';

/** What a start needs from the panel. */
export interface StartParams {
  cfg: Record<string, unknown>;
  cfgText: string;
  cfgFileName: string;
  workDirName: string;
  source: string;
  files: DatasetFile[];
  mounts: string[];
  backend: string;
  resume: boolean;
  /** Copy the dropped files into the work dir so a reload can resume without them (default false). */
  keepDataset?: boolean;
}

export interface TrainStoreState extends RunState {
  /** Bumped when a run's saved status has been written (the panel then lists resumable runs again). */
  storageVersion: number;
  /** Dropped dataset files (paths as dropped). */
  datasetFiles: DatasetFile[];
  setDatasetFiles(files: DatasetFile[]): void;
  start(p: StartParams): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Ends the worker now (after a stop that does not come, or a hung backend). */
  kill(): void;
  /** Feeds one event (the worker's, or a test's). */
  onEvent(e: TrainEvent): void;
}

let client: TrainClient | null = null;
const TERMINAL = new Set(['finished', 'stopped', 'failed']);

export const useTrainStore = create<TrainStoreState>()((set, get) => ({
  ...initialRunState,
  datasetFiles: [],
  storageVersion: 0,
  setDatasetFiles: (files) => set({ datasetFiles: files }),

  async start(p) {
    if (['starting', 'running', 'paused', 'stopping'].includes(get().status)) throw new Error('a run is already going');
    client?.terminate();
    set({ ...initialRunState, status: 'starting', runName: p.workDirName, startedAt: Date.now() / 1000 });
    try {
      const store = await openBrowserWorkDir(p.workDirName);
      const info: SavedRunInfo = {
        name: p.workDirName,
        source: p.source,
        cfgFileName: p.cfgFileName,
        cfg: p.cfg,
        cfgText: p.cfgText,
        mounts: p.mounts,
        datasetFiles: [...new Set(p.files.map((f) => f.path))],
        backend: p.backend,
        status: 'running',
        updated: new Date().toISOString(),
      };
      if (p.keepDataset) info.datasetKept = await keepDatasetCopy(store, p.files);
      else if (p.resume) info.datasetKept = (await readRunInfo(store))?.datasetKept ?? false;
      await writeRunInfo(store, info);
      client = new TrainClient((e) => get().onEvent(e));
      client.start({ cfg: p.cfg, cfgText: p.cfgText, cfgFileName: p.cfgFileName, workDirName: p.workDirName, files: p.files, mounts: p.mounts, backend: p.backend, resume: p.resume });
    } catch (e) {
      get().onEvent({ kind: 'error', message: e instanceof Error ? e.message : String(e), invalidLoss: null });
    }
  },

  pause: () => client?.pause(),
  resume: () => client?.resume(),
  stop: () => client?.stop(),
  kill() {
    client?.terminate();
    client = null;
    get().onEvent({ kind: 'error', message: 'the run was ended (worker terminated); the last saved checkpoint is kept', invalidLoss: null });
  },

  onEvent(e) {
    const before = get();
    const next = applyTrainEvent(before, e);
    set(next);
    if (next.runName && next.records.length !== before.records.length) {
      const logRun = addLog(`${next.runName}/${next.timestamp ?? 'run'}/vis_data/scalars.json`, scalarsJsonText(next.records), 'studio', { startTime: next.startedAt ?? undefined });
      // Named after the work dir and the run's timestamp (the Logs panel would show the timestamp alone).
      if (!before.records.length) useLogsStore.getState().renameRun(logRun.id, `${next.runName} ${next.timestamp ?? ''}`.trim());
    }
    if (TERMINAL.has(next.status) && !TERMINAL.has(before.status) && next.runName) {
      const name = next.runName;
      void openBrowserWorkDir(name)
        .then((s) => setRunStatus(s, next.status))
        .catch(() => undefined)
        .then(() => set({ storageVersion: get().storageVersion + 1 }));
      if (e.kind !== 'error') {
        client?.terminate();
        client = null;
      }
    }
  },
}));
