import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { loadJsonLog } from './load_json_log';
import { logKeys, plotCurve } from './plot_curve';
import { axisTitle, seriesSupportsAxis, xOf } from './x_axis';

const logsDir = sharedPath('data/logs');
const read = (file: string) => loadJsonLog(readFileSync(join(logsDir, file), 'utf8'), file);
const FRUIT = 'kv-chiu__Fruit-Classification.json';
const CAMP = 'duanbo320__openmmlab_camp.json';
const DREAM = 'DreamBinary__openlab__cifar10_mmcls0x.json';

describe.skipIf(missingShared(logsDir))('plotCurve on real mmengine logs', () => {
  it('train key: x in epochs = step / (last_step / last_epoch), legend {file}_{key}', () => {
    const fruit = read(FRUIT);
    const { series, xLabel } = plotCurve([fruit], { keys: ['loss'] });
    expect(series).toHaveLength(1);
    const s = series[0];
    expect([s.label, s.phase, s.xLabel, xLabel]).toEqual(['kv-chiu__Fruit-Classification_loss', 'train', 'Epochs', 'Epochs']);
    expect(s.points).toHaveLength(100);
    // last line: step 9600, epoch 100 → 96 iterations per epoch
    expect(s.points.slice(0, 3).map((p) => p.x)).toEqual([1, 2, 3]);
    expect(s.points[0].y).toBe(2.800637459754944);
    expect(s.points[99]).toMatchObject({ x: 100, step: 9600, iter: 9600, epoch: 100, line: 199 });
  });

  it('validation keys win over train keys (so `time` plots validation time), x = step', () => {
    const { series } = plotCurve([read(FRUIT)], { keys: ['accuracy/top1', 'time'] });
    expect(series.map((s) => [s.phase, s.xLabel])).toEqual([
      ['val', 'Steps'],
      ['val', 'Steps'],
    ]);
    expect(series[0].points.map((p) => p.x).slice(0, 3)).toEqual([1, 2, 3]);
    expect(series[0].points[99].y).toBe(75.46875);
    expect(series[1].points[0].y).toBe(0.05465501546859741);
  });

  it('many logs × many keys, log-major legend; a wrong legend length fails', () => {
    const logs = [read(FRUIT), read(CAMP)];
    const r = plotCurve(logs, { keys: ['loss', 'accuracy/top1'], title: 'cmp' });
    expect(r.title).toBe('cmp');
    expect(r.series.map((s) => s.label)).toEqual([
      'kv-chiu__Fruit-Classification_loss',
      'kv-chiu__Fruit-Classification_accuracy/top1',
      'duanbo320__openmmlab_camp_loss',
      'duanbo320__openmmlab_camp_accuracy/top1',
    ]);
    expect(r.series[2].points).toHaveLength(59);
    expect(plotCurve(logs, { keys: ['loss'], legend: ['a', 'b'] }).series.map((s) => s.label)).toEqual(['a', 'b']);
    expect(() => plotCurve(logs, { keys: ['loss'], legend: ['a'] })).toThrow(/1 legend entries for 2 log\(s\) × 1 key\(s\); give 2/);
  });

  it('an unknown key lists the valid keys', () => {
    expect(() => plotCurve([read(CAMP)], { keys: ['acc'] })).toThrow(
      `Invalid key "acc" for ${CAMP}, please choose from {'accuracy/top1', 'data_time', 'iter', 'loss', 'lr', 'memory', 'time'}.`,
    );
  });

  it('relative time is estimated from iteration times when there are no timestamps', () => {
    const fruit = read(FRUIT);
    const [loss, acc] = plotCurve([fruit], { keys: ['loss', 'accuracy/top1'] }).series;
    expect(loss.timeSource).toBe('estimated');
    const t0 = fruit.train[0].scalars.time * 96;
    const t1 = t0 + fruit.train[1].scalars.time * 96;
    expect(loss.points[0].relTime).toBeCloseTo(t0, 12);
    expect(loss.points[1].relTime).toBeCloseTo(t1, 12);
    expect(acc.points[0].relTime).toBeCloseTo(t0, 12); // validation after epoch 1
    expect(acc.points[0].iter).toBe(96);
    expect(seriesSupportsAxis(loss, 'wall')).toBe(false);
    expect(axisTitle('relative', [loss])).toMatch(/estimated/);
  });
});

