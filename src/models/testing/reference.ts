/**
 * Test helpers for parity with `shared/reference/models/<name>*`: build the model from `_cfg.json`, load the
 * `.safetensors` / `.pth` through `fileio`, read `_io.npz`, and compare arrays with the parity tolerance.
 */
import { readFileSync } from 'node:fs';
import { loadCheckpoint, parseNpz, toFloat32, type NpyArray } from '../../fileio';
import { MODELS } from '../../registry';
import { sharedPath } from '../../testing/shared';
import { registerModels } from '../register_all';
import type { ImageClassifier } from '../classifiers/image';
import type { LoadReport } from '../nn/state_dict';

export const refPath = (name: string, suffix: string): string => sharedPath(`reference/models/${name}${suffix}`);

/** Builds the reference model (eval mode) and loads its checkpoint; returns the model and the load report. */
export async function loadReferenceModel(name: string, ext: '.safetensors' | '.pth' = '.safetensors'): Promise<{ model: ImageClassifier; report: LoadReport; cfg: Record<string, unknown> }> {
  registerModels();
  const cfg = JSON.parse(readFileSync(refPath(name, '_cfg.json'), 'utf8')) as Record<string, unknown>;
  const model = MODELS.build<ImageClassifier>(cfg as { type: string });
  const ckpt = await loadCheckpoint(new Uint8Array(readFileSync(refPath(name, ext))), `${name}${ext}`);
  const report = model.loadStateDict(ckpt.stateDict, { strict: true });
  model.eval();
  return { model, report, cfg };
}

export function loadReferenceIO(name: string): Record<string, NpyArray> {
  return parseNpz(new Uint8Array(readFileSync(refPath(name, '_io.npz'))), `${name}_io.npz`);
}

/**
 * Largest error of `actual` against `expected`: absolute where |expected| ≤ 1, relative above
 * (the parity rule "1e-4 absolute, or relative for |x| > 1").
 */
export function parityError(actual: ArrayLike<number>, expected: NpyArray | ArrayLike<number>): number {
  const e = 'dtype' in expected ? toFloat32(expected as NpyArray) : (expected as ArrayLike<number>);
  if (actual.length !== e.length) throw new Error(`length ${actual.length} ≠ expected ${e.length}`);
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(actual[i] - e[i]) / Math.max(1, Math.abs(e[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}
