/** Dispatches one panel request to the session; collects the buffers to transfer back. */
import { CamSession } from './camSession';
import { Commands, type CamRequest, type CamResponse } from './protocol';

const session = new CamSession();

export async function handleCamRequest(req: CamRequest): Promise<{ response: CamResponse; transfer: Transferable[] }> {
  try {
    switch (req.kind) {
      case Commands.Load:
        return { response: { id: req.id, ok: true, result: await session.load(req.backend, req.config, req.checkpoint) }, transfer: [] };
      case Commands.Image:
        return { response: { id: req.id, ok: true, result: await session.image(req.name, req.bytes) }, transfer: [] };
      case Commands.Cam: {
        const result = await session.cam(req.settings);
        const transfer = result.rows.flatMap((r) => r.maps).flatMap((m) => [m.grayscale.buffer, ...(m.feature ? [m.feature.data.buffer] : []), ...(m.original ? [m.original.buffer] : [])]) as Transferable[];
        return { response: { id: req.id, ok: true, result }, transfer: [...new Set(transfer)] };
      }
      default:
        throw new Error(`unknown request ${(req as { kind: string }).kind}`);
    }
  } catch (e) {
    return { response: { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}
