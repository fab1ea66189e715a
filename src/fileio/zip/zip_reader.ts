/**
 * The one zip reader of the project, for `.pth` checkpoints (over a {@link ByteSource}: a big file is never read
 * whole) and for dropped dataset archives (over bytes in memory, synchronously). The central directory (ZIP64
 * included) is read once from the archive's last bytes; each entry is then located through its local header,
 * inflated alone with fflate's `inflateSync` (fflate's `unzipSync` would inflate or scan everything on each call)
 * and checked against the CRC-32 its directory record holds, so a damaged entry is an error naming the archive,
 * the entry and both checksums, never silently wrong weights or pixels.
 *
 * The parsing is written once, as generators that yield the byte ranges they need: {@link readZipDirectory} and
 * {@link readZipEntry} feed them from a `ByteSource`, the `…Sync` forms from a `Uint8Array`.
 */
import { inflateSync } from 'fflate';
import type { ByteSource } from '../byte_source';
import { CheckpointError } from '../errors';
import { crc32 } from './crc32';

/** One file of a zip archive, from the central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  /** General-purpose flag bit 0: the data are encrypted (not supported). */
  encrypted: boolean;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_EOCD_SEARCH = 22 + 0xffff;
/** The most a deflate stream can expand (258-byte matches coded in 2 bits each). */
const MAX_DEFLATE_RATIO = 1032;

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** A byte range a parser needs next. */
interface Range {
  offset: number;
  length: number;
}
/** A parser: yields the ranges it reads, is resumed with their bytes, returns its result. */
type Parser<T> = Generator<Range, T, Uint8Array>;

function runSync<T>(parser: Parser<T>, bytes: Uint8Array, file: string): T {
  for (let step = parser.next(); ; ) {
    if (step.done) return step.value;
    const { offset, length } = step.value;
    if (offset + length > bytes.length) throw new CheckpointError(file, `file is truncated: needs bytes ${offset}..${offset + length} but has only ${bytes.length}`);
    step = parser.next(bytes.subarray(offset, offset + length));
  }
}

