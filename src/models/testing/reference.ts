/**
 * Test helpers for parity with `shared/reference/models/<name>*` in Node: read the `_cfg.json`, the `.safetensors` /
 * `.pth` and the `_io.npz` from `shared/`; the comparisons themselves are `parity_core.ts` (shared with the page).
 */
import { readFileSync } from 'node:fs';
import { parseNpz, type NpyArray } from '../../fileio';
import { sharedPath } from '../../testing/shared';
import type { ImageClassifier } from '../classifiers/image';
import type { LoadReport } from '../nn/state_dict';
import { buildReferenceModel, measureParityFromBytes, type ParityResult } from './parity_core';

export { parityError, type ParityResult } from './parity_core';

export const refPath = (name: string, suffix: string): string => sharedPath(`reference/models/${name}${suffix}`);

function readReference(name: string, ext: '.safetensors' | '.pth') {
  const cfg = JSON.parse(readFileSync(refPath(name, '_cfg.json'), 'utf8')) as Record<string, unknown>;
  return { cfg, checkpoint: { data: new Uint8Array(readFileSync(refPath(name, ext))), name: `${name}${ext}` } };
}

/** Builds the reference model (eval mode) and loads its checkpoint; returns the model and the load report. */
export async function loadReferenceModel(name: string, ext: '.safetensors' | '.pth' = '.safetensors'): Promise<{ model: ImageClassifier; report: LoadReport; cfg: Record<string, unknown> }> {
  const { cfg, checkpoint } = readReference(name, ext);
  return { ...(await buildReferenceModel(cfg, checkpoint)), cfg };
}

export function loadReferenceIO(name: string): Record<string, NpyArray> {
  return parseNpz(new Uint8Array(readFileSync(refPath(name, '_io.npz'))), `${name}_io.npz`);
}

/** Runs every comparison the reference files allow (backbone, neck, logits, predictions, uint8 path) on the active backend. */
export async function measureParity(name: string, ext: '.safetensors' | '.pth' = '.safetensors'): Promise<ParityResult> {
  const { cfg, checkpoint } = readReference(name, ext);
  return measureParityFromBytes(cfg, checkpoint, loadReferenceIO(name));
}