describe.skipIf(missingShared(logsDir))('plotCurve on real mmcls 0.x logs', () => {
  it('train x = iter / last iter of the epoch + epoch − 1; val x = epoch', () => {
    const log = read(DREAM);
    expect(logKeys(log)).toEqual({ train: ['data_time', 'iter', 'loss', 'lr', 'memory', 'time'], val: ['accuracy_top-1'] });
    const [loss, acc] = plotCurve([log], { keys: ['loss', 'accuracy_top-1'] }).series;
    expect(loss.xLabel).toBe('Epochs');
    expect(loss.points).toHaveLength(150);
    expect(loss.points[0].x).toBe(100 / 1500);
    expect(loss.points[14].x).toBe(1);
    expect(loss.points[15].x).toBe(100 / 1500 + 1);
    expect(loss.points[15].iter).toBe(1600);
    expect(acc.points.map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(acc.points[9].y).toBe(95.55);
    expect(acc.label).toBe('DreamBinary__openlab__cifar10_mmcls0x_accuracy_top-1');
  });
});

describe('plotCurve edge cases', () => {
  it('an iteration-based log plots train in iterations', () => {
    const log = loadJsonLog('{"lr":0.1,"loss":2,"time":0.5,"iter":10,"step":10}\n{"lr":0.1,"loss":1,"time":0.5,"iter":20,"step":20}\n{"accuracy/top1":50,"step":20}', 'it.json');
    const [loss, acc] = plotCurve([log], { keys: ['loss', 'accuracy/top1'] }).series;
    expect(loss.xLabel).toBe('Iters');
    expect(loss.points.map((p) => p.x)).toEqual([10, 20]);
    expect(acc.points[0]).toMatchObject({ x: 20, iter: 20, epoch: undefined });
  });

  it('validation logged by iteration (log_metric_by_epoch=False) is placed by iteration', () => {
    const log = loadJsonLog(
      ['{"lr":0.1,"loss":2,"time":0.5,"epoch":1,"iter":50,"step":50}', '{"lr":0.1,"loss":1,"time":0.5,"epoch":2,"iter":100,"step":100}', '{"accuracy/top1":50,"step":100}'].join('\n'),
      'it_val.json',
    );
    const acc = plotCurve([log], { keys: ['accuracy/top1'] }).series[0];
    expect(acc.points[0]).toMatchObject({ x: 100, iter: 100, epoch: 2 });
  });

  it('per-line timestamps give wall and relative time', () => {
    const log = loadJsonLog(
      '{"lr":0.1,"loss":2,"time":0.5,"epoch":1,"step":4,"timestamp":1700000000}\n{"accuracy/top1":50,"step":1,"timestamp":1700000003.5}',
      'ts.json',
    );
    const [loss, acc] = plotCurve([log], { keys: ['loss', 'accuracy/top1'] }).series;
    expect(loss.timeSource).toBe('timestamp');
    expect(xOf(loss.points[0], 'wall')).toBe(1700000000);
    expect(xOf(acc.points[0], 'relative')).toBe(3.5);
    expect(logKeys(log).train).not.toContain('timestamp');
  });

  it('a known start time turns estimated times into wall times', () => {
    const log = loadJsonLog('{"lr":0.1,"loss":2,"time":0.5,"epoch":1,"step":4}\n{"lr":0.1,"loss":1,"time":0.25,"epoch":2,"step":8}', 'st.json');
    log.meta.start_time = 1700000000;
    const [loss] = plotCurve([log], { keys: ['loss'] }).series;
    expect(loss.timeSource).toBe('estimated');
    expect(loss.points.map((p) => [p.relTime, p.wallTime])).toEqual([
      [2, 1700000002],
      [3, 1700000003],
    ]);
  });

  it('rejects empty inputs', () => {
    expect(() => plotCurve([])).toThrow(/no logs/);
  });
});
