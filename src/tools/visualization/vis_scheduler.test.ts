import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerEngine } from '../../engine/register_all';
import { sharedPath, missingShared } from '../../testing/shared';
import { scheduleCsv, scheduleCurve, scheduleReferenceToConfig, simulateSchedule, SCHEDULE_PARAMS } from './vis_scheduler';

const dir = sharedPath('reference/schedules');
const files = !missingShared(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];


/** Largest |a-b| / max(|b|, tiny) over two series. */
function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
  return worst;
}

beforeAll(() => registerEngine());

describe('vis_scheduler parity with mmengine (shared/reference/schedules)', () => {
  it.skipIf(files.length === 0)('has reference files', () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const file of files) {
    it(`${file}: lr, momentum and wd equal mmengine's in every iteration`, () => {
      const ref = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const sim = simulateSchedule(scheduleReferenceToConfig(ref), { datasetSize: ref.dataset_size, ngpus: ref.ngpus });
      expect(sim.iters_per_epoch).toBe(ref.iters_per_epoch);
      expect(sim.total_iters).toBe(ref.total_iters);
      for (const p of SCHEDULE_PARAMS) {
        const curve = scheduleCurve(sim, p);
        expect(curve.values.length).toBe(ref[p].length);
        const err = maxRelError(curve.values, ref[p]);
        console.log(`[parity] ${file} ${p}: max relative error ${err.toExponential(2)} over ${ref[p].length} iterations`);
        expect(err).toBeLessThanOrEqual(1e-12);
      }
    });
  }
});

describe('vis_scheduler semantics', () => {
  const base = {
    train_dataloader: { batch_size: 16 },
    train_cfg: { by_epoch: true, max_epochs: 4 },
    optim_wrapper: { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 1e-4 } },
  };

  it('iters_per_epoch = floor(dataset_size / (batch × ngpus)); GPUs scale the batch', () => {
    const sim = simulateSchedule({ ...base, param_scheduler: { type: 'StepLR', step_size: 1, gamma: 0.5 } }, { datasetSize: 100, ngpus: 2 });
    expect(sim.iters_per_epoch).toBe(3);
    expect(sim.total_iters).toBe(12);
    expect(scheduleCsv(sim).split('\n').slice(0, 5)).toEqual(['iter,epoch,lr,momentum,wd', '0,0,0.1,0.9,0.0001', '1,0.333333,0.1,0.9,0.0001', '2,0.666667,0.1,0.9,0.0001', '3,1,0.05,0.9,0.0001']);
    expect(Array.from(sim.lr)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125]);
  });

  it('iteration-based loops use max_iters; a dataset size defaults to one batch', () => {
    const sim = simulateSchedule({ ...base, train_cfg: { type: 'IterBasedTrainLoop', max_iters: 5 }, param_scheduler: { type: 'LinearLR', start_factor: 0.5, by_epoch: false, end: 3 } });
    expect(sim.by_epoch).toBe(false);
    expect(sim.iters_per_epoch).toBe(1);
    // The chained formula rounds as Python does: 0.05 * (1 + 0.5 / 1.0) = 0.07500000000000001.
    expect(Array.from(sim.lr)).toEqual([0.05, 0.07500000000000001, 0.1, 0.1, 0.1]);
  });

  it('momentum schedulers drive Adam betas[0]; auto_scale_lr scales when asked', () => {
    const cfg = {
      ...base,
      optim_wrapper: { optimizer: { type: 'AdamW', lr: 0.001, weight_decay: 0.05 } },
      param_scheduler: [{ type: 'MultiStepMomentum', milestones: [2], gamma: 0.5 }],
      auto_scale_lr: { base_batch_size: 32 },
    };
    const sim = simulateSchedule(cfg, { datasetSize: 32, autoScaleLr: true });
    expect(Array.from(sim.momentum)).toEqual([0.9, 0.9, 0.9, 0.9, 0.45, 0.45, 0.45, 0.45]);
    expect(sim.lr[0]).toBe(0.001); // enable is false
    const on = simulateSchedule({ ...cfg, auto_scale_lr: { base_batch_size: 32, enable: true } }, { datasetSize: 32, autoScaleLr: true });
    expect(on.lr[0]).toBe(0.0005);
  });

  it('layer-wise lr decay configs simulate with the base lr (the SimpleModel conv is the top layer)', () => {
    const sim = simulateSchedule(
      {
        ...base,
        optim_wrapper: {
          optimizer: { type: 'AdamW', lr: 4e-3, weight_decay: 0.05 },
          constructor: 'LearningRateDecayOptimWrapperConstructor',
          paramwise_cfg: { layer_decay_rate: 0.65, custom_keys: { '.cls_token': { decay_mult: 0.0 } } },
        },
        param_scheduler: { type: 'CosineAnnealingLR', by_epoch: false, eta_min: 1e-6 },
      },
      { datasetSize: 16 },
    );
    expect(sim.lr[0]).toBe(4e-3);
    expect(sim.wd[0]).toBe(0.05);
  });

  it('rejects a dataset smaller than a batch and an unknown dataset size', () => {
    expect(() => simulateSchedule({ ...base, param_scheduler: [] }, { datasetSize: 10 })).toThrow(/smaller than one batch/);
    expect(() => simulateSchedule({ ...base, param_scheduler: [] })).toThrow(/dataset size is unknown/);
    const cifar = { ...base, train_dataloader: { batch_size: 16, dataset: { type: 'CIFAR10', split: 'train' } }, param_scheduler: [] };
    expect(simulateSchedule(cifar).iters_per_epoch).toBe(3125);
  });
});
