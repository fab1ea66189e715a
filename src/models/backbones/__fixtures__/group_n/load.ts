/**
 * Reads the Twins / DaViT fixtures of `make_fixtures.py` (MMPretrain 1.2 on PyTorch): each case's config, the sha256
 * of its `key:shape` list and its outputs (NCHW). Weights and inputs are group D's `detFill` / `detInput`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz } from '../../../../fileio';
import { MODELS } from '../../../../registry';
import { registerModels } from '../../../register_all';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { AnyModule } from '../../../nn/module';
import { parityError } from '../../../testing/parity_core';
import { fillDeterministic, detInput, keysDigest } from '../group_d/load';

export interface GroupNCase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  input_shape: number[];
  keys: { count: number; sha256: string };
  out_shapes: number[][];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupNCases(type: string): GroupNCase[] {
  return (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupNCase[] }).cases.filter((c) => c.cfg.type === type);
}

/** Builds the case, fills it, runs it in eval mode; errors per output against MMPretrain (Infinity on a shape mismatch). */
export async function runGroupNCase(c: GroupNCase): Promise<{ keysMatch: boolean; errors: number[]; shapes: number[][] }> {
  registerModels();
  const expected = parseNpz(new Uint8Array(readFileSync(here(`./${c.name}.npz`))), `${c.name}.npz`);
  const model = MODELS.build<AnyModule>(structuredClone(c.cfg));
  const outs: Tensor[] = [];
  try {
    const keysMatch = keysDigest(model) === c.keys.sha256;
    fillDeterministic(model);
    model.eval();
    const input = tf.tidy(() => toNHWC(tf.tensor(detInput(c.input_shape), c.input_shape)));
    outs.push(...(model.call(input) as Tensor[]));
    input.dispose();
    const errors: number[] = [];
    const shapes: number[][] = [];
    for (const [i, o] of outs.entries()) {
      const nchw = tf.tidy(() => toNCHW(o));
      const data = await nchw.data();
      shapes.push([...nchw.shape]);
      const ref = expected[`out_${i}`];
      errors.push(ref && ref.shape.join() === nchw.shape.join() && data.every(Number.isFinite) ? parityError(data, ref) : Infinity);
      nchw.dispose();
    }
    return { keysMatch, errors, shapes };
  } finally {
    tf.dispose(outs);
    model.dispose();
  }
}
