/**
 * Reads the Vision GNN / HiViT fixtures of `make_fixtures.py` (MMPretrain 1.2 on PyTorch, float64): each case's
 * config, the sha256 of its `key:shape` list and its outputs (NCHW). Weights are group D's `detFill`, except the
 * constructed `relative_pos` / `relative_position_index`; inputs are `hashInput`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz, type NpyArray } from '../../../../fileio';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { AnyModule } from '../../../nn/module';
import type { StateDict } from '../../../nn/state_dict';
import { parityError } from '../../../testing/parity_core';
import { detFill, keysDigest } from '../group_d/load';

export interface GroupOCase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  input_shape: number[];
  keys: { count: number; sha256: string };
  out_shapes: number[][];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupOCase(name: string): GroupOCase {
  const c = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupOCase[] }).cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}`);
  return c;
}

export function groupOArrays(name: string): Record<string, NpyArray> {
  return parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
}

/** 2·frac(sin(12.9898·j + 78.233)·43758.5453) − 1 (`hash_input`). */
export function hashInput(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, j) => {
    const v = Math.sin(12.9898 * j + 78.233) * 43758.5453;
    return 2 * (v - Math.floor(v)) - 1;
  });
}

const KEEP = (k: string) => k.endsWith('relative_pos') || k.includes('relative_position_index');

/** Fills every entry by `detFill` (index in state-dict order) except the constructed position tables. */
export function fillGroupO(m: AnyModule): void {
  const sd: StateDict = new Map();
  [...m.stateDictShapes()].forEach(([k, s], i) => {
    if (!KEEP(k)) sd.set(k, detFill(i, k, s));
  });
  m.loadStateDict(sd, { strict: false });
}

/** Fills, runs in eval mode on `hashInput`; per output the parity error against PyTorch (Infinity on a mismatch). */
export async function runGroupOCase(model: AnyModule, c: GroupOCase): Promise<{ keysMatch: boolean; errors: number[] }> {
  const expected = groupOArrays(c.name);
  const keysMatch = keysDigest(model) === c.keys.sha256;
  fillGroupO(model);
  model.eval();
  const input = tf.tidy(() => toNHWC(tf.tensor(hashInput(c.input_shape), c.input_shape)));
  const y = model.call(input) as Tensor | Tensor[];
  input.dispose();
  const outs = Array.isArray(y) ? y : [y];
  const errors: number[] = [];
  try {
    for (const [i, o] of outs.entries()) {
      const nchw = tf.tidy(() => toNCHW(o));
      const data = await nchw.data();
      const ref = expected[`out_${i}`];
      errors.push(ref && ref.shape.join() === nchw.shape.join() && data.every(Number.isFinite) ? parityError(data, ref) : Infinity);
      nchw.dispose();
    }
  } finally {
    tf.dispose(outs);
  }
  return { keysMatch, errors };
}
