/** Web Worker entry for verify-dataset: `new Worker(new URL('./verify_dataset.worker.ts', import.meta.url), { type: 'module' })`. */
import { createVerifyHandler, type VerifyEvent, type VerifyRequest } from './verify_dataset_remote';

const scope = globalThis as unknown as {
  postMessage(message: VerifyEvent): void;
  addEventListener(type: 'message', listener: (event: { data: VerifyRequest }) => void): void;
};
const handle = createVerifyHandler((event) => scope.postMessage(event), null);
scope.addEventListener('message', (event) => void handle(event.data));
