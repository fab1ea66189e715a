/**
 * Bad `.pth` checkpoints for `convert` (which reads the whole checkpoint: pickle, storages, meta): truncated zips,
 * zip bombs, entries that fail their CRC-32, pickles that would run code (each forbidden global through each opcode that calls), self-referencing
 * objects, tensors whose dtype / shape / stride / offset do not fit their storage, and "2 GB" files made sparse.
 * Written with the project's own pickle and zip writers (`fileio/pickle/pickler.ts`, `fileio/zip/zip_writer.ts`).
 */
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from '../../fileio/pickle/pickler';
import { writePth } from '../../fileio/pth/pth_writer';
import { concatParts } from '../../fileio/safetensors';
import type { TensorData } from '../../fileio/tensor_data';
import { zipStoredParts } from '../../fileio/zip/zip_writer';
import { crcMismatch, cutOffsets, enc, esc, flipZipBit, forgeZipCrc, put, putSparse, type BadInputCase } from './types';

const SENTINEL = 'SENTINEL';
const GB2 = 2 ** 31 + 4096;

/** A small valid checkpoint: three tensors and meta. */
export function smallPth(): Uint8Array {
  const t = (shape: number[]): TensorData => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => i / 7), originalDtype: 'float32' };
  };
  return writePth(new Map([['backbone.conv.weight', t([4, 3, 3, 3])], ['backbone.bn.bias', t([4])], ['head.fc.weight', t([10, 4])]]), { dataset_meta: { classes: ['a', 'b'] } });
}

/** A zip-format `.pth` holding `pkl` as `archive/data.pkl` and the given storages. */
export function pthWithPickle(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  return concatParts(zipStoredParts([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: enc('little') },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
    { name: 'archive/version', data: enc('3\n') },
  ]));
}

const u8 = (...parts: Array<number | number[] | Uint8Array | string>): Uint8Array => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') out.push(...enc(p));
    else out.push(...p);
  }
  return Uint8Array.from(out);
};
const shortStr = (s: string): number[] => [0x8c, enc(s).length, ...enc(s)];
const binUnicode = (s: string): number[] => { const b = enc(s); return [0x58, b.length & 255, (b.length >> 8) & 255, 0, 0, ...b]; };

/** Ways a pickle calls a global: each builds `module.name(cmd)` with a different opcode. */
const CALL_FORMS: Record<string, (m: string, n: string, cmd: string) => Uint8Array> = {
  GLOBAL_REDUCE: (m, n, cmd) => pickle(new PyCall(m, n, [cmd])),
  STACK_GLOBAL: (m, n, cmd) => u8(0x80, 4, shortStr(m), shortStr(n), 0x93, shortStr(cmd), 0x85, 0x52, 0x2e),
  INST: (m, n, cmd) => u8(0x80, 2, 0x28, binUnicode(cmd), 'i', `${m}\n${n}\n`, 0x2e),
  OBJ: (m, n, cmd) => u8(0x80, 2, 0x28, 'c', `${m}\n${n}\n`, binUnicode(cmd), 0x6f, 0x2e),
  NEWOBJ: (m, n, cmd) => u8(0x80, 2, 'c', `${m}\n${n}\n`, binUnicode(cmd), 0x85, 0x81, 0x2e),
};

/** Globals that would run code or touch the system. */
const EVIL: Array<[string, string]> = [
  ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['subprocess', 'Popen'], ['subprocess', 'check_output'],
  ['builtins', 'eval'], ['builtins', 'exec'], ['builtins', '__import__'], ['__builtin__', 'eval'], ['builtins', 'open'],
  ['runpy', '_run_code'], ['shutil', 'rmtree'], ['webbrowser', 'open'], ['pty', 'spawn'], ['importlib', 'import_module'],
  ['ctypes', 'CDLL'], ['pickle', 'loads'], ['marshal', 'loads'], ['socket', 'create_connection'],
];

function convertCase(id: string, describe: string, file: string, bytes: () => Uint8Array | string, expect: RegExp[], extra: Partial<BadInputCase> = {}): BadInputCase {
  return {
    id: `checkpoint_${id}`, kind: 'checkpoint', describe,
    async make(dir) {
      const b = bytes();
      const path = typeof b === 'string' ? b.replace('$DIR', dir) : put(dir, file, b);
      return { argv: ['convert', path, join(dir, 'out.safetensors'), '-q'] };
    },
    expect: [new RegExp(esc(file)), ...expect],
    ...extra,
  };
}

