/**
 * Reads the fixtures of `make_fixtures.py` (MMPretrain 1.2's ConvNeXt / ConvMixer / PoolFormer / RIFormer sources on
 * PyTorch, non-default settings): each case's backbone config, state dict (PyTorch order), input and outputs (NCHW).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf, type Tensor } from '../../../../backends/tf';
import { parseNpz, toFloat32, type NpyArray } from '../../../../fileio';
import { toNCHW, toNHWC } from '../../../nn/layout';
import type { Module } from '../../../nn/module';
import type { StateDict } from '../../../nn/state_dict';
import { parityError } from '../../../testing/parity_core';

export interface GroupACase {
  name: string;
  cfg: { type: string; [k: string]: unknown };
  keys: string[];
  outputs: number;
  deploy_keys?: string[];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export function fixtureCase(name: string): { meta: GroupACase; arrays: Record<string, NpyArray>; stateDict: (prefix?: string) => StateDict; outs: (prefix?: string) => NpyArray[] } {
  const all = (JSON.parse(readFileSync(here('./cases.json'), 'utf8')) as { cases: GroupACase[] }).cases;
  const meta = all.find((c) => c.name === name);
  if (!meta) throw new Error(`no fixture case '${name}'`);
  const arrays = parseNpz(new Uint8Array(readFileSync(here(`./${name}.npz`))), `${name}.npz`);
  const stateDict = (prefix = 'sd:'): StateDict => {
    const keys = prefix === 'sd:' ? meta.keys : (meta.deploy_keys ?? []);
    return new Map(keys.map((k) => [k, arrays[`${prefix}${k}`]]));
  };
  const outs = (prefix = 'out_'): NpyArray[] => Array.from({ length: meta.outputs }, (_, i) => arrays[`${prefix}${i}`]);
  return { meta, arrays, stateDict, outs };
}

/** Runs `backbone` (eval) on the case's NCHW input; each output's largest parity error against `expected`. */
export async function backboneErrors(backbone: Module<Tensor, Tensor[]>, x: NpyArray, expected: NpyArray[]): Promise<number[]> {
  const input = tf.tidy(() => toNHWC(tf.tensor(toFloat32(x), x.shape)));
  const outs = backbone.call(input);
  try {
    if (outs.length !== expected.length) throw new Error(`${outs.length} outputs, the reference has ${expected.length}`);
    const errs: number[] = [];
    for (const [i, o] of outs.entries()) {
      const nchw = tf.tidy(() => toNCHW(o));
      if (nchw.shape.join() !== expected[i].shape.join()) throw new Error(`out_${i}: shape [${nchw.shape}] ≠ reference [${expected[i].shape}]`);
      errs.push(parityError(await nchw.data(), expected[i]));
      nchw.dispose();
    }
    return errs;
  } finally {
    tf.dispose([input, ...outs]);
  }
}
