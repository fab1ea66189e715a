/**
 * What the studio keeps beside a run's work dir (`studio_run.json`) so a reload of the tab can offer to resume it:
 * the config (data and text), where the dataset files were mounted and their names (to ask for them again), the
 * backend, and how the run ended.
 */
import type { WorkDirStore } from '../../../engine/runner/work_dir';
import { checkpointNameFromPointer } from '../../../engine/runner/worker_protocol';
import { listWorkDirNames, openBrowserWorkDir } from '../../../engine/runner/opfs_work_dir';
import type { RunStatus } from './runState';
import { newestCheckpoint, readSurvivalInfo, type SurvivalInfo } from '../../../engine/runner/survival';

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

/**
 * A run that can continue: its info, the checkpoint a resume starts from (the newer of `last_checkpoint`'s and the
 * survival checkpoint) and the iteration it continues after (known for the survival checkpoint).
 */
export interface ResumableRun {
  info: SavedRunInfo;
  checkpoint: string;
  /** Iterations done in that checkpoint (the survival checkpoint's), or null when only the epoch file says it. */
  iter: number | null;
}

/** Whether a run with this info, `last_checkpoint` pointer and `survival.json` can be resumed (it did not finish). */
export function resumableFrom(info: SavedRunInfo | null, pointer: Uint8Array | null, survival: SurvivalInfo | null = null): ResumableRun | null {
  if (!info || info.status === 'finished') return null;
  const newest = newestCheckpoint(survival, pointer ? checkpointNameFromPointer(new TextDecoder().decode(pointer)) : null);
  if (!newest) return null;
  return { info, checkpoint: newest.file, iter: newest.survival ? survival!.iter : null };
}

/** The panel's offer: "resume run X from iteration k" (or from the epoch checkpoint's name). */
export function resumeLabel(r: ResumableRun): string {
  return r.iter !== null ? `Resume run ${r.info.name} from iteration ${r.iter}` : `Resume run ${r.info.name} from ${r.checkpoint}`;
}

/**
 * Runs in browser storage that stopped before their end (closed tab, reload, crashed worker, stop, failure) and
 * have a checkpoint. A run whose tab closed still says `running` in `studio_run.json`: it is offered too.
 */
export async function findResumableRuns(): Promise<ResumableRun[]> {
  const out: ResumableRun[] = [];
  for (const name of await listWorkDirNames()) {
    const store = await openBrowserWorkDir(name);
    const r = resumableFrom(await readRunInfo(store), await store.read('last_checkpoint'), await readSurvivalInfo(store));
    if (r) out.push(r);
  }
  return out.sort((a, b) => b.info.updated.localeCompare(a.info.updated));
}
