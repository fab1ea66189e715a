/**
 * Where the Train panel gets the files for a config's `Pretrained` init_cfgs: a dropped `.pth` / `.safetensors`, the
 * studio's offline checkpoint cache (IndexedDB, shared with the Inference panel), or a download of the config's URL
 * (a page can read it only when the server sends CORS headers, and only online: a failure says which and what to do;
 * a downloaded file is cached for next time). Decides whether a run may start: every checkpoint given, or "train from
 * scratch" chosen.
 */
import type { PretrainedFile } from '../../../models/utils/pretrained';
import { checkpointFileName, isCheckpointUrl } from '../../../models/utils/pretrained';

/** A checkpoint file chosen for one init_cfg `checkpoint`, and where it came from. */
export interface ChosenPretrained {
  name: string;
  data: Blob;
  origin: 'dropped' | 'cache' | 'download';
}

/** The cache entry named like the config's checkpoint (`…/resnet18_….pth` → `resnet18_….pth`), if any. */
export function cachedMatch<T extends { name: string }>(cached: readonly T[], checkpoint: string): T | null {
  const want = checkpointFileName(checkpoint);
  return cached.find((c) => c.name === want) ?? null;
}

/** Whether training may start, and which checkpoints still need a file. */
export function pretrainedReadiness(
  needed: readonly string[],
  chosen: ReadonlyMap<string, ChosenPretrained>,
  { fromScratch = false, resuming = false }: { fromScratch?: boolean; resuming?: boolean } = {},
): { ready: boolean; missing: string[] } {
  // A resume restores every weight from its checkpoint (the worker skips the Pretrained init then).
  const missing = fromScratch || resuming ? [] : needed.filter((c) => !chosen.has(c));
  return { ready: missing.length === 0, missing };
}

/** The files handed to the worker with the start (none when training from scratch). */
export function pretrainedFiles(needed: readonly string[], chosen: ReadonlyMap<string, ChosenPretrained>, fromScratch: boolean): PretrainedFile[] {
  if (fromScratch) return [];
  return needed.flatMap((checkpoint) => {
    const c = chosen.get(checkpoint);
    return c ? [{ checkpoint, name: c.name, data: c.data }] : [];
  });
}

/** Fetches a checkpoint URL; a failure says why (HTTP status, offline, or the server refusing cross-origin reads). */
export async function downloadCheckpoint(
  url: string,
  fetchImpl: (url: string) => Promise<Response> = (u) => fetch(u),
  online: boolean = typeof navigator === 'undefined' ? true : navigator.onLine !== false,
): Promise<ChosenPretrained> {
  if (!isCheckpointUrl(url)) throw new Error(`'${url}' is a local path, not a URL: drop the file ${checkpointFileName(url)} here`);
  const name = checkpointFileName(url);
  const manual = `Download ${name} yourself (open the URL in a new tab) and drop it here, or train from scratch.`;
  if (!online) throw new Error(`could not download ${url}: the browser is offline. ${manual}`);
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`could not download ${url} (${why}): the server does not allow this page to read it (no CORS headers) or the network is unreachable. ${manual}`);
  }
  if (!res.ok) throw new Error(`could not download ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}. ${manual}`);
  return { name, data: await res.blob(), origin: 'download' };
}
