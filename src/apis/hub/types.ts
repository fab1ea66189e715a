/**
 * The checkpoint hub's contract, shared by the engine's downloader (`download.ts`), the Node cache (`node_store.ts`,
 * CLI `download`) and the studio's browser storage (Origin Private File System, `ui/storage`).
 *
 * A download writes into a `CheckpointStore` under a key (the checkpoint's file name, as MMPretrain / torch.hub keep
 * it: `resnet50_8xb32_in1k_20210831-ea4938fc.pth`). Bytes arrive in order; a store keeps a partial file apart from
 * the finished one, so a dropped connection resumes with an HTTP Range request from `partialSize`, and a truncated
 * or corrupt download is never read as a checkpoint.
 */

export interface CheckpointStore {
  /** Bytes of the finished file under `key`, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Bytes already in the partial file under `key` (0 when none). */
  partialSize(key: string): Promise<number>;
  /** Appends to the partial file. */
  append(key: string, chunk: Uint8Array): Promise<void>;
  /** Drops the partial file (after a hash mismatch, or a server that ignores Range). */
  discardPartial(key: string): Promise<void>;
  /** Reads the partial file from the start, in chunks (to hash what an earlier try stored). */
  readPartial(key: string): AsyncIterable<Uint8Array>;
  /** Makes the partial file the finished one. */
  commit(key: string): Promise<void>;
  /** The finished file's bytes, or null. */
  read(key: string): Promise<Uint8Array | null>;
  /** Every finished file, with its size in bytes. */
  list(): Promise<{ key: string; bytes: number }[]>;
  /** Deletes the finished (and any partial) file under `key`. */
  remove(key: string): Promise<void>;
  /**
   * Optional: flushes and closes the partial file under `key` without committing it (the downloader calls it when a
   * try ends without a commit: cancel, dropped connection, error), so a store that keeps a writable open between
   * appends leaves a partial that a later call (or page) resumes from.
   */
  closePartial?(key: string): Promise<void>;
  /**
   * Optional: the finished file as a disk-backed Blob (OPFS `File`, Node `fs.openAsBlob`), or null. Readers that get
   * one read the checkpoint lazily (`loadCheckpoint` takes a Blob), never holding the whole file in memory.
   */
  blob?(key: string): Promise<Blob | null>;
}

export interface DownloadProgress {
  /** Bytes stored so far, counting those resumed from an earlier try. */
  received: number;
  /** Content length of the whole file when the server says it, else null. */
  total: number | null;
  /** Bytes that were already stored when this try started (a resume). */
  resumedFrom: number;
  /** Reconnections so far in this call (after a dropped connection). */
  retries: number;
}

export interface DownloadOptions {
  store: CheckpointStore;
  /** Store key; default: the URL's last path segment. */
  key?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /**
   * Expected sha256 prefix; default: the `-{hash8}` before the extension in the file name (MMPretrain's naming,
   * checked as torch.hub's `check_hash`). A mismatch discards the file and throws naming both hashes.
   */
  expectedHashPrefix?: string | null;
  /** Reconnections allowed after the connection drops mid-body (each resumes with Range). Default 3. */
  maxRetries?: number;
  /** Injected fetch (tests, Node); default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** Wait before reconnecting, in ms (doubled per retry). Default 500. */
  retryDelayMs?: number;
  /** Hash a file already in the store again (and reject it when it no longer matches). Default true. */
  verifyCached?: boolean;
}

export interface DownloadResult {
  key: string;
  bytes: number;
  /** Full sha256 of the stored file, hex. */
  sha256: string;
  /** True when the finished file was already in the store (no network used). */
  cached: boolean;
  /** Bytes resumed from an earlier try's partial file (0 for a fresh or cached download). */
  resumedFrom?: number;
  /** Reconnections used after dropped connections. */
  retries?: number;
}
