/**
 * The backend choice as pure logic (no tfjs, no DOM), so it is unit-tested with injected timings:
 * the user's override wins; else a remembered choice for the same adapter; else WebGPU on real hardware;
 * else the fastest backend of a short measured micro-benchmark (a software GPU — SwiftShader — is far slower than WASM).
 */
import type { AdapterReport } from './adapter';
import { BACKEND_NAMES, GPU_BACKENDS, type BackendName } from './names';

/** Where a decision came from. */
export type ChoiceSource = 'user' | 'remembered' | 'hardware-gpu' | 'benchmark' | 'only-one';

/** A choice kept between sessions (localStorage in the page). */
export interface RememberedChoice {
  backend: BackendName;
  /** `adapterKey()` of the adapter the choice was made on: a different adapter makes it stale. */
  adapterKey: string;
  /** `user` (chosen in the status bar) or `benchmark` (measured). */
  source: 'user' | 'benchmark';
  /** Milliseconds per micro-benchmark run, per backend, when measured. */
  timings?: Partial<Record<BackendName, number>>;
  /** ISO time of the choice. */
  at: string;
}

export interface ChoiceInput {
  /** Backends that initialised here, in any order. */
  available: readonly BackendName[];
  /** The WebGPU adapter, or null without WebGPU. */
  adapter: AdapterReport | null;
  /** `adapterKey(adapter)`. */
  adapterKey: string;
  /** An explicit choice for this run (a URL parameter, a CLI flag): wins when available. Default none. */
  override?: BackendName | null;
  /** The remembered choice, if any. */
  remembered?: RememberedChoice | null;
}

export interface BackendDecision {
  backend: BackendName;
  source: ChoiceSource;
  /** One sentence for the status bar and logs. */
  reason: string;
}

/** Either the decision, or the backends to measure before deciding with `pickFastest`. */
export type ChoicePlan = { decision: BackendDecision } | { benchmark: BackendName[] };

/** Orders backends by the studio's preference (WebGPU → WebGL → WASM → CPU). */
export function byPreference(names: Iterable<BackendName>): BackendName[] {
  const set = new Set(names);
  return BACKEND_NAMES.filter((n) => set.has(n));
}

/** Decides without measuring when it can; otherwise names the backends worth measuring. */
export function planBackendChoice(input: ChoiceInput): ChoicePlan {
  const available = byPreference(input.available);
  if (available.length === 0) throw new Error('No tfjs backend initialised (tried webgpu, webgl, wasm, cpu).');
  const { override, remembered, adapter } = input;
  if (override && available.includes(override)) {
    return { decision: { backend: override, source: 'user', reason: `${override} chosen by the user` } };
  }
  if (remembered && available.includes(remembered.backend)) {
    if (remembered.source === 'user') {
      return { decision: { backend: remembered.backend, source: 'user', reason: `${remembered.backend} chosen by the user (remembered)` } };
    }
    if (remembered.adapterKey === input.adapterKey) {
      return {
        decision: { backend: remembered.backend, source: 'remembered', reason: `${remembered.backend} measured fastest earlier on this adapter` },
      };
    }
  }
  if (available.includes('webgpu') && adapter && !adapter.isSoftware) {
    return { decision: { backend: 'webgpu', source: 'hardware-gpu', reason: 'WebGPU on a hardware adapter' } };
  }
  // Without a known hardware GPU, measure: a GPU backend may be a software rasteriser. CPU only when alone.
  const candidates = available.filter((n) => n !== 'cpu');
  if (candidates.length === 0) return { decision: { backend: 'cpu', source: 'only-one', reason: 'cpu is the only backend available' } };
  if (candidates.length === 1) {
    return { decision: { backend: candidates[0]!, source: 'only-one', reason: `${candidates[0]} is the only fast backend available` } };
  }
  return { benchmark: candidates };
}

/** Milliseconds per run; NaN, Infinity or a missing entry mean the backend failed the benchmark. */
export type Timings = Partial<Record<BackendName, number>>;

/** The fastest measured backend (ties go to the preferred one); falls back to WASM, then CPU, when none measured. */
export function pickFastest(timings: Timings, available: readonly BackendName[], adapter: AdapterReport | null): BackendDecision {
  let best: BackendName | null = null;
  for (const name of byPreference(Object.keys(timings) as BackendName[])) {
    const ms = timings[name];
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) continue;
    if (best === null || ms < timings[best]!) best = name;
  }
  if (best === null) {
    const fallback: BackendName = available.includes('wasm') ? 'wasm' : 'cpu';
    return { backend: fallback, source: 'benchmark', reason: `no backend finished the benchmark; using ${fallback}` };
  }
  const table = byPreference(Object.keys(timings) as BackendName[])
    .filter((n) => Number.isFinite(timings[n]))
    .map((n) => `${n} ${timings[n]!.toFixed(1)} ms`)
    .join(', ');
  const soft = adapter?.isSoftware && GPU_BACKENDS.some((g) => g in timings) ? ' (the GPU is a software adapter)' : '';
  return { backend: best, source: 'benchmark', reason: `${best} measured fastest${soft}: ${table}` };
}
