/** The panel's side of the worker: a promise per request, progress callbacks, an inline fallback. */
import type { ConfigSource, ImagePrediction, InferenceRequest, InferenceResponse, LoadResult } from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (loaded: number, total: number) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class InferenceClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inlineQueue: Promise<unknown> = Promise.resolve();
  private inlineSession: Promise<import('./session').InferenceSession> | null = null;
  mode: 'worker' | 'inline' = 'worker';

  constructor() {
    try {
      this.worker = new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<InferenceResponse>) => this.settle(e.data);
      this.worker.onerror = () => {
        this.worker?.terminate();
        this.worker = null;
        this.mode = 'inline';
        for (const [, p] of this.pending) p.reject(new Error('the inference worker failed to start; retry (now running inline)'));
        this.pending.clear();
      };
    } catch {
      this.mode = 'inline';
    }
  }

  private settle(r: InferenceResponse): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if ('progress' in r) return p.onProgress?.(...r.progress);
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.result);
    else p.reject(new Error(r.error));
  }

  private async send<T>(req: DistributiveOmit<InferenceRequest, 'id'>, transfer: Transferable[], onProgress?: (loaded: number, total: number) => void): Promise<T> {
    const id = this.nextId++;
    const full = { ...req, id } as InferenceRequest;
    if (!this.worker) {
      const run = this.inlineQueue.then(async () => {
        const [{ handleInferenceRequest }, session] = await Promise.all([import('./handle'), this.session()]);
        const response = await handleInferenceRequest(session, full, (r) => 'progress' in r && onProgress?.(...r.progress));
        if ('progress' in response) throw new Error('unexpected progress response');
        if (!response.ok) throw new Error(response.error);
        return response.result as T;
      });
      this.inlineQueue = run.catch(() => undefined);
      return run;
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker!.postMessage(full, transfer);
    });
  }

  private session() {
    this.inlineSession ??= import('./session').then(({ InferenceSession }) => new InferenceSession());
    return this.inlineSession;
  }

  /** Loads a model; the checkpoint is a Blob (a File, or from the offline cache): the worker streams it, the page copies nothing. */
  load(backend: string, config: ConfigSource, checkpoint: { name: string; blob: Blob } | null, onProgress?: (loaded: number, total: number) => void, fuseConvBn = false): Promise<LoadResult> {
    return this.send({ kind: 'load', backend, config, checkpoint, fuseConvBn }, [], onProgress);
  }

  predict(name: string, bytes: ArrayBuffer, topk: number): Promise<ImagePrediction> {
    return this.send({ kind: 'predict', name, bytes, topk }, [bytes]);
  }

  /** User class names (or null for the model's own); answers the names now in use and where they come from. */
  setClasses(classes: string[] | null, source: string): Promise<{ classes: string[] | null; classesNote: string }> {
    return this.send({ kind: 'classes', classes, source }, []);
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
