/** Dispatches one panel request to the session; progress goes out through `post` before the response. */
import { Commands, type InferenceRequest, type InferenceResponse } from './protocol';
import type { InferenceSession } from './session';

export async function handleInferenceRequest(session: InferenceSession, req: InferenceRequest, post: (r: InferenceResponse) => void): Promise<InferenceResponse> {
  try {
    switch (req.kind) {
      case Commands.Load: {
        let last = 0;
        const onProgress = (loaded: number, total: number) => {
          const now = performance.now();
          if (now - last > 50 || loaded === total) (last = now), post({ id: req.id, progress: [loaded, total] });
        };
        return { id: req.id, ok: true, result: await session.load(req.backend, req.config, req.checkpoint, onProgress, req.fuseConvBn ?? false) };
      }
      case Commands.Predict:
        return { id: req.id, ok: true, result: await session.predict(req.name, new Uint8Array(req.bytes), req.topk) };
      case Commands.Classes:
        return { id: req.id, ok: true, result: session.setClasses(req.classes, req.source) };
      default:
        throw new Error(`unknown request ${(req as { kind: string }).kind}`);
    }
  } catch (e) {
    return { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
