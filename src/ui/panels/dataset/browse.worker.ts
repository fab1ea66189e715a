/// <reference lib="webworker" />
/**
 * The Dataset panel's worker: the dropped files, the dataset and the pipeline live here; drawn samples go back
 * one by one with their pixel buffers transferred. Requests are handled as they come, so a new page request
 * cancels the one being drawn.
 */
import { loadJpegTurbo } from '../../../image/jpeg_turbo.browser';
import { BrowseSession } from './browseSession';
import { handleBrowseRequest } from './handle';
import { sampleTransferables, type BrowseRequest, type BrowseResponse } from './protocol';

const session = new BrowseSession();
const ready = loadJpegTurbo().catch(() => undefined);
const post = (r: BrowseResponse, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(r, transfer);

self.onmessage = (e: MessageEvent<BrowseRequest>) => {
  void ready.then(async () => {
    const response = await handleBrowseRequest(session, e.data, (id, sample) => post({ id, sample }, sampleTransferables(sample)));
    const frame = response.ok && e.data.kind === 'drawResult' ? [(response.result as { data: Uint8ClampedArray }).data.buffer as ArrayBuffer] : [];
    post(response, frame);
  });
};
