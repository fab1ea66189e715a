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
  /** XNNPACK threads (default: every logical core, `navigator.hardwareConcurrency`; tfjs alone would use half). */
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

/**
 * tfjs's C++ side caps XNNPACK's pool at half of `navigator.hardwareConcurrency` (it assumes two hyper-threads per
 * core), read once when the module is instantiated: a 2-core machine gets one thread. This wraps the registered
 * factory so that, for that moment only, the navigator reports twice the wanted count.
 */
function reportThreadsDuringInit(threads: number): void {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!tf.findBackendFactory('wasm') || !nav) return;
  replaceWasmFactory((factory) => async () => {
    const own = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
    if (own && !own.configurable) return factory!(); // redefined by someone else: keep tfjs's own cap
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
    try {
      return await factory!();
    } finally {
      if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
      else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    }
  });
}

let wasmConfigured = false;

/** Must run before the WASM backend first initialises; later calls are ignored (tfjs fixes its paths then). */
export async function configureWasm(setup: WasmSetup): Promise<void> {
  if (wasmConfigured) return;
  wasmConfigured = true;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (setup.paths) wasm.setWasmPaths({ ...setup.paths });
  if (setup.threads === false) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const threads = setup.threadCount ?? cores;
  wasm.setThreadsCount(threads);
  if (threads > 1) reportThreadsDuringInit(threads);
}

/**
 * The backend `name` if it has started, else null. Unlike `tf.findBackend`, it starts nothing: `findBackend` of a
 * registered backend not yet started starts it with the factory registered then, and that start may finish after
 * the factory was replaced (tfjs's single-threaded WASM, not the threaded build with the fast convolutions).
 */
export function startedBackend(name: string): tf.KernelBackend | null {
  return (tf.engine() as unknown as { registry: Record<string, tf.KernelBackend | undefined> }).registry[name] ?? null;
}

/** XNNPACK's thread count once the WASM backend is up (1 = single-threaded), or null before. */
export async function wasmThreadCount(): Promise<number | null> {
  if (!startedBackend('wasm')) return null;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return wasm.getThreadsCount();
  } catch {
    return null;
  }
}
