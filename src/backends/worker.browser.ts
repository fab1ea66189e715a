/**
 * Backends inside a Web Worker (browser only: it imports the Vite-served WASM paths). A worker has no localStorage
 * and should not re-measure: the page passes the backend it chose (`useBackendStore.getState().report.backend`).
 *
 * @example
 * // train.worker.ts
 * const report = await initWorkerBackends(message.backend); // 'wasm' → the same threaded WASM as the page
 */
import type { BackendName } from './names';
import { initBackends, type BackendReport } from './select';
import { memoryChoiceStore } from './storage';
import { configureWasmForBrowser } from './wasm_paths.browser';

/** Initialises `backend` in this worker (falling back to WASM, then CPU, when it cannot start here). */
export async function initWorkerBackends(backend: BackendName): Promise<BackendReport> {
  await configureWasmForBrowser();
  const candidates: BackendName[] = [...new Set<BackendName>([backend, 'wasm', 'cpu'])];
  return initBackends({ candidates, override: backend, store: memoryChoiceStore() });
}
