/** The short micro-benchmark that compares backends: one warm-up (shader compilation), then timed runs within a budget. */
import { runWorkload, type WorkloadSize } from './workload';
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
}

export interface MicroBenchmarkResult {
  backend: BackendName;
  /** Median milliseconds per run (after the warm-up). */
  msPerRun: number;
  runs: number;
  /** The warm-up run, shader compilation included. */
  warmupMs: number;
}

async function timedRun(size: WorkloadSize | undefined, now: () => number): Promise<number> {
  const t0 = now();
  const out = runWorkload(size);
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
  const { runs = 5, budgetMs = 200, size, now = () => performance.now() } = options;
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend failed to initialise.`);
  try {
    const warmupMs = await timedRun(size, now);
    const times: number[] = [];
    const start = now();
    while (times.length < runs && (times.length === 0 || now() - start < budgetMs)) times.push(await timedRun(size, now));
    return { backend, msPerRun: median(times), runs: times.length, warmupMs };
  } finally {
    if (previous && previous !== backend) await tf.setBackend(previous);
  }
}
