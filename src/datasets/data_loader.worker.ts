/** Web Worker entry for {@link serveDataLoader}: `new Worker(new URL('./data_loader.worker.ts', import.meta.url), { type: 'module' })`. */
import { serveDataLoader, type PortLike } from './data_loader_remote';

serveDataLoader(globalThis as unknown as PortLike);
