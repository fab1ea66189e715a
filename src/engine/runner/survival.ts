/**
 * The studio's survival checkpoint (`work_dirs/<name>/survival.pth`): written every few iterations or seconds and at
 * a pause, so a reload, a crashed worker or a closed tab loses little. It is an ordinary mmengine checkpoint
 * (`meta`, `state_dict`, `optimizer`, `param_schedulers`, `message_hub`; PyTorch MMPretrain `torch.load`s and
 * resumes it, from the start of its epoch) with the rest of the run's state in plain types under `meta.studio`:
 * the position inside the epoch, the data side's random state at the start of that epoch, and the scalars so far.
 * Resuming here restores all of it and continues at the next iteration of the same epoch with the same samples.
 *
 * Beside it, `survival.json` says what it holds (plain JSON, read by the panel without parsing the checkpoint).
 */
import type { WorkDirStore } from './work_dir';

export const SURVIVAL_FILE = 'survival.pth';
export const SURVIVAL_INFO = 'survival.json';
/** Where the next survival checkpoint is written before it replaces the last good one. */
export const SURVIVAL_PARTIAL = 'survival.pth.partial';

/** `survival.json`: what the survival checkpoint holds. */
export interface SurvivalInfo {
  file: string;
  /** Iterations done (mmengine's `iter` after them), the epoch in progress (0-based) and batches done in it. */
  iter: number;
  epoch: number;
  inner_iter: number;
  epoch_length: number;
  /** The user checkpoint `last_checkpoint` named when this was written (a later one differs: it is newer). */
  last_ckpt: string | null;
  /** Why it was written: the interval, a pause. */
  reason: 'interval' | 'pause';
  bytes: number;
  time: string;
}

/** The studio part of a survival checkpoint's `meta` (plain numbers, strings, lists and dicts only). */
export interface SurvivalMeta {
  survival: true;
  epoch: number;
  inner_iter: number;
  epoch_length: number;
  sampler_seed: number | null;
  /** Per dataset (depth-first through wrappers): each sample's fetch count at the start of the epoch. */
  data_rng: { mode: number; idx: number[]; count: number[] }[];
  /** The message hub's scalar history (mmengine's `log_scalars`, as plain lists). */
  log_scalars: Record<string, { log_history: number[]; count_history: number[] }>;
}

type Counts = Map<number, number>;
interface DatasetLike {
  fetchCounts?: Counts;
  datasets?: DatasetLike[];
  dataset?: DatasetLike;
}

/**
 * The datasets under a loader's dataset (wrappers' inner ones, depth-first). A seeded dataset draws each sample's
 * augmentation generator from (seed, sample index, how often it was fetched), so those counts are its random state.
 */
function datasetsOf(ds: DatasetLike | undefined, out: DatasetLike[] = []): DatasetLike[] {
  if (!ds || typeof ds !== 'object') return out;
  out.push(ds);
  for (const d of ds.datasets ?? []) datasetsOf(d, out);
  if (ds.dataset) datasetsOf(ds.dataset, out);
  return out;
}

/** The data side's random state, compact: the commonest fetch count, and the samples that differ from it. */
export function captureDataRng(dataset: unknown): SurvivalMeta['data_rng'] {
  return datasetsOf(dataset as DatasetLike).map((d) => {
    const counts = d.fetchCounts ?? new Map<number, number>();
    const freq = new Map<number, number>();
    const size = (d as { length?: number }).length ?? counts.size;
    if (size > counts.size) freq.set(0, size - counts.size); // samples never fetched yet
    for (const n of counts.values()) freq.set(n, (freq.get(n) ?? 0) + 1);
    const mode = [...freq].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
    const idx: number[] = [];
    const count: number[] = [];
    for (const [i, n] of counts) if (n !== mode) (idx.push(i), count.push(n));
    return { mode, idx, count };
  });
}

/** Restores {@link captureDataRng}'s state into the same datasets (a freshly built loader of the same config). */
export function restoreDataRng(dataset: unknown, state: SurvivalMeta['data_rng'], length: (d: unknown) => number = (d) => (d as { length?: number }).length ?? 0): void {
  const list = datasetsOf(dataset as DatasetLike);
  if (list.length !== state.length) throw new Error(`survival checkpoint: the data random state is for ${state.length} dataset(s), the config builds ${list.length}`);
  list.forEach((d, k) => {
    if (!d.fetchCounts) return;
    const { mode, idx, count } = state[k];
    const counts: Counts = new Map();
    if (mode !== 0) for (let i = 0; i < length(d); i++) counts.set(i, mode);
    idx.forEach((i, j) => (count[j] === 0 ? counts.delete(i) : counts.set(i, count[j])));
    d.fetchCounts = counts;
  });
}

