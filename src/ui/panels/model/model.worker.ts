/// <reference lib="webworker" />
/** The Model panel's worker: builds and measures the model off the UI thread (WASM backend, CPU fallback). */
import { initWorkerBackends } from '../../../backends/worker.browser';
import { analyzeModel } from './analysis';
import type { AnalyzeRequest, AnalyzeResponse } from './client';

const ready = initWorkerBackends('wasm').catch(() => undefined);

self.onmessage = async (e: MessageEvent<AnalyzeRequest>) => {
  await ready;
  let r: AnalyzeResponse;
  try {
    r = { id: e.data.id, ok: true, result: analyzeModel(e.data.config, e.data.inputShape) };
  } catch (err) {
    r = { id: e.data.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as Worker).postMessage(r);
};
