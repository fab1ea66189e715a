/** What the Dataset panel and the engine worker's `browse` service exchange. */
import type { BrowsedSample } from '../../../tools/visualization/browse_dataset';

/** Dropped files as [relative path, File] pairs (Files are cloned to the worker without copying their bytes). */
export type DroppedFiles = [string, Blob][];

/** The pixel buffers of a sample, to transfer rather than copy. */
export function sampleTransferables(s: BrowsedSample): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([s.frame.data.buffer as ArrayBuffer]);
  for (const step of s.steps) for (const img of step.images) buffers.add(img.data.buffer as ArrayBuffer);
  return [...buffers];
}
