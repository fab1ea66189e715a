/** Messages between the Dataset panel and its worker (`browse.worker.ts`). */
import type { BrowsedSample, BrowseOptions, BrowsePhase, RgbaImage } from '../../../tools/visualization/browse_dataset';
import type { PredictedSample } from '../../../tools/analysis_tools/analyze_results';
import type { DatasetGuess } from './datasetConfig';
import type { OpenedDataset } from './browseSession';

/** Dropped files as [relative path, File] pairs (Files are cloned to the worker without copying their bytes). */
export type DroppedFiles = [string, Blob][];

export const BrowseCommands = { Drop: 'drop', Open: 'open', Page: 'page', DrawResult: 'drawResult' } as const;

export type BrowseRequest =
  | { id: number; kind: typeof BrowseCommands.Drop; files: DroppedFiles }
  | { id: number; kind: typeof BrowseCommands.Open; cfg: Record<string, unknown> | null; phase: BrowsePhase }
  | { id: number; kind: typeof BrowseCommands.Page; indices: number[]; opts: BrowseOptions; pinned: [number, Record<string, unknown>][] }
  | { id: number; kind: typeof BrowseCommands.DrawResult; sample: PredictedSample };

export interface BrowseResults {
  drop: DatasetGuess | null;
  open: OpenedDataset;
  /** false when a newer request cancelled the page */
  page: boolean;
  drawResult: RgbaImage;
}

/** The answer to a request. */
export type BrowseReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** An answer, or one drawn sample of a page request as soon as it is ready. */
export type BrowseResponse = BrowseReply | { id: number; sample: BrowsedSample };

/** The pixel buffers of a sample, to transfer rather than copy. */
export function sampleTransferables(s: BrowsedSample): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([s.frame.data.buffer as ArrayBuffer]);
  for (const step of s.steps) for (const img of step.images) buffers.add(img.data.buffer as ArrayBuffer);
  return [...buffers];
}
