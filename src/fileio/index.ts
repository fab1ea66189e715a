/**
 * Checkpoint and array file I/O for the engine (no DOM, no Node imports: runs in the page, a worker and Node).
 * Node-only helpers (open a file path as a streaming source) are in `fileio/node.ts`.
 */
export { loadCheckpoint, SkippedTensor, type Checkpoint, type CheckpointFormat, type LoadCheckpointOptions } from './checkpoint';
export { CheckpointError } from './errors';
export { StreamedTensor } from './streamed_tensor';
export { bytesSource, blobSource, fileHandleSource, toByteSource, type ByteSource, type CheckpointInput, type FileHandleLike } from './byte_source';
export { readSafetensors, writeSafetensors, safetensorsParts, concatParts, META_KEY, type WriteOptions } from './safetensors';
export {
  tensorToFloat32, numel, contiguousStrides, floatToHalf, floatToBfloat16,
  type TensorData, type TensorDtype, type StoredDtype, type TensorArray,
} from './tensor_data';
export { PickleGlobal, PickleObject } from './pickle/values';
export { NumpyArray } from './pickle/numpy_globals';
export { isForbiddenGlobal, type ForbiddenPolicy } from './pickle/globals';
export { parseNpy, parseNpz, encodeNpy, encodeNpz, toFloat32, halfToFloat, type NpyArray, type NpyDtype, type NpyData } from './npy';
export { writePth, pthParts, pthObjectParts, type PthWriteOptions } from './pth/pth_writer';
export { plainMeta } from './meta';
export { summarizeCheckpoint, formatSummaryLine, type CheckpointSummary } from './summary';
export { readStreamToBytes, isReadableStream } from './stream';
export { loadCheckpointInWorker, type WorkerLike } from './checkpoint_worker_client';
