/**
 * Parity with `shared/reference/models/<name>*` from bytes (no `node:fs`): used by the Node tests (`reference.ts`)
 * and by the page (`window.__mmpw.modelParity`, the Playwright model-parity spec on webgpu / webgl / wasm).
 * Builds the model from its `_cfg.json` dict on the active backend, loads the checkpoint, runs every comparison the
 * `_io.npz` allows (backbone, neck, logits, predictions, the uint8 → data preprocessor path) and checks for leaks.
 */
import { tf, type Tensor } from '../../backends/tf';
import { loadCheckpoint, toFloat32, type NpyArray } from '../../fileio';
import { MODELS } from '../../registry';
import { registerModels } from '../register_all';
import type { ImageClassifier } from '../classifiers/image';
import type { LoadReport } from '../nn/state_dict';

/**
 * Largest error of `actual` against `expected`: absolute where |expected| ≤ 1, relative above
 * (the parity rule "1e-4 absolute, or relative for |x| > 1"). A NaN anywhere counts as Infinity.
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

/** Builds the reference model (eval mode) on the active backend and loads its checkpoint strictly. */
export async function buildReferenceModel(cfg: Record<string, unknown>, checkpoint: { data: Uint8Array; name: string }): Promise<{ model: ImageClassifier; report: LoadReport }> {
  registerModels();
  const model = MODELS.build<ImageClassifier>(cfg as { type: string });
  try {
    const ckpt = await loadCheckpoint(checkpoint.data, checkpoint.name);
    const report = model.loadStateDict(ckpt.stateDict, { strict: true });
    model.eval();
    return { model, report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Largest parity error of every stored output of `<name>_io.npz`, and the load report, for one checkpoint. */
export interface ParityResult {
  report: LoadReport;
  /** Output key of the `_io.npz` (`backbone_out_0`, `neck_out_0`, `logits`, `pred_score`, `preproc_out`, `logits_from_uint8`) → largest error. */
  errors: Record<string, number>;
  predLabelsMatch: boolean;
  /** Tensors left behind by one more forward pass (must be 0). */
  tensorLeak: number;
  /** The tfjs backend the model ran on. */
  backend: string;
  /** Wall time of the first forward pass (includes shader compilation on GPU backends) and of a later one, ms. */
  firstForwardMs: number;
  forwardMs: number;
}

/** Reads a tensor's values without blocking (GPU backends), checking its shape against the reference. */
async function compare(errors: Record<string, number>, io: Record<string, NpyArray>, key: string, t: Tensor): Promise<void> {
  const ref = io[key];
  if (!ref) throw new Error(`${key}: not in the _io.npz`);
  if (t.shape.join() !== ref.shape.join()) throw new Error(`${key}: shape [${t.shape}] ≠ reference [${ref.shape}]`);
  errors[key] = parityError(await t.data(), ref);
}

/** Runs every comparison on the active backend; the model is built, used and disposed here. */
export async function measureParityFromBytes(cfg: Record<string, unknown>, checkpoint: { data: Uint8Array; name: string }, io: Record<string, NpyArray>): Promise<ParityResult> {
  const { model, report } = await buildReferenceModel(cfg, checkpoint);
  const errors: Record<string, number> = {};
  const owned: Tensor[] = [];
  const keep = <T extends Tensor | Tensor[]>(t: T): T => (owned.push(...(Array.isArray(t) ? t : [t])), t);
  try {
    const x = keep(tf.tensor(toFloat32(io.input), io.input.shape));
    let t0 = performance.now();
    const first = keep(model.call(x) as Tensor);
    await first.data();
    const firstForwardMs = performance.now() - t0;
    const bb = keep(model.extractFeat(x, 'backbone'));
    for (const [i, t] of bb.entries()) await compare(errors, io, `backbone_out_${i}`, t);
    if (io.neck_out_0) for (const [i, t] of keep(model.extractFeat(x, 'neck')).entries()) await compare(errors, io, `neck_out_${i}`, t);
    t0 = performance.now();
    const logits = keep(model.call(x) as Tensor);
    await logits.data();
    const forwardMs = performance.now() - t0;
    await compare(errors, io, 'logits', logits);
    const preds = await model.predictAsync(x); // no synchronous GPU read (it loses the WebGPU device on SwiftShader)
    errors.pred_score = parityError(Float32Array.from(preds.flatMap((p) => [...p.pred_score!])), io.pred_score);
    const predLabelsMatch = preds.every((p, i) => p.pred_label![0] === Number(io.pred_label.data[i]));
    const raw = keep(tf.tensor(Int32Array.from(io.raw_uint8.data as Uint8Array), io.raw_uint8.shape, 'int32'));
    const { inputs } = model.dataPreprocessor.forward({ inputs: raw });
    keep(inputs);
    await compare(errors, io, 'preproc_out', inputs);
    await compare(errors, io, 'logits_from_uint8', keep(model.call(inputs) as Tensor));
    tf.dispose(owned.splice(0));
    const z = keep(tf.zeros(io.input.shape));
    tf.dispose(model.call(z));
    const before = tf.memory().numTensors;
    tf.dispose(model.call(z));
    const tensorLeak = tf.memory().numTensors - before;
    return { report, errors, predLabelsMatch, tensorLeak, backend: tf.getBackend(), firstForwardMs, forwardMs };
  } finally {
    tf.dispose(owned);
    model.dispose();
  }
}
