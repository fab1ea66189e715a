import { describe, expect, it } from 'vitest';
import type { AdapterReport } from './adapter';
import { adapterKey, describeAdapter, detectWebGpuAdapter, namesSoftwareRenderer } from './adapter';
import { pickFastest, planBackendChoice, type RememberedChoice } from './picker';
import { memoryChoiceStore, parseRememberedChoice, webStorageChoiceStore } from './storage';

const swiftshader: AdapterReport = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isFallbackAdapter: true,
  isSoftware: true,
  limits: {},
};
const nvidia: AdapterReport = { ...swiftshader, vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false, isSoftware: false };
const all = ['cpu', 'wasm', 'webgl', 'webgpu'] as const;

describe('planBackendChoice', () => {
  it('uses WebGPU on a hardware adapter without measuring', () => {
    const plan = planBackendChoice({ available: all, adapter: nvidia, adapterKey: adapterKey(nvidia) });
    expect(plan).toEqual({ decision: expect.objectContaining({ backend: 'webgpu', source: 'hardware-gpu' }) });
  });

  it('measures the GPU backends against WASM on a software adapter (never CPU)', () => {
    const plan = planBackendChoice({ available: all, adapter: swiftshader, adapterKey: adapterKey(swiftshader) });
    expect(plan).toEqual({ benchmark: ['webgpu', 'webgl', 'wasm'] });
  });

  it('measures WebGL against WASM when there is no WebGPU adapter', () => {
    const plan = planBackendChoice({ available: ['cpu', 'wasm', 'webgl'], adapter: null, adapterKey: 'none' });
    expect(plan).toEqual({ benchmark: ['webgl', 'wasm'] });
  });

  it('decides alone when only one fast backend initialised (Node: wasm + cpu)', () => {
    expect(planBackendChoice({ available: ['cpu', 'wasm'], adapter: null, adapterKey: 'none' })).toEqual({
      decision: expect.objectContaining({ backend: 'wasm', source: 'only-one' }),
    });
    expect(planBackendChoice({ available: ['cpu'], adapter: null, adapterKey: 'none' })).toEqual({
      decision: expect.objectContaining({ backend: 'cpu', source: 'only-one' }),
    });
  });

  it('lets an available override win, and ignores an unavailable one', () => {
    const input = { available: all, adapter: nvidia, adapterKey: adapterKey(nvidia) };
    expect(planBackendChoice({ ...input, override: 'cpu' })).toEqual({ decision: expect.objectContaining({ backend: 'cpu', source: 'user' }) });
    const noGl = { ...input, available: ['cpu', 'wasm', 'webgpu'] as const };
    expect(planBackendChoice({ ...noGl, override: 'webgl' })).toEqual({ decision: expect.objectContaining({ backend: 'webgpu' }) });
  });

  it('reuses a measured choice only on the same adapter; a user choice on any', () => {
    const key = adapterKey(swiftshader);
    const measured: RememberedChoice = { backend: 'wasm', adapterKey: key, source: 'benchmark', at: '' };
    expect(planBackendChoice({ available: all, adapter: swiftshader, adapterKey: key, remembered: measured })).toEqual({
      decision: expect.objectContaining({ backend: 'wasm', source: 'remembered' }),
    });
    const newGpu = { available: all, adapter: nvidia, adapterKey: adapterKey(nvidia) };
    expect(planBackendChoice({ ...newGpu, remembered: measured })).toEqual({ decision: expect.objectContaining({ backend: 'webgpu' }) });
    const user: RememberedChoice = { ...measured, backend: 'webgl', source: 'user' };
    expect(planBackendChoice({ ...newGpu, remembered: user })).toEqual({ decision: expect.objectContaining({ backend: 'webgl', source: 'user' }) });
  });

  it('fails clearly when nothing initialised', () => {
    expect(() => planBackendChoice({ available: [], adapter: null, adapterKey: 'none' })).toThrow(/No tfjs backend/);
  });
});

describe('pickFastest', () => {
  it('picks WASM over SwiftShader with the timings measured here (ResNet-18 ratios)', () => {
    const d = pickFastest({ webgpu: 79.5, webgl: 27.7, wasm: 1.5 }, all, swiftshader);
    expect(d.backend).toBe('wasm');
    expect(d.reason).toContain('software adapter');
    expect(d.reason).toContain('wasm 1.5 ms');
  });

  it('picks a GPU backend when it is measured faster', () => {
    expect(pickFastest({ webgpu: 0.4, webgl: 0.9, wasm: 3 }, all, nvidia).backend).toBe('webgpu');
    expect(pickFastest({ webgl: 0.9, wasm: 3 }, all, null).backend).toBe('webgl');
  });

  it('skips failed measurements and breaks ties by preference', () => {
    expect(pickFastest({ webgpu: Number.NaN, webgl: 2, wasm: 2 }, all, swiftshader).backend).toBe('webgl');
    expect(pickFastest({ webgpu: Number.POSITIVE_INFINITY, wasm: 5 }, all, swiftshader).backend).toBe('wasm');
  });

  it('falls back to WASM, then CPU, when nothing finished', () => {
    expect(pickFastest({ webgpu: Number.NaN }, all, swiftshader).backend).toBe('wasm');
    expect(pickFastest({}, ['cpu'], null).backend).toBe('cpu');
  });
});

describe('adapter detection', () => {
  it('reads adapter.info and flags SwiftShader as software', async () => {
    const gpu = {
      requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, limits: { maxStorageBufferBindingSize: 1 << 30 } }),
    };
    const report = await detectWebGpuAdapter(gpu);
    expect(report).toMatchObject({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true, isSoftware: true });
    expect(report!.limits.maxStorageBufferBindingSize).toBe(1 << 30);
  });

  it('falls back to requestAdapterInfo() and the adapter-level isFallbackAdapter', async () => {
    const report = await describeAdapter({ requestAdapterInfo: async () => ({ vendor: 'intel', architecture: 'gen-12lp' }), isFallbackAdapter: false });
    expect(report).toMatchObject({ vendor: 'intel', isSoftware: false });
  });

  it('reports no adapter without WebGPU or when the request fails', async () => {
    expect(await detectWebGpuAdapter(undefined)).toBeNull();
    expect(await detectWebGpuAdapter({ requestAdapter: async () => null })).toBeNull();
    expect(await detectWebGpuAdapter({ requestAdapter: async () => Promise.reject(new Error('blocked')) })).toBeNull();
  });

  it('recognises software renderers by name', () => {
    expect(namesSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))')).toBe(true);
    expect(namesSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(namesSoftwareRenderer('NVIDIA GeForce RTX 3080')).toBe(false);
  });
});

describe('choice storage', () => {
  it('round-trips through a Web Storage and rejects malformed entries', () => {
    const data = new Map<string, string>();
    const ls = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
    const store = webStorageChoiceStore(ls);
    const choice: RememberedChoice = { backend: 'wasm', adapterKey: 'k', source: 'benchmark', timings: { wasm: 1.2 }, at: '2026-01-01' };
    store.save(choice);
    expect(store.load()).toEqual(choice);
    store.clear();
    expect(store.load()).toBeNull();
    expect(parseRememberedChoice('{"backend":"tpu","adapterKey":"k","source":"user"}')).toBeNull();
    expect(parseRememberedChoice('not json')).toBeNull();
  });

  it('memory store keeps the last save', () => {
    const store = memoryChoiceStore();
    expect(store.load()).toBeNull();
    store.save({ backend: 'cpu', adapterKey: 'none', source: 'user', at: '' });
    expect(store.load()?.backend).toBe('cpu');
  });
});