const evilCases: BadInputCase[] = EVIL.flatMap(([m, n]) => Object.entries(CALL_FORMS).map(([form, make]) => {
  const file = `evil_${m}_${n}_${form}.pth`;
  return convertCase(`evil_${m}_${n}_${form}`, `pickle calls ${m}.${n} through ${form}`, file,
    () => pthWithPickle(make(m, n, `touch ${SENTINEL}`)),
    [new RegExp(`archive/data\\.pkl: pickle uses the forbidden global '${esc(m === '__builtin__' ? 'builtins' : m)}\\.${esc(n)}'`), /nothing was executed/], { sentinel: SENTINEL });
}));

const truncCases: BadInputCase[] = (() => {
  const len = smallPth().length;
  return cutOffsets(len, 12).map((at) => convertCase(`truncated_at_${at}`, `zip .pth cut at byte ${at} of ${len}`, `cut_${at}.pth`,
    () => smallPth().subarray(0, at), [/bytes? \d+|entry|record|\(\d+ bytes\)/, /truncated|corrupt|not found|past the end/]));
})();

/** A deflated `data.pkl` whose sizes in both zip headers are rewritten to `claimed`. */
function bombZip(claimed: number, realBytes: Uint8Array): Uint8Array {
  const zip = zipSync({ 'archive/data.pkl': [realBytes, { level: 9 }], 'archive/version': [enc('3\n'), { level: 0 }] });
  const v = new DataView(zip.buffer);
  for (let p = 0; p + 4 <= zip.length; p++) {
    const sig = v.getUint32(p, true);
    if (sig === 0x04034b50 && zip[p + 30] === 0x61 && zip[p + 8] === 8) v.setUint32(p + 22, claimed, true);
    if (sig === 0x02014b50 && zip[p + 46] === 0x61 && zip[p + 10] === 8) v.setUint32(p + 24, claimed, true);
  }
  return zip;
}

const bombCases: BadInputCase[] = [
  convertCase('zip_bomb_claims_4gb', 'deflated data.pkl whose headers claim 4 GB', 'bomb_4gb.pth', () => bombZip(0xfffffff0, pickle(new Map([['state_dict', new Map()]]))),
    [/zip entry 'archive\/data\.pkl' claims 4294967280 bytes from \d+ compressed bytes/, /zip bomb/]),
  convertCase('zip_bomb_claims_1gb', 'deflated data.pkl whose headers claim 1 GB', 'bomb_1gb.pth', () => bombZip(2 ** 30, pickle(new Map([['state_dict', new Map()]]))),
    [/zip entry 'archive\/data\.pkl' claims 1073741824 bytes from \d+ compressed bytes/, /zip bomb/]),
  // inflating stops at the claimed 100 bytes, whose CRC-32 is not the one recorded for the whole 64 MB
  convertCase('zip_bomb_real', 'data.pkl inflating to 64 MB while its headers claim 100 bytes', 'bomb_real.pth', () => bombZip(100, new Uint8Array(64 * 2 ** 20)),
    [crcMismatch('archive/data.pkl')]),
];

/** Entries whose bytes are not the ones their CRC-32 was computed over: refused on reading, before they are used. */
const crcCases: BadInputCase[] = [
  convertCase('crc_storage', 'one bit flipped in the stored storage archive/data/0', 'crc_storage.pth', () => flipZipBit(smallPth(), 'archive/data/0', 100), [crcMismatch('archive/data/0')]),
  convertCase('crc_pickle', 'one bit flipped in the stored archive/data.pkl', 'crc_pickle.pth', () => flipZipBit(smallPth(), 'archive/data.pkl', 40), [crcMismatch('archive/data.pkl')]),
  convertCase('crc_deflated_storage', 'a deflated storage whose recorded CRC-32 is wrong', 'crc_deflated.pth',
    () => forgeZipCrc(zipSync(unzipSync(smallPth()), { level: 9 }), 'archive/data/2'), [crcMismatch('archive/data/2')]),
];

