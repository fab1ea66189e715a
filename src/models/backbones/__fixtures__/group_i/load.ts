/**
 * Reads the Swin fixtures of `make_fixtures.py` (MMPretrain 1.2's SwinTransformer / SwinTransformerV2 on PyTorch):
 * each case's config, the sha256 of its `key:shape` list and its outputs (NCHW). Weights and inputs are group D's
 * `detFill` / `detInput`, except `relative_position_index` / `relative_coords_table`, which keep their constructed
 * values. A case with `src_cfg` fills that model instead and loads its state dict into the case's model (strictly:
 * our pre-load hooks resize / rebuild what MMPretrain's do).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz, type NpyArray } from '../../../../fileio';
import { MODELS } from '../../../../registry';
import { registerModels } from '../../../register_all';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { AnyModule } from '../../../nn/module';
import type { LoadReport, StateDict } from '../../../nn/state_dict';
import { parityError } from '../../../testing/parity_core';
import { detFill, detInput, keysDigest } from '../group_d/load';

type Cfg = { type: string; [k: string]: unknown };

export interface GroupICase {
  name: string;
  cfg: Cfg;
  src_cfg?: Cfg;
  input_shape: number[];
  keys: { count: number; sha256: string };
  out_shapes: number[][];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupICases(): GroupICase[] {
  return (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupICase[] }).cases;
}

/** The arrays of `rpb_resize.npz` (`src_<s>_<d>` tables and their `dst_<s>_<d>` resized by MMPretrain). */
export function rpbResizeArrays(): Record<string, NpyArray> {
  return parseNpz(new Uint8Array(readFileSync(here('./rpb_resize.npz'))), 'rpb_resize.npz');
}

const KEEP = ['relative_position_index', 'relative_coords_table'];

/** Fills `m` by `detFill` in its state-dict order, keeping the constructed index / coordinate buffers. */
export function fillSwin(m: AnyModule): void {
  const own = m.stateDict();
  const sd: StateDict = new Map([...own].map(([k, e], i) => [k, KEEP.some((s) => k.includes(s)) ? e : detFill(i, k, e.shape)]));
  m.loadStateDict(sd);
}

export interface SwinCaseResult {
  keysMatch: boolean;
  report: LoadReport | null;
  errors: number[];
  shapes: number[][];
  finite: boolean;
}

export async function runGroupICase(c: GroupICase): Promise<SwinCaseResult> {
  registerModels();
  const expected = parseNpz(new Uint8Array(readFileSync(here(`./${c.name}.npz`))), `${c.name}.npz`);
  const model = MODELS.build<AnyModule>(structuredClone(c.cfg));
  const outs: Tensor[] = [];
  const x = tf.tensor(detInput(c.input_shape), c.input_shape);
  try {
    const keysMatch = keysDigest(model) === c.keys.sha256;
    let report: LoadReport | null = null;
    if (c.src_cfg) {
      const src = MODELS.build<AnyModule>(structuredClone(c.src_cfg));
      fillSwin(src);
      report = model.loadStateDict(src.stateDict());
      src.dispose();
    } else fillSwin(model);
    model.eval();
    const input = tf.tidy(() => toNHWC(x));
    outs.push(...(model.call(input) as Tensor[]));
    input.dispose();
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
    return { keysMatch, report, errors, shapes, finite };
  } finally {
    tf.dispose([x, ...outs]);
    model.dispose();
  }
}
