/**
 * Reads the fixtures of `make_fixtures.py` (MMPretrain 1.2's MlpMixer / XCiT / T2T_ViT sources on PyTorch,
 * non-default settings): each case's backbone config, state dict (PyTorch order), input and outputs (NCHW).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNpz, type NpyArray } from '../../../../fileio';
import type { Tensor } from '../../../../backends/tf';
import { tf } from '../../../../backends/tf';
import type { Module } from '../../../nn/module';
import type { StateDict } from '../../../nn/state_dict';
import { backboneErrors } from '../group_a/load';

export interface GroupLCase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  keys: string[];
  outputs: number;
  params: number;
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function groupLCase(name: string): { meta: GroupLCase; x: NpyArray; stateDict: StateDict; outs: NpyArray[] } {
  const all = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupLCase[] }).cases;
  const meta = all.find((c) => c.name === name);
  if (!meta) throw new Error(`no fixture case '${name}'`);
  const arrays = parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
  return {
    meta,
    x: arrays.x,
    stateDict: new Map(meta.keys.map((k) => [k, arrays[`sd:${k}`]])),
    outs: Array.from({ length: meta.outputs }, (_, i) => arrays[`out_${i}`]),
  };
}

/** Builds a case's backbone with `build`, loads its state dict strictly and measures each output (eval mode). */
export async function measureGroupLCase(name: string, build: (cfg: Record<string, unknown>) => Module<Tensor, Tensor[]>): Promise<{ keys: string[]; refKeys: string[]; errors: number[]; leak: number }> {
  const c = groupLCase(name);
  const { type, ...cfg } = c.meta.cfg;
  void type;
  const m = build(cfg);
  try {
    const keys = [...m.stateDictShapes().keys()];
    m.loadStateDict(c.stateDict, { strict: true });
    m.eval();
    const errors = await backboneErrors(m, c.x, c.outs);
    const before = tf.memory().numTensors;
    await backboneErrors(m, c.x, c.outs);
    return { keys, refKeys: c.meta.keys, errors, leak: tf.memory().numTensors - before };
  } finally {
    m.dispose();
  }
}
