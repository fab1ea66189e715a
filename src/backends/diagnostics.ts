/** Runs the fixed workload on several backends and compares the numbers (the e2e parity check and the diagnostics view). */
import { BACKEND_NAMES, type BackendName } from './names';
import { ensureRegistered } from './register';
import { tf } from './tf';
import { runWorkload, type WorkloadSize } from './workload';

export interface BackendOpResult {
  backend: BackendName;
  /** The flattened output, or null when the backend failed. */
  values: number[] | null;
  /** Wall time of the run (first run: includes compilation). */
  ms: number;
  error?: string;
  /** Max |value − reference| against the reference backend. */
  maxAbsDiff?: number;
}

export interface OpParityReport {
  reference: BackendName;
  results: BackendOpResult[];
  /** The largest `maxAbsDiff` over the backends that ran. */
  maxAbsDiff: number;
}

/** Runs the workload on each backend (registering it if needed), restores the active backend, diffs against `reference`. */
export async function runOpOnAllBackends(
  backends: readonly BackendName[] = BACKEND_NAMES,
  reference: BackendName = 'cpu',
  size: WorkloadSize = { side: 8, inChannels: 4, outChannels: 8, rows: 16 },
): Promise<OpParityReport> {
  const previous = tf.getBackend();
  const results: BackendOpResult[] = [];
  try {
    for (const backend of backends) {
      const t0 = performance.now();
      try {
        if (!(await ensureRegistered(backend)) || !(await tf.setBackend(backend))) throw new Error(`${backend} is not available here`);
        const out = runWorkload(size);
        const values = Array.from(await out.data());
        out.dispose();
        results.push({ backend, values, ms: performance.now() - t0 });
      } catch (err) {
        results.push({ backend, values: null, ms: performance.now() - t0, error: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
  const ref = results.find((r) => r.backend === reference)?.values;
  let maxAbsDiff = 0;
  for (const r of results) {
    if (!r.values || !ref) continue;
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(r.values[i]! - ref[i]!));
    if (r.values.length !== ref.length) d = Number.POSITIVE_INFINITY;
    r.maxAbsDiff = d;
    maxAbsDiff = Math.max(maxAbsDiff, d);
  }
  return { reference, results, maxAbsDiff };
}
