/** The panel's side of the training worker: typed commands in, events out; a crashed worker becomes an error event. */
import type { StartRequest, TrainEvent, TrainRequest } from '../../../engine/runner/worker_protocol';

export class TrainClient {
  private worker: Worker | null;

  constructor(private readonly onEvent: (e: TrainEvent) => void) {
    this.worker = new Worker(new URL('../../../engine/runner/train.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<TrainEvent>) => this.onEvent(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.onEvent({ kind: 'error', message: `the training worker failed: ${e.message || 'it could not start (see the browser console)'}`, invalidLoss: null });
    };
    this.worker.onmessageerror = () => this.onEvent({ kind: 'error', message: 'a message from the training worker could not be read', invalidLoss: null });
  }

  private send(req: TrainRequest): void {
    if (!this.worker) throw new Error('the training worker was closed');
    this.worker.postMessage(req);
  }

  start(req: Omit<StartRequest, 'kind'>): void {
    this.send({ kind: 'start', ...req });
  }

  pause(): void {
    this.send({ kind: 'pause' });
  }

  resume(): void {
    this.send({ kind: 'resume' });
  }

  stop(): void {
    this.send({ kind: 'stop' });
  }

  /** Ends the worker at once (the current iteration is lost; saved checkpoints stay in storage). */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
