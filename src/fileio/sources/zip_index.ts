/**
 * Random access into a zip archive: the central directory (zip64 included) is read once, and each entry's
 * compressed bytes are located through its local header and inflated alone with fflate's `inflateSync`. Reading
 * one image of a large dropped zip then costs that image, not the archive (fflate's `unzipSync` inflates or scans
 * everything on each call). Only the directory records are parsed here; decompression is fflate's.
 */
import { inflateSync } from 'fflate';

/** One file of the archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

/** Parses the central directory of `bytes` (a whole zip file); `name` is used in messages. */
export function readZipDirectory(bytes: Uint8Array, name: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new Error(`Cannot read zip archive '${name}' (${bytes.length} bytes): ${why} — the file is truncated or not a zip`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) fail('zip64 locator missing');
    const z = u64(view, loc + 8);
    if (z + 56 > bytes.length || view.getUint32(z, true) !== SIG_ZIP64_EOCD) fail('zip64 end record missing');
    count = u64(view, z + 32);
    cdSize = u64(view, z + 40);
    cdOffset = u64(view, z + 48);
  }
  if (cdOffset + cdSize > bytes.length) fail(`central directory (${cdSize} bytes at ${cdOffset}) lies past the end`);
  const utf8 = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== SIG_CENTRAL) fail(`central directory entry ${k} is damaged`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const entryName = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 0xffffffff fields, in the order size, compressed size, offset.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(view, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(view, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(view, q);
      }
      e += 4 + len;
    }
    entries.push({ name: entryName, method, compressedSize, size, localHeaderOffset, encrypted: (flags & 1) !== 0 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (stored entries are views into `bytes`). */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, archive: string): Uint8Array {
  const where = `zip archive '${archive}', entry '${entry.name}'`;
  if (entry.encrypted) throw new Error(`${where}: encrypted entries are not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== SIG_LOCAL) throw new Error(`${where}: local header missing at byte ${at} — the archive is truncated or damaged`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new Error(`${where}: data (${entry.compressedSize} bytes at ${start}) lies past the end — the archive is truncated`);
  const data = bytes.subarray(start, end);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new Error(`${where}: compression method ${entry.method} is not supported (only stored and deflate)`);
  try {
    return inflateSync(data, { out: new Uint8Array(entry.size) });
  } catch (e) {
    throw new Error(`${where}: cannot inflate: ${(e as Error).message} — the archive is damaged`);
  }
}
