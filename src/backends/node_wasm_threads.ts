/**
 * Node only: tfjs's multi-threaded WASM build (XNNPACK on a pthread pool) in Node.
 *
 * tfjs never uses its threaded build in Node (its flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired false there,
 * and its loader hands Emscripten a `blob:` worker URL that Node's `Worker` refuses). The build itself supports
 * Node (`worker_threads`), so this module registers a `wasm` backend factory that instantiates it with the worker
 * script written to a temporary file and the main script given by path.
 *
 * The threads: the threaded build's shared memory lets the convolution pool (`wasm_conv/`) compute on `threads`
 * threads; XNNPACK's own pool gets one ({@link XNNPACK_THREADS}: its workers' spin-wait would take the cores the
 * convolution pool needs).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import v8 from 'node:v8';
import { dirname, join } from 'node:path';
import { replaceWasmFactory, startedBackend, XNNPACK_THREADS } from './register';
import { installFastConvOnStart } from './wasm_conv/install';
import { spawnNodeConvWorker } from './wasm_conv/node_spawn';
import { WINOGRAD_MODES, type WinogradMode } from './wasm_conv/winograd';

const require = createRequire(import.meta.url);

// Relaxed SIMD (fused multiply-add for wasm_conv/) is behind a flag in Node 20 (on by default from Node 22); V8
// flags are meant to be set before the engine compiles anything, so this module sets it when it loads.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

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
 * Makes `tf.setBackend('wasm')` start the threaded build, to compute on `threads` threads (default
 * {@link defaultWasmThreads}; the convolution pool's, XNNPACK keeping one). Must run before the WASM backend is
 * first initialised; `threads = 1` keeps tfjs's own single-threaded loader. Returns the thread count that will be used.
 */
export async function registerThreadedWasm(threads = defaultWasmThreads()): Promise<number> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  if (registeredThreads !== null || threads <= 1 || typeof SharedArrayBuffer === 'undefined') return registeredThreads ?? 1;
  // Already started by someone else (e.g. tfjs's own single-threaded loader in a process that shares its modules):
  // keep that backend rather than fail; the threaded build only applies to a backend not yet started.
  if (startedBackend('wasm')) return 1;
  const outDir = wasmOutDir();
  const mainScript = join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as Factory;
  let workerScript: string | null = null;
  replaceWasmFactory(() => async () => {
    workerScript ??= writeWorkerScript(outDir);
    const worker = workerScript;
    const module = await factory({ locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : join(outDir, p)), mainScriptUrlOrBlob: mainScript });
    bindTfjsEntryPoints(module);
    wasmPkg.setThreadsCount(XNNPACK_THREADS);
    const backend = new wasmPkg.BackendWasm(module as never); // starts XNNPACK's pool
    // The pool's threads live as long as the module; like the idle ones, they must not keep Node running.
    for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref();
    return backend;
  });
  registeredThreads = threads;
  return threads;
}

let fastConvRegistered = false;

/** `MMPRETRAIN_WEB_WINOGRAD` (default auto); any other value is an error naming the variable and the choices. */
export function winogradModeFromEnv(value = process.env.MMPRETRAIN_WEB_WINOGRAD): WinogradMode {
  if (value === undefined || value === '') return 'auto';
  if (!(WINOGRAD_MODES as readonly string[]).includes(value)) {
    throw new Error(`MMPRETRAIN_WEB_WINOGRAD=${value}: expected one of ${WINOGRAD_MODES.join(', ')}`);
  }
  return value as WinogradMode;
}

/**
 * The WASM backend as the CLI and the benchmarks use it: the threaded build (above) and the fast convolutions
 * (`wasm_conv/`) on as many threads, unless `MMPRETRAIN_WEB_FAST_CONV=0`; `MMPRETRAIN_WEB_WINOGRAD=off|F2|F4|auto`
 * picks the Winograd path for A/B runs. Call before `tf.setBackend('wasm')`.
 */
export async function registerNodeWasm(threads = defaultWasmThreads()): Promise<number> {
  const used = await registerThreadedWasm(threads);
  if (!fastConvRegistered && process.env.MMPRETRAIN_WEB_FAST_CONV !== '0' && !startedBackend('wasm')) {
    installFastConvOnStart({ threads: used, spawn: spawnNodeConvWorker, winograd: winogradModeFromEnv() });
    fastConvRegistered = true;
  }
  return used;
}
