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
/**
 * The backend the panel asks for (the studio's choice): WebGPU through the worker's `navigator.gpu`, WebGL through
 * OffscreenCanvas; where it cannot start here, WASM (then CPU), with the reason for the panel to show.
 */
const session = new InferenceSession(async (name) => {
  await loadJpegTurbo().catch(() => undefined);
  if (!isBackendName(name)) throw new Error(`unknown backend "${name}" (webgpu, webgl, wasm or cpu)`);
  const report = await initWorkerBackends(name);
  const why = report.failed[name];
  return { backend: report.backend, note: report.backend === name ? '' : `${name} could not start in the worker${why ? ` (${why})` : ''}` };
});
let queue: Promise<unknown> = Promise.resolve();

self.onmessage = (e: MessageEvent<InferenceRequest>) => {
  queue = queue.then(async () => post(await handleInferenceRequest(session, e.data, post)));
};
