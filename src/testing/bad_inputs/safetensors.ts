/**
 * Bad `.safetensors` files for `convert`: header lengths that lie, headers that are not the JSON the format
 * specifies, tensors whose dtype / shape / byte ranges do not fit (out of the file, reversed, overlapping), and a
 * "2 GB" header made sparse. Valid files come from the project's own writer (`writeSafetensors`).
 */
import { join } from 'node:path';
import { writeSafetensors } from '../../fileio/safetensors';
import type { TensorData } from '../../fileio/tensor_data';
import { cutOffsets, enc, esc, put, putSparse, type BadInputCase } from './types';

/** 8-byte little-endian header length, the header text, then `dataBytes` zero bytes. */
export function rawSafetensors(header: string | object, dataBytes: number, lengthField?: bigint): Uint8Array {
  const h = enc(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

export function smallSafetensors(): Uint8Array {
  const t = (n: number): TensorData => ({ dtype: 'float32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => i), originalDtype: 'float32' });
  return writeSafetensors(new Map([['a.weight', t(6)], ['b.bias', t(3)]]), { dataset_meta: { classes: ['x'] } });
}

function stCase(id: string, describe: string, bytes: () => Uint8Array, expect: RegExp[]): BadInputCase {
  const file = `${id}.safetensors`;
  return {
    id: `safetensors_${id}`, kind: 'safetensors', describe,
    async make(dir) { return { argv: ['convert', put(dir, file, bytes()), join(dir, 'out.pth'), '-q'] }; },
    expect: [new RegExp(esc(file)), ...expect],
  };
}

const T = (dtype: string, shape: unknown[], offsets: unknown[]): object => ({ dtype, shape, data_offsets: offsets });

const headerLies: BadInputCase[] = [
  ...([['len_past_end', 1000n], ['len_4g', 2n ** 32n], ['len_2p53', 2n ** 53n], ['len_2p63', 2n ** 63n]] as Array<[string, bigint]>).map(([id, len]) =>
    stCase(`header_${id}`, `header length field ${len} in a small file`, () => rawSafetensors({ w: T('F32', [1], [0, 4]) }, 4, len), [new RegExp(`safetensors header length ${len} exceeds the file \\(\\d+ bytes\\)`)])),
  stCase('header_len_zero', 'header length 0', () => rawSafetensors('', 16, 0n), [/header/, /JSON|empty|0/]),
  stCase('header_len_short', 'header length cuts the JSON', () => rawSafetensors({ w: T('F32', [1], [0, 4]) }, 4, 10n), [/header/, /JSON|position|offset/i]),
];

const JSON_CASES: Array<[string, string, RegExp]> = [
  ['json_truncated', '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]', /JSON/],
  ['json_trailing', '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}} garbage', /JSON/],
  ['json_array', '[1, 2, 3]', /object|dict|JSON/],
  ['json_null', 'null', /object|dict|JSON/],
  ['json_entry_number', '{"w": 5}', /'w'|"w"|w\b/],
  ['json_binary', '\u0000\u0001\u0002\u0003', /JSON/],
];
const jsonCases = JSON_CASES.map(([id, h, problem]) => stCase(id, `header ${id}`, () => rawSafetensors(h, 4), [/header/, problem]));

const TENSOR_CASES: Array<[string, string, () => object, number, RegExp]> = [
  ['missing_dtype', 'tensor without dtype', () => ({ w: { shape: [1], data_offsets: [0, 4] } }), 4, /dtype/],
  ['unknown_dtype', 'dtype C64', () => ({ w: T('C64', [1], [0, 8]) }), 8, /C64/],
  ['missing_shape', 'tensor without shape', () => ({ w: { dtype: 'F32', data_offsets: [0, 4] } }), 4, /shape/],
  ['negative_shape', 'shape [-1]', () => ({ w: T('F32', [-1], [0, 4]) }), 4, /shape|-1/],
  ['float_shape', 'shape [1.5]', () => ({ w: T('F32', [1.5], [0, 4]) }), 4, /shape|1\.5/],
  ['missing_offsets', 'tensor without data_offsets', () => ({ w: { dtype: 'F32', shape: [1] } }), 4, /data_offsets|offsets/],
  ['reversed_offsets', 'data_offsets [8, 4]', () => ({ w: T('F32', [1], [8, 4]) }), 8, /offsets|8|4/],
  ['offsets_past_end', 'data_offsets [0, 4000] in 16 bytes', () => ({ w: T('F32', [1000], [0, 4000]) }), 16, /past the end|truncated|exceeds/],
  ['size_mismatch', 'shape [4] F32 with 8 bytes', () => ({ w: T('F32', [4], [0, 8]) }), 8, /16|8|bytes|size/],
  ['overlap', 'two tensors over the same bytes', () => ({ a: T('F32', [2], [0, 8]), b: T('F32', [2], [4, 12]) }), 12, /tensor 'b' \(data bytes \d+\.\.\d+\) overlaps tensor 'a'/],
  ['overlap_same', 'two tensors with identical ranges', () => ({ a: T('F32', [2], [0, 8]), b: T('F32', [2], [0, 8]) }), 8, /tensor 'b' \(data bytes \d+\.\.\d+\) overlaps tensor 'a'/],
  ['claims_2gb', 'shape [2**29] F32 (2 GB) in a 16-byte file', () => ({ w: T('F32', [2 ** 29], [0, 2 ** 31]) }), 16, /2147483648|past the end|truncated/],
  ['huge_shape_small_offsets', 'shape [65536, 65536] F32 with offsets [0, 8]', () => ({ w: T('F32', [65536, 65536], [0, 8]) }), 8, /17179869184|bytes|size|shape/],
  ['metadata_not_str', '__metadata__ with a number value', () => ({ __metadata__: { a: 1 }, w: T('F32', [1], [0, 4]) }), 4, /__metadata__|metadata/],
  ['meta_json_bad', '__metadata__.mmpretrain_meta is not JSON', () => ({ __metadata__: { mmpretrain_meta: '{oops' }, w: T('F32', [1], [0, 4]) }), 4, /mmpretrain_meta|meta/],
];
const tensorCases = TENSOR_CASES.map(([id, d, h, n, problem]) => stCase(id, d, () => rawSafetensors(h(), n), [problem]));

const truncCases = (() => {
  const len = smallSafetensors().length;
  return cutOffsets(len, 8).map((at) => stCase(`cut_${at}`, `cut at byte ${at} of ${len}`, () => smallSafetensors().subarray(0, at), [/bytes?|header|tensor/, /truncated|exceeds|past the end|not a checkpoint|JSON/]));
})();

const sparseCases: BadInputCase[] = [{
  id: 'safetensors_sparse_2gb_header', kind: 'safetensors', describe: 'a 2 GB file whose header length field claims 2 GB of JSON (sparse)',
  async make(dir) {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, 2n ** 31n, true);
    return { argv: ['convert', putSparse(dir, 'huge_header.safetensors', 2 ** 31 + 4096, head), join(dir, 'o.pth'), '-q'] };
  },
  expect: [/huge_header\.safetensors: safetensors header length 2147483648 \(bytes 0\.\.8\) is more than the 100 MB/],
}];

export const safetensorsCases: BadInputCase[] = [...headerLies, ...jsonCases, ...tensorCases, ...truncCases, ...sparseCases];
