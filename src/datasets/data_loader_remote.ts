/**
 * Data loading off the page: a worker builds the dataset and {@link DataLoader} from the dataloader config and
 * streams collated batches back, their pixel buffers transferred (not copied). The page side,
 * {@link WorkerDataLoader}, is an async iterable of batches like `DataLoader`, so the training loop does not care
 * where batches come from.
 *
 * Page: `const w = new Worker(new URL('./data_loader.worker.ts', import.meta.url), { type: 'module' });` (that entry file only
 * calls `serveDataLoader(self)`);
 * `const loader = new WorkerDataLoader(w, { loader: cfg.train_dataloader, seed, mounts }); await loader.init();
 * for await (const batch of loader) …`. {@link serveDataLoader} is the worker logic over any message port
 * (tests use a `MessageChannel`).
 */
import type { DataInfo, Metainfo } from './types';
import { DataLoader, buildDataLoader, type Batch, type DataLoaderConfig } from './data_loader';
import { FileSystem, MemorySource, type MemoryEntry } from '../fileio/sources';
import { registerDatasets } from './register_all';
import { registerTransforms } from './transforms/register_all';

export const LoaderCommands = { Init: 'init', Epoch: 'epoch', Next: 'next', Close: 'close' } as const;

/** Files to mount in the worker: at `prefix`, path → Blob or bytes. */
export interface LoaderMount {
  prefix: string;
  name?: string;
  files: Record<string, Blob | Uint8Array>;
}

export interface LoaderInit {
  /** The dataloader config (`train_dataloader`: batch_size, dataset, sampler, collate_fn, num_workers…). */
  loader: DataLoaderConfig;
  /** Sampler seed (the runner's `randomness.seed`). */
  seed?: number | null;
  /** Seed of the per-sample augmentation generators. Default: `seed`. */
  augment_seed?: number;
  mounts?: LoaderMount[];
}

export type LoaderRequest =
  | ({ type: typeof LoaderCommands.Init } & LoaderInit)
  | { type: typeof LoaderCommands.Epoch; epoch: number }
  | { type: typeof LoaderCommands.Next }
  | { type: typeof LoaderCommands.Close };

export type LoaderEvent =
  | { type: 'ready'; batches: number; samples: number; metainfo: Metainfo }
  | { type: 'batch'; batch: Batch }
  | { type: 'end' }
  | { type: 'error'; message: string };

/** The subset of `MessagePort` / `Worker` / `DedicatedWorkerGlobalScope` both sides use. */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener?(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

/** Buffers owned by a batch's typed arrays (never shared views, which transferring would detach). */
export function transferables(value: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buf.byteLength) out.add(buf);
  } else if (Array.isArray(value)) {
    for (const v of value) transferables(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, out);
  }
  return [...out];
}

/** Drops what cannot or need not cross to the page (generators, encoded bytes). */
function forPage(batch: Batch): Batch {
  const { rng: _rng, img_bytes: _bytes, ...rest } = batch as DataInfo;
  return rest as Batch;
}

