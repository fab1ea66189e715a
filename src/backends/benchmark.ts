/** The short micro-benchmark that compares backends: one warm-up (shader compilation), then timed runs within a budget. */
import { applyWorkload, disposeWorkloadInputs, makeWorkloadInputs, type WorkloadInputs, type WorkloadSize } from './workload';
import { tf } from './tf';
import type { BackendName } from './names';

export interface MicroBenchmarkOptions {
  /** Timed runs at most. Default 5. */
  runs?: number;
  /** Stop timing once this many milliseconds were spent (after the warm-up). Default 200. */
  budgetMs?: number;
  /** Workload sizes. Default `runWorkload`'s. */
  size?: WorkloadSize;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
  /**
   * Give up when the warm-up run (shader compilation included) has not finished after this many milliseconds:
   * throws {@link BenchmarkTimeout}. Software GPUs spend seconds compiling. Default: no limit.
   */
  warmupDeadlineMs?: number;
}

/** The warm-up run did not finish within its deadline: the backend is at least that slow here. */
export class BenchmarkTimeout extends Error {
  constructor(
    readonly backend: BackendName,
    readonly deadlineMs: number,
  ) {
    super(`${backend} warm-up did not finish within ${deadlineMs.toFixed(0)} ms`);
    this.name = 'BenchmarkTimeout';
  }
}

/** Resolves with `promise`'s value, or with `timedOut` after `ms` milliseconds. */
async function within<T, U>(promise: Promise<T>, ms: number | undefined, timedOut: U): Promise<T | U> {
  if (ms === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<U>((resolve) => (timer = setTimeout(() => resolve(timedOut), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MicroBenchmarkResult {
  backend: BackendName;
  /** Median milliseconds per run (after the warm-up). */
  msPerRun: number;
  runs: number;
  /** The warm-up run, shader compilation included. */
  warmupMs: number;
}

async function timedRun(inputs: WorkloadInputs, now: () => number): Promise<number> {
  const t0 = now();
  const out = applyWorkload(inputs);
  try {
    await out.data(); // waits for the GPU
  } finally {
    out.dispose();
  }
  return now() - t0;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times the workload on `backend` (which must be registered), then restores the backend that was active.
 * Throws when the backend cannot initialise.
 */
export async function microBenchmark(backend: BackendName, options: MicroBenchmarkOptions = {}): Promise<MicroBenchmarkResult> {
  const { runs = 5, budgetMs = 200, size, now = () => performance.now(), warmupDeadlineMs } = options;
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend failed to initialise.`);
  const inputs = makeWorkloadInputs(size);
  let inputsInUse = false;
  try {
    // Uploads, then the first run (shader compilation included), under the deadline.
    const warmup = inputs.x.data().then(() => timedRun(inputs, now));
    const warmupMs = await within(warmup, warmupDeadlineMs, null);
    if (warmupMs === null) {
      // The run goes on in the background: free its inputs once it is done.
      inputsInUse = true;
      void warmup.finally(() => disposeWorkloadInputs(inputs)).catch(() => undefined);
      throw new BenchmarkTimeout(backend, warmupDeadlineMs!);
    }
    const times: number[] = [];
    const start = now();
    while (times.length < runs && (times.length === 0 || now() - start < budgetMs)) times.push(await timedRun(inputs, now));
    return { backend, msPerRun: median(times), runs: times.length, warmupMs };
  } finally {
    if (!inputsInUse) disposeWorkloadInputs(inputs);
    if (previous && previous !== backend) await tf.setBackend(previous);
  }
}
