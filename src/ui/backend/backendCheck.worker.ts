/// <reference lib="webworker" />
/**
 * A worker that starts the page's backend choice and runs the parity workload: checks that backends (threaded WASM
 * included) work inside a Web Worker, where the training loop runs. Used by `window.__mmpw.checkWorker()`.
 */
import { runOpOnAllBackends, type BackendName } from '../../backends';
import { initWorkerBackends } from '../../backends/worker.browser';

export interface WorkerCheckResult {
  ok: boolean;
  backend?: string;
  wasmThreads?: number | null;
  maxAbsDiff?: number;
  error?: string;
}

self.onmessage = async (e: MessageEvent<{ backend: BackendName }>) => {
  let result: WorkerCheckResult;
  try {
    const report = await initWorkerBackends(e.data.backend);
    const parity = await runOpOnAllBackends([report.backend, 'cpu']);
    const failed = parity.results.find((r) => r.error);
    result = failed
      ? { ok: false, error: `${failed.backend}: ${failed.error}` }
      : { ok: true, backend: report.backend, wasmThreads: report.wasmThreads, maxAbsDiff: parity.maxAbsDiff };
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(result);
};
