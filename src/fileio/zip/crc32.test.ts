import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';

/** The textbook bit-at-a-time CRC-32. */
function bytewise(b: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('known vectors', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('matches a bytewise reference on every length 0..64 and chains across chunks', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 64; n++) expect(crc32(bytes.subarray(0, n)), `length ${n}`).toBe(bytewise(bytes.subarray(0, n)));
    expect(crc32(bytes.subarray(13), crc32(bytes.subarray(0, 13)))).toBe(bytewise(bytes));
    if (typeof zlibCrc32 === 'function') expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });
  it('reads whole words at any alignment: every start offset 0..7 and length 60..200 agrees with the bytewise loop', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 197 + 11) & 0xff);
    for (let at = 0; at < 8; at++) {
      for (let n = 60; n <= 200; n++) expect(crc32(bytes.subarray(at, at + n)), `offset ${at}, length ${n}`).toBe(bytewise(bytes.subarray(at, at + n)));
    }
    expect(crc32(bytes.subarray(3, 150), crc32(bytes.subarray(0, 3)))).toBe(bytewise(bytes.subarray(0, 150)));
  });
});
