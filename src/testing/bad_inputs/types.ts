/**
 * The shape of one bad-input case (issue #16): files written into a fresh temporary folder at test time, the CLI
 * arguments that make a command read them, and what its error message must say (the file, the place — line, key,
 * byte offset, entry — and the problem). Engine-side test support: Node only, no DOM.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Which kind of file a case damages. */
export type BadInputKind = 'config' | 'checkpoint' | 'safetensors' | 'image' | 'dataset' | 'log' | 'cli';

export interface BadInputCase {
  /** Unique, file-name safe. */
  id: string;
  kind: BadInputKind;
  /** One line: what is wrong with the input. */
  describe: string;
  /** Writes the case's files into `dir` (a fresh temporary folder) and returns the CLI arguments. */
  make(dir: string): Promise<{ argv: string[] }>;
  /** Every one must match the CLI's stderr: the file, the place and the problem. */
  expect: RegExp[];
  /**
   * The exit code wanted: `'nonzero'` (default) for inputs that must be refused; `0` for unusual but valid inputs that
   * MMPretrain reads too (a CMYK JPEG, a 16-bit PNG, a PNG named .jpg): they must load, still within the bounds.
   */
  exit?: 'nonzero' | 0;
  /** A file (relative to `dir`) that would exist only if something from the input had been executed. */
  sentinel?: string;
  /** Heap + array-buffer growth allowed, in MB (default 200). */
  maxGrowthMB?: number;
}

/** A case's file name in a message: the basename, escaped for a RegExp. */
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Writes `data` to `dir/name` (parents created) and returns the path. */
export function put(dir: string, name: string, data: Uint8Array | string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/**
 * Writes `head` at the start of `dir/name` and extends the file to `size` bytes without writing them (a sparse file on
 * the file systems tests run on): a "2 GB" file costs a few blocks of disk and no memory.
 */
export function putSparse(dir: string, name: string, size: number, head: Uint8Array = new Uint8Array(0), tail?: Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    if (head.length) writeSync(fd, head, 0, head.length, 0);
    ftruncateSync(fd, size);
    if (tail?.length) writeSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** `n` offsets spread over `0 < offset < length` (deterministic), for truncation families. */
export function cutOffsets(length: number, n: number): number[] {
  const out = new Set<number>();
  for (let i = 1; i <= n; i++) out.add(Math.max(1, Math.min(length - 1, Math.round((length * i) / (n + 1)))));
  return [...out];
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Where `entry` lies in `zip`: its central directory record and the first byte of its data (after its local header).
 * For damaging one entry of an archive written by fflate or the project's zip writer.
 */
export function zipEntryAt(zip: Uint8Array, entry: string): { central: number; data: number } {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const name = enc(entry);
  for (let p = zip.length - 22; p >= 0; p--) {
    if (v.getUint32(p, true) !== 0x02014b50 || v.getUint16(p + 28, true) !== name.length) continue;
    if (!name.every((b, i) => zip[p + 46 + i] === b)) continue;
    const local = v.getUint32(p + 42, true);
    return { central: p, data: local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true) };
  }
  throw new Error(`zipEntryAt: no entry '${entry}'`);
}

/** `zip` (copied) with one bit of `entry`'s stored data flipped, its recorded CRC-32 left as it was. */
export function flipZipBit(zip: Uint8Array, entry: string, at = 0): Uint8Array {
  const out = zip.slice();
  out[zipEntryAt(out, entry).data + at] ^= 0x04;
  return out;
}

/** `zip` (copied) with the CRC-32 that the central directory records for `entry` changed (its data left intact). */
export function forgeZipCrc(zip: Uint8Array, entry: string): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  const at = zipEntryAt(out, entry).central + 16;
  v.setUint32(at, v.getUint32(at, true) ^ 0x5a5a0000, true);
  return out;
}

/** The reader's message for an entry whose data do not match the CRC-32 the archive records. */
export const crcMismatch = (entry: string): RegExp => new RegExp(`zip entry '${esc(entry)}' is corrupt: its data have CRC-32 0x[0-9a-f]{8}, the archive records 0x[0-9a-f]{8}`);
