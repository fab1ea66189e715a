/**
 * The Train panel's store: the run state folded from worker events, the worker client, the dropped dataset files,
 * and the side effects of a run (its `scalars.json` into the Logs panel, its status into `studio_run.json`).
 * Kept at module level so a run goes on while the user looks at other panels.
 */
import { create } from 'zustand';
import type { DatasetFile, TrainEvent } from '../../../engine/runner/worker_protocol';
import type { PretrainedFile } from '../../../models/utils/pretrained';
import { useLogsStore } from '../logs/logsStore';
import type { WorkDirStore } from '../../../engine/runner/work_dir';
import { keepDatasetCopy, OpfsWorkDir, openBrowserWorkDir } from '../../../engine/runner/opfs_work_dir';
import { applyTrainEvent, initialRunState, type RunState } from './runState';
import { IncrementalScalarsLog } from './scalarsLog';
import { readRunInfo, setRunStatus, writeRunInfo, type SavedRunInfo } from './savedRuns';
import { TrainClient } from './trainClient';
import { setWorkerMemory } from './workerMemory';

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
  /** A checkpoint the user chose: copied into the work dir as `load_from/<name>` and set as `load_from`. */
  checkpoint?: { name: string; data: Blob };
  /** Files for the config's `Pretrained` init_cfgs (none: from scratch, or a resume). */
  pretrained?: PretrainedFile[];
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
  /** Loses the worker's backend on purpose (the e2e build only; elsewhere the worker refuses with a warning). */
  debugLoseBackend(): void;
  /** Feeds one event (the worker's, or a test's). */
  onEvent(e: TrainEvent): void;
}

let client: TrainClient | null = null;
/** The run's log as the Logs panel holds it, parsed as records arrive (one per run). */
let scalarsLog: IncrementalScalarsLog | null = null;

/** Copies a chosen checkpoint into the work dir and points `load_from` at it (in the config data and its text). */
async function withLoadFrom(store: WorkDirStore, p: StartParams, ckpt: { name: string; data: Blob }): Promise<Pick<StartParams, 'cfg' | 'cfgText'>> {
  const path = `load_from/${ckpt.name.replace(/[/\\]/g, '_')}`;
  if (store instanceof OpfsWorkDir) await store.writeBlob(path, ckpt.data);
  else await store.write(path, new Uint8Array(await ckpt.data.arrayBuffer()));
  const line = `load_from = '${path}'`;
  const cfgText = /^load_from = .*$/m.test(p.cfgText) ? p.cfgText.replace(/^load_from = .*$/m, line) : `${p.cfgText.replace(/\n*$/, '\n')}${line}\n`;
  return { cfg: { ...p.cfg, load_from: path }, cfgText };
}
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
    scalarsLog = null;
    try {
      const store = await openBrowserWorkDir(p.workDirName);
      if (p.checkpoint) p = { ...p, ...(await withLoadFrom(store, p, p.checkpoint)) };
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
      client.start({ cfg: p.cfg, cfgText: p.cfgText, cfgFileName: p.cfgFileName, workDirName: p.workDirName, files: p.files, mounts: p.mounts, backend: p.backend, resume: p.resume, pretrained: p.pretrained });
    } catch (e) {
      get().onEvent({ kind: 'error', message: e instanceof Error ? e.message : String(e), invalidLoss: null });
    }
  },

  pause: () => client?.pause(),
  resume: () => client?.resume(),
  stop: () => client?.stop(),
  debugLoseBackend: () => client?.debugLoseBackend(),
  kill() {
    client?.terminate();
    client = null;
    get().onEvent({ kind: 'error', message: 'the run was ended (worker terminated); the last saved checkpoint is kept', invalidLoss: null });
  },

  onEvent(e) {
    const before = get();
    const next = applyTrainEvent(before, e);
    set(next);
    if (next.workerMemory !== before.workerMemory) setWorkerMemory(next.workerMemory);
    if (next.runName && next.records !== before.records) {
      // Only the new records are parsed (the run's log grows by appending); a rewind after a lost backend re-parses once.
      const name = `${next.runName}/${next.timestamp ?? 'run'}/vis_data/scalars.json`;
      if (scalarsLog?.name !== name) scalarsLog = new IncrementalScalarsLog(name);
      const log = scalarsLog.update(next.records);
      if (next.startedAt !== null) log.meta.start_time = next.startedAt;
      const logs = useLogsStore.getState();
      const known = logs.runs.some((r) => r.id === name);
      const logRun = logs.addParsedLog(name, log, 'studio');
      // Named after the work dir and the run's timestamp (the Logs panel would show the timestamp alone).
      if (!known) useLogsStore.getState().renameRun(logRun.id, `${next.runName} ${next.timestamp ?? ''}`.trim());
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
      setWorkerMemory(null);
    }
  },
}));

declare global {
  interface Window {
    /**
     * The e2e build's hooks (`vite build --mode e2e`): `loseBackend()` loses the training worker's backend; `kill()`
     * terminates the worker wherever it is (mid-step), as a crash would.
     */
    __mmpwTrain?: { loseBackend(): void; kill(): void };
  }
}

if (typeof window !== 'undefined' && import.meta.env.MODE === 'e2e') {
  window.__mmpwTrain = { loseBackend: () => useTrainStore.getState().debugLoseBackend(), kill: () => useTrainStore.getState().kill() };
}