/** `{'state_dict': ...}` pickles that reference themselves. */
const recursiveCases: BadInputCase[] = [
  // {'state_dict': L} with L = [L]
  convertCase('recursive_list', 'state_dict is a list that contains itself', 'rec_list.pth',
    () => pthWithPickle(u8(0x80, 2, 0x7d, binUnicode('state_dict'), 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x73, 0x2e)), [], { exit: 0, expect: [] }),
  // d = {}; d['self'] = d; root = {'meta': d, 'state_dict': {}}
  convertCase('recursive_meta', 'meta is a dict that contains itself', 'rec_meta.pth',
    () => pthWithPickle(u8(0x80, 2, 0x7d, binUnicode('meta'), 0x7d, 0x71, 0, binUnicode('self'), 0x68, 0, 0x73, 0x73, binUnicode('state_dict'), 0x7d, 0x73, 0x2e)), [], { exit: 0, expect: [] }),
  // root = {}; root['state_dict'] = root
  convertCase('recursive_root', 'state_dict is the checkpoint itself', 'rec_root.pth',
    () => pthWithPickle(u8(0x80, 2, 0x7d, 0x71, 0, binUnicode('state_dict'), 0x68, 0, 0x73, 0x2e)), [], { exit: 0, expect: [] }),
  convertCase('memo_get_missing', 'BINGET of a memo slot never PUT', 'memo.pth', () => pthWithPickle(u8(0x80, 2, 0x68, 7, 0x2e)), [/data\.pkl/, /byte \d+/, /memo/i]),
  convertCase('stack_underflow', 'REDUCE on an empty stack', 'underflow.pth', () => pthWithPickle(u8(0x80, 2, 0x52, 0x2e)), [/data\.pkl/, /byte \d+/, /stack|empty|underflow/i]),
  convertCase('no_stop', 'a pickle without STOP', 'nostop.pth', () => pthWithPickle(u8(0x80, 2, 0x7d)), [/data\.pkl/, /byte \d+|truncated|STOP/i]),
  convertCase('bad_opcode', 'an unknown opcode', 'opcode.pth', () => pthWithPickle(u8(0x80, 2, 0xfe, 0x2e)), [/data\.pkl/, /byte \d+/, /opcode/i]),
  convertCase('proto_6', 'pickle protocol 6', 'proto6.pth', () => pthWithPickle(u8(0x80, 6, 0x7d, 0x2e)), [/data\.pkl/, /protocol/i]),
];

/** `_rebuild_tensor_v2(storage, offset, shape, stride, ...)` with a storage entry of `bytes` bytes. */
function tensorPth(opts: { storage?: string; numel?: number; offset?: number; shape?: unknown[]; stride?: unknown[]; bytes?: number; key?: string; entries?: string[] }): Uint8Array {
  const storage = new PyPersistent(new PyTuple('storage', new PyGlobalRef('torch', opts.storage ?? 'FloatStorage'), opts.key ?? '0', 'cpu', opts.numel ?? 4));
  const tensor = new PyCall('torch._utils', '_rebuild_tensor_v2', [storage, opts.offset ?? 0, new PyTuple(...(opts.shape ?? [4])), new PyTuple(...(opts.stride ?? [1])), false, new PyOrderedDict([])]);
  const data = new Uint8Array(opts.bytes ?? 16);
  return pthWithPickle(pickle(new Map([['state_dict', new PyOrderedDict([['w', tensor]])]])), Object.fromEntries((opts.entries ?? ['0']).map((k) => [k, data])));
}