/** Browser storage usage and quota (`navigator.storage.estimate()`), or null where unknown. */
export type StorageEstimate = () => Promise<{ usage?: number; quota?: number } | null>;

export const browserStorageEstimate: StorageEstimate = async () => {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }).navigator?.storage;
  return storage?.estimate ? storage.estimate().catch(() => null) : null;
};

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Whether an error is a full storage quota (`QuotaExceededError` in browsers, `ENOSPC` / `EDQUOT` in Node). */
export function isQuotaError(e: unknown): boolean {
  const x = e as { name?: string; code?: string | number; message?: string };
  return x?.name === 'QuotaExceededError' || x?.code === 'ENOSPC' || x?.code === 'EDQUOT' || x?.code === 22 || /quota|no space left/i.test(x?.message ?? '');
}

/** A store that can move a complete file over another (OPFS `move`, `fs.rename`). */
type RenamingStore = WorkDirStore & { rename?(from: string, to: string): Promise<void> };

export type SurvivalWriteResult = { ok: true } | { ok: false; quota: boolean; message: string };

/**
 * Writes the survival checkpoint so the last good one is never lost: the bytes go to `survival.pth.partial`, which
 * then replaces `survival.pth` (a rename where the store has one; otherwise a rewrite, which OPFS commits only
 * when complete). A failure (storage full) removes the partial file, keeps `survival.pth` and `survival.json` as they
 * were, and says why, naming the file, the storage usage and quota.
 */
export async function writeSurvivalCheckpoint(store: RenamingStore, bytes: Uint8Array, info: Omit<SurvivalInfo, 'bytes' | 'file'>, estimate: StorageEstimate = browserStorageEstimate): Promise<SurvivalWriteResult> {
  const full: SurvivalInfo = { ...info, file: SURVIVAL_FILE, bytes: bytes.byteLength };
  try {
    await store.write(SURVIVAL_PARTIAL, bytes);
    if (store.rename) await store.rename(SURVIVAL_PARTIAL, SURVIVAL_FILE);
    else {
      await store.write(SURVIVAL_FILE, bytes);
      await store.remove(SURVIVAL_PARTIAL);
    }
    await store.write(SURVIVAL_INFO, JSON.stringify(full, null, 1));
    return { ok: true };
  } catch (e) {
    await store.remove(SURVIVAL_PARTIAL).catch(() => undefined);
    const quota = isQuotaError(e);
    const est = await estimate().catch(() => null);
    const usage = est?.usage !== undefined && est?.quota !== undefined ? `: ${mb(est.usage)} used of a ${mb(est.quota)} quota` : '';
    const kept = (await store.read(SURVIVAL_INFO).catch(() => null)) ? `the last good ${SURVIVAL_FILE} is kept` : `no earlier ${SURVIVAL_FILE} exists`;
    const why = quota ? `browser storage is full${usage}` : `${(e as Error)?.message ?? String(e)}${usage}`;
    return {
      ok: false,
      quota,
      message: `Could not write the survival checkpoint ${store.root}/${SURVIVAL_FILE} (${mb(bytes.byteLength)}, iteration ${info.iter}): ${why}. ${kept[0].toUpperCase()}${kept.slice(1)}; training goes on.${quota ? ' Free space: delete old work dirs or checkpoints in the Train panel.' : ''}`,
    };
  }
}

/** Reads `survival.json`, or null. */
export async function readSurvivalInfo(store: WorkDirStore): Promise<SurvivalInfo | null> {
  const bytes = await store.read(SURVIVAL_INFO).catch(() => null);
  if (!bytes) return null;
  try {
    const info = JSON.parse(new TextDecoder().decode(bytes)) as SurvivalInfo;
    return typeof info.iter === 'number' ? info : null;
  } catch {
    return null;
  }
}

/**
 * Which checkpoint a resume continues from: the survival checkpoint when it is newer than the one `last_checkpoint`
 * names (it was written after that one: its `last_ckpt` names the same file, or there is none), else the pointer's.
 */
export function newestCheckpoint(survival: SurvivalInfo | null, lastCheckpoint: string | null): { file: string; survival: boolean } | null {
  if (survival && (!lastCheckpoint || survival.last_ckpt === lastCheckpoint)) return { file: survival.file, survival: true };
  return lastCheckpoint ? { file: lastCheckpoint, survival: false } : null;
}
