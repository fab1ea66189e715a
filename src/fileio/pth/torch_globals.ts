import { PickleError, SafeGlobal, describe, type PyStateful } from '../pickle/unpickler';
import { PickleGlobal } from '../pickle/values';
import type { StoredDtype } from '../tensor_data';

/** `torch.FloatStorage` and friends, as named in pickles, with their element types. */
export const STORAGE_TYPES: Record<string, StoredDtype> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};

/** The storage class name PyTorch pickles for each element type (used by the writer). */
export const STORAGE_NAME_OF: Record<StoredDtype, string> = Object.fromEntries(
  Object.entries(STORAGE_TYPES).filter(([k]) => k !== 'UntypedStorage').map(([k, v]) => [v, k]),
) as Record<StoredDtype, string>;

/** A pickled storage class (`torch.FloatStorage`). */
export class TorchStorageType {
  constructor(readonly name: string, readonly dtype: StoredDtype) {}
}

/** A pickled `torch.float32`-style dtype. */
export class TorchDtype {
  constructor(readonly name: string) {}
}

/** A storage named by a persistent id: its bytes are read after unpickling, only when a tensor needs them. */
export class StorageRef {
  constructor(
    /** Record key: `data/<key>` in a zip checkpoint, position in the legacy format. */
    readonly key: string,
    readonly dtype: StoredDtype,
    /** Elements in the storage. */
    readonly numel: number,
    readonly location: string,
    /** Legacy format only: a storage view into `root`, starting `rootOffset` elements in. */
    readonly root?: StorageRef,
    readonly rootOffset = 0,
  ) {}
}

/** A tensor as pickled by `torch._utils._rebuild_tensor_v2`: a view of a storage, read later. */
export class TensorRef implements PyStateful {
  /** Python attributes of a `Parameter` pickled with state (kept, unused). */
  state?: unknown;
  constructor(
    readonly storage: StorageRef,
    /** Offset in elements. */
    readonly offset: number,
    readonly shape: number[],
    /** Strides in elements. */
    readonly stride: number[],
    readonly requiresGrad: boolean,
    public isParameter = false,
  ) {}
  pySetState(state: unknown): void {
    this.state = state;
  }
}

const DTYPES = [
  'float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16',
  'short', 'int8', 'uint8', 'bool', 'complex64', 'complex128', 'cfloat', 'cdouble',
];

function intTuple(x: unknown, what: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new PickleError(`${what} ${describe(x)} is not a tuple of ints`);
  }
  return x as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof StorageRef)) throw new PickleError(`_rebuild_tensor_v2: first argument ${describe(storage)} is not a storage`);
  if (typeof offset !== 'number') throw new PickleError(`_rebuild_tensor_v2: storage offset ${describe(offset)}`);
  return new TensorRef(storage, offset, intTuple(size, 'tensor size'), intTuple(stride, 'tensor stride'), requiresGrad === true);
}

function rebuildParameter(args: unknown[]): TensorRef {
  const [data, requiresGrad, , state] = args;
  if (!(data instanceof TensorRef)) throw new PickleError(`_rebuild_parameter of ${describe(data)}`);
  const p = new TensorRef(data.storage, data.offset, data.shape, data.stride, requiresGrad !== false, true);
  if (state !== undefined) p.state = state;
  return p;
}

/** `torch._tensor._rebuild_from_type_v2(func, new_type, args, state)`: tensor subclasses; rebuilt as plain tensors. */
function rebuildFromType(args: unknown[]): unknown {
  const [func, , fargs] = args;
  if (!(func instanceof SafeGlobal) || !Array.isArray(fargs)) throw new PickleError(`_rebuild_from_type_v2 with ${describe(func)}`);
  return func.call(fargs);
}

/** The torch globals a state dict needs, keyed `module.name`. */
export function torchGlobals(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'torch._utils._rebuild_tensor_v2': new SafeGlobal('torch._utils', '_rebuild_tensor_v2', rebuildTensor),
    'torch._utils._rebuild_tensor': new SafeGlobal('torch._utils', '_rebuild_tensor', rebuildTensor),
    'torch._utils._rebuild_parameter': new SafeGlobal('torch._utils', '_rebuild_parameter', rebuildParameter),
    'torch._utils._rebuild_parameter_with_state': new SafeGlobal('torch._utils', '_rebuild_parameter_with_state', rebuildParameter),
    'torch._tensor._rebuild_from_type_v2': new SafeGlobal('torch._tensor', '_rebuild_from_type_v2', rebuildFromType),
    'torch.nn.parameter.Parameter': new PickleGlobal('torch.nn.parameter', 'Parameter', false),
    'torch.Tensor': new PickleGlobal('torch', 'Tensor', false),
    'torch.Size': new SafeGlobal('torch', 'Size', (args) => intTuple(args[0] ?? [], 'torch.Size')),
    'torch.device': new SafeGlobal('torch', 'device', (args) => args.map(String).join(':')),
  };
  for (const [name, dtype] of Object.entries(STORAGE_TYPES)) {
    out[`torch.${name}`] = new TorchStorageType(name, dtype);
    out[`torch.cuda.${name}`] = new TorchStorageType(name, dtype);
  }
  for (const d of DTYPES) out[`torch.${d}`] = new TorchDtype(d);
  return out;
}

/** Reads a persistent id `('storage', StorageType, key, location, numel[, view_metadata])`. */
export function parseStoragePid(pid: unknown): { type: TorchStorageType; key: string; location: string; numel: number; view: unknown } | null {
  if (!Array.isArray(pid) || pid.length < 5) throw new PickleError(`persistent id ${describe(pid)} is not a storage tuple`);
  const [kind, type, key, location, numel, view] = pid;
  if (kind === 'module') return null; // legacy checkpoints may carry module source: ignored
  if (kind !== 'storage') throw new PickleError(`persistent id of kind ${describe(kind)} is not supported`);
  if (type instanceof PickleGlobal) throw new PickleError(`storage type ${type.qualifiedName} is not supported`);
  if (!(type instanceof TorchStorageType)) throw new PickleError(`storage type ${describe(type)} is not a torch storage class`);
  if (typeof numel !== 'number' || numel < 0) throw new PickleError(`storage ${describe(key)} has invalid size ${describe(numel)}`);
  return { type, key: String(key), location: String(location), numel, view };
}
