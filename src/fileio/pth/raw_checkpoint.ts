import type { GlobalReport } from '../pickle/globals';
import type { TensorMaterialiser } from './materialise';

/** Formats `loadCheckpoint` recognises. */
export type CheckpointFormat = 'pth-zip' | 'pth-legacy' | 'safetensors';

/** An unpickled checkpoint before its tensors are read: the object tree holds `TensorRef`s. */
export interface RawCheckpoint {
  root: unknown;
  materialiser: TensorMaterialiser;
  report: GlobalReport;
  format: CheckpointFormat;
}
