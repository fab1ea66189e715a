import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerEngine } from '../register_all';
import type { ParamGroupsOwner } from '../optimizers/param_groups';
import { momentumOf } from '../../tools/visualization/vis_scheduler';
import { buildParamSchedulers } from './index';

/** Values of mmengine 0.11's own scheduler code, made by testdata/mmengine_schedulers.py.txt (see its header). */
const REF = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'testdata/mmengine_schedulers.json'), 'utf8'));

interface Case {
  name: string;
  optimizer: 'sgd' | 'adam';
  steps: number;
  epoch_length?: number;
  metrics?: number[];
  schedulers: Record<string, unknown>[];
}
type Values = { lr: number; momentum: number; weight_decay: number }[];

/** The script's torch optimizers (no wrapper): two groups, the second with lr 0.05 (and no weight decay for SGD). */
function optimizer(kind: Case['optimizer']): ParamGroupsOwner {
  if (kind === 'sgd') {
    const d = { lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 1e-4, nesterov: false };
    return { paramGroups: [{ ...d }, { ...d, lr: 0.05, weight_decay: 0.0 }], defaults: d };
  }
  const d = { lr: 0.1, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weight_decay: 1e-4, amsgrad: false };
  return { paramGroups: [{ ...d, betas: [0.9, 0.999] }, { ...d, lr: 0.05, betas: [0.9, 0.999] }], defaults: d };
}

const record = (opt: ParamGroupsOwner): Values =>
  opt.paramGroups.map((g) => ({ lr: g.lr as number, momentum: momentumOf(g), weight_decay: g.weight_decay as number }));

beforeAll(() => registerEngine());

describe('schedulers equal mmengine 0.11 run on torch optimizers (testdata/mmengine_schedulers.json)', () => {
  for (const r of REF.results as { name: string; case: Case; values: Values[] }[]) {
    it(r.name, () => {
      const c = r.case;
      const opt = optimizer(c.optimizer);
      const scheds = buildParamSchedulers(c.schedulers, opt, { epochLength: c.epoch_length });
      const got: Values[] = [record(opt)];
      for (let t = 0; t < c.steps; t++) {
        for (const s of scheds) {
          if (c.metrics && (s.constructor as unknown as { needValArgs?: boolean }).needValArgs) {
            s.step();
            s.step({ loss: c.metrics[t] });
          } else s.step();
        }
        got.push(record(opt));
      }
      let worst = 0;
      r.values.forEach((step, t) =>
        step.forEach((g, i) => {
          for (const k of ['lr', 'momentum', 'weight_decay'] as const) {
            const want = g[k];
            const err = Math.abs(got[t][i][k] - want) / Math.max(Math.abs(want), 1e-300);
            worst = Math.max(worst, want === 0 ? Math.abs(got[t][i][k]) : err);
          }
        }),
      );
      console.log(`[parity] ${r.name}: max relative error ${worst.toExponential(2)} over ${r.values.length} steps`);
      expect(worst).toBeLessThanOrEqual(1e-12);
    });
  }
});
