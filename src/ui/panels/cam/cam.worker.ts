/// <reference lib="webworker" />
/** The CAM panel's worker: model, image and CAMs off the UI thread; maps come back as transferred buffers. */
import { configureWasmForBrowser } from '../../../backends/wasm_paths.browser';
import { handleCamRequest } from './handle';
import type { CamRequest } from './protocol';

const ready = configureWasmForBrowser();

self.onmessage = async (e: MessageEvent<CamRequest>) => {
  await ready;
  const { response, transfer } = await handleCamRequest(e.data);
  (self as unknown as Worker).postMessage(response, transfer);
};
