/**
 * A checkpoint tensor whose data stays in its file until asked for (`loadCheckpoint(..., { lazy: true })`): a model
 * reads it, copies it into its variable and releases it, one tensor at a time (`Module.loadStateDictStreaming`), so
 * a checkpoint is never in memory whole beside the model that receives it.
 */
import type { StoredDtype, TensorArray, TensorData, TensorDtype } from './tensor_data';

export class StreamedTensor implements TensorData {
  declare data: TensorArray;
  /** Set when `data` was read before {@link load}: a reader that needs the values asks for them this way. */
  requested = false;
  private value: TensorArray | null = null;
  private pending: Promise<TensorArray> | null = null;
  private released = false;

  constructor(
    readonly dtype: TensorDtype,
    readonly shape: number[],
    readonly originalDtype: StoredDtype,
    /** Names the tensor in messages (`key` in the file). */
    readonly key: string,
    private readonly read: () => Promise<TensorArray>,
    private readonly onRelease: () => void = () => undefined,
    /** Reads the values straight into a float32 destination when the file holds them as they are (else false). */
    private readonly readInto: ((dest: Float32Array) => Promise<boolean>) | null = null,
  ) {
    // an own enumerable accessor, so `{ ...entry }` copies the values (and asks for them when not loaded)
    Object.defineProperty(this, 'data', {
      enumerable: true,
      get: (): TensorArray => {
        if (this.value) return this.value;
        this.requested = true;
        throw new Error(`tensor '${this.key}' is not read from its file yet (call load() first)`);
      },
      set: (v: TensorArray) => {
        this.value = v;
      },
    });
  }

  get loaded(): boolean {
    return this.value !== null;
  }

  /** Reads the values from the file (once; later calls return the same array until {@link release}). */
  async load(): Promise<TensorArray> {
    if (this.value) return this.value;
    this.pending ??= this.read().then((v) => {
      this.value = v;
      this.pending = null;
      return v;
    });
    return this.pending;
  }

  /**
   * Reads the values into `dest` (the variable that receives them) without keeping them, when nothing is to be
   * converted; false when they must be {@link load}ed (another dtype, a view of a shared storage, already read).
   */
  async loadInto(dest: Float32Array): Promise<boolean> {
    if (this.value || this.pending || !this.readInto || this.released) return false;
    return this.readInto(dest);
  }

  /**
   * Drops the values, and tells the reader this tensor is finished with (its storage goes once no other tensor
   * needs it), read or not. A later {@link load} reads again.
   */
  release(): void {
    this.value = null;
    this.pending = null;
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}
