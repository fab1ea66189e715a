/// <reference lib="webworker" />
/**
 * The studio's engine worker: one Web Worker for the Inference, CAM, Model, Dataset and Logs panels (the Train
 * panel has its own), serving `services.ts` to the page's client (`client.ts`). Backends start here as the panel
 * asks: WebGPU through the worker's `navigator.gpu`, WebGL through OffscreenCanvas; where one cannot start here,
 * WASM (then CPU), with the reason for the panel to show.
 */
import { isBackendName } from '../../backends/names';
import { initWorkerBackends } from '../../backends/worker.browser';
import { loadJpegTurbo } from '../../image/jpeg_turbo.browser';
import { serve, type RpcPort } from '../../utils/rpc/rpc';
import type { BackendStarter } from './backends';
import { ENGINE_LANES } from './lanes';
import { createEngineServices } from './services';

const startBackend: BackendStarter = async (name) => {
  if (!isBackendName(name)) throw new Error(`unknown backend "${name}" (webgpu, webgl, wasm or cpu)`);
  const report = await initWorkerBackends(name);
  const why = report.failed[name];
  return { backend: report.backend, note: report.backend === name ? '' : `${name} could not start in the worker${why ? ` (${why})` : ''}` };
};

// JPEG decoding through libjpeg-turbo where its wasm loads (the pure-JS decoder otherwise).
const services = loadJpegTurbo()
  .catch(() => undefined)
  .then(() => createEngineServices({ startBackend }));

// The worker's global scope is its port (typed as a Window where the DOM lib is loaded too).
serve(self as unknown as RpcPort, services, ENGINE_LANES);
