/** The panel's side of the worker: promise per request, an inline fallback where module workers fail. */
import type { CamConfigSource, CamRequest, CamResponse, CamRunResult, CamSettings, ImageResult, LoadResult } from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class CamClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Inline requests run one at a time, like the worker's. */
  private inlineQueue: Promise<unknown> = Promise.resolve();
  /** Where the work runs: 'worker' or 'inline' (after a worker failure). */
  mode: 'worker' | 'inline' = 'worker';

  constructor() {
    try {
      this.worker = new Worker(new URL('./cam.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<CamResponse>) => this.settle(e.data);
      this.worker.onerror = () => {
        this.worker?.terminate();
        this.worker = null;
        this.mode = 'inline';
        for (const [, p] of this.pending) p.reject(new Error('the CAM worker failed to start; retry (now running inline)'));
        this.pending.clear();
      };
    } catch {
      this.mode = 'inline';
    }
  }

  private settle(r: CamResponse): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.result);
    else p.reject(new Error(r.error));
  }

  private async send<T>(req: DistributiveOmit<CamRequest, 'id'>, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    const full = { ...req, id } as CamRequest;
    if (!this.worker) {
      const run = this.inlineQueue.then(async () => {
        const { handleCamRequest } = await import('./handle');
        const { response } = await handleCamRequest(full);
        if (!response.ok) throw new Error(response.error);
        return response.result as T;
      });
      this.inlineQueue = run.catch(() => undefined);
      return run;
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage(full, transfer);
    });
  }

  load(backend: string, config: CamConfigSource, checkpoint: { name: string; bytes: ArrayBuffer } | null): Promise<LoadResult> {
    return this.send({ kind: 'load', backend, config, checkpoint }, checkpoint ? [checkpoint.bytes] : []);
  }

  image(name: string, bytes: ArrayBuffer): Promise<ImageResult> {
    return this.send({ kind: 'image', name, bytes }, [bytes]);
  }

  cam(settings: CamSettings): Promise<CamRunResult> {
    return this.send({ kind: 'cam', settings });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
