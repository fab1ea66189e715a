import { CheckpointError, PickleTruncatedError } from '../errors';
import { createGlobalResolver, type ForbiddenPolicy, type GlobalReport } from '../pickle/globals';
import { numpyGlobals } from '../pickle/numpy_globals';
import { PickleError, unpickle, type UnpickleResult, type UnpicklerHooks } from '../pickle/unpickler';
import { parseStoragePid, StorageRef } from './torch_globals';

/** A fresh report of the globals met. */
export function emptyReport(): GlobalReport {
  return { placeholders: new Set(), forbidden: new Set() };
}

/** Unpickler hooks for PyTorch checkpoints: torch + numpy allowlist, storages resolved by `storageFor`. */
export function torchHooks(
  policy: ForbiddenPolicy,
  report: GlobalReport,
  storageFor: (pid: NonNullable<ReturnType<typeof parseStoragePid>>) => StorageRef,
  torchGlobals: Record<string, unknown>,
): UnpicklerHooks {
  return {
    findGlobal: createGlobalResolver({ ...torchGlobals, ...numpyGlobals() }, policy, report),
    persistentLoad: (pid) => {
      const info = parseStoragePid(pid);
      return info ? storageFor(info) : null;
    },
  };
}

/** Runs the unpickler; its errors become `CheckpointError`s naming the file and the pickle (`what`). */
export function unpickleOrThrow(bytes: Uint8Array, hooks: UnpicklerHooks, file: string, what: string, start = 0): UnpickleResult {
  try {
    return unpickle(bytes, hooks, start);
  } catch (e) {
    if (e instanceof PickleTruncatedError) throw new CheckpointError(file, `${what} is truncated or corrupt: ${e.message}`);
    if (e instanceof PickleError) throw new CheckpointError(file, `${what}: ${e.message}`);
    throw e;
  }
}