async function runAsync<T>(parser: Parser<T>, source: ByteSource): Promise<T> {
  for (let step = parser.next(); ; ) {
    if (step.done) return step.value;
    step = parser.next(await source.read(step.value.offset, step.value.length));
  }
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function u64(v: DataView, at: number, file: string): number {
  const x = v.getBigUint64(at, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(file, `zip field ${x} is too large`);
  return Number(x);
}

function* directoryParser(size: number, file: string): Parser<Map<string, ZipEntry>> {
  const tailLen = Math.min(size, MAX_EOCD_SEARCH);
  if (tailLen < 22) throw new CheckpointError(file, `zip archive is too short (${size} bytes)`);
  const tail = yield { offset: size - tailLen, length: tailLen };
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new CheckpointError(file, 'zip end-of-central-directory record not found (truncated or corrupt archive)');
  let count = tv.getUint16(eocd + 10, true);
  let dirSize = tv.getUint32(eocd + 12, true);
  let dirOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) throw new CheckpointError(file, 'ZIP64 locator missing');
    const z64 = u64(tv, loc + 8, file);
    if (z64 + 56 > size) throw new CheckpointError(file, `ZIP64 end-of-central-directory record (byte ${z64}) lies past the end of the file (${size} bytes): truncated`);
    const rv = view(yield { offset: z64, length: 56 });
    if (rv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new CheckpointError(file, 'ZIP64 end-of-central-directory record is corrupt');
    count = u64(rv, 32, file);
    dirSize = u64(rv, 40, file);
    dirOffset = u64(rv, 48, file);
  }
  if (dirOffset + dirSize > size) throw new CheckpointError(file, `zip central directory (bytes ${dirOffset}..${dirOffset + dirSize}) lies past the end of the file (${size} bytes): truncated`);
  const dir = yield { offset: dirOffset, length: dirSize };
  const dv = view(dir);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dv.getUint32(p, true) !== CENTRAL_SIG) throw new CheckpointError(file, `zip central directory entry ${n} is corrupt`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let entrySize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const name = decoder.decode(dir.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: the 8-byte values replace the fields that read 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    if (extraEnd + commentLen > dir.length) throw new CheckpointError(file, `zip central directory entry ${n} ('${name}') is corrupt`);
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (entrySize === 0xffffffff) (entrySize = u64(dv, q, file)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(dv, q, file)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(dv, q, file);
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size: entrySize, crc32: crc, localHeaderOffset, encrypted: (flags & 1) !== 0 });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Finds the entry's data through its local header (whose extra field may differ from the central one). */
function* dataOffsetParser(size: number, entry: ZipEntry, file: string): Parser<number> {
  if (entry.localHeaderOffset + 30 > size) throw new CheckpointError(file, `zip entry '${entry.name}' has its local header (byte ${entry.localHeaderOffset}) past the end of the file (${size} bytes): truncated`);
  const hv = view(yield { offset: entry.localHeaderOffset, length: 30 });
  if (hv.getUint32(0, true) !== LOCAL_SIG) throw new CheckpointError(file, `zip entry '${entry.name}' has a corrupt local header (byte ${entry.localHeaderOffset})`);
  const start = entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + entry.compressedSize > size) {
    throw new CheckpointError(file, `zip entry '${entry.name}' (bytes ${start}..${start + entry.compressedSize}) lies past the end of the file (${size} bytes): truncated`);
  }
  return start;
}

const hex = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`;

/** Throws unless `data` has the CRC-32 the archive records for `entry`. */
function checkCrc(entry: ZipEntry, data: Uint8Array, file: string): void {
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new CheckpointError(file, `zip entry '${entry.name}' is corrupt: its data have CRC-32 ${hex(actual)}, the archive records ${hex(entry.crc32)}`);
  }
}

/** An entry's bytes, inflated when deflated, checked against its CRC-32 (once per read). */
function* entryParser(size: number, entry: ZipEntry, file: string): Parser<Uint8Array> {
  if (entry.encrypted) throw new CheckpointError(file, `zip entry '${entry.name}' is encrypted (not supported)`);
  if (entry.method !== 0 && entry.method !== 8) throw new CheckpointError(file, `zip entry '${entry.name}' uses compression method ${entry.method} (only stored and deflated are supported)`);
  const start = yield* dataOffsetParser(size, entry, file);
  const raw = yield { offset: start, length: entry.compressedSize };
  let out = raw;
  if (entry.method === 8) {
    // deflate expands at most 1032:1, so a larger claimed size is a lie (a zip bomb's header): refuse it before allocating
    if (entry.size > raw.length * MAX_DEFLATE_RATIO + 1024) {
      throw new CheckpointError(file, `zip entry '${entry.name}' claims ${entry.size} bytes from ${raw.length} compressed bytes, more than deflate can expand (${MAX_DEFLATE_RATIO}:1): corrupt header or zip bomb`);
    }
    try {
      out = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw new CheckpointError(file, `zip entry '${entry.name}' cannot be inflated: ${(e as Error).message} (corrupt archive)`);
    }
    if (out.length !== entry.size) throw new CheckpointError(file, `zip entry '${entry.name}' inflated to ${out.length} bytes, expected ${entry.size}`);
  }
  checkCrc(entry, out, file);
  return out;
}

/**
 * Reads a zip archive's central directory from its last bytes only: the entries are then read one by one with
 * {@link readZipEntry}, so a big archive is never loaded whole. `file` names the archive in messages.
 */
export function readZipDirectory(source: ByteSource, file: string): Promise<Map<string, ZipEntry>> {
  return runAsync(directoryParser(source.size, file), source);
}

/** {@link readZipDirectory} over a whole archive in memory. */
export function readZipDirectorySync(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  return runSync(directoryParser(bytes.length, file), bytes, file);
}

/** Byte offset of an entry's data in the archive. */
export function zipEntryDataOffset(source: ByteSource, entry: ZipEntry, file: string): Promise<number> {
  return runAsync(dataOffsetParser(source.size, entry, file), source);
}

/** Reads one entry's bytes (inflated when deflated), checking its CRC-32; stored entries of in-memory sources are views. */
export function readZipEntry(source: ByteSource, entry: ZipEntry, file: string): Promise<Uint8Array> {
  return runAsync(entryParser(source.size, entry, file), source);
}

/**
 * {@link readZipEntry} into `dest` (exactly the entry's size): a stored entry is read straight into it where the
 * source can (`readInto`) and its CRC-32 checked there; otherwise (deflated, or a source without `readInto`) the
 * entry is read as {@link readZipEntry} reads it, then copied.
 */
export async function readZipEntryInto(source: ByteSource, entry: ZipEntry, file: string, dest: Uint8Array): Promise<void> {
  if (dest.length !== entry.size) throw new CheckpointError(file, `zip entry '${entry.name}' has ${entry.size} bytes, expected ${dest.length}`);
  if (entry.method !== 0 || entry.encrypted || !source.readInto || entry.compressedSize !== entry.size) {
    dest.set(await readZipEntry(source, entry, file));
    return;
  }
  await source.readInto(await zipEntryDataOffset(source, entry, file), dest);
  checkCrc(entry, dest, file);
}

/** {@link readZipEntry} over a whole archive in memory (stored entries are views into `bytes`). */
export function readZipEntrySync(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  return runSync(entryParser(bytes.length, entry, file), bytes, file);
}
