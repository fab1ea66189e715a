/**
 * Reads the fixtures of `make_fixtures.py` (MMPretrain 1.2's HRNet / HRFuseScales / DenseNet / InceptionV3 sources on
 * PyTorch): each case's module configs, the sha256 of each module's `key:shape` list, and its outputs (NCHW). Weights
 * and inputs are not stored: `detFill` / `detInput` compute the same values as the script's `det_fill` / `det_input`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz, type NpyArray } from '../../../../fileio';
import { MODELS } from '../../../../registry';
import { registerModels } from '../../../register_all';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { AnyModule } from '../../../nn/module';
import type { StateDict, StateDictEntry } from '../../../nn/state_dict';
import { parityError } from '../../../testing/parity_core';

export interface GroupDCase {
  name: string;
  /** Module configs by part ('backbone', 'neck'), run in that order. */
  cfgs: Record<string, { type: string; [k: string]: unknown }>;
  keys: Record<string, { count: number; sha256: string }>;
  input_shape: number[];
  /** Outputs taken in training mode. */
  train: boolean;
  out_shapes: number[][];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupDCase(name: string): GroupDCase {
  const all = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupDCase[] }).cases;
  const c = all.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case '${name}'`);
  return c;
}

/** The case's PyTorch outputs (NCHW), `out_0`, `out_1`, … */
export function expectedOutputs(name: string): NpyArray[] {
  const arrays = parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
  return Object.keys(arrays)
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .map((k) => arrays[k]);
}

/** State-dict entry number `index` (`det_fill` of the script). */
export function detFill(index: number, key: string, shape: number[]): StateDictEntry {
  const n = shape.reduce((a, b) => a * b, 1);
  if (key.endsWith('num_batches_tracked')) return { dtype: 'int64', shape, data: new BigInt64Array(n) };
  // value = offset + scale · sin(0.61803·j + 0.37·index), by the kind of entry.
  const [offset, scale] = key.endsWith('running_mean')
    ? [0, 0.1]
    : key.endsWith('running_var')
      ? [1, 0.25]
      : key.endsWith('bias')
        ? [0, 0.05]
        : shape.length === 1
          ? [0.8, 0.2]
          : [0, Math.sqrt(1 / (n / shape[0]))];
  const data = new Float32Array(n);
  const phase = 0.37 * index;
  // sin by rotation, re-anchored every 256 elements (within ~1e-14 of Math.sin; far faster for 10M-parameter models).
  const [ca, sa] = [Math.cos(0.61803), Math.sin(0.61803)];
  for (let j0 = 0; j0 < n; j0 += 256) {
    let sn = Math.sin(0.61803 * j0 + phase);
    let cs = Math.cos(0.61803 * j0 + phase);
    for (let j = j0; j < Math.min(n, j0 + 256); j++) {
      data[j] = offset + scale * sn;
      [sn, cs] = [sn * ca + cs * sa, cs * ca - sn * sa];
    }
  }
  return { dtype: 'float32', shape, data };
}

/** The deterministic NCHW input (`det_input`). */
export function detInput(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, j) => Math.sin(0.1 * j + 0.5));
}

/** sha256 of the module's `key:shape` lines in state-dict order (as the script writes them). */
export function keysDigest(m: AnyModule): string {
  const lines = [...m.stateDictShapes()].map(([k, s]) => `${k}:${s.join(',')}\n`).join('');
  return createHash('sha256').update(lines).digest('hex');
}

/** Fills `m` by `detFill` in its own state-dict order (strict load). */
export function fillDeterministic(m: AnyModule): void {
  const sd: StateDict = new Map([...m.stateDictShapes()].map(([k, s], i) => [k, detFill(i, k, s)]));
  m.loadStateDict(sd);
}

export interface CaseResult {
  /** Per part: our key digest equals PyTorch's (order, names, shapes). */
  keysMatch: Record<string, boolean>;
  /** Largest parity error of each output. */
  errors: number[];
  shapes: number[][];
  /** Every output finite. */
  finite: boolean;
}

/** Builds, fills and runs a case (backbone, then the neck on its features) on the active backend. */
export async function runGroupDCase(name: string): Promise<CaseResult> {
  registerModels();
  const c = groupDCase(name);
  const expected = parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
  const parts = Object.entries(c.cfgs).map(([part, cfg]) => [part, MODELS.build<AnyModule>(structuredClone(cfg))] as const);
  const outs: Tensor[] = [];
  const x = tf.tensor(detInput(c.input_shape), c.input_shape);
  try {
    const keysMatch: Record<string, boolean> = {};
    for (const [part, m] of parts) {
      keysMatch[part] = keysDigest(m) === c.keys[part].sha256;
      fillDeterministic(m);
      m.train(c.train);
    }
    const input = tf.tidy(() => toNHWC(x));
    let feats = parts[0][1].call(input) as Tensor[];
    input.dispose();
    outs.push(...feats);
    for (const [, m] of parts.slice(1)) {
      feats = m.call(feats) as Tensor[];
      outs.push(...feats);
    }
    const errors: number[] = [];
    const shapes: number[][] = [];
    let finite = true;
    for (const [i, o] of outs.entries()) {
      const nchw = tf.tidy(() => toNCHW(o));
      const data = await nchw.data();
      shapes.push([...nchw.shape]);
      finite &&= data.every((v) => Number.isFinite(v));
      const ref: NpyArray | undefined = expected[`out_${i}`];
      errors.push(ref && ref.shape.join() === nchw.shape.join() ? parityError(data, ref) : Infinity);
      nchw.dispose();
    }
    return { keysMatch, errors, shapes, finite };
  } finally {
    tf.dispose([x, ...outs]);
    for (const [, m] of parts) m.dispose();
  }
}
