import { crc32 } from './crc32';

/** One file to store. */
export interface ZipWriteEntry {
  name: string;
  data: Uint8Array;
}

/** Options of {@link zipStoredParts}. */
export interface ZipWriteOptions {
  /** Align each entry's data to this many bytes (PyTorch aligns to 64 so storages can be memory-mapped). Default 64. */
  alignment?: number;
}

const MAX_32 = 0xffffffff;

/**
 * Writes a zip archive with every entry stored (not deflated), as PyTorch's `PyTorchStreamWriter` does:
 * data aligned with an `FB` padding extra field in the local header, dates zeroed. Returns parts (headers
 * and the entries' own bytes, uncopied) to concatenate or stream. Archives over 4 GiB (ZIP64) are refused.
 */
export function zipStoredParts(entries: ZipWriteEntry[], opts: ZipWriteOptions = {}): Uint8Array[] {
  const align = opts.alignment ?? 64;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = enc.encode(name);
    const crc = crc32(data);
    const afterName = offset + 30 + nameBytes.length;
    const pad = afterName % align === 0 ? 0 : (align - ((afterName + 4) % align)) % align;
    const extraLen = afterName % align === 0 ? 0 : 4 + pad;
    if (offset + 30 + nameBytes.length + extraLen + data.length > MAX_32) {
      throw new Error(`zip archive would exceed 4 GiB at entry '${name}' (ZIP64 is not supported by this writer)`);
    }
    const local = new Uint8Array(30 + nameBytes.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(8, 0, true); // stored
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(nameBytes, 30);
    if (extraLen) {
      const e = 30 + nameBytes.length;
      lv.setUint16(e, 0x4246, true); // 'FB', PyTorch's padding field id
      lv.setUint16(e + 2, pad, true);
      local.fill(0x5a, e + 4); // 'Z'
    }
    const cd = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 20, true); // version needed
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    cd.set(nameBytes, 46);
    central.push(cd);
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  if (offset + cdSize > MAX_32 || entries.length > 0xffff) throw new Error('zip archive too large for a non-ZIP64 archive');
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return [...parts, ...central, eocd];
}
