/**
 * Reads the TNT / MixMIM fixtures of `make_fixtures.py` (MMPretrain 1.2's own sources on PyTorch, float64): each
 * case's config, the sha256 of its `key:shape` list and its outputs (NCHW). Weights and inputs are group D's
 * `detFill` / `detInput`, except `relative_position_index`, which keeps its constructed values.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz, type NpyArray } from '../../../../fileio';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { AnyModule } from '../../../nn/module';
import type { StateDict } from '../../../nn/state_dict';
import { parityError } from '../../../testing/parity_core';
import { detFill, detInput, keysDigest } from '../group_d/load';

export interface GroupQCase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  input_shape: number[];
  keys: { count: number; sha256: string };
  out_shapes: number[][];
  /** The folder of its outputs (default: group Q's). */
  dir?: URL;
}

/** Case `name` of the fixtures in folder `dir` (a `file:` URL ending in '/': its `cases.json` and `<case>.npz`). */
export function fixtureCase(dir: URL, name: string): GroupQCase {
  const c = (JSON.parse(readFileSync(fileURLToPath(new URL('cases.json', dir)), 'utf8')) as { cases: GroupQCase[] }).cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}`);
  return { ...c, dir };
}

export function groupQCase(name: string): GroupQCase {
  return fixtureCase(new URL('./', import.meta.url), name);
}

/** MixMIM's `attn_mask` of the block case [1, h·w, 1]: 1 where (3i + 5j) mod 7 < 3 (`block_mask`). */
export function blockMask(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w }, (_, p) => ((3 * Math.floor(p / w) + 5 * (p % w)) % 7 < 3 ? 1 : 0));
}

/** Fills every entry by `detFill` (index in state-dict order) except `relative_position_index`. */
export function fillGroupQ(m: AnyModule): void {
  const sd: StateDict = new Map();
  [...m.stateDictShapes()].forEach(([k, s], i) => {
    if (!k.includes('relative_position_index')) sd.set(k, detFill(i, k, s));
  });
  const report = m.loadStateDict(sd, { strict: false });
  if (report.unexpectedKeys.length || report.missingKeys.some((k) => !k.includes('relative_position_index'))) throw new Error('fillGroupQ: keys do not match');
}

/**
 * Fills `model`, runs it in eval mode on `detInput` (NHWC; `run` overrides the call) and returns whether its keys
 * match PyTorch's and each output's parity error (Infinity on a shape mismatch or a non-finite value).
 */
export async function runGroupQCase(model: AnyModule, c: GroupQCase, run: (x: Tensor) => Tensor[] = (x) => model.call(x) as Tensor[]): Promise<{ keysMatch: boolean; errors: number[] }> {
  const expected: Record<string, NpyArray> = parseNpz(new Uint8Array(readFileSync(fileURLToPath(new URL(`${c.name}.npz`, c.dir ?? new URL('./', import.meta.url))))), `${c.name}.npz`);
  const keysMatch = keysDigest(model) === c.keys.sha256;
  fillGroupQ(model);
  model.eval();
  const input = tf.tidy(() => toNHWC(tf.tensor(detInput(c.input_shape), c.input_shape)));
  const outs = run(input);
  input.dispose();
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
