import { beforeAll, describe, expect, it } from 'vitest';
import { registerEngine } from '../register_all';
import { PARAM_SCHEDULERS } from '../../registry';
import { SimulatedOptimWrapper } from '../optimizers/optim_wrapper_config';
import type { ParamGroup } from '../optimizers/param_groups';
import { buildParamSchedulers, INF, schedulerLog, type ParamScheduler, type SchedulerBuildContext } from './index';
import { formatExp } from '../../utils/python_format';

beforeAll(() => registerEngine());

const sgd = (lr = 0.1, extra: ParamGroup = {}) => new SimulatedOptimWrapper([{ lr, momentum: 0.9, weight_decay: 1e-4, ...extra }], { lr, momentum: 0.9, weight_decay: 1e-4 });
const adam = () => new SimulatedOptimWrapper([{ lr: 1e-3, betas: [0.9, 0.999], weight_decay: 0 }], { lr: 1e-3, betas: [0.9, 0.999], weight_decay: 0 });

/** Values of group 0's `key` used in steps 0..n-1, stepping every scheduler after each (one unit per step). */
function run(cfg: Record<string, unknown> | Record<string, unknown>[], n: number, opt = sgd(), key = 'lr', ctx: SchedulerBuildContext = {}): number[] {
  const schedulers: ParamScheduler[] = buildParamSchedulers(cfg, opt, ctx);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(opt.paramGroups[0][key] as number);
    for (const s of schedulers) s.step();
  }
  return out;
}

