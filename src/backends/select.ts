/**
 * Initialises tfjs backends and selects one: registers each candidate, detects the WebGPU adapter, plans with
 * `planBackendChoice`, measures with the micro-benchmark when needed, remembers the choice and activates it.
 * Works in the page, a worker and Node (where only wasm and cpu initialise).
 */
import { adapterKey, detectWebGpuAdapter, findGpu, type AdapterReport, type GpuLike } from './adapter';
import { BenchmarkTimeout, microBenchmark } from './benchmark';
import { BACKEND_NAMES, type BackendName } from './names';
import { byPreference, pickFastest, planBackendChoice, type BackendDecision, type Timings } from './picker';
import { ensureRegistered, wasmThreadCount } from './register';
import { defaultChoiceStore, type ChoiceStore } from './storage';
import { tf } from './tf';

export interface InitBackendOptions {
  /** Backends to try. Default all four: webgpu, webgl, wasm, cpu. */
  candidates?: readonly BackendName[];
  /** Where the choice is remembered. Default localStorage where usable, else memory. */
  store?: ChoiceStore;
  /** Use this backend when it initialises (not remembered). Default none. */
  override?: BackendName | null;
  /**
   * Measures one backend, milliseconds per run; may throw {@link BenchmarkTimeout} past `deadlineMs`.
   * Default the micro-benchmark.
   */
  measure?: (name: BackendName, deadlineMs?: number) => Promise<number>;
  /**
   * WASM is measured first; another backend whose warm-up takes longer than this many times WASM's run (and at
   * least `minDeadlineMs`) is stopped: it is that much slower. Default 30.
   */
  deadlineFactor?: number;
  /** Default 250 ms. */
  minDeadlineMs?: number;
  /** `navigator.gpu` or a stand-in. Default the global one. */
  gpu?: GpuLike;
  /** Registers and initialises one backend, returning an error text or null. Default the real tfjs initialisation. */
  initialise?: (name: BackendName) => Promise<string | null>;
}

/** What was found and chosen; shown in the status bar. */
export interface BackendReport extends BackendDecision {
  adapter: AdapterReport | null;
  /** Backends that initialised, by preference. */
  available: BackendName[];
  /** Backends that did not, with why. */
  failed: Partial<Record<BackendName, string>>;
  /** Micro-benchmark timings (ms per run) when measured now or remembered. */
  timings: Timings;
  /** XNNPACK threads of the WASM backend (null when WASM is not up). */
  wasmThreads: number | null;
  /** Milliseconds the micro-benchmark took (0 when nothing was measured). */
  benchmarkMs: number;
}

/** The order backends are measured in. */
const MEASURE_ORDER: readonly BackendName[] = ['wasm', 'webgl', 'webgpu', 'cpu'];

/** Registers and initialises one backend; returns an error text, or null when it is usable. */
async function tryInitialise(name: BackendName): Promise<string | null> {
  if (!(await ensureRegistered(name))) return `${name} is not supported here`;
  try {
    const backend = await tf.setBackend(name);
    return backend ? null : `${name} failed to initialise`;
  } catch (err) {
    return `${name} failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Initialises the candidates, picks one and activates it. */
export async function initBackends(options: InitBackendOptions = {}): Promise<BackendReport> {
  const store = options.store ?? defaultChoiceStore();
  const candidates = byPreference(options.candidates ?? BACKEND_NAMES);
  const adapter = candidates.includes('webgpu') ? await detectWebGpuAdapter(options.gpu ?? findGpu()) : null;
  const available: BackendName[] = [];
  const failed: Partial<Record<BackendName, string>> = {};
  for (const name of candidates) {
    if (name === 'webgpu' && !adapter) {
      failed.webgpu = 'no WebGPU adapter';
      continue;
    }
    const error = await (options.initialise ?? tryInitialise)(name);
    if (error) failed[name] = error;
    else available.push(name);
  }
  const key = adapterKey(adapter);
  const remembered = store.load();
  const plan = planBackendChoice({ available, adapter, adapterKey: key, override: options.override, remembered });
  let decision: BackendDecision;
  let timings: Timings = remembered?.timings ?? {};
  let benchmarkMs = 0;
  if ('decision' in plan) {
    decision = plan.decision;
  } else {
    const measure =
      options.measure ?? (async (name: BackendName, deadlineMs?: number) => (await microBenchmark(name, { warmupDeadlineMs: deadlineMs })).msPerRun);
    const { deadlineFactor = 30, minDeadlineMs = 250 } = options;
    const t0 = performance.now();
    timings = {};
    // WASM first: it is fast everywhere and bounds how long a (software) GPU backend is worth waiting for. WebGL
    // before WebGPU: WebGL compiles its shaders synchronously, and a stopped WebGPU warm-up still runs on behind.
    const order = MEASURE_ORDER.filter((n) => plan.benchmark.includes(n));
    for (const name of order) {
      const wasmMs = timings.wasm;
      const deadline = wasmMs !== undefined && Number.isFinite(wasmMs) ? Math.max(minDeadlineMs, deadlineFactor * wasmMs) : undefined;
      try {
        timings[name] = await measure(name, name === 'wasm' ? undefined : deadline);
      } catch (err) {
        if (err instanceof BenchmarkTimeout) {
          timings[name] = err.deadlineMs; // a lower bound: at least this slow
          failed[name] = `stopped: ${err.message}`;
        } else {
          timings[name] = Number.NaN;
          failed[name] = `benchmark failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
    }
    benchmarkMs = performance.now() - t0;
    decision = pickFastest(timings, available, adapter);
    store.save({ backend: decision.backend, adapterKey: key, source: 'benchmark', timings, at: new Date().toISOString() });
  }
  await tf.setBackend(decision.backend);
  return { ...decision, adapter, available, failed, timings, benchmarkMs, wasmThreads: await wasmThreadCount() };
}

/** The user picks a backend (status bar): activates it and remembers it. Throws when it cannot initialise. */
export async function chooseBackend(name: BackendName, adapter: AdapterReport | null, store: ChoiceStore = defaultChoiceStore()): Promise<void> {
  const error = await tryInitialise(name);
  if (error) throw new Error(error);
  const previous = store.load();
  store.save({ backend: name, adapterKey: adapterKey(adapter), source: 'user', timings: previous?.timings, at: new Date().toISOString() });
}

/** Forgets the remembered choice so the next `initBackends` measures again ("Automatic" in the status bar). */
export function forgetBackendChoice(store: ChoiceStore = defaultChoiceStore()): void {
  store.clear();
}
