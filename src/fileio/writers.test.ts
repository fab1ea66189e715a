import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { expectSameTensors } from './test_utils';
import { bytesSource } from './byte_source';
import { loadCheckpoint } from './checkpoint';
import { pthObjectParts, pthParts, writePth } from './pth/pth_writer';
import { concatParts, writeSafetensors } from './safetensors';
import { floatToBfloat16, floatToHalf, type TensorData } from './tensor_data';
import { halfToFloat } from './npy';
import { readZipDirectory, zipEntryDataOffset } from './zip/zip_reader';

const models = (f: string) => sharedPath(`reference/models/${f}`);
const runner = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');


describe('writeSafetensors', () => {
  for (const name of ['lenet5', 'resnet18_cifar_w16', 'resnet50_w8']) {
    it.skipIf(missingShared(models(`${name}.safetensors`)))(`${name}: rewriting the reference file gives the same bytes`, async () => {
      const ref = readFileSync(models(`${name}.safetensors`));
      const ck = await loadCheckpoint(ref, name);
      expect(Buffer.from(writeSafetensors(ck.stateDict)).equals(ref)).toBe(true);
    });
  }

  it.skipIf(missingShared(runner))('keeps meta as JSON in __metadata__', async () => {
    const ck = await loadCheckpoint(readFileSync(runner), 'runner.pth');
    const back = await loadCheckpoint(writeSafetensors(ck.stateDict, ck.meta), 'back.safetensors');
    expectSameTensors(ck.stateDict, back.stateDict);
    expect(back.meta).toEqual(ck.meta);
    expect(back.classes).toEqual(['cat', 'dog']);
    expect((back.other.__metadata__ as Record<string, string>).format).toBe('pt');
  });
});

describe('writePth', () => {
  it.skipIf(missingShared(runner))('MMPretrain layout {meta, state_dict} round-trips; storages stored and 64-byte aligned', async () => {
    const ck = await loadCheckpoint(readFileSync(runner), 'runner.pth');
    const parts = pthParts(ck.stateDict, ck.meta);
    const bytes = concatParts(parts);
    const back = await loadCheckpoint(bytes, 'out.pth');
    expect(back.format).toBe('pth-zip');
    expect(back.stateDictKey).toBe('state_dict');
    expectSameTensors(ck.stateDict, back.stateDict);
    expect(back.meta).toEqual(ck.meta);
    expect(back.classes).toEqual(['cat', 'dog']);
    expect(back.placeholders).toEqual([]);
    const src = bytesSource(bytes, 'out.pth');
    const entries = await readZipDirectory(src, 'out.pth');
    expect([...entries.keys()].slice(0, 3)).toEqual(['archive/data.pkl', 'archive/byteorder', 'archive/data/0']);
    expect(entries.has('archive/version')).toBe(true);
    for (const e of entries.values()) {
      expect(e.method, e.name).toBe(0);
      expect((await zipEntryDataOffset(src, e, 'out.pth')) % 64, e.name).toBe(0);
    }
  });

  it.skipIf(missingShared(models('lenet5.pth')))('bare state dict layout, custom archive name', async () => {
    const ck = await loadCheckpoint(readFileSync(models('lenet5.pth')), 'lenet5.pth');
    const back = await loadCheckpoint(writePth(ck.stateDict, undefined, { layout: 'state_dict', archiveName: 'lenet5' }), 'x.pth');
    expect(back.stateDictKey).toBeNull();
    expect(back.meta).toBeUndefined();
    expectSameTensors(ck.stateDict, back.stateDict);
  });

  it.skipIf(missingShared(sharedPath('reference/checkpoints/lenet5_fp16.pth')))('float16 weights are written back as HalfStorage unless asked for float32', async () => {
    const ck = await loadCheckpoint(readFileSync(sharedPath('reference/checkpoints/lenet5_fp16.pth')), 'fp16.pth');
    const kept = await loadCheckpoint(writePth(ck.stateDict), 'a.pth');
    expectSameTensors(ck.stateDict, kept.stateDict);
    const widened = await loadCheckpoint(writePth(ck.stateDict, undefined, { keepOriginalDtype: false }), 'b.pth');
    const w = widened.stateDict.get('backbone.features.0.weight')!;
    expect(w.originalDtype).toBe('float32');
    expect(w.data).toEqual(ck.stateDict.get('backbone.features.0.weight')!.data);
    expect(widened.stateDict.get('backbone.features.0.weight')!.data.byteLength).toBe(150 * 4);
  });

  it('every dtype round-trips through both writers, with bfloat16 and empty and scalar tensors', async () => {
    const sd = new Map<string, TensorData>([
      ['f32', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -0]), originalDtype: 'float32' }],
      ['bf16', { dtype: 'float32', shape: [3], data: new Float32Array([1.5, -0.0078125, 256]), originalDtype: 'bfloat16' }],
      ['f64', { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -1e300]), originalDtype: 'float64' }],
      ['i64', { dtype: 'int64', shape: [], data: new BigInt64Array([-(2n ** 62n)]), originalDtype: 'int64' }],
      ['i32', { dtype: 'int32', shape: [2], data: new Int32Array([-7, 2 ** 30]), originalDtype: 'int32' }],
      ['u8', { dtype: 'uint8', shape: [1, 2], data: new Uint8Array([0, 255]), originalDtype: 'uint8' }],
      ['b', { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]), originalDtype: 'bool' }],
      ['empty', { dtype: 'float32', shape: [0, 4], data: new Float32Array(0), originalDtype: 'float32' }],
    ]);
    for (const bytes of [writePth(sd), writeSafetensors(sd)]) {
      const back = await loadCheckpoint(bytes, 'all-dtypes');
      expectSameTensors(sd, back.stateDict);
    }
  });
});

