import { CheckpointError } from '../errors';
import { contiguousStrides, decodeStorage, ELEMENT_SIZE, loadedDtype, materialiseView, numel, type TensorArray, type TensorData } from '../tensor_data';
import type { StorageRef, TensorRef } from './torch_globals';

/** Reads the raw bytes of a root storage (`numel × element size` bytes). */
export type StorageReader = (ref: StorageRef) => Promise<Uint8Array>;
/** Reads a root storage's raw bytes into `dest` (exactly its size). */
export type StorageIntoReader = (ref: StorageRef, dest: Uint8Array) => Promise<void>;

/**
 * Turns pickled tensor references into {@link TensorData}: reads each storage once (shared storages are
 * decoded once), then cuts each tensor's view out of it, in C order. Storages are dropped by {@link release}.
 */
export class TensorMaterialiser {
  private readonly cache = new Map<StorageRef, TensorArray>();
  /** Tensors still to be read per root storage, for {@link done} (only storages counted by {@link expect}). */
  private readonly pendingUses = new Map<StorageRef, number>();
  constructor(
    private readonly file: string,
    private readonly readStorage: StorageReader,
    private readonly opts: { bigEndian?: boolean; onStorageRead?: (bytes: number) => void; readStorageInto?: StorageIntoReader } = {},
  ) {}

  private async storage(ref: StorageRef): Promise<TensorArray> {
    let data = this.cache.get(ref);
    if (!data) {
      const bytes = await this.readStorage(ref);
      const expected = ref.numel * ELEMENT_SIZE[ref.dtype];
      if (bytes.length !== expected) {
        throw new CheckpointError(this.file, `storage '${ref.key}' has ${bytes.length} bytes, expected ${expected} (${ref.numel} × ${ref.dtype}): truncated or corrupt`);
      }
      data = decodeStorage(bytes, ref.dtype, { bigEndian: this.opts.bigEndian });
      this.opts.onStorageRead?.(bytes.length);
      this.cache.set(ref, data);
    }
    return data;
  }

  /** Materialises one tensor (a subarray of its storage when the view is contiguous). */
  async load(t: TensorRef, name: string): Promise<TensorData> {
    const root = t.storage.root ?? t.storage;
    const base = t.storage.root ? t.storage.rootOffset : 0;
    const storage = await this.storage(root);
    const dtype = loadedDtype(root.dtype);
    let data: TensorArray;
    try {
      data = materialiseView(storage, dtype, base + t.offset, t.shape, t.stride);
    } catch (e) {
      throw new CheckpointError(this.file, `tensor '${name}': ${(e as Error).message}`);
    }
    return { dtype, shape: [...t.shape], data, originalDtype: root.dtype };
  }

  /**
   * Reads `t` straight into `dest` (its variable's own storage) when nothing is to be converted or cut: a float32
   * little-endian storage that is all of `t`, in C order, needed by no other tensor, not read yet. False otherwise:
   * then {@link load} it.
   */
  async loadInto(t: TensorRef, dest: Float32Array): Promise<boolean> {
    const root = t.storage.root ?? t.storage;
    const into = this.opts.readStorageInto;
    if (!into || root.dtype !== 'float32' || this.opts.bigEndian || this.cache.has(root) || (this.pendingUses.get(root) ?? 1) > 1) return false;
    const cstrides = contiguousStrides(t.shape);
    const whole = t.storage.rootOffset + t.offset === 0 && numel(t.shape) === root.numel && root.numel === dest.length;
    if (!whole || t.stride.length !== t.shape.length || !t.shape.every((s, d) => Number.isInteger(s) && s >= 0 && (s === 1 || t.stride[d] === cstrides[d]))) return false;
    await into(root, new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength));
    this.opts.onStorageRead?.(dest.byteLength);
    return true;
  }

  /** Announces that `t` will be read later and then {@link done}: its storage is kept until all such tensors are. */
  expect(t: TensorRef): void {
    const root = t.storage.root ?? t.storage;
    this.pendingUses.set(root, (this.pendingUses.get(root) ?? 0) + 1);
  }

  /** One announced tensor of `t`'s storage is finished with: the storage is dropped once none is left. */
  done(t: TensorRef): void {
    const root = t.storage.root ?? t.storage;
    const left = (this.pendingUses.get(root) ?? 1) - 1;
    if (left > 0) this.pendingUses.set(root, left);
    else {
      this.pendingUses.delete(root);
      this.cache.delete(root);
    }
  }

  /** Forgets decoded storages (tensors keep their own views). */
  release(): void {
    this.cache.clear();
  }
}
