/**
 * The panel's side of the training worker: a thin typed wrapper over the worker's {@link TrainService}
 * (`train_service.ts`, through `utils/rpc`). The run's events go to `onEvent`, in order; a crashed worker, a call
 * that fails and a message that cannot be read become error events.
 */
import { connect, type RpcConnection, type WorkerLike } from '../../../utils/rpc/rpc';
import type { TrainService } from '../../../engine/runner/train_service';
import type { StartRequest, TrainEvent } from '../../../engine/runner/worker_protocol';

/** What the client needs of its worker: a `Worker` (tests pass a stand-in). */
export interface TrainWorker extends WorkerLike {
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
}

const startWorker = (): TrainWorker => new Worker(new URL('../../../engine/runner/train.worker.ts', import.meta.url), { type: 'module' });

export class TrainClient {
  private worker: TrainWorker | null;
  private readonly connection: RpcConnection<TrainService>;

  constructor(
    private readonly onEvent: (e: TrainEvent) => void,
    createWorker: () => TrainWorker = startWorker,
  ) {
    const worker = createWorker();
    worker.addEventListener('error', (e) => {
      // The page's console would call it uncaught; the panel shows it instead.
      e.preventDefault();
      const why = (e as Partial<ErrorEvent>).message;
      this.fail(`the training worker failed: ${why || 'it could not start (see the browser console)'}`);
    });
    worker.addEventListener('messageerror', () => this.fail('a message from the training worker could not be read'));
    this.worker = worker;
    this.connection = connect<TrainService>(worker);
  }

  private get api() {
    if (!this.worker) throw new Error('the training worker was closed');
    return this.connection.api;
  }

  private fail(message: string): void {
    this.onEvent({ kind: 'error', message, invalidLoss: null });
  }

  /** A failed call as an error event; none once terminated (closing the connection rejects the calls in flight). */
  private report(call: Promise<unknown>): void {
    call.catch((e: unknown) => this.worker && this.fail(e instanceof Error ? e.message : String(e)));
  }

  /** Starts the run; its events (progress, checkpoints, the end or the failure) come to `onEvent`. */
  start(req: StartRequest): void {
    this.report(this.api.start(req, { onProgress: this.onEvent }));
  }

  pause(): void {
    this.report(this.api.pause());
  }

  resume(): void {
    this.report(this.api.resume());
  }

  stop(): void {
    this.report(this.api.stop());
  }

  /** Asks the worker to lose its backend (the e2e build's worker only; elsewhere it answers a warning). */
  debugLoseBackend(): void {
    this.report(this.api.debugLoseBackend().then((warning) => warning !== null && this.onEvent({ kind: 'warning', message: warning })));
  }

  /** Ends the worker at once (the current iteration is lost; saved checkpoints stay in storage). */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.connection.close();
  }
}
