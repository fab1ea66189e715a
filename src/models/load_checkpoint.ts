/**
 * mmengine's `load_checkpoint(model, filename, strict=...)`: reads a checkpoint into a built model, one tensor at a
 * time. The state dict is opened lazily (`loadCheckpoint(..., { lazy: true })`) and each tensor is read, copied
 * into its variable and dropped before the next (`Module.loadStateDictStreaming`), so loading needs the model plus
 * about one tensor, not the model plus the whole file.
 */
import { loadCheckpoint, type Checkpoint, type CheckpointInput, type LoadCheckpointOptions } from '../fileio';
import type { AnyModule } from './nn/module';
import type { LoadReport } from './nn/state_dict';

/** Options of {@link loadCheckpointInto}. */
export interface LoadIntoOptions extends Pick<LoadCheckpointOptions, 'onProgress' | 'reviseKeys' | 'forbidden'> {
  /** As PyTorch's `strict`: throw listing every missing / unexpected / mismatched key. Default false (as mmengine). */
  strict?: boolean;
}

/**
 * Loads `input` (bytes, a Blob, or a random-access source kept open until this resolves) into `model`. Returns the
 * load report and the checkpoint's other parts (meta, classes); its state dict entries are released afterwards.
 */
export async function loadCheckpointInto(model: AnyModule, input: CheckpointInput, name: string, opts: LoadIntoOptions = {}): Promise<{ report: LoadReport; checkpoint: Checkpoint }> {
  const { strict = false, ...read } = opts;
  const checkpoint = await loadCheckpoint(input, name, { ...read, lazy: true });
  const report = await model.loadStateDictStreaming(checkpoint.stateDict, { strict });
  return { report, checkpoint };
}
