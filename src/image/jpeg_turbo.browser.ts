/** Pages and workers: fetches libjpeg-turbo's wasm through Vite and installs it for `LoadImageFromFile`. */
import wasmUrl from '@cwasm/jpeg-turbo/jpeg-turbo.wasm?url';
import { initJpegTurbo } from './jpeg_turbo';

let ready: Promise<void> | null = null;

/** Loads the decoder once; later calls share the same promise. */
export function loadJpegTurbo(): Promise<void> {
  ready ??= fetch(wasmUrl)
    .then((r) => r.arrayBuffer())
    .then((bytes) => initJpegTurbo(bytes));
  return ready;
}
