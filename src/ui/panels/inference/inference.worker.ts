/// <reference lib="webworker" />
/**
 * The Inference panel's worker: the model, the test pipeline and the forward passes off the UI thread.
 * Requests run one at a time, in order (an image never meets a half-loaded model).
 */
import { isBackendName } from '../../../backends/names';
import { initWorkerBackends } from '../../../backends/worker.browser';
import { loadJpegTurbo } from '../../../image/jpeg_turbo.browser';
import { handleInferenceRequest } from './handle';
import type { InferenceRequest, InferenceResponse } from './protocol';
import { InferenceSession } from './session';

const post = (r: InferenceResponse) => (self as unknown as Worker).postMessage(r);
const session = new InferenceSession(async (name) => {
  await loadJpegTurbo().catch(() => undefined);
  return (await initWorkerBackends(isBackendName(name) ? name : 'wasm')).backend;
});
let queue: Promise<unknown> = Promise.resolve();

self.onmessage = (e: MessageEvent<InferenceRequest>) => {
  queue = queue.then(async () => post(await handleInferenceRequest(session, e.data, post)));
};
