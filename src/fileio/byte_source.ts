import { CheckpointError } from './errors';

/**
 * Random access to the bytes of a file without requiring it all in memory: backed by a `Uint8Array`
 * (already loaded), a `Blob`/`File` (browser: `blob.slice().arrayBuffer()` reads only the range asked),
 * or a Node file handle (`fs.promises.open(path)`), so big checkpoints are read storage by storage.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes at `offset`. The result may be a view into a buffer the source shares
   * (for `Uint8Array` sources); callers copy before mutating.
   * Throws `CheckpointError` when the range is past the end (a truncated file).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Reads `dest.length` bytes at `offset` into `dest` (a tensor's own storage: a file's tensor is read where it
   * goes, with no buffer between). Throws as `read` does.
   */
  readInto?(offset: number, dest: Uint8Array): Promise<void>;
  /** Whether `read` returns views of one in-memory buffer (then no copy is needed for zero-copy views). */
  readonly inMemory: boolean;
}

/** The subset of Node's `fs.promises.FileHandle` a source needs (kept structural so the engine imports no `node:fs`). */
export interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Anything `loadCheckpoint` accepts as a file. */
export type CheckpointInput = Uint8Array | ArrayBuffer | Blob | ByteSource;

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new CheckpointError(name, `invalid byte range ${offset}+${length}`);
  }
  if (offset + length > size) {
    throw new CheckpointError(name, `file is truncated: needs bytes ${offset}..${offset + length} but has only ${size}`);
  }
}

/** A source over bytes already in memory (no copies: `read` returns subarrays). */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    size: bytes.byteLength,
    inMemory: true,
    read: async (offset, length) => {
      checkRange(name, bytes.byteLength, offset, length);
      return bytes.subarray(offset, offset + length);
    },
    readInto: async (offset, dest) => {
      checkRange(name, bytes.byteLength, offset, dest.length);
      dest.set(bytes.subarray(offset, offset + dest.length));
    },
  };
}

/** A source over a `Blob`/`File`: each read fetches only its range. */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    size: blob.size,
    inMemory: false,
    read: async (offset, length) => {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    // a Blob reads only into a buffer of its own: copied, then left to the garbage collector
    readInto: async (offset, dest) => {
      checkRange(name, blob.size, offset, dest.length);
      dest.set(new Uint8Array(await blob.slice(offset, offset + dest.length).arrayBuffer()));
    },
  };
}

/** A source over an open Node file handle of known `size` (`(await handle.stat()).size`). */
export function fileHandleSource(handle: FileHandleLike, size: number, name: string): ByteSource {
  const readFully = async (out: Uint8Array, offset: number): Promise<void> => {
    checkRange(name, size, offset, out.length);
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await handle.read(out, done, out.length - done, offset + done);
      if (bytesRead === 0) throw new CheckpointError(name, `file is truncated: read stopped at byte ${offset + done}`);
      done += bytesRead;
    }
  };
  return {
    size,
    inMemory: false,
    read: async (offset, length) => {
      const out = new Uint8Array(length);
      await readFully(out, offset);
      return out;
    },
    readInto: (offset, dest) => readFully(dest, offset),
  };
}

/** The subset of OPFS's `FileSystemSyncAccessHandle` a source needs (workers only). */
export interface SyncAccessHandleLike {
  getSize(): number;
  read(buffer: Uint8Array, options: { at: number }): number;
}

/**
 * A source over an Origin Private File System file opened for synchronous access (in a worker): unlike a Blob's
 * reads, `readInto` reads straight into the destination (a tensor's storage on the WASM heap), with no buffer between.
 */
export function syncAccessSource(handle: SyncAccessHandleLike, name: string): ByteSource {
  const reader: FileHandleLike = { read: async (buffer, offset, length, position) => ({ bytesRead: handle.read(buffer.subarray(offset, offset + length), { at: position }) }) };
  return fileHandleSource(reader, handle.getSize(), name);
}

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && typeof (x as ByteSource).size === 'number';
}

/** Wraps any accepted input as a `ByteSource`. */
export function toByteSource(input: CheckpointInput, name: string): ByteSource {
  if (input instanceof Uint8Array) return bytesSource(input, name);
  if (input instanceof ArrayBuffer) return bytesSource(new Uint8Array(input), name);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return blobSource(input, name);
  if (isByteSource(input)) return input;
  throw new CheckpointError(name, `cannot read a checkpoint from ${Object.prototype.toString.call(input)} (expected Uint8Array, ArrayBuffer, Blob or ByteSource)`);
}
