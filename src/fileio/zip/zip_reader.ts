import { inflateSync } from 'fflate';
import type { ByteSource } from '../byte_source';
import { CheckpointError } from '../errors';

/** One file of a zip archive, from the central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_EOCD_SEARCH = 22 + 0xffff;

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

function u64(view: DataView, at: number, file: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(file, `zip field ${v} is too large`);
  return Number(v);
}

/**
 * Reads a zip archive's central directory (ZIP64 included) from its last bytes only: the entries are then
 * read one by one with {@link readZipEntry}, so a big archive is never loaded whole.
 */
export async function readZipDirectory(source: ByteSource, file: string): Promise<Map<string, ZipEntry>> {
  const tailLen = Math.min(source.size, MAX_EOCD_SEARCH);
  if (tailLen < 22) throw new CheckpointError(file, `zip archive is too short (${source.size} bytes)`);
  const tail = await source.read(source.size - tailLen, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) { eocd = i; break; }
  }
  if (eocd < 0) throw new CheckpointError(file, 'zip end-of-central-directory record not found (truncated or corrupt archive)');
  let count = tv.getUint16(eocd + 10, true);
  let dirSize = tv.getUint32(eocd + 12, true);
  let dirOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) throw new CheckpointError(file, 'ZIP64 locator missing');
    const z64 = u64(tv, loc + 8, file);
    const rec = await source.read(z64, 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (rv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new CheckpointError(file, 'ZIP64 end-of-central-directory record is corrupt');
    count = u64(rv, 32, file);
    dirSize = u64(rv, 40, file);
    dirOffset = u64(rv, 48, file);
  }
  if (dirOffset + dirSize > source.size) throw new CheckpointError(file, `zip central directory (bytes ${dirOffset}..${dirOffset + dirSize}) lies past the end of the file (${source.size} bytes): truncated`);
  const dir = await source.read(dirOffset, dirSize);
  const dv = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dv.getUint32(p, true) !== CENTRAL_SIG) throw new CheckpointError(file, `zip central directory entry ${n} is corrupt`);
    const method = dv.getUint16(p + 10, true);
    const crc32 = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const name = decoder.decode(dir.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: the 8-byte values replace the fields that read 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = u64(dv, q, file); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(dv, q, file); q += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(dv, q, file); }
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Byte offset of an entry's data (after its local header, whose extra field may differ from the central one). */
export async function zipEntryDataOffset(source: ByteSource, entry: ZipEntry, file: string): Promise<number> {
  const head = await source.read(entry.localHeaderOffset, 30);
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (hv.getUint32(0, true) !== LOCAL_SIG) throw new CheckpointError(file, `zip entry '${entry.name}' has a corrupt local header`);
  const start = entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + entry.compressedSize > source.size) {
    throw new CheckpointError(file, `zip entry '${entry.name}' (bytes ${start}..${start + entry.compressedSize}) lies past the end of the file (${source.size} bytes): truncated`);
  }
  return start;
}

/** The most a deflate stream can expand (258-byte matches coded in 2 bits each). */
const MAX_DEFLATE_RATIO = 1032;

/** Reads (and inflates when deflated) one entry's bytes. */
export async function readZipEntry(source: ByteSource, entry: ZipEntry, file: string): Promise<Uint8Array> {
  const start = await zipEntryDataOffset(source, entry, file);
  const raw = await source.read(start, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method !== 8) throw new CheckpointError(file, `zip entry '${entry.name}' uses compression method ${entry.method} (only stored and deflated are supported)`);
  // deflate expands at most 1032:1, so a larger claimed size is a lie (a zip bomb's header): refuse it before allocating
  if (entry.size > raw.length * MAX_DEFLATE_RATIO + 1024) {
    throw new CheckpointError(file, `zip entry '${entry.name}' claims ${entry.size} bytes from ${raw.length} compressed bytes, more than deflate can expand (${MAX_DEFLATE_RATIO}:1): corrupt header or zip bomb`);
  }
  let out: Uint8Array;
  try {
    out = inflateSync(raw, { out: new Uint8Array(entry.size) });
  } catch (e) {
    throw new CheckpointError(file, `zip entry '${entry.name}' cannot be inflated: ${(e as Error).message}`);
  }
  if (out.length !== entry.size) throw new CheckpointError(file, `zip entry '${entry.name}' inflated to ${out.length} bytes, expected ${entry.size}`);
  return out;
}
