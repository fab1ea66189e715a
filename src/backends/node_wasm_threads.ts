/**
 * Node only: tfjs's multi-threaded WASM build (XNNPACK on a pthread pool) in Node.
 *
 * tfjs never uses its threaded build in Node (its flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired false there,
 * and its loader hands Emscripten a `blob:` worker URL that Node's `Worker` refuses). The build itself supports
 * Node (`worker_threads`), so this module registers a `wasm` backend factory that instantiates it with the worker
 * script written to a temporary file and the main script given by path.
 *
 * The thread count: tfjs's C++ side caps XNNPACK's pool at half the logical cores (it assumes two hyper-threads
 * per core), so a 2-core machine gets one thread. The cap is read once, when the module is instantiated, from
 * `os.cpus().length`; the factory reports the requested count to it for that moment only.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { replaceWasmFactory } from './register';
import { tf } from './tf';

const require = createRequire(import.meta.url);

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, unknown>;
  PThread?: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Default thread count: the `MMPRETRAIN_WEB_WASM_THREADS` variable, else the cores Node may use. */
export function defaultWasmThreads(): number {
  const env = Number(process.env.MMPRETRAIN_WEB_WASM_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function wasmOutDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** The pthread worker script, which tfjs ships as a string (with its newlines escaped, as tfjs does for its Blob). */
function writeWorkerScript(outDir: string): string {
  const { wasmWorkerContents } = require(join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const path = join(mkdtempSync(join(os.tmpdir(), 'mmpretrain-web-wasm-')), 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  writeFileSync(path, wasmWorkerContents.replace(/\n/g, '\\n'));
  return path;
}

/** Runs `fn` while `os.cpus()` reports `count` logical cores (read by the module's static initialiser). */
async function withReportedCores<T>(count: number, fn: () => Promise<T>): Promise<T> {
  const real = os.cpus;
  const one = real()[0];
  os.cpus = () => Array.from({ length: count }, () => one);
  try {
    return await fn();
  } finally {
    os.cpus = real;
  }
}

/** The same C entry points tfjs's loader binds on its module before constructing `BackendWasm`. */
function bindTfjsEntryPoints(module: EmscriptenModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

let registeredThreads: number | null = null;

/**
 * Makes `tf.setBackend('wasm')` start the threaded build with `threads` XNNPACK threads (default
 * {@link defaultWasmThreads}). Must run before the WASM backend is first initialised; `threads = 1` keeps tfjs's
 * own single-threaded loader. Returns the thread count that will be used.
 */
export async function registerThreadedWasm(threads = defaultWasmThreads()): Promise<number> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  if (registeredThreads !== null || threads <= 1 || typeof SharedArrayBuffer === 'undefined') return registeredThreads ?? 1;
  if (tf.findBackend('wasm')) throw new Error('registerThreadedWasm: the WASM backend is already initialised; call it before tf.setBackend("wasm")');
  const outDir = wasmOutDir();
  const mainScript = join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as Factory;
  let workerScript: string | null = null;
  replaceWasmFactory(() => async () => {
    workerScript ??= writeWorkerScript(outDir);
    const worker = workerScript;
    const module = await withReportedCores(2 * threads, () =>
      factory({ locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : join(outDir, p)), mainScriptUrlOrBlob: mainScript }),
    );
    bindTfjsEntryPoints(module);
    wasmPkg.setThreadsCount(threads);
    const backend = new wasmPkg.BackendWasm(module as never); // starts XNNPACK's pool
    // The pool's threads live as long as the module; like the idle ones, they must not keep Node running.
    for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref();
    return backend;
  });
  registeredThreads = threads;
  return threads;
}
