import { beforeEach, describe, expect, it, vi } from 'vitest';
import { shallow } from 'zustand/shallow';
import { packScalars, type LoopPosition, type TrainEvent } from '../../../engine/runner/worker_protocol';
import { loadJsonLog } from '../../../tools/analysis_tools/load_json_log';
import { useLogsStore } from '../logs/logsStore';
import { initialRunState, scalarsJsonText, selectChart, selectProgress, seriesArray } from './runState';
import { CurvePoints } from './TrainCharts';
import { useTrainStore } from './trainStore';

/** Every line the Logs panel's parser is given, counted (the store must hand it each record once). */
const parsed = vi.hoisted(() => ({ lines: 0, calls: 0 }));
vi.mock('../../../tools/analysis_tools/load_json_log', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../../tools/analysis_tools/load_json_log')>();
  return {
    ...mod,
    loadJsonLog: (text: string, ...rest: Parameters<typeof mod.loadJsonLog> extends [string, ...infer R] ? R : never) => {
      parsed.calls++;
      parsed.lines += text.split('\n').filter((l) => l.trim()).length;
      return mod.loadJsonLog(text, ...rest);
    },
  };
});

const pos = (iter: number): LoopPosition => ({ iter, maxIters: 10_000, epoch: 0, maxEpochs: 1, innerIter: iter, epochLength: 10_000, byEpoch: true, secPerIter: 0.01, phase: 'train' });
const trainRecord = (i: number) => ({ lr: 0.01, loss: 2 / (1 + i), epoch: 1, iter: i, step: i });
const progress = (records: Record<string, number>[], iter: number, lines: string[] = []): TrainEvent => ({ kind: 'progress', position: pos(iter), scalars: packScalars(records), lines });
const feed = (e: TrainEvent) => useTrainStore.getState().onEvent(e);

const LOG_NAME = 'lenet5_mnist/20260101_000000/vis_data/scalars.json';

beforeEach(() => {
  useTrainStore.setState({ ...initialRunState, runName: 'lenet5_mnist', startedAt: 1_700_000_000 });
  useLogsStore.getState().clearRuns();
  parsed.lines = parsed.calls = 0;
  feed({ kind: 'started', backend: 'wasm', workDir: 'opfs:work_dirs/lenet5_mnist', timestamp: '20260101_000000', resumedFrom: null, position: pos(0) });
});

