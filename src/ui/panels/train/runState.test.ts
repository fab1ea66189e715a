import { describe, expect, it } from 'vitest';
import { packScalars, type LoopPosition, type TrainEvent } from '../../../engine/runner/worker_protocol';
import { applyTrainEvent, etaSeconds, formatDuration, initialRunState, scalarsJsonText, seriesArray, type RunState } from './runState';
import { resumableFrom, resumeLabel, type SavedRunInfo } from './savedRuns';
import { withConfusionMatrix } from './runConfig';

const pos = (iter: number, secPerIter: number | null = null): LoopPosition => ({ iter, maxIters: 8, epoch: 0, maxEpochs: 2, innerIter: iter % 4, epochLength: 4, byEpoch: true, secPerIter, phase: 'train' });

describe('run state from worker events', () => {
  it('folds a run: records (as scalars.json), checkpoints kept/removed, val, done', () => {
    const events: TrainEvent[] = [
      { kind: 'started', backend: 'wasm', workDir: 'opfs:work_dirs/x', timestamp: '20261122_040000', resumedFrom: null, position: pos(0) },
      { kind: 'progress', position: pos(2, 0.5), scalars: packScalars([{ lr: 0.01, loss: 2.25, epoch: 1, iter: 1, step: 1 }, { lr: 0.01, loss: 2, epoch: 1, iter: 2, step: 2 }]), lines: ['a', 'b'] },
      { kind: 'checkpoint', name: 'epoch_1.pth', bytes: 10 },
      { kind: 'val', epoch: 1, metrics: { 'accuracy/top1': 50 }, confusion: [[1, 0], [1, 0]], classes: ['a', 'b'] },
      { kind: 'progress', position: pos(4, 0.5), scalars: packScalars([{ 'accuracy/top1': 50, step: 1 }]), lines: [] },
      { kind: 'checkpoint', name: 'epoch_2.pth', bytes: 10 },
      { kind: 'checkpoint-removed', name: 'epoch_1.pth' },
      { kind: 'state', state: 'paused' },
    ];
    let s: RunState = initialRunState;
    for (const e of events) s = applyTrainEvent(s, e);
    expect(s.status).toBe('paused');
    expect(s.checkpoints.map((c) => c.name)).toEqual(['epoch_2.pth']);
    expect(s.lines).toEqual(['a', 'b']);
    expect(seriesArray(s.val)).toEqual([{ 'accuracy/top1': 50, step: 1 }]);
    expect(seriesArray(s.train).map((r) => r.iter)).toEqual([1, 2]);
    expect([s.trainKeys, s.valKeys]).toEqual([['loss', 'lr'], ['accuracy/top1']]);
    expect(scalarsJsonText(s.records)).toBe('{"lr": 0.01, "loss": 2.25, "epoch": 1, "iter": 1, "step": 1}\n{"lr": 0.01, "loss": 2.0, "epoch": 1, "iter": 2, "step": 2}\n{"accuracy/top1": 50.0, "step": 1}\n');
    expect(etaSeconds(s.position)).toBe(2);
    expect(formatDuration(3725)).toBe('1:02:05');
    s = applyTrainEvent(s, { kind: 'error', message: 'loss nan', invalidLoss: { iter: 5, epoch: 2, lastCheckpoint: 'epoch_2.pth' } });
    expect(s).toMatchObject({ status: 'failed', error: { invalidLoss: { lastCheckpoint: 'epoch_2.pth' } } });
  });

  it('a run is offered for resume when it has a checkpoint and did not finish', () => {
    const info = { name: 'x', status: 'running' } as SavedRunInfo;
    const ptr = new TextEncoder().encode('opfs:work_dirs/x/epoch_3.pth');
    expect(resumableFrom(info, ptr)?.checkpoint).toBe('epoch_3.pth');
    expect(resumableFrom({ ...info, status: 'finished' }, ptr)).toBeNull();
    expect(resumableFrom(info, null)).toBeNull();
  });

  it('a survival checkpoint newer than last_checkpoint is offered as "resume run X from iteration k"', () => {
    const info = { name: 'lenet5_mnist', status: 'failed' } as SavedRunInfo;
    const ptr = new TextEncoder().encode('opfs:work_dirs/lenet5_mnist/epoch_1.pth');
    const survival = { file: 'survival.pth', iter: 6, epoch: 1, inner_iter: 2, epoch_length: 4, last_ckpt: 'epoch_1.pth', reason: 'interval' as const, bytes: 1, time: 't' };
    const r = resumableFrom(info, ptr, survival)!;
    expect(r).toMatchObject({ checkpoint: 'survival.pth', iter: 6 });
    expect(resumeLabel(r)).toBe('Resume run lenet5_mnist from iteration 6');
    // Written before epoch_2.pth: the epoch checkpoint is newer.
    const later = resumableFrom(info, new TextEncoder().encode('opfs:work_dirs/lenet5_mnist/epoch_2.pth'), survival)!;
    expect(resumeLabel(later)).toBe('Resume run lenet5_mnist from epoch_2.pth');
    // A crash before any epoch checkpoint: the survival checkpoint alone.
    expect(resumableFrom(info, null, { ...survival, last_ckpt: null })?.iter).toBe(6);
    let s = applyTrainEvent(initialRunState, { kind: 'survival', iter: 6, epoch: 1, innerIter: 2, bytes: 10, reason: 'interval' });
    s = applyTrainEvent(s, { kind: 'warning', message: 'storage full' });
    expect(s).toMatchObject({ survival: { iter: 6, innerIter: 2 }, warning: 'storage full' });
  });

  it('ConfusionMatrix joins val_evaluator once', () => {
    const cfg = withConfusionMatrix({ val_evaluator: { type: 'Accuracy', topk: [1] } });
    expect(cfg.val_evaluator).toEqual([{ type: 'Accuracy', topk: [1] }, { type: 'ConfusionMatrix' }]);
    expect(withConfusionMatrix(cfg)).toBe(cfg);
    expect(withConfusionMatrix({ val_evaluator: null }).val_evaluator).toBeNull();
  });
});
