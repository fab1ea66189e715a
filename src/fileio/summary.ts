import type { Checkpoint } from './checkpoint';
import { numel, type StoredDtype } from './tensor_data';

/** What a UI or CLI shows about a loaded checkpoint. */
export interface CheckpointSummary {
  format: Checkpoint['format'];
  /** Where the state dict was found (`'state_dict'`, `'model'`, or `null` = top level). */
  stateDictKey: string | null;
  tensors: number;
  /** Total elements over all state-dict tensors (parameters and buffers). */
  values: number;
  /** Bytes of the loaded tensors (after float16/bfloat16 widening). */
  bytes: number;
  /** Tensor count per stored element type. */
  dtypes: Partial<Record<StoredDtype, number>>;
  classes?: string[];
  /** Other top-level entries (training state such as `optimizer`, `message_hub`). */
  otherKeys: string[];
  placeholders: string[];
  forbidden: string[];
  warnings: string[];
}

/** Counts and lists the contents of a checkpoint. */
export function summarizeCheckpoint(ck: Checkpoint): CheckpointSummary {
  const dtypes: Partial<Record<StoredDtype, number>> = {};
  let values = 0;
  let bytes = 0;
  for (const t of ck.stateDict.values()) {
    values += numel(t.shape);
    bytes += t.data.byteLength;
    dtypes[t.originalDtype] = (dtypes[t.originalDtype] ?? 0) + 1;
  }
  return {
    format: ck.format,
    stateDictKey: ck.stateDictKey,
    tensors: ck.stateDict.size,
    values,
    bytes,
    dtypes,
    classes: ck.classes,
    otherKeys: Object.keys(ck.other).filter((k) => k !== '__metadata__'),
    placeholders: ck.placeholders,
    forbidden: ck.forbidden,
    warnings: ck.warnings,
  };
}

/** One line like `resnet.pth (pth-zip): 320 tensors, 25,557,032 values (float32 ×267, int64 ×53) under 'state_dict', 1000 classes (tench, …)`. */
export function formatSummaryLine(name: string, s: CheckpointSummary): string {
  const dt = Object.entries(s.dtypes).map(([d, n]) => `${d} ×${n}`).join(', ');
  const classes = s.classes ? `, ${s.classes.length} classes (${s.classes.slice(0, 5).join(', ')}${s.classes.length > 5 ? ', …' : ''})` : '';
  return `${name} (${s.format}): ${s.tensors} tensors, ${s.values.toLocaleString('en-US')} values (${dt})${s.stateDictKey ? ` under '${s.stateDictKey}'` : ''}${classes}`;
}