/** Runs the loader side on `port` (inside the worker: `serveDataLoader(self)`). */
export function serveDataLoader(port: PortLike, fallback: FileSystem['fallback'] = null): void {
  registerDatasets();
  registerTransforms();
  let loader: DataLoader | null = null;
  let iterator: AsyncIterator<Batch> | null = null;
  const post = (e: LoaderEvent, transfer: ArrayBuffer[] = []) => port.postMessage(e, transfer);
  const fail = (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  // Requests are handled one after another, so answers keep the order of the requests (the DataLoader itself
  // prefetches batches when num_workers > 0).
  let chain: Promise<void> = Promise.resolve();
  port.addEventListener('message', (event) => {
    const msg = event.data as LoaderRequest;
    chain = chain.then(async () => {
      try {
        switch (msg.type) {
          case LoaderCommands.Init: {
            const fs = new FileSystem(fallback);
            for (const m of msg.mounts ?? []) fs.mount(m.prefix, new MemorySource(m.files as Record<string, MemoryEntry>, m.name ?? m.prefix));
            const seed = msg.seed ?? undefined;
            loader = await buildDataLoader(msg.loader, { seed: msg.seed ?? null, ctx: { fileSystem: fs, seed: msg.augment_seed ?? seed } });
            post({ type: 'ready', batches: loader.length, samples: loader.dataset.length, metainfo: loader.dataset.metainfo });
            break;
          }
          case LoaderCommands.Epoch:
            if (!loader) throw new Error('data loader worker: epoch before init');
            loader.setEpoch(msg.epoch);
            iterator = loader[Symbol.asyncIterator]();
            break;
          case LoaderCommands.Next: {
            if (!loader) throw new Error('data loader worker: next before init');
            iterator ??= loader[Symbol.asyncIterator]();
            const r = await iterator.next();
            if (r.done) {
              iterator = null;
              post({ type: 'end' });
            } else {
              const batch = forPage(r.value);
              post({ type: 'batch', batch }, transferables(batch));
            }
            break;
          }
          case LoaderCommands.Close:
            loader = null;
            iterator = null;
            break;
        }
      } catch (e) {
        fail(e);
      }
    });
  });
  port.start?.();
}

/** The page side: an async iterable of batches produced in a worker (or over any port). */
export class WorkerDataLoader implements AsyncIterable<Batch> {
  /** Batches per epoch, known after {@link init}. */
  length = 0;
  /** Samples in the dataset, known after {@link init}. */
  samples = 0;
  metainfo: Metainfo = {};
  private epoch = 0;
  private readonly queue: LoaderEvent[] = [];
  private waiting: ((e: LoaderEvent) => void) | null = null;
  /** Answers still to come for an iteration the consumer left early; they are dropped. */
  private stale = 0;

  constructor(
    private readonly port: PortLike,
    private readonly initMsg: LoaderInit,
  ) {
    port.addEventListener('message', (event) => {
      const e = event.data as LoaderEvent;
      if (this.stale > 0 && e.type !== 'ready') {
        this.stale--;
        return;
      }
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(e);
      } else this.queue.push(e);
    });
    port.start?.();
  }

  private nextEvent(): Promise<LoaderEvent> {
    const e = this.queue.shift();
    return e ? Promise.resolve(e) : new Promise((resolve) => (this.waiting = resolve));
  }

  private async expect<T extends LoaderEvent['type']>(...types: T[]): Promise<Extract<LoaderEvent, { type: T }>> {
    const e = await this.nextEvent();
    if (e.type === 'error') throw new Error(e.message);
    if (!types.includes(e.type as T)) throw new Error(`data loader worker: unexpected '${e.type}'`);
    return e as Extract<LoaderEvent, { type: T }>;
  }

  /** Builds the dataset and loader in the worker; resolves with the batch count. */
  async init(): Promise<number> {
    this.port.postMessage({ type: LoaderCommands.Init, ...this.initMsg } satisfies LoaderRequest);
    const ready = await this.expect('ready');
    this.length = ready.batches;
    this.samples = ready.samples;
    this.metainfo = ready.metainfo;
    return this.length;
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    let outstanding = 0;
    const requestNext = () => {
      outstanding++;
      this.port.postMessage({ type: LoaderCommands.Next } satisfies LoaderRequest);
    };
    this.port.postMessage({ type: LoaderCommands.Epoch, epoch: this.epoch } satisfies LoaderRequest);
    // One request ahead: the worker prepares batch k+1 while the page uses batch k.
    requestNext();
    try {
      for (;;) {
        const e = await this.nextEvent();
        outstanding--;
        if (e.type === 'error') throw new Error(e.message);
        if (e.type === 'end') return;
        if (e.type !== 'batch') throw new Error(`data loader worker: unexpected '${e.type}'`);
        requestNext();
        yield e.batch;
      }
    } finally {
      // Left early: answers already queued are dropped now, the ones still to come when they arrive.
      const queued = this.queue.splice(0).filter((q) => q.type !== 'ready').length;
      this.stale += outstanding - queued;
    }
  }

  close(): void {
    this.port.postMessage({ type: LoaderCommands.Close } satisfies LoaderRequest);
  }
}
