/**
 * Runs the cases of `make_fixtures.py` (MMPretrain 1.2's ViTEVA02 / RevVisionTransformer / LoRAModel sources on
 * PyTorch): builds the config, checks the `key:shape` digest, fills the weights by group D's `detFill` (for LoRAModel
 * also the wrapped module's full state dict), runs `detInput` in eval mode and measures each output (NCHW).
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
import { detInput, fillDeterministic, keysDigest } from '../group_d/load';

interface GroupKCase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  keys: { count: number; sha256: string; filled?: { count: number; sha256: string } };
  input_shape: number[];
  out_shapes: number[][];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupKCases(prefix: string): string[] {
  const all = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupKCase[] }).cases;
  return all.filter((c) => c.name.startsWith(prefix)).map((c) => c.name);
}

export async function runGroupKCase(name: string): Promise<{ keysMatch: boolean; errors: number[]; shapes: number[][]; leak: number }> {
  registerModels();
  const c = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupKCase[] }).cases.find((x) => x.name === name)!;
  const expected = parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
  const m = MODELS.build<AnyModule>(structuredClone(c.cfg));
  const x = tf.tensor(detInput(c.input_shape), c.input_shape);
  const outs: Tensor[] = [];
  try {
    let keysMatch = keysDigest(m) === c.keys.sha256;
    fillDeterministic(m);
    if (c.keys.filled) {
      const inner = m.child('module');
      keysMatch &&= keysDigest(inner) === c.keys.filled.sha256;
      fillDeterministic(inner);
    }
    m.eval();
    const input = tf.tidy(() => toNHWC(x));
    outs.push(...(m.call(input) as Tensor[]));
    const before = tf.memory().numTensors;
    tf.dispose(m.call(input) as Tensor[]);
    const leak = tf.memory().numTensors - before;
    input.dispose();
    const errors: number[] = [];
    const shapes: number[][] = [];
    for (const [i, o] of outs.entries()) {
      const t = o.rank === 4 ? tf.tidy(() => toNCHW(o)) : o;
      const ref = expected[`out_${i}`];
      shapes.push([...t.shape]);
      errors.push(ref.shape.join() === t.shape.join() ? parityError(await t.data(), ref) : Infinity);
      if (t !== o) t.dispose();
    }
    return { keysMatch, errors, shapes, leak };
  } finally {
    tf.dispose([x, ...outs]);
    m.dispose();
  }
}
