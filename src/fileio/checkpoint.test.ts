import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { expectSameTensors } from './test_utils';
import { loadCheckpoint } from './checkpoint';
import { NumpyArray } from './pickle/numpy_globals';
import { PickleGlobal, PickleObject } from './pickle/values';
import type { TensorData } from './tensor_data';
import { tensorToFloat32 } from './tensor_data';
import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from './pickle/pickler';
import { writePth } from './pth/pth_writer';
import { concatParts } from './safetensors';
import { zipStoredParts } from './zip/zip_writer';

const MODELS = ['lenet5', 'resnet18_cifar_w16', 'resnet50_w8'];
const models = (f: string) => sharedPath(`reference/models/${f}`);
const ckpts = (f: string) => sharedPath(`reference/checkpoints/${f}`);
const load = (p: string, opts = {}) => loadCheckpoint(readFileSync(p), p, opts);

/** Parses `<name>_keys.txt`: key, shape `(a, b)`, dtype `torch.float32` per line. */
function readKeys(p: string): Array<{ key: string; shape: number[]; dtype: string }> {
  return readFileSync(p, 'utf8').trim().split('\n').map((l) => {
    const [key, shape, dtype] = l.split('\t');
    return { key, shape: shape.replace(/[()]/g, '').split(',').map((s) => s.trim()).filter(Boolean).map(Number), dtype: dtype.replace('torch.', '') };
  });
}



