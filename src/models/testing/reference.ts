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

/** Largest parity error of every stored output of `<name>_io.npz`, and the load report, for one checkpoint. */
export interface ParityResult {
  report: LoadReport;
  errors: Record<string, number>;
  predLabelsMatch: boolean;
  tensorLeak: number;
}

/** Runs every comparison the reference files allow (backbone, neck, logits, predictions, uint8 path). */
export async function measureParity(name: string, ext: '.safetensors' | '.pth' = '.safetensors'): Promise<ParityResult> {
  const { tf } = await import('../../backends/tf');
  const { model, report } = await loadReferenceModel(name, ext);
  const io = loadReferenceIO(name);
  const errors: Record<string, number> = {};
  const x = tf.tensor(toFloat32(io.input), io.input.shape);
  const check = (key: string, t: { shape: number[]; dataSync(): ArrayLike<number> }) => {
    if (t.shape.join() !== io[key].shape.join()) throw new Error(`${key}: shape [${t.shape}] ≠ reference [${io[key].shape}]`);
    errors[key] = parityError(t.dataSync(), io[key]);
  };
  const bb = model.extractFeat(x, 'backbone');
  bb.forEach((t, i) => check(`backbone_out_${i}`, t));
  if (io.neck_out_0) model.extractFeat(x, 'neck').forEach((t, i) => (check(`neck_out_${i}`, t), t.dispose()));
  const logits = model.call(x) as import('../../backends/tf').Tensor;
  check('logits', logits);
  const preds = model.predict(x);
  errors.pred_score = parityError(Float32Array.from(preds.flatMap((p) => [...p.pred_score!])), io.pred_score);
  const predLabelsMatch = preds.every((p, i) => p.pred_label![0] === Number(io.pred_label.data[i]));
  const raw = tf.tensor(Int32Array.from(io.raw_uint8.data as Uint8Array), io.raw_uint8.shape, 'int32');
  const { inputs } = model.dataPreprocessor.forward({ inputs: raw });
  check('preproc_out', inputs);
  const l2 = model.call(inputs) as import('../../backends/tf').Tensor;
  check('logits_from_uint8', l2);
  tf.dispose([x, ...bb, logits, raw, inputs, l2]);
  const z = tf.zeros(io.input.shape);
  tf.dispose(model.call(z));
  const before = tf.memory().numTensors;
  tf.dispose(model.call(z));
  const tensorLeak = tf.memory().numTensors - before;
  z.dispose();
  model.dispose();
  return { report, errors, predLabelsMatch, tensorLeak };
}
