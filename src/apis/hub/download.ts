/**
 * Checkpoint download as torch.hub's `download_url_to_file` (which `mmengine.runner.load_checkpoint` →
 * `load_from_http` uses for MMPretrain's `Weights:` URLs), on `fetch` streams so it runs in Node ≥ 18 and in the
 * page: the body is appended chunk by chunk to a {@link CheckpointStore}'s partial file while a sha256 runs over
 * it, and only a complete file whose hash starts with the `-{hash8}` of its name is committed (torch.hub's
 * `check_hash`). Beyond torch.hub: progress events, cancel with an AbortSignal (the partial file stays), resume with
 * an HTTP Range request from the partial file, and reconnection after a connection dropped mid-body.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CheckpointStore, DownloadOptions, DownloadProgress, DownloadResult } from './types';

type Hasher = ReturnType<typeof sha256.create>;

/**
 * The sha256 prefix a checkpoint's file name carries, as torch.hub's `HASH_REGEX = r'-([a-f0-9]*)\.'` finds it
 * (`resnet50_8xb32_in1k_20210831-ea4938fc.pth` → `ea4938fc`); null when the name has none (nothing is checked).
 */
export function hashPrefixOf(fileName: string): string | null {
  const m = /-([a-f0-9]*)\./.exec(fileName);
  return m && m[1] ? m[1] : null;
}

/** The store key of a URL: its last path segment, decoded (`…/resnet50_8xb32_in1k_20210831-ea4938fc.pth`). */
export function keyOf(url: string): string {
  const path = new URL(url).pathname;
  const key = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (!key) throw new Error(`${url}: the URL names no file`);
  return key;
}

/**
 * `url` with its scheme, host and port replaced by the `hub` base, which may carry a path prefix
 * (`https://download.openmmlab.com/mmclassification/v0/x.pth` with `http://127.0.0.1:8000/mirror` →
 * `http://127.0.0.1:8000/mirror/mmclassification/v0/x.pth`); the path and query are kept. A null or empty hub
 * leaves `url` as it is. The CLI takes it from `--hub` or `$MMPRETRAIN_HUB`.
 */
