/**
 * State dicts as PyTorch's: an ordered map from dotted names (`backbone.layer1.0.conv1.weight`) to arrays.
 * The checkpoint readers in `src/fileio` produce entries of this shape; `Module.stateDict()` writes them.
 */

/** One tensor of a state dict: dtype name as PyTorch/safetensors spell it, shape, C-order data. */
export interface StateDictEntry {
  dtype: string;
  shape: number[];
  data: ArrayLike<number> | BigInt64Array | BigUint64Array;
}

/**
 * An entry whose data is read from its file only when needed, then dropped (`loadCheckpoint(..., { lazy: true })`):
 * `Module.loadStateDictStreaming` reads one entry, writes it into its variable and releases it, so a checkpoint is
 * never held in memory whole beside the model. Reading `data` before `load()` throws and sets `requested`.
 */
export interface StreamedEntry extends StateDictEntry {
  readonly loaded: boolean;
  /** Set when `data` was read while not loaded (a load-state-dict pre-hook needs it). */
  requested: boolean;
  load(): Promise<unknown>;
  /** Reads the values straight into `dest` where nothing is to be converted; false: {@link load} them instead. */
  loadInto?(dest: Float32Array): Promise<boolean>;
  /** Drops the data (and its storage once no other entry uses it). */
  release(): void;
}

/** True for an entry that streams its data ({@link StreamedEntry}). */
export function isStreamedEntry(e: StateDictEntry): e is StreamedEntry {
  return typeof (e as Partial<StreamedEntry>).load === 'function' && typeof (e as Partial<StreamedEntry>).release === 'function';
}

/** A state dict: insertion order is the PyTorch `state_dict()` order. */
export type StateDict = Map<string, StateDictEntry>;

/** What `loadStateDict` found, as PyTorch's `_IncompatibleKeys` plus shape mismatches. */
export interface LoadReport {
  /** Keys the model has that the state dict lacks. */
  missingKeys: string[];
  /** Keys the state dict has that the model lacks. */
  unexpectedKeys: string[];
  /** Keys present in both with different shapes (not loaded). */
  shapeMismatches: { key: string; expected: number[]; got: number[] }[];
}

/** Accepts a `Map` or a plain object of entries. */
export function asStateDict(sd: StateDict | Record<string, StateDictEntry>): StateDict {
  return sd instanceof Map ? sd : new Map(Object.entries(sd));
}

/** The entry's values as float32 (int64 and float64 converted). */
export function entryToFloat32(entry: StateDictEntry): Float32Array {
  const d = entry.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A human-readable report, one line per problem (as mmengine's `load_state_dict` logs). */
export function formatLoadReport(report: LoadReport): string {
  const lines: string[] = [];
  if (report.unexpectedKeys.length) lines.push(`unexpected key in source state_dict: ${report.unexpectedKeys.join(', ')}`);
  if (report.shapeMismatches.length) {
    lines.push('size mismatch for:');
    for (const m of report.shapeMismatches) {
      lines.push(`  ${m.key}: copying a param with shape (${m.got.join(', ')}) from checkpoint, the shape in current model is (${m.expected.join(', ')})`);
    }
  }
  if (report.missingKeys.length) lines.push(`missing keys in source state_dict: ${report.missingKeys.join(', ')}`);
  return lines.join('\n');
}

/** True when nothing was missing, unexpected or mismatched. */
export function isCleanLoad(report: LoadReport): boolean {
  return !report.missingKeys.length && !report.unexpectedKeys.length && !report.shapeMismatches.length;
}
