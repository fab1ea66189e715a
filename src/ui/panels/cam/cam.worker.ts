/// <reference lib="webworker" />
/**
 * The CAM panel's worker: model, image and CAMs off the UI thread; maps come back as transferred buffers.
 * Requests run one at a time, in order (a CAM never sees a half-loaded model).
 */
import { configureWasmForBrowser } from '../../../backends/wasm_paths.browser';
import { handleCamRequest } from './handle';
import type { CamRequest } from './protocol';

let queue: Promise<unknown> = configureWasmForBrowser();

self.onmessage = (e: MessageEvent<CamRequest>) => {
  queue = queue.then(async () => {
    const { response, transfer } = await handleCamRequest(e.data);
    (self as unknown as Worker).postMessage(response, transfer);
  });
};