export function hubUrl(url: string, hub: string | null | undefined): string {
  if (!hub) return url;
  const u = new URL(url);
  let base: URL;
  try {
    base = new URL(hub);
  } catch {
    throw new Error(`hub '${hub}' is not a URL (expected e.g. http://127.0.0.1:8000 or https://mirror.example.org/openmmlab)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`hub '${hub}': only http(s) hubs are supported`);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${u.pathname}${u.search}`;
}

/** `1.5 MB`-style byte counts for messages. */
export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

const isAbort = (e: unknown, signal?: AbortSignal) => Boolean(signal?.aborted) || (e instanceof Error && e.name === 'AbortError');

/** The low-level cause of a Node (undici) fetch error (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`…), if any. */
function causeCode(e: unknown): string | null {
  let c: unknown = e;
  for (let i = 0; i < 4 && c && typeof c === 'object'; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return null;
}

/** What to do by hand when the host cannot be used: fetch the file elsewhere and give it to the studio. */
function byHand(url: string, prefix: string | null): string {
  return `download the file yourself (${url}) and drop it${prefix ? `; its sha256 must start with ${prefix}` : ''}`;
}

/**
 * The message of a fetch that failed before any response: in Node a network error with its code; in the page a bare
 * TypeError, which is also what a host that blocks cross-origin requests (no CORS headers) gives.
 */
function unreachable(url: string, e: unknown, prefix: string | null): Error {
  const host = new URL(url).host;
  const code = causeCode(e);
  if (code) return new Error(`cannot reach ${host} (${code}) for ${url}: check the network or the hub (--hub / MMPRETRAIN_HUB), or ${byHand(url, prefix)}`);
  return new Error(`the host ${host} could not be reached or blocks cross-origin requests: ${byHand(url, prefix)}`);
}

function httpError(url: string, res: Response, prefix: string | null): Error {
  const hint = res.status === 404 ? ' (no such file on this host: check the hub, --hub / MMPRETRAIN_HUB)' : res.status === 403 ? ' (refused by the host)' : '';
  return new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} for ${url}${hint}; or ${byHand(url, prefix)}`);
}

/** `Content-Range: bytes 100-199/1000` → `{start: 100, total: 1000}` (total null for an unknown length); the
 * 416 form `bytes *` + `/1000` gives start null. */
function parseContentRange(v: string | null): { start: number | null; total: number | null } | null {
  const m = v && /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(v.trim());
  if (!m) return null;
  return { start: m[1] === undefined ? null : Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

/** The body's length as the server declares it (null when unknown or when a content coding changes it). */
function declaredLength(res: Response): number | null {
  const enc = res.headers.get('content-encoding');
  if (enc && enc.toLowerCase() !== 'identity') return null;
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Hashes what the store already holds (a finished file, or a partial one), chunk by chunk. */
async function hashStored(store: CheckpointStore, key: string, partial: boolean): Promise<{ hasher: Hasher; bytes: number }> {
  const hasher = sha256.create();
  let bytes = 0;
  if (partial) {
    for await (const chunk of store.readPartial(key)) {
      hasher.update(chunk);
      bytes += chunk.length;
    }
    return { hasher, bytes };
  }
  const blob = store.blob ? await store.blob(key) : null;
  if (blob) {
    const step = 4 << 20;
    for (let at = 0; at < blob.size; at += step) {
      const chunk = new Uint8Array(await blob.slice(at, at + step).arrayBuffer());
      hasher.update(chunk);
      bytes += chunk.length;
    }
    return { hasher, bytes };
  }
  const all = await store.read(key);
  if (all) {
    hasher.update(all);
    bytes = all.length;
  }
  return { hasher, bytes };
}

function mismatch(key: string, expected: string, digest: string, what: string): Error {
  return new Error(`${key}: sha256 ${digest} does not start with ${expected} (the hash in its file name): ${what}`);
}

/**
 * Downloads `url` into `opts.store` under `opts.key` (default: the URL's file name) and returns the stored file's
 * size and sha256; a file already in the store is returned without using the network (`cached: true`, hashed
 * again unless `verifyCached: false`).
 *
 * - A partial file left by an earlier try is resumed with `Range: bytes=N-` (after hashing what it holds); the
 *   server must answer 206 with a `Content-Range` starting at N, and a 200 (Range ignored) restarts from 0 with
 *   the partial discarded.
 * - A connection dropped mid-body (or a body shorter than its Content-Length) reconnects and resumes, up to
 *   `maxRetries` times; past that the call fails with the partial kept, and a truncated file is never committed.
 * - Aborting `signal` rejects with an AbortError and keeps the partial file for a later call.
 * - The sha256 of the whole file must start with the `-{hash8}` of its name (or `expectedHashPrefix`); else the
 *   file is discarded and the error names the file, the expected prefix and the actual hash.
 */
export async function downloadCheckpoint(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const { store, onProgress, signal, maxRetries = 3, retryDelayMs = 500, verifyCached = true } = opts;
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const key = opts.key ?? keyOf(url);
  const expected = opts.expectedHashPrefix === undefined ? hashPrefixOf(key) : opts.expectedHashPrefix ? opts.expectedHashPrefix.toLowerCase() : null;
  signal?.throwIfAborted();

  const finished = await store.size(key);
  if (finished !== null) {
    if (!verifyCached) return { key, bytes: finished, sha256: '', cached: true, resumedFrom: 0, retries: 0 };
    const { hasher, bytes } = await hashStored(store, key, false);
    const digest = bytesToHex(hasher.digest());
    if (expected && !digest.startsWith(expected)) {
      await store.remove(key);
      throw mismatch(key, expected, digest, 'the stored file is corrupt and was deleted; download it again');
    }
    return { key, bytes, sha256: digest, cached: true, resumedFrom: 0, retries: 0 };
  }

  let hasher = sha256.create();
  let received = 0;
  const partial = await store.partialSize(key);
  if (partial > 0) {
    const stored = await hashStored(store, key, true);
    if (stored.bytes === partial) [hasher, received] = [stored.hasher, stored.bytes];
    else await store.discardPartial(key);
  }
  const resumedFrom = received;
  let retries = 0;
  let total: number | null = null;
  const progress = () => onProgress?.({ received, total, resumedFrom, retries } satisfies DownloadProgress);
  const restart = async () => {
    await store.discardPartial(key);
    hasher = sha256.create();
    received = 0;
  };
  /** One more reconnection, or the error that ends the call (the partial file stays for a later resume). */
  const retryOr = async (err: Error) => {
    if (retries >= maxRetries) throw new Error(`${err.message} (after ${retries} reconnection${retries === 1 ? '' : 's'}; ${formatBytes(received)} of ${key} kept: run again to resume)`);
    retries++;
    await sleep(retryDelayMs * 2 ** (retries - 1), signal);
  };

  try {
    for (;;) {
      let res: Response;
      try {
        res = await doFetch(url, { signal, headers: received > 0 ? { Range: `bytes=${received}-` } : {} });
      } catch (e) {
        if (isAbort(e, signal)) throw e;
        const err = unreachable(url, e, expected);
        if (received === 0) throw err; // the host is not there at all: fail at once
        await retryOr(err);
        continue;
      }
      if (res.status === 416 && received > 0) {
        // Range Not Satisfiable: the partial file already holds the whole file, or more than the file has
        const cr = parseContentRange(res.headers.get('content-range'));
        await res.body?.cancel();
        if (cr?.total === received) {
          total = received;
          break;
        }
        await restart();
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw httpError(url, res, expected);
      }
      if (res.status === 206) {
        const cr = parseContentRange(res.headers.get('content-range'));
        if (!cr || cr.start !== received) {
          // not the range asked for: start over without Range
          await res.body?.cancel();
          await restart();
          if (retries >= maxRetries) throw new Error(`${url}: the server answered Range bytes=${received}- with Content-Range '${res.headers.get('content-range')}'`);
          retries++;
          continue;
        }
        const len = declaredLength(res);
        total = cr.total ?? (len === null ? null : received + len);
      } else {
        if (received > 0) await restart(); // 200: the server ignores Range; the whole file comes again
        total = declaredLength(res);
      }
      if (!res.body) throw new Error(`${url}: the response has no body`);
      progress();
      const reader = res.body.getReader();
      let dropped: Error | null = null;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (signal?.aborted) throw signal.reason;
          if (total !== null && received + value.length > total) throw new Error(`${url}: the server sent more than the ${total} bytes it announced`);
          await store.append(key, value);
          hasher.update(value);
          received += value.length;
          progress();
        }
      } catch (e) {
        if (isAbort(e, signal)) throw signal?.reason ?? e;
        if (e instanceof Error && e.message.includes('more than the')) throw e;
        dropped = new Error(`the connection to ${new URL(url).host} dropped after ${formatBytes(received)}${total !== null ? ` of ${formatBytes(total)}` : ''} of ${key} (${causeCode(e) ?? (e instanceof Error ? e.message : String(e))})`);
      } finally {
        reader.releaseLock();
      }
      if (!dropped && total !== null && received < total) dropped = new Error(`${url}: the body ended after ${received} of ${total} bytes (truncated)`);
      if (!dropped) break;
      await retryOr(dropped);
    }
    if (total !== null && received !== total) throw new Error(`${url}: got ${received} bytes, expected ${total}`);
    const digest = bytesToHex(hasher.digest());
    if (expected && !digest.startsWith(expected)) {
      await store.discardPartial(key);
      throw mismatch(key, expected, digest, `the download from ${url} is corrupt or not this file, and was discarded`);
    }
    await store.commit(key);
    return { key, bytes: received, sha256: digest, cached: false, resumedFrom, retries };
  } catch (e) {
    await store.closePartial?.(key);
    if (isAbort(e, signal)) {
      const reason = signal?.reason;
      const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
      throw new DOMException(`download of ${key} cancelled${why}; ${formatBytes(received)} kept, a later download resumes from there`, 'AbortError');
    }
    throw e;
  }
}