describe('the train store appends', () => {
  it('N progress events cost O(N): each record is unpacked, stored and parsed for the Logs panel once', () => {
    const N = 3000;
    const curve = new CurvePoints('iter', 'loss');
    let previousItems: readonly unknown[] | null = null;
    let reused = 0;
    for (let i = 1; i <= N; i++) {
      const recs = i % 100 === 0 ? [trainRecord(i), { 'accuracy/top1': i / 100, step: i / 100 }] : [trainRecord(i)];
      feed(progress(recs, i, [`line ${i}`]));
      const s = useTrainStore.getState();
      if (previousItems && s.records.items === previousItems) reused++;
      previousItems = s.records.items;
      curve.update(s.train); // the loss chart's points, as the component extends them on each render
    }
    const s = useTrainStore.getState();
    // One growing array over every event (no copy of the records so far), each record parsed once.
    expect(reused).toBe(N - 1);
    expect(s.records.length).toBe(N + N / 100);
    expect(parsed.lines).toBe(N + N / 100);
    expect(parsed.calls).toBe(N);
    expect(curve.reads).toBe(N);
    expect(curve.points.length).toBe(N);
    expect([s.train.length, s.val.length]).toEqual([N, N / 100]);
    expect(s.lines.length).toBe(400);
    // What the Logs panel holds is what it would read from the whole file.
    const run = useLogsStore.getState().runs.find((r) => r.id === LOG_NAME)!;
    expect(run.name).toBe('lenet5_mnist 20260101_000000');
    const whole = loadJsonLog(scalarsJsonText(s.records), LOG_NAME);
    expect({ ...run.log, meta: {} }).toEqual({ ...whole, meta: {} });
    expect(run.log.meta.start_time).toBe(1_700_000_000);
  });

  it("the chart's slice does not change on updates it does not draw; the progress line's does", () => {
    feed(progress([trainRecord(1), trainRecord(2)], 2));
    let chartChanges = 0;
    let progressChanges = 0;
    const unsubscribe = useTrainStore.subscribe((state, prev) => {
      // What `useTrainStore(useShallow(selectChart))` compares before it renders the chart.
      if (!shallow(selectChart(state), selectChart(prev))) chartChanges++;
      if (!shallow(selectProgress(state), selectProgress(prev))) progressChanges++;
    });
    const unrelated: TrainEvent[] = [
      { kind: 'state', state: 'paused' },
      { kind: 'state', state: 'running' },
      { kind: 'checkpoint', name: 'epoch_1.pth', bytes: 10 },
      { kind: 'survival', iter: 2, epoch: 0, innerIter: 2, bytes: 10, reason: 'interval' },
      { kind: 'warning', message: 'storage almost full' },
      progress([], 3, ['a log line, no scalars']),
      { kind: 'val', epoch: 1, metrics: { 'accuracy/top1': 50 }, confusion: null, classes: null },
    ];
    for (const e of unrelated) feed(e);
    expect(chartChanges).toBe(0);
    expect(progressChanges).toBe(3); // paused, running, the progress position
    feed(progress([trainRecord(3)], 3));
    expect(chartChanges).toBe(1);
    // The key list is the same array until a new key is logged.
    const keys = useTrainStore.getState().trainKeys;
    feed(progress([trainRecord(4)], 4));
    expect(useTrainStore.getState().trainKeys).toBe(keys);
    feed(progress([{ ...trainRecord(5), data_time: 0.1 }], 5));
    expect(useTrainStore.getState().trainKeys).toEqual(['data_time', 'loss', 'lr']);
    unsubscribe();
  });

  it('a lost backend rewinds to the state the run goes on from: records after it dropped, the Logs panel re-read once', () => {
    for (let i = 1; i <= 8; i++) feed(progress(i === 4 ? [trainRecord(i), { 'accuracy/top1': 40, step: 1 }] : [trainRecord(i)], i));
    feed({ kind: 'val', epoch: 1, metrics: { 'accuracy/top1': 40 }, confusion: null, classes: null });
    feed({ kind: 'val', epoch: 2, metrics: { 'accuracy/top1': 45 }, confusion: null, classes: null });
    parsed.lines = 0;
    const curve = new CurvePoints('iter', 'loss');
    curve.update(useTrainStore.getState().train);
    // Lost at iteration 7, the state after iteration 6 kept: 6 train records and epoch 1's val record.
    feed({ kind: 'backend-lost', lost: 'webgl', backend: 'wasm', message: 'WebGL context lost at iteration 7; continuing on WASM from iteration 6.', lostAtIter: 7, resumedIter: 6, from: 'snapshot', keepRecords: 7, keepValEpochs: 1, timestamp: '20260101_000100', position: pos(6) });
    let s = useTrainStore.getState();
    expect(seriesArray(s.train).map((r) => r.iter)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seriesArray(s.val)).toEqual([{ 'accuracy/top1': 40, step: 1 }]);
    expect(s.vals.map((v) => v.epoch)).toEqual([1]);
    expect(s).toMatchObject({ backend: 'wasm', status: 'running', backendNotices: ['WebGL context lost at iteration 7; continuing on WASM from iteration 6.'] });
    expect(curve.update(s.train).map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 7; i <= 8; i++) {
      feed(progress([trainRecord(i)], i));
      curve.update(useTrainStore.getState().train);
    }
    s = useTrainStore.getState();
    expect(curve.points.map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(curve.reads).toBe(8 + 2); // the 8 first records, then the two new ones (nothing read again)
    expect(seriesArray(s.train).map((r) => r.iter)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The rewind parsed nothing again: only the two new records.
    expect(parsed.lines).toBe(2);
    const run = useLogsStore.getState().runs.find((r) => r.id === LOG_NAME)!;
    expect(run.log.train.map((r) => r.scalars.iter)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect({ ...run.log, meta: {} }).toEqual({ ...loadJsonLog(scalarsJsonText(s.records), LOG_NAME), meta: {} });
  });
});