describe('reference models: .pth and .safetensors', () => {
  for (const name of MODELS) {
    it.skipIf(missingShared(models(`${name}.pth`)))(`${name}: both files hold the same tensors in _keys.txt order`, async () => {
      const pth = await load(models(`${name}.pth`));
      const st = await load(models(`${name}.safetensors`));
      expect(pth.format).toBe('pth-zip');
      expect(st.format).toBe('safetensors');
      expect(pth.stateDictKey).toBeNull();
      const keys = readKeys(models(`${name}_keys.txt`));
      expect([...pth.stateDict.keys()]).toEqual(keys.map((k) => k.key));
      for (const { key, shape, dtype } of keys) {
        const t = pth.stateDict.get(key)!;
        expect(t.shape, key).toEqual(shape);
        expect(t.originalDtype, key).toBe(dtype);
        expect(t.data.length, key).toBe(shape.reduce((a, b) => a * b, 1));
      }
      expectSameTensors(pth.stateDict, st.stateDict);
    });
  }

  it.skipIf(missingShared(models('resnet18_cifar_w16.pth')))('int64 buffers (num_batches_tracked) stay int64 scalars', async () => {
    const ck = await load(models('resnet18_cifar_w16.pth'));
    const t = ck.stateDict.get('backbone.bn1.num_batches_tracked')!;
    expect(t.dtype).toBe('int64');
    expect(t.shape).toEqual([]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
  });
});

describe('reference loader cases (checkpoints/)', () => {
  const runner = ckpts('runner_resnet18_cifar_w16_2cls_epoch_3.pth');
  it.skipIf(missingShared(runner))('mmengine Runner checkpoint: state dict, meta classes, message_hub with inert HistoryBuffers', async () => {
    const ck = await load(runner);
    expect(ck.stateDictKey).toBe('state_dict');
    expect(ck.classes).toEqual(['cat', 'dog']);
    expect(ck.meta?.epoch).toBe(3);
    expect(ck.meta?.iter).toBe(12);
    expect(String(ck.meta?.cfg)).toContain("type='ResNet_CIFAR'");
    // the state dict matches the architecture of resnet18_cifar_w16 (2 classes instead of 10)
    const ref = readKeys(models('resnet18_cifar_w16_keys.txt'));
    expect([...ck.stateDict.keys()]).toEqual(ref.map((k) => k.key));
    expect(ck.stateDict.get('head.fc.weight')!.shape).toEqual([2, 128]);
    expect(ck.placeholders).toContain('mmengine.logging.history_buffer.HistoryBuffer');
    expect(ck.forbidden).toEqual([]);
    const hub = ck.other.message_hub as Record<string, Record<string, unknown>>;
    const lr = hub.log_scalars['train/lr'] as PickleObject;
    expect(lr).toBeInstanceOf(PickleObject);
    expect(lr.callee.qualifiedName).toBe('mmengine.logging.history_buffer.HistoryBuffer');
    const state = lr.state as Record<string, unknown>;
    const hist = state._log_history as NumpyArray;
    expect(hist).toBeInstanceOf(NumpyArray);
    expect(hist.dtype).toBe('float64');
    expect(hist.shape).toEqual([12]);
    // MultiStepLR(milestones=[2], gamma=0.1), 4 iterations per epoch: 0.1 for 8 iterations, then 0.01
    expect(Array.from(hist.data as Float64Array).map((v) => +v.toFixed(6))).toEqual([...Array(8).fill(0.1), ...Array(4).fill(0.01)]);
    expect((state._count_history as NumpyArray).data).toEqual(new BigInt64Array(12).fill(1n));
    expect((state.statistics_methods as Record<string, unknown>).mean).toBeInstanceOf(PickleGlobal);
    // numpy scalars decode to numbers
    expect(hub.runtime_info.eta).toBe(0);
    expect(hub.runtime_info.dataset_meta).toEqual({ classes: ['cat', 'dog'] });
    // collections.Counter → plain object
    const sched = (ck.other.param_schedulers as Array<Record<string, unknown>>)[0];
    expect(sched.milestones).toEqual({ 2: 1 });
    // optimizer state: SGD momentum buffers are tensors shaped like their parameters
    const optim = ck.other.optimizer as { state: Record<string, { momentum_buffer: TensorData }>; param_groups: Array<Record<string, unknown>> };
    expect(optim.param_groups[0].momentum).toBe(0.9);
    expect(optim.state['0'].momentum_buffer.shape).toEqual([16, 3, 3, 3]);
  });

  it.skipIf(missingShared(runner))('stateDictOnly leaves other tensors unread', async () => {
    const ck = await load(runner, { stateDictOnly: true });
    const optim = ck.other.optimizer as { state: Record<string, { momentum_buffer: unknown }> };
    expect(optim.state['0'].momentum_buffer).toMatchObject({ dtype: 'float32', shape: [16, 3, 3, 3] });
    expect(ck.stateDict.size).toBe(122);
  });

  it.skipIf(missingShared(ckpts('lenet5_legacy.pth')))('legacy (pre-1.6) format equals lenet5.pth exactly', async () => {
    const legacy = await load(ckpts('lenet5_legacy.pth'));
    expect(legacy.format).toBe('pth-legacy');
    expectSameTensors((await load(models('lenet5.pth'))).stateDict, legacy.stateDict);
  });

  it.skipIf(missingShared(ckpts('lenet5_fp16.pth')))('float16 weights are widened to float32 within fp16 precision', async () => {
    const half = await load(ckpts('lenet5_fp16.pth'));
    const full = await load(models('lenet5.pth'));
    expect([...half.stateDict.keys()]).toEqual([...full.stateDict.keys()]);
    let maxRel = 0;
    for (const [k, t] of half.stateDict) {
      expect(t.originalDtype, k).toBe('float16');
      expect(t.dtype, k).toBe('float32');
      const a = tensorToFloat32(t);
      const b = tensorToFloat32(full.stateDict.get(k)!);
      for (let i = 0; i < a.length; i++) maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 2 ** -14));
    }
    expect(maxRel).toBeGreaterThan(0); // really converted
    expect(maxRel).toBeLessThanOrEqual(2 ** -11); // half of fp16's machine epsilon (round to nearest)
  });

  it.skipIf(missingShared(ckpts('views.pth')))('views sharing one storage: base, transposed, slice', async () => {
    const ck = await load(ckpts('views.pth'));
    const base = Float32Array.from({ length: 24 }, (_, i) => i);
    expect(ck.stateDict.get('base')).toMatchObject({ shape: [4, 6], data: base });
    const t = ck.stateDict.get('t_transposed')!;
    expect(t.shape).toEqual([6, 4]);
    expect(Array.from(t.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => (i % 4) * 6 + Math.floor(i / 4)));
    expect(ck.stateDict.get('t_slice')).toMatchObject({ shape: [2, 3], data: new Float32Array([8, 9, 10, 14, 15, 16]) });
  });

  const evil = ckpts('malicious_os_system.pth');
  it.skipIf(missingShared(evil))('malicious pickle: forbidden global reported, never executed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pickle-'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(load(evil)).rejects.toThrow(/malicious_os_system\.pth: .*forbidden global 'posix\.system'/);
      const ck = await load(evil, { forbidden: 'placeholder' });
      expect(ck.forbidden).toEqual(['posix.system']);
      const obj = ck.other.evil as PickleObject;
      expect(obj).toBeInstanceOf(PickleObject);
      expect(obj.forbidden).toBe(true);
      expect(obj.args).toEqual(['echo PWNED > pwned_by_pickle.txt']);
      expectSameTensors((await load(models('lenet5.pth'))).stateDict, ck.stateDict);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(join(cwd, 'pwned_by_pickle.txt'))).toBe(false);
  });
});

