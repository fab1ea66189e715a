/**
 * What the studio keeps beside a run's work dir (`studio_run.json`) so a reload of the tab can offer to resume it:
 * the config (data and text), where the dataset files were mounted and their names (to ask for them again), the
 * backend, and how the run ended.
 */
import type { WorkDirStore } from '../../../engine/runner/work_dir';
import { checkpointNameFromPointer } from '../../../engine/runner/worker_protocol';
import { listWorkDirNames, openBrowserWorkDir } from '../../../engine/runner/opfs_work_dir';
import type { RunStatus } from './runState';

export const RUN_INFO = 'studio_run.json';

export interface SavedRunInfo {
  name: string;
  /** Where the config came from (`configs/lenet/lenet5_mnist.py`). */
  source: string;
  cfgFileName: string;
  cfg: Record<string, unknown>;
  cfgText: string;
  mounts: string[];
  /** Names of the dropped dataset files (a reload loses the files themselves: the panel asks for them again). */
  datasetFiles: string[];
  /** Whether the work dir keeps a copy of them (`.studio_dataset/`), so resuming needs no new drop. */
  datasetKept?: boolean;
  backend: string;
  status: RunStatus;
  /** ISO time of the last update. */
  updated: string;
}

export async function writeRunInfo(store: WorkDirStore, info: SavedRunInfo): Promise<void> {
  await store.write(RUN_INFO, JSON.stringify(info, null, 1));
}

export async function readRunInfo(store: WorkDirStore): Promise<SavedRunInfo | null> {
  const bytes = await store.read(RUN_INFO);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as SavedRunInfo;
  } catch {
    return null;
  }
}

/** Updates the status (and time) of a saved run. */
export async function setRunStatus(store: WorkDirStore, status: RunStatus): Promise<void> {
  const info = await readRunInfo(store);
  if (info) await writeRunInfo(store, { ...info, status, updated: new Date().toISOString() });
}

/** A run that can continue: its info and the checkpoint `last_checkpoint` names. */
export interface ResumableRun {
  info: SavedRunInfo;
  checkpoint: string;
}

/** Whether a run with this info and `last_checkpoint` pointer can be resumed (it did not finish). */
export function resumableFrom(info: SavedRunInfo | null, pointer: Uint8Array | null): ResumableRun | null {
  if (!info || !pointer || info.status === 'finished') return null;
  return { info, checkpoint: checkpointNameFromPointer(new TextDecoder().decode(pointer)) };
}

/** Runs in browser storage that stopped before their end (closed tab, stop, failure) and have a checkpoint. */
export async function findResumableRuns(): Promise<ResumableRun[]> {
  const out: ResumableRun[] = [];
  for (const name of await listWorkDirNames()) {
    const store = await openBrowserWorkDir(name);
    const r = resumableFrom(await readRunInfo(store), await store.read('last_checkpoint'));
    if (r) out.push(r);
  }
  return out.sort((a, b) => b.info.updated.localeCompare(a.info.updated));
}
