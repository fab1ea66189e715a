/**
 * Parses a log in a Web Worker when the page has one (big logs do not freeze the UI), else inline.
 */
import { loadJsonLog, type LoadedLog } from '../../../tools/analysis_tools/load_json_log';
import type { ParseRequest, ParseResponse } from './parse.worker';

let worker: Worker | null = null;
/** Set once the worker failed to start; parsing then stays inline. */
let workerBroken = false;
let nextId = 1;
const pending = new Map<number, { resolve: (log: LoadedLog) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | null {
  if (worker || typeof Worker === 'undefined') return worker;
  try {
    worker = new Worker(new URL('./parse.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<ParseResponse>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      if ('log' in e.data) p.resolve(e.data.log);
      else p.reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      // A worker that cannot start (e.g. blocked) fails every pending parse; later calls parse inline.
      for (const p of pending.values()) p.reject(new Error(`log parser worker failed: ${e.message}`));
      pending.clear();
      worker?.terminate();
      worker = null;
      workerBroken = true;
    };
  } catch {
    worker = null;
  }
  return worker;
}

/** `loadJsonLog(text, name)`, off the UI thread where possible. */
export function parseLogAsync(name: string, text: string): Promise<LoadedLog> {
  const w = workerBroken ? null : getWorker();
  if (!w) return Promise.resolve(loadJsonLog(text, name));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, name, text } satisfies ParseRequest);
  });
}
