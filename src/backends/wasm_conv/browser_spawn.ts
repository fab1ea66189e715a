/** Browser: convolution worker threads as Web Workers from a Blob (same origin, so a cross-origin-isolated page allows them). */
import { workerSource, type ConvWorkerSpawner } from './thread_pool';

const source = workerSource((main) => `self.onmessage = (e) => { self.onmessage = null; ${main}(e.data, (m) => self.postMessage(m)); };`);
let url: string | null = null;

export const spawnBrowserConvWorker: ConvWorkerSpawner = (start) =>
  new Promise((resolve, reject) => {
    url ??= URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url, { name: 'fast-conv' });
    worker.onerror = (e) => reject(new Error(`convolution worker failed to start: ${e.message}`));
    worker.onmessage = () => resolve({ terminate: () => worker.terminate() });
    worker.postMessage(start);
  });
