/** The Dataset panel's side of its worker: a promise per request, samples streamed back, an inline fallback. */
import type { BrowsedSample, BrowseOptions, BrowsePhase, RgbaImage } from '../../../tools/visualization/browse_dataset';
import type { PredictedSample } from '../../../tools/analysis_tools/analyze_results';
import type { DatasetGuess } from './datasetConfig';
import type { BrowseSession, OpenedDataset } from './browseSession';
import { BrowseCommands, type BrowseRequest, type BrowseResponse, type DroppedFiles } from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onSample?: (s: BrowsedSample) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class BrowseClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inline: Promise<BrowseSession> | null = null;
  /** Where the work runs: 'worker', or 'inline' (chunked on the page) after a worker failure. */
  mode: 'worker' | 'inline' = 'worker';

  constructor() {
    try {
      this.worker = new Worker(new URL('./browse.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<BrowseResponse>) => this.settle(e.data);
      this.worker.onerror = () => this.fallBack('the dataset worker failed to start; retry (now running on the page)');
    } catch {
      this.mode = 'inline';
    }
  }

  private fallBack(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.mode = 'inline';
    for (const [, p] of this.pending) p.reject(new Error(message));
    this.pending.clear();
  }

  private settle(r: BrowseResponse): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if ('sample' in r) return p.onSample?.(r.sample);
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.result);
    else p.reject(new Error(r.error));
  }

  private async send<T>(req: DistributiveOmit<BrowseRequest, 'id'>, onSample?: (s: BrowsedSample) => void): Promise<T> {
    const id = this.nextId++;
    const full = { ...req, id } as BrowseRequest;
    if (!this.worker) {
      this.inline ??= import('./browseSession').then((m) => new m.BrowseSession());
      const [{ handleBrowseRequest }, session] = await Promise.all([import('./handle'), this.inline]);
      const r = await handleBrowseRequest(session, full, (_id, s) => onSample?.(s));
      if (!r.ok) throw new Error(r.error);
      return r.result as T;
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onSample });
      this.worker!.postMessage(full);
    });
  }

  /** Mounts the dropped files (replacing earlier ones); what was recognised, or null. */
  setDrop(files: DroppedFiles): Promise<DatasetGuess | null> {
    return this.send({ kind: BrowseCommands.Drop, files });
  }

  open(cfg: Record<string, unknown> | null, phase: BrowsePhase): Promise<OpenedDataset> {
    return this.send({ kind: BrowseCommands.Open, cfg, phase });
  }

  /** Draws the samples, each handed to `onSample` when ready; false when a newer request cancelled it. */
  page(indices: number[], opts: BrowseOptions, onSample: (s: BrowsedSample) => void, pinned: Map<number, Record<string, unknown>>): Promise<boolean> {
    return this.send({ kind: BrowseCommands.Page, indices, opts, pinned: [...pinned] }, onSample);
  }

  /** A results sample drawn as analyze_results does (image, ground truth, prediction). */
  drawResult(sample: PredictedSample): Promise<RgbaImage> {
    return this.send({ kind: BrowseCommands.DrawResult, sample });
  }
}