describe('half-precision encoders', () => {
  it('floatToHalf inverts halfToFloat on every finite half and rounds to nearest even', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const f = halfToFloat(h);
      if (!Number.isNaN(f) && floatToHalf(f) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(70000)).toBe(0x7c00); // overflow → inf
  });
  it('floatToBfloat16 rounds to nearest even', () => {
    expect(floatToBfloat16(1)).toBe(0x3f80);
    expect(floatToBfloat16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(floatToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(new Float32Array(new Uint32Array([floatToBfloat16(NaN) << 16]).buffer)[0])).toBe(true);
  });
});

describe('pthObjectParts (whole runner checkpoints)', () => {
  it('tensors anywhere, int-keyed dicts, state dicts as OrderedDict; read back', async () => {
    const w: TensorData = { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]), originalDtype: 'float32' };
    const obj = {
      meta: { epoch: 2, dataset_meta: { classes: ['a', 'b'] } },
      state_dict: new Map([['fc.weight', w]]),
      optimizer: { state: new Map([[0, { momentum_buffer: { shape: [2], data: new Float32Array([0.5, -0.5]) } }]]), param_groups: [{ lr: 0.1, params: [0] }] },
      steps: { shape: [], data: new BigInt64Array([7n]) },
    };
    const ck = await loadCheckpoint(concatParts(pthObjectParts(obj)), 'runner.pth');
    expect(ck.stateDictKey).toBe('state_dict');
    expect(ck.classes).toEqual(['a', 'b']);
    expect(ck.stateDict.get('fc.weight')!.data).toEqual(new Float32Array([1, 2]));
    const optim = ck.other.optimizer as { state: Record<string, { momentum_buffer: TensorData }>; param_groups: unknown[] };
    expect(optim.state['0'].momentum_buffer).toMatchObject({ dtype: 'float32', shape: [2], data: new Float32Array([0.5, -0.5]) });
    expect(optim.param_groups).toEqual([{ lr: 0.1, params: [0] }]);
    expect(ck.other.steps).toMatchObject({ dtype: 'int64', shape: [], data: new BigInt64Array([7n]) });
    expect(() => pthObjectParts({ x: { shape: [1], data: new Uint16Array(1) } })).toThrow('cannot store a Uint16Array as a tensor');
  });
});
