/**
 * `window.__mmpw`: a small, stable hook for end-to-end tests and for users in the devtools console
 * (cross-backend parity, the backend report, tfjs memory).
 *
 * Not in the production build: `testHooks.entry.ts` installs it, and `vite.config.ts` adds that entry to the page only
 * in `vite build --mode e2e` (Playwright's web server, `bench-browser`) and the dev server. It loads tfjs only when a
 * method needs it, so the e2e page loads what the production page loads; `memory()` and `backend()` answer from the
 * loaded engine (null / '' before any panel or call has loaded tfjs).
 */
import type * as Backends from '../backends';
import type { BackendName } from '../backends/names';
import { startPageBackends, useBackendStore } from './backend/pageBackends';
import { useStudioStore } from './store/studioStore';
import type { WorkerCheckResult } from './backend/backendCheck.worker';
import type { ParityResult } from '../models/testing/parity_core';

export interface StudioTestHooks {
  /** Runs the fixed conv2d + matMul on each backend and diffs against CPU. */
  runOpOnAllBackends(backends?: BackendName[]): ReturnType<typeof Backends.runOpOnAllBackends>;
  /** Resolves once the backend is chosen; returns the report. */
  backendReady(): Promise<ReturnType<typeof useBackendStore.getState>['report']>;
  memory(): ReturnType<typeof Backends.memorySnapshot>;
  /** Times the micro-benchmark on one backend (warm-up included in the result). */
  microBenchmark: typeof Backends.microBenchmark;
  /** The active tfjs backend name. */
  backend(): string;
  /** What the WASM backend runs with: SIMD, threads support, the thread count, the logical cores. */
  wasmInfo(): Promise<{ simd: boolean; multithread: boolean; threads: number | null; cores: number }>;
  /** Starts `backend` in a Web Worker and runs the parity workload there against CPU. */
  checkWorker(backend: BackendName): Promise<WorkerCheckResult>;
  /** The merged config of the Config panel (plain data) and its path. */
  config(): { config: unknown; path: string | null };
  /**
   * Model-level parity on one backend of this page: fetches a reference model's `_cfg.json`, checkpoint and `_io.npz`
   * (URLs; the e2e spec serves `shared/reference/models` under a test route), builds and runs the model through the
   * engine on `backend`, and returns the largest error per stored output. The previous backend is restored.
   */
  modelParity(files: ModelParityFiles, backend: BackendName): Promise<ParityResult>;
}

/** Where `modelParity` fetches a reference model's files; `checkpoint`'s file name picks the format (.pth / .safetensors). */
export interface ModelParityFiles {
  cfg: string;
  checkpoint: string;
  io: string;
}

declare global {
  interface Window {
    __mmpw?: StudioTestHooks;
  }
}

/** The engine's backends module, once loaded (`engine()`); the sync hooks read it. */
let loaded: typeof Backends | null = null;
const engine = async () => (loaded ??= await import('../backends'));

export function installTestHooks(): void {
  window.__mmpw = {
    runOpOnAllBackends: async (backends) => (await engine()).runOpOnAllBackends(backends),
    async backendReady() {
      // window.__mmpwBench (the bench-browser CLI waits for it after this call) needs tfjs too.
      void import('./benchHooks').then((m) => m.installBenchHooks());
      await Promise.all([startPageBackends(), engine()]);
      return useBackendStore.getState().report;
    },
    memory: () => loaded?.memorySnapshot() ?? null,
    microBenchmark: async (...args) => (await engine()).microBenchmark(...args),
    backend: () => loaded?.tf.getBackend() ?? '',
    async wasmInfo() {
      const { tf, wasmThreadCount } = await engine();
      return {
        simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
        threads: await wasmThreadCount(),
        cores: navigator.hardwareConcurrency,
      };
    },
    checkWorker(backend) {
      const worker = new Worker(new URL('./backend/backendCheck.worker.ts', import.meta.url), { type: 'module' });
      return new Promise<WorkerCheckResult>((resolve) => {
        worker.onmessage = (e: MessageEvent<WorkerCheckResult>) => resolve(e.data);
        worker.onerror = (e) => resolve({ ok: false, error: e.message || 'the worker failed to start' });
        worker.postMessage({ backend });
      }).finally(() => worker.terminate());
    },
    config: () => ({ config: useStudioStore.getState().config, path: useStudioStore.getState().configPath }),
    modelParity: (files, backend) => modelParity(files, backend),
  };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function modelParity(files: ModelParityFiles, backend: BackendName): Promise<ParityResult> {
  const [{ measureParityFromBytes }, { parseNpz }, { ensureRegistered }, { tf }] = await Promise.all([
    import('../models/testing/parity_core'),
    import('../fileio/npy'),
    import('../backends/register'),
    engine(),
  ]);
  const [cfg, checkpoint, io] = await Promise.all([fetchBytes(files.cfg), fetchBytes(files.checkpoint), fetchBytes(files.io)]);
  const previous = tf.getBackend();
  if (!(await ensureRegistered(backend)) || !(await tf.setBackend(backend))) throw new Error(`the ${backend} backend is not available in this page`);
  try {
    const name = files.checkpoint.replace(/^.*\//, '');
    return await measureParityFromBytes(JSON.parse(new TextDecoder().decode(cfg)) as Record<string, unknown>, { data: checkpoint, name }, parseNpz(io, files.io.replace(/^.*\//, '')));
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}