const close = (a: number[], b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

describe('parameter schedulers (mmengine chainable formulas)', () => {
  it('registers every mmengine name', () => {
    for (const n of ['StepLR', 'MultiStepLR', 'ConstantLR', 'LinearLR', 'ExponentialLR', 'CosineAnnealingLR', 'PolyLR', 'OneCycleLR', 'CosineRestartLR', 'StepMomentum', 'CosineAnnealingMomentum', 'LinearParamScheduler', 'CosineRestartMomentum', 'ReduceOnPlateauLR', 'ReduceOnPlateauMomentum', 'ReduceOnPlateauParamScheduler']) {
      expect(PARAM_SCHEDULERS.has(n)).toBe(true);
    }
  });

  it('StepLR and MultiStepLR (repeated milestones decay twice)', () => {
    close(run({ type: 'StepLR', step_size: 2, gamma: 0.5 }, 6), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    close(run({ type: 'MultiStepLR', milestones: [1, 3, 3], gamma: 0.1 }, 5), [0.1, 0.01, 0.01, 0.0001, 0.0001]);
  });

  it('ConstantLR multiplies from begin and restores at end - 1', () => {
    // total_iters = end - begin - 1 = 2: the factor is undone at step 2, as mmengine does.
    close(run({ type: 'ConstantLR', factor: 0.5, end: 3 }, 5), [0.05, 0.05, 0.1, 0.1, 0.1]);
  });

  it('LinearLR reaches end_factor at end-1 and stays', () => {
    close(run({ type: 'LinearLR', start_factor: 0.25, end: 4 }, 6), [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]);
  });

  it('ExponentialLR, PolyLR follow their closed forms', () => {
    close(run({ type: 'ExponentialLR', gamma: 0.9 }, 4), [0.1, 0.09, 0.081, 0.0729]);
    const T = 5; // end - begin; total_iters = T - 1, polynomial in (1 - t / total_iters) ... chained form
    const poly = run({ type: 'PolyLR', eta_min: 0.01, power: 2, end: T }, 6);
    const closed = [0, 1, 2, 3, 4].map((t) => (0.1 - 0.01) * (1 - t / (T - 1)) ** 2 + 0.01);
    close(poly, [...closed, closed[4]]);
  });

  it('CosineAnnealingLR (eta_min, eta_min_ratio) equals the closed form, and climbs back past T_max', () => {
    const T = 10;
    const closed = (t: number, min: number) => min + ((0.1 - min) * (1 + Math.cos((Math.PI * t) / T))) / 2;
    close(run({ type: 'CosineAnnealingLR', T_max: T, eta_min: 0.001 }, 20), Array.from({ length: 20 }, (_, t) => closed(t, 0.001)));
    close(run({ type: 'CosineAnnealingLR', T_max: T, eta_min_ratio: 0.1 }, 11), Array.from({ length: 11 }, (_, t) => closed(t, 0.01)));
    expect(() => run({ type: 'CosineAnnealingLR', eta_min: 0, eta_min_ratio: 0.1 }, 1)).toThrow(/eta_min/);
  });

  it('CosineRestartLR restarts at each period with its weight', () => {
    const periods = [4, 6];
    const w = [1, 0.5];
    const got = run({ type: 'CosineRestartLR', periods, restart_weights: w, eta_min: 0 }, 12);
    const closed = (t: number) => {
      const idx = t < 4 ? 0 : 1;
      const s = idx === 0 ? t : t - 4;
      return (0.1 * w[idx] * (1 + Math.cos((Math.PI * s) / periods[idx]))) / 2;
    };
    close(got.slice(0, 10), Array.from({ length: 10 }, (_, t) => closed(t)));
    expect(got[10]).toBe(got[9]); // past the last period the value is kept
  });

  it('OneCycleLR: warm-up from eta_max/div_factor to eta_max, then to the minimum (PyTorch 1cycle)', () => {
    const got = run({ type: 'OneCycleLR', eta_max: 1.0, total_steps: 10, pct_start: 0.3, by_epoch: false }, 10);
    expect(got[0]).toBeCloseTo(1 / 25, 15);
    expect(got[2]).toBeCloseTo(1.0, 15); // end of phase 1 = 0.3 * 10 - 1
    expect(got[9]).toBeCloseTo(1 / 25 / 1e4, 15);
    const lin = run({ type: 'OneCycleLR', eta_max: 1.0, total_steps: 10, anneal_strategy: 'linear', three_phase: true }, 10);
    expect(lin[4]).toBeCloseTo(1 / 25, 12); // end of phase 2 = 2 * 0.3 * 10 - 2
    expect(() => run({ type: 'OneCycleLR', eta_max: 1, total_steps: 3 }, 6)).toThrow(/Tried to step 5 times/);
  });

  it('chains overlapping schedulers in config order; uncovered gaps keep the value', () => {
    const got = run([{ type: 'LinearLR', start_factor: 0.5, end: 3 }, { type: 'MultiStepLR', milestones: [2, 5], gamma: 0.1 }], 7);
    // step 2: linear reaches 1.0 (0.1) then multistep ×0.1 → 0.01; step 5: ×0.1
    close(got, [0.05, 0.075, 0.01, 0.01, 0.01, 0.001, 0.001]);
    const gap = run([{ type: 'ExponentialLR', gamma: 0.5, end: 2 }, { type: 'ExponentialLR', gamma: 0.5, begin: 4, end: 6 }], 7);
    close(gap, [0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
  });

  it('convert_to_iter_based scales begin / end / periods by epoch_length; end defaults to max epochs', () => {
    const ctx = { epochLength: 3, maxEpochs: 4, maxIters: 12 };
    const [s] = buildParamSchedulers({ type: 'CosineAnnealingLR', T_max: 2, begin: 1, convert_to_iter_based: true }, sgd(), ctx);
    expect([s.begin, s.end, s.byEpoch, (s.opts as unknown as { T_max: number }).T_max]).toEqual([3, 12, false, 6]);
    const [m] = buildParamSchedulers({ type: 'MultiStepLR', milestones: [1, 2], convert_to_iter_based: true }, sgd(), ctx);
    expect((m.opts as unknown as { milestones: number[] }).milestones).toEqual([3, 6]);
    const [plain] = buildParamSchedulers({ type: 'StepLR', step_size: 1 }, sgd(), ctx);
    expect(plain.end).toBe(4);
    const [iter] = buildParamSchedulers({ type: 'StepLR', step_size: 1, by_epoch: false }, sgd(), ctx);
    expect(iter.end).toBe(12);
    expect(buildParamSchedulers({ type: 'StepLR', step_size: 1 }, sgd())[0].end).toBe(INF);
    expect(() => buildParamSchedulers({ type: 'StepLR', step_size: 1, convert_to_iter_based: true }, sgd())).toThrow(/epoch_length/);
  });

  it('momentum forms schedule SGD momentum and Adam betas[0]; weight decay through param_name', () => {
    close(run({ type: 'StepMomentum', step_size: 1, gamma: 0.5 }, 3, sgd(), 'momentum'), [0.9, 0.45, 0.225]);
    const opt = adam();
    const betas = run({ type: 'LinearMomentum', start_factor: 0.5, end: 3 }, 4, opt, 'momentum');
    close(betas, [0.45, 0.675, 0.9, 0.9]);
    expect(opt.paramGroups[0].betas).toEqual([0.9, 0.999]);
    close(run({ type: 'StepParamScheduler', param_name: 'weight_decay', step_size: 1, gamma: 0.1 }, 3, sgd(), 'weight_decay'), [1e-4, 1e-5, 1e-6]);
    const noMomentum = new SimulatedOptimWrapper([{ lr: 0.1, weight_decay: 0 }], { lr: 0.1, lr_decay: 0 });
    expect(() => run({ type: 'StepMomentum', step_size: 1 }, 1, noMomentum)).toThrow('optimizer must support momentum when using momentum scheduler');
  });

  it('ReduceOnPlateauLR reduces after `patience` validations without improvement, respecting cooldown and min_value', () => {
    const opt = sgd();
    const [s] = buildParamSchedulers({ type: 'ReduceOnPlateauLR', monitor: 'loss', patience: 1, factor: 0.5, cooldown: 1, min_value: 0.03 }, opt);
    expect(opt.paramGroups[0].lr).toBe(0.1); // no step when built
    const lrs: number[] = [];
    for (const loss of [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1]) {
      s.step(); // the epoch counter (after_train_epoch)
      s.step({ loss }); // after_val_epoch with the metrics
      lrs.push(opt.paramGroups[0].lr as number);
    }
    // bad, bad (>1) -> x0.5; cooldown swallows the next; bad, bad -> x0.5 clipped at 0.03 ...
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03, 0.03, 0.03]);
    expect(() => s.step({ acc: 1 })).toThrow(/got key loss is not in dict/);
    expect(() => buildParamSchedulers({ type: 'ReduceOnPlateauLR', by_epoch: false }, sgd())).toThrow(/only support by_epoch=True/);
  });

  it('CosineAnnealingWeightDecay (MMPretrain) anneals weight decay; a zero weight decay stays zero', () => {
    const opt = new SimulatedOptimWrapper([{ lr: 0.1, weight_decay: 0.04 }, { lr: 0.1, weight_decay: 0 }], { lr: 0.1, weight_decay: 0.04 });
    const got = run({ type: 'CosineAnnealingWeightDecay', T_max: 4, eta_min: 0.01 }, 5, opt, 'weight_decay');
    close(got, [0, 1, 2, 3, 4].map((t) => 0.01 + ((0.04 - 0.01) * (1 + Math.cos((Math.PI * t) / 4))) / 2));
    expect(opt.paramGroups[1].weight_decay).toBe(0);
  });

  it('verbose logs each update as mmengine formats it', () => {
    const lines: string[] = [];
    const saved = schedulerLog.info;
    schedulerLog.info = (m) => void lines.push(m);
    run({ type: 'StepLR', step_size: 1, gamma: 0.5, verbose: true }, 2);
    schedulerLog.info = saved;
    // Once when built (step 0), then after each of the two steps.
    expect(lines).toEqual(['Adjusting parameter value of group 0 to 1.0000e-01.', 'Adjusting parameter value of group 0 to 5.0000e-02.', 'Adjusting parameter value of group 0 to 2.5000e-02.']);
    expect(formatExp(1.5e123, 2)).toBe('1.50e+123');
  });

  it('bad configs get mmengine messages', () => {
    expect(() => run({ type: 'StepLR', step_size: 1, begin: 5, end: 5 }, 1)).toThrow('end should be larger than begin, but got begin=5, end=5');
    expect(() => run({ type: 'StepLR', stepsize: 1 }, 1)).toThrow(/unknown option 'stepsize' — did you mean 'step_size'/);
    expect(() => run({ type: 'StepLR' }, 1)).toThrow(/missing required option 'step_size'/);
    expect(() => run({ type: 'LinearLR', start_factor: 2 }, 1)).toThrow('Starting multiplicative factor should between 0 and 1.');
    expect(() => run({ type: 'StepLR', step_size: 1, param_name: 'lr' }, 1)).toThrow(/unknown option 'param_name'/);
    expect(() => run({ type: 'CosineAnealingLR' }, 1)).toThrow(/did you mean 'CosineAnnealingLR'/);
  });

  it('state dict round-trips the counters (resume mid-schedule)', () => {
    const opt = sgd();
    const [s] = buildParamSchedulers({ type: 'CosineAnnealingLR', T_max: 10 }, opt);
    for (let i = 0; i < 4; i++) s.step();
    const state = s.stateDict();
    expect(state).toMatchObject({ last_step: 4, _global_step: 4, base_values: [0.1], T_max: 10, param_name: 'lr', eta_min: 0 });
    const opt2 = sgd(opt.paramGroups[0].lr as number, { initial_lr: 0.1 });
    // As the runner resumes: optimizer groups restored (lr, initial_lr), schedulers built, then their state loaded.
    const [r] = buildParamSchedulers({ type: 'CosineAnnealingLR', T_max: 10 }, opt2);
    r.loadStateDict(state);
    s.step();
    r.step();
    expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
    expect(() => buildParamSchedulers({ type: 'StepLR', step_size: 1, last_step: 3 }, sgd())).toThrow("param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
  });
});
