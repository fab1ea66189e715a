/** The Model panel's side of its worker (inline where module workers fail). */
import { analyzeModel, type ModelAnalysis } from './analysis';

export interface AnalyzeRequest {
  id: number;
  config: Record<string, unknown>;
  inputShape: [number, number, number];
}
export type AnalyzeResponse = { id: number; ok: true; result: ModelAnalysis } | { id: number; ok: false; error: string };

export class ModelAnalysisClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ModelAnalysis) => void; reject: (e: Error) => void }>();

  constructor() {
    try {
      this.worker = new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<AnalyzeResponse>) => {
        const p = this.pending.get(e.data.id);
        if (!p) return;
        this.pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.result);
        else p.reject(new Error(e.data.error));
      };
      this.worker.onerror = () => {
        this.worker?.terminate();
        this.worker = null;
        for (const [, p] of this.pending) p.reject(new Error('the model worker failed to start; retry (now running inline)'));
        this.pending.clear();
      };
    } catch {
      this.worker = null;
    }
  }

  analyze(config: Record<string, unknown>, inputShape: [number, number, number]): Promise<ModelAnalysis> {
    if (!this.worker) return Promise.resolve().then(() => analyzeModel(config, inputShape));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, config, inputShape } satisfies AnalyzeRequest);
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
