import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { BenchmarkTimeout, microBenchmark } from './benchmark';
import { runOpOnAllBackends } from './diagnostics';
import { formatBytes, memorySnapshot } from './memory';
import { chooseBackend, initBackends } from './select';
import { memoryChoiceStore } from './storage';
import { tf } from './tf';

const tiny = { side: 8, inChannels: 4, outChannels: 8, rows: 16 };

describe('initBackends in Node', () => {
  it('initialises wasm and cpu, reports webgpu/webgl unsupported, and picks wasm', async () => {
    const store = memoryChoiceStore();
    const report = await initBackends({ store });
    expect(report.available).toEqual(['wasm', 'cpu']);
    expect(report.failed.webgpu).toMatch(/no WebGPU adapter/);
    expect(report.failed.webgl).toBeDefined();
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.wasmThreads).toBe(1);
  });

  it('measures GPU backends against WASM on a software adapter and remembers the fastest (injected timings)', async () => {
    const store = memoryChoiceStore();
    const gpu = { requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }) };
    const measured: string[] = [];
    const timings = { webgpu: 79.5, webgl: 27.7, wasm: 1.5 } as const;
    const options = {
      store,
      gpu,
      initialise: async () => null, // pretend every backend initialised; only the chosen one is activated for real
      measure: async (n: keyof typeof timings) => {
        measured.push(n);
        return timings[n];
      },
    };
    const report = await initBackends(options as Parameters<typeof initBackends>[0]);
    expect(measured).toEqual(['wasm', 'webgl', 'webgpu']); // WASM first: it bounds the others' deadline
    expect(report).toMatchObject({ backend: 'wasm', source: 'benchmark', timings });
    expect(report.adapter?.isSoftware).toBe(true);
    expect(store.load()).toMatchObject({ backend: 'wasm', source: 'benchmark' });
    // Second start on the same adapter: no measuring.
    measured.length = 0;
    const again = await initBackends(options as Parameters<typeof initBackends>[0]);
    expect(measured).toEqual([]);
    expect(again.source).toBe('remembered');
  });

  it('stops a GPU backend whose warm-up outlasts 30× the WASM run, counting the deadline as its time', async () => {
    const gpu = { requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }) };
    const deadlines: Record<string, number | undefined> = {};
    const report = await initBackends({
      store: memoryChoiceStore(),
      gpu,
      initialise: async () => null,
      measure: async (n, deadline) => {
        deadlines[n] = deadline;
        if (n === 'wasm') return 20;
        if (n === 'webgpu') throw new BenchmarkTimeout(n, deadline!);
        return 700; // webgl finished within its deadline
      },
    });
    expect(deadlines).toEqual({ wasm: undefined, webgpu: 600, webgl: 600 });
    expect(report.timings).toEqual({ wasm: 20, webgpu: 600, webgl: 700 });
    expect(report.failed.webgpu).toMatch(/stopped: webgpu warm-up did not finish within 600 ms/);
    expect(report.backend).toBe('wasm');
  });

  it('remembers a user choice over the measured one', async () => {
    const store = memoryChoiceStore();
    await chooseBackend('cpu', null, store);
    expect(store.load()).toMatchObject({ backend: 'cpu', source: 'user' });
    const again = await initBackends({ store, candidates: ['wasm', 'cpu'] });
    expect(again).toMatchObject({ backend: 'cpu', source: 'user' });
    expect(tf.getBackend()).toBe('cpu');
    await tf.setBackend('wasm');
  });
});

describe('micro-benchmark and parity', () => {
  it('times the workload within its budget and restores the active backend', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const r = await microBenchmark('cpu', { size: tiny, runs: 3, budgetMs: 100 });
    expect(r.backend).toBe('cpu');
    expect(r.runs).toBeGreaterThanOrEqual(1);
    expect(r.runs).toBeLessThanOrEqual(3);
    expect(r.msPerRun).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same numbers on wasm and cpu (within 1e-4), without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const report = await runOpOnAllBackends(['webgpu', 'wasm', 'cpu'], 'cpu', tiny);
    const byName = Object.fromEntries(report.results.map((r) => [r.backend, r]));
    expect(byName.webgpu!.values).toBeNull();
    expect(byName.wasm!.values!.length).toBe(16 * 16);
    expect(byName.wasm!.values!.some((v) => Math.abs(v) > 0.1)).toBe(true);
    expect(byName.wasm!.maxAbsDiff!).toBeLessThan(1e-4);
    expect(report.maxAbsDiff).toBeLessThan(1e-4);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports memory', () => {
    const m = memorySnapshot()!;
    expect(m.backend).toBe('wasm');
    expect(m.numTensors).toBeGreaterThanOrEqual(0);
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});