describe('state dict discovery and key revision (mmengine load_checkpoint semantics)', () => {
  const t = (v: number): TensorData => ({ dtype: 'float32', shape: [1], data: new Float32Array([v]), originalDtype: 'float32' });

  it("strips 'module.' (DataParallel) by default; reviseKeys replaces every match; [] keeps keys", async () => {
    const sd = new Map([['module.backbone.conv.weight', t(1)], ['module.head.fc.module.bias', t(2)]]);
    const bytes = writePth(sd, undefined, { layout: 'state_dict' });
    expect([...(await loadCheckpoint(bytes, 'dp.pth')).stateDict.keys()]).toEqual(['backbone.conv.weight', 'head.fc.module.bias']);
    expect([...(await loadCheckpoint(bytes, 'dp.pth', { reviseKeys: [] })).stateDict.keys()]).toEqual([...sd.keys()]);
    const revised = await loadCheckpoint(bytes, 'dp.pth', { reviseKeys: [[/module\./, '']] });
    expect([...revised.stateDict.keys()]).toEqual(['backbone.conv.weight', 'head.fc.bias']);
  });

  it("finds the weights under 'model' (timm/DeiT-style) and keeps other entries", async () => {
    const storage = new PyPersistent(new PyTuple('storage', new PyGlobalRef('torch', 'FloatStorage'), '0', 'cpu', 2));
    const tensor = new PyCall('torch._utils', '_rebuild_tensor_v2', [storage, 0, new PyTuple(2), new PyTuple(1), false, new PyOrderedDict([])]);
    const pkl = pickle({ model: new PyOrderedDict([['fc.weight', tensor]]), epoch: 299, args: { lr: 0.0005 } });
    const zip = concatParts(zipStoredParts([{ name: 'deit/data.pkl', data: pkl }, { name: 'deit/data/0', data: new Uint8Array(new Float32Array([3, 4]).buffer) }]));
    const ck = await loadCheckpoint(zip, 'deit.pth');
    expect(ck.stateDictKey).toBe('model');
    expect(ck.stateDict.get('fc.weight')!.data).toEqual(new Float32Array([3, 4]));
    expect(ck.other).toEqual({ epoch: 299, args: { lr: 0.0005 } });
  });

  it('a checkpoint that is not a dict is rejected as load_checkpoint does', async () => {
    const zip = concatParts(zipStoredParts([{ name: 'x/data.pkl', data: pickle([1, 2]) }]));
    await expect(loadCheckpoint(zip, 'list.pth')).rejects.toThrow('list.pth: no state_dict found: the checkpoint holds a list, not a dict');
  });
});

describe('tensor buffers', () => {
  for (const file of ['lenet5.pth', 'lenet5.safetensors']) {
    it.skipIf(missingShared(models(file)))(`${file}: zero-copy views of the input by default, own buffers with copyTensors`, async () => {
      const bytes = new Uint8Array(readFileSync(models(file)));
      const shared = await loadCheckpoint(bytes, file);
      expect([...shared.stateDict.values()].every((t) => t.data.buffer === bytes.buffer)).toBe(true);
      const own = await loadCheckpoint(bytes, file, { copyTensors: true });
      for (const [k, t] of own.stateDict) {
        expect(t.data.buffer.byteLength, k).toBe(t.data.byteLength);
        expect(t.data, k).toEqual(shared.stateDict.get(k)!.data);
      }
    });
  }
});
