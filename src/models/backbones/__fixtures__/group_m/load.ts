/**
 * Reads `cases.json` of `make_fixtures.py` (MMPretrain 1.2's LeViT / LeViTClsHead / TinyViT sources on PyTorch with
 * LCG weights) and compares a model's outputs (NHWC or (B, C)) with the stored NCHW summaries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { Lcg, fillLcg, summaryErrors, type OutputSummary } from '../../../testing/lcg_weights';
import type { AnyModule } from '../../../nn/module';
import { BatchNorm } from '../../../nn/norm';
import { toNCHW } from '../../../nn/layout';

export interface GroupMCase {
  name: string;
  family: 'LeViT' | 'TinyViT';
  backbone: { type: string; [k: string]: unknown };
  head?: { type: string; [k: string]: unknown };
  size: number;
  weight_seed: number;
  var_scale?: number;
  input_seed: number;
  outputs: OutputSummary[];
  train_outputs?: OutputSummary[];
  deploy_outputs?: OutputSummary[];
  deploy_keys?: [string, number[]][];
  num_params?: number;
}

export function groupMCase(name: string): GroupMCase {
  const all = (JSON.parse(readFileSync(fileURLToPath(new URL('./cases.json', import.meta.url)), 'utf8')) as { cases: GroupMCase[] }).cases;
  const c = all.find((k) => k.name === name);
  if (!c) throw new Error(`no fixture case '${name}'`);
  return c;
}

/** LCG weights as the generator's `fill` (running variances × `var_scale`). */
export function fillCase(model: AnyModule, c: Pick<GroupMCase, 'weight_seed' | 'var_scale'>): void {
  fillLcg(model, c.weight_seed);
  const s = c.var_scale ?? 1;
  if (s !== 1) for (const [, m] of model.namedModules()) if (m instanceof BatchNorm) tf.tidy(() => m.runningVar.assign(tf.mul(m.runningVar, s)));
}

/** The case's NCHW input [1, 3, size, size]. */
export function caseInput(c: GroupMCase): Tensor {
  const n = 3 * c.size * c.size;
  return tf.tensor(Float32Array.from(new Lcg(c.input_seed).take(n)), [1, 3, c.size, c.size]);
}

/** Largest of the summary errors (Σ, Σ|·|, samples) of each output against `refs`; outputs are disposed. */
export async function outputErrors(outs: Tensor[], refs: OutputSummary[]): Promise<number[]> {
  try {
    if (outs.length !== refs.length) throw new Error(`${outs.length} outputs, the reference has ${refs.length}`);
    const errs: number[] = [];
    for (const [i, o] of outs.entries()) {
      const nchw = o.rank === 4 ? tf.tidy(() => toNCHW(o)) : o;
      if (nchw.shape.join() !== refs[i].shape.join()) throw new Error(`out_${i}: shape [${nchw.shape}] ≠ reference [${refs[i].shape}]`);
      const e = summaryErrors(await nchw.data(), refs[i]);
      errs.push(Math.max(e.sum, e.absSum, e.samples));
      if (nchw !== o) nchw.dispose();
    }
    return errs;
  } finally {
    tf.dispose(outs);
  }
}
