/** Runs one Dataset-panel request on a {@link BrowseSession} (in the worker, or inline where workers fail). */
import { MemorySource } from '../../../fileio/sources';
import { drawResult } from '../../../tools/analysis_tools/analyze_results';
import type { BrowsedSample } from '../../../tools/visualization/browse_dataset';
import { BrowseSession } from './browseSession';
import { BrowseCommands, type BrowseReply, type BrowseRequest } from './protocol';

/** Results thumbnails smaller than this (MNIST's 28 px) are enlarged by a whole factor. */
const RESULT_THUMB_HEIGHT = 96;

export async function handleBrowseRequest(session: BrowseSession, req: BrowseRequest, onSample: (id: number, s: BrowsedSample) => void): Promise<BrowseReply> {
  try {
    switch (req.kind) {
      case BrowseCommands.Drop:
        return { id: req.id, ok: true, result: await session.setDrop(new MemorySource(new Map(req.files), 'dropped files')) };
      case BrowseCommands.Open:
        return { id: req.id, ok: true, result: await session.open(req.cfg, req.phase) };
      case BrowseCommands.Page: {
        const pinned = new Map(req.pinned);
        return { id: req.id, ok: true, result: await session.page(req.indices, req.opts, (s) => onSample(req.id, s), (i) => pinned.get(i)) };
      }
      case BrowseCommands.DrawResult: {
        const source = session.imageSource();
        if (!source) throw new Error('open the dataset first');
        return { id: req.id, ok: true, result: (await drawResult(source, req.sample, null, RESULT_THUMB_HEIGHT)).frame };
      }
    }
  } catch (e) {
    return { id: (req as { id: number }).id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
