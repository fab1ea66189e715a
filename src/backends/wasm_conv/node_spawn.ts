/** Node only: convolution worker threads on worker_threads. */
import { Worker } from 'node:worker_threads';
import { workerSource, type ConvWorkerSpawner } from './thread_pool';

const source = workerSource((main) => `const { parentPort } = require('node:worker_threads');\nparentPort.once('message', (start) => ${main}(start, (m) => parentPort.postMessage(m)));`);

export const spawnNodeConvWorker: ConvWorkerSpawner = (start) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true });
    worker.unref(); // it waits on the memory forever; it must not keep Node running
    worker.once('error', reject);
    worker.once('message', () => resolve({ terminate: () => void worker.terminate() }));
    worker.postMessage(start);
  });
