/**
 * Registers tfjs backends on demand (dynamic imports, so Node and workers load only what they use) and configures
 * the WASM backend (binary locations, threads) before its first use.
 */
import { tf } from './tf';
import type { BackendName } from './names';

/**
 * XNNPACK's own pool: one thread, the caller. The threads of the WASM backend are the convolution pool's
 * (`wasm_conv/`), which runs convolutions, matrix products and depthwise convolutions, most of a network's work.
 * XNNPACK's pool workers spin for milliseconds after each of its operations (pthreadpool's spin-wait), on the cores
 * the convolution pool's threads need next; on 2 cores that cost a ResNet-like network a fifth of its batch-1 time.
 */
export const XNNPACK_THREADS = 1;

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
  /** Threads to compute on, the convolution pool's (default: every logical core, `navigator.hardwareConcurrency`). */
  threadCount?: number;
}

/** Priority of tfjs's own `wasm` registration, kept so the selection order does not change. */
const WASM_PRIORITY = 2;

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/**
 * Replaces the registered `wasm` backend factory (before the backend first starts) with `make(original)`, at tfjs's
 * own priority. `original` is null when the WASM package has not registered one.
 */
export function replaceWasmFactory(make: (original: BackendFactory | null) => BackendFactory): void {
  const original = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', make(original), WASM_PRIORITY);
}

/** The default thread count's cap (tfjs's own cap on XNNPACK's pool). */
const MAX_DEFAULT_THREADS = 8;

let wasmConfigured = false;
let configuredThreads = 1;

/**
 * Must run before the WASM backend first initialises; later calls are ignored (tfjs fixes its paths then).
 * Returns the threads to compute on: 1 without the threaded build, else `threadCount` (default every logical
 * core, at most 8), for the convolution pool; XNNPACK gets {@link XNNPACK_THREADS}.
 */
export async function configureWasm(setup: WasmSetup): Promise<number> {
  if (wasmConfigured) return configuredThreads;
  wasmConfigured = true;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (setup.paths) wasm.setWasmPaths({ ...setup.paths });
  if (setup.threads === false) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return (configuredThreads = 1);
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  wasm.setThreadsCount(XNNPACK_THREADS);
  return (configuredThreads = Math.max(1, setup.threadCount ?? Math.min(cores, MAX_DEFAULT_THREADS)));
}

/**
 * The backend `name` if it has started, else null. Unlike `tf.findBackend`, it starts nothing: `findBackend` of a
 * registered backend not yet started starts it with the factory registered then, and that start may finish after
 * the factory was replaced (tfjs's single-threaded WASM, not the threaded build with the fast convolutions).
 */
export function startedBackend(name: string): tf.KernelBackend | null {
  return (tf.engine() as unknown as { registry: Record<string, tf.KernelBackend | undefined> }).registry[name] ?? null;
}

/**
 * The threads the WASM backend computes on once it is up: its convolution pool's where the fast convolutions are
 * installed, else XNNPACK's (1 = single-threaded); null before.
 */
export async function wasmThreadCount(): Promise<number | null> {
  const backend = startedBackend('wasm');
  if (!backend) return null;
  try {
    // loaded with the backend already; dynamic, so the first load of the page does not carry the module's binaries
    const { fastConvs } = await import('./wasm_conv/fast_conv');
    const fast = fastConvs.get(backend);
    if (fast) return fast.threads;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return wasm.getThreadsCount();
  } catch {
    return null;
  }
}
