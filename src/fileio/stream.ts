import { CheckpointError } from './errors';

/** True for a WHATWG `ReadableStream` (fetch bodies, `Blob.stream()`, Node's `Readable.toWeb`). */
export function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

/**
 * Reads a byte stream into one buffer. With `totalBytes` known (a download's Content-Length) the buffer is
 * allocated once and filled in place, so the file is held once; otherwise chunks are joined at the end.
 * Throws `CheckpointError` when the stream ends early or runs past `totalBytes` (a truncated or wrong download).
 */
export async function readStreamToBytes(
  stream: ReadableStream<Uint8Array>,
  name: string,
  opts: { totalBytes?: number; onProgress?: (loaded: number, total: number) => void } = {},
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const total = opts.totalBytes;
  const out = total !== undefined ? new Uint8Array(total) : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out) {
        if (loaded + value.length > out.length) throw new CheckpointError(name, `stream is longer than the expected ${total} bytes`);
        out.set(value, loaded);
      } else chunks.push(value);
      loaded += value.length;
      opts.onProgress?.(loaded, total ?? loaded);
    }
  } finally {
    reader.releaseLock();
  }
  if (out) {
    if (loaded !== out.length) throw new CheckpointError(name, `stream ended after ${loaded} bytes, expected ${total}: truncated download?`);
    return out;
  }
  const joined = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) { joined.set(c, o); o += c.length; }
  return joined;
}