const TENSOR_CASES: Array<[string, string, Parameters<typeof tensorPth>[0], RegExp]> = [
  ['offset_past_storage', 'storage offset 10 in a 4-element storage', { offset: 10, shape: [2], stride: [1] }, /offset|past|outside|exceeds|beyond/i],
  ['stride_past_storage', 'shape [4] stride [3] reads past a 4-element storage', { shape: [4], stride: [3] }, /stride|past|outside|exceeds|beyond/i],
  ['negative_stride', 'a negative stride', { shape: [4], stride: [-1] }, /stride|negative/i],
  ['negative_shape', 'a negative dimension', { shape: [-2], stride: [1] }, /shape|negative|dimension|size/i],
  ['negative_offset', 'a negative storage offset', { offset: -3, shape: [1], stride: [1] }, /offset|negative/i],
  ['huge_shape', 'shape [2**20, 2**20] over 4 elements', { shape: [2 ** 20, 2 ** 20], stride: [2 ** 20, 1] }, /shape|past|outside|exceeds|beyond|too large/i],
  ['storage_claims_2gb', 'storage numel 2**29 (2 GB of float32) in a 16-byte entry', { numel: 2 ** 29, shape: [4], stride: [1] }, /2147483648|536870912/],
  ['unknown_storage_type', 'torch.ComplexFloatStorage', { storage: 'ComplexFloatStorage' }, /ComplexFloatStorage/],
  ['missing_storage_entry', "the storage's data/7 is not in the zip", { key: '7' }, /data\/7/],
  ['stride_rank_mismatch', 'shape [2, 2] with a one-element stride', { shape: [2, 2], stride: [1] }, /stride|shape|rank|dimension/i],
  ['shape_not_int', "shape ('a',)", { shape: ['a'], stride: [1] }, /shape|int|'a'/i],
  ['storage_odd_bytes', 'a float storage of 7 bytes for 2 elements', { numel: 2, bytes: 7, shape: [2], stride: [1] }, /7|bytes|size/i],
  ['storage_key_traversal', "storage key '../../etc/passwd'", { key: '../../etc/passwd' }, /etc\/passwd|storage|key|not found|missing/i],
];

const tensorCases = TENSOR_CASES.map(([id, describe, o, problem]) => convertCase(`tensor_${id}`, describe, `t_${id}.pth`, () => tensorPth(o), [/tensor 'w'|archive\/data\.pkl|storage/, problem]));

const bigCases: BadInputCase[] = [
  convertCase('sparse_2gb_zeros', 'a 2 GB file of zeros (sparse)', 'zeros_2gb.pth', () => '$DIR/zeros_2gb.pth', [/unknown format|not a checkpoint/, /first bytes 00/], {
    async make(dir) { return { argv: ['convert', putSparse(dir, 'zeros_2gb.pth', GB2), join(dir, 'o.safetensors'), '-q'] }; },
  }),
  convertCase('sparse_2gb_zip_no_eocd', 'a 2 GB zip-looking file without a central directory', 'zip_2gb.pth', () => '', [/end-of-central-directory|central directory/, /truncated|corrupt|not found/], {
    async make(dir) { return { argv: ['convert', putSparse(dir, 'zip_2gb.pth', GB2, smallPth().subarray(0, 4096)), join(dir, 'o.safetensors'), '-q'] }; },
  }),
  convertCase('sparse_2gb_offsets_shifted', 'a valid .pth at the end of 2 GB of zeros (its offsets point into the zeros)', 'shift_2gb.pth', () => '', [/not a checkpoint: unknown format \(first bytes 00 00/], {
    async make(dir) { return { argv: ['convert', putSparse(dir, 'shift_2gb.pth', GB2, undefined, smallPth()), join(dir, 'o.safetensors'), '-q'] }; },
  }),
  convertCase('empty', 'a 0-byte .pth', 'empty.pth', () => new Uint8Array(0), [/empty|0 bytes/]),
  convertCase('text', 'a text file named .pth', 'notes.pth', () => enc('just some notes\n'), [/first bytes 6a 75/, /not a checkpoint/]),
  convertCase('raw_pickle_evil', 'a bare (non-zip) pickle calling os.system', 'raw_evil.pth', () => pickle(new PyCall('os', 'system', [`touch ${SENTINEL}`])), [/os\.system|not a checkpoint|unknown format/], { sentinel: SENTINEL }),
  convertCase('torchscript', 'a TorchScript archive', 'script.pt', () => concatParts(zipStoredParts([{ name: 'm/data.pkl', data: u8(0x80, 2, 0x4e, 0x2e) }, { name: 'm/code/__torch__.py', data: enc('x') }, { name: 'm/constants.pkl', data: u8(0x80, 2, 0x29, 0x2e) }])), [/TorchScript/]),
  convertCase('no_data_pkl', 'a zip with no data.pkl', 'nodata.pth', () => zipSync({ 'readme.txt': enc('hi') }), [/data\.pkl/, /readme\.txt/]),
];

export const checkpointCases: BadInputCase[] = [...evilCases, ...truncCases, ...bombCases, ...crcCases, ...recursiveCases, ...tensorCases, ...bigCases];
