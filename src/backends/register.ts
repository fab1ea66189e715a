/**
 * Registers tfjs backends on demand (dynamic imports, so Node and workers load only what they use) and configures
 * the WASM backend (binary locations, threads) before its first use.
 */
import { tf } from './tf';
import type { BackendName } from './names';

const loaders: Record<BackendName, () => Promise<unknown>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  cpu: async () => undefined, // always registered by ./tf
};

/** Imports a backend's package (which registers it when its API exists here). True when tfjs now knows it. */
export async function ensureRegistered(name: BackendName): Promise<boolean> {
  if (tf.findBackendFactory(name)) return true;
  try {
    await loaders[name]();
  } catch {
    return false;
  }
  return tf.findBackendFactory(name) !== null && tf.findBackendFactory(name) !== undefined;
}

/** The three WASM binaries by their tfjs names. */
export interface WasmFileMap {
  'tfjs-backend-wasm.wasm': string;
  'tfjs-backend-wasm-simd.wasm': string;
  'tfjs-backend-wasm-threaded-simd.wasm': string;
}

export interface WasmSetup {
  /** Where the binaries are served (the page needs this; Node finds them beside the package). Default: tfjs's own lookup. */
  paths?: WasmFileMap;
  /** Use the threaded build where the page is cross-origin isolated. Default true. */
  threads?: boolean;
  /** XNNPACK threads (default: tfjs's choice, the number of logical cores). */
  threadCount?: number;
}

let wasmConfigured = false;

/** Must run before the WASM backend first initialises; later calls are ignored (tfjs fixes its paths then). */
export async function configureWasm(setup: WasmSetup): Promise<void> {
  if (wasmConfigured) return;
  wasmConfigured = true;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (setup.paths) wasm.setWasmPaths({ ...setup.paths });
  if (setup.threads === false) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (setup.threadCount !== undefined) wasm.setThreadsCount(setup.threadCount);
}

/** XNNPACK's thread count once the WASM backend is up (1 = single-threaded), or null before. */
export async function wasmThreadCount(): Promise<number | null> {
  if (!tf.findBackend('wasm')) return null;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return wasm.getThreadsCount();
  } catch {
    return null;
  }
}
