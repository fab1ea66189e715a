import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../../testing/shared';
import { timeTicks } from '../../../tools/analysis_tools/chart_layout';
import { quantileSorted, decimate, chartGroups, nearestPoints, panelSeries, plotData, toCsv, toJson, exportSpec, zoomRange, formatX } from './chartModel';
import { addLog, defaultKeysFor, useLogsStore, initialLogsView } from './logsStore';
import { availableKeys } from './KeyPicker';
import { chartToSvg } from '../../../tools/analysis_tools/render_svg';

const logsDir = sharedPath('data/logs');
const FRUIT = 'kv-chiu__Fruit-Classification.json';
const CAMP = 'duanbo320__openmmlab_camp.json';
const read = (f: string) => readFileSync(join(logsDir, f), 'utf8');

beforeEach(() => useLogsStore.setState({ runs: [], view: initialLogsView }));

describe('logs store', () => {
  it('addLog adds runs with distinct colours and picks loss + validation metrics first', () => {
    const a = addLog('w/20230101_000000/vis_data/scalars.json', '{"lr":0.1,"loss":1,"time":0.1,"epoch":1,"iter":2,"step":2}\n{"accuracy/top1":5,"data_time":0.1,"time":0.2,"step":1}');
    const b = addLog('other.log.json', '{"lr":0.1,"loss":1,"time":0.1,"step":2}', 'file');
    const s = useLogsStore.getState();
    expect(s.runs.map((r) => [r.name, r.source, r.color])).toEqual([
      ['20230101_000000', 'studio', '#1f77b4'],
      ['other', 'file', '#ff7f0e'],
    ]);
    expect(s.view.selectedKeys).toEqual(['train:loss', 'val:accuracy/top1']);
    expect([a.id, b.id]).toEqual(['w/20230101_000000/vis_data/scalars.json', 'other.log.json']);
  });

  it('a start time gives studio runs a wall-time axis', () => {
    const run = addLog('live', '{"lr":0.1,"loss":1,"time":0.5,"epoch":1,"step":2}', 'studio', { startTime: 1700000000 });
    const [s] = panelSeries([run], ['train:loss']);
    expect(s.curve.points[0].wallTime).toBe(1700000001);
  });

  it('adding the same name again refreshes the data and keeps colour and visibility (live studio runs)', () => {
    addLog('run', '{"lr":0.1,"loss":1,"time":0.1,"step":1}');
    useLogsStore.getState().setVisible('run', false);
    addLog('run', '{"lr":0.1,"loss":1,"time":0.1,"step":1}\n{"lr":0.1,"loss":0.5,"time":0.1,"step":2}');
    const [run] = useLogsStore.getState().runs;
    expect(useLogsStore.getState().runs).toHaveLength(1);
    expect([run.visible, run.color, run.log.train.length]).toEqual([false, '#1f77b4', 2]);
  });
});

describe.skipIf(missingShared(logsDir))('chart model on real logs', () => {
  it('per-key charts over visible runs; hidden runs drop out; combined figure uses {run}_{key}', () => {
    addLog(FRUIT, read(FRUIT), 'file');
    addLog(CAMP, read(CAMP), 'file');
    const { runs, view } = useLogsStore.getState();
    expect(view.selectedKeys).toEqual(['train:loss', 'val:accuracy/top1', 'val:accuracy/top5']);
    const series = panelSeries(runs, view.selectedKeys);
    expect(series.map((s) => s.id)).toEqual([`${FRUIT}|train:loss`, `${FRUIT}|val:accuracy/top1`, `${FRUIT}|val:accuracy/top5`, `${CAMP}|train:loss`, `${CAMP}|val:accuracy/top1`]);
    const groups = chartGroups(series, view.selectedKeys, false, '');
    expect(groups.map((g) => [g.title, g.series.length])).toEqual([
      ['loss (train)', 2],
      ['accuracy/top1 (val)', 2],
      ['accuracy/top5 (val)', 1],
    ]);
    const combined = chartGroups(series, view.selectedKeys, true, 'cmp');
    expect(combined[0].series.map((s) => s.label)).toContain('duanbo320__openmmlab_camp_accuracy/top1');
    useLogsStore.getState().setVisible(CAMP, false);
    expect(panelSeries(useLogsStore.getState().runs, view.selectedKeys)).toHaveLength(3);
    expect(availableKeys(useLogsStore.getState().runs).val).toEqual(['accuracy/top1', 'accuracy/top5', 'data_time', 'time']);
  });

  it('0.x and 1.x names of one metric share a chart (unless alias matching is off)', () => {
    const DREAM = 'DreamBinary__openlab__cifar10_mmcls0x.json';
    addLog(CAMP, read(CAMP), 'file');
    addLog(DREAM, read(DREAM), 'file');
    const { runs } = useLogsStore.getState();
    for (const keys of [['val:accuracy/top1'], ['val:accuracy_top-1'], ['val:accuracy/top1', 'val:accuracy_top-1']] as const) {
      const series = panelSeries(runs, [...keys]);
      expect(series.map((s) => [s.runName, s.curve.key])).toEqual([
        ['duanbo320__openmmlab_camp', 'accuracy/top1'],
        ['DreamBinary__openlab__cifar10_mmcls0x', 'accuracy_top-1'],
      ]);
      const groups = chartGroups(series, [...keys], false, '');
      expect(groups.map((g) => [g.title, g.series.length])).toEqual([['accuracy/top1 (val)', 2]]);
    }
    const strict = panelSeries(runs, ['val:accuracy/top1', 'val:accuracy_top-1'], false);
    expect(chartGroups(strict, ['val:accuracy/top1', 'val:accuracy_top-1'], false, '', false).map((g) => g.series.length)).toEqual([1, 1]);
  });

  it('plot data: merged rows, smoothing changes values but keeps raw, zoom narrows x and y', () => {
    addLog(FRUIT, read(FRUIT), 'file');
    addLog(CAMP, read(CAMP), 'file');
    const { runs } = useLogsStore.getState();
    const [loss] = chartGroups(panelSeries(runs, ['train:loss']), ['train:loss'], false, '');
    const plain = plotData(loss, { xAxis: 'tool', smoothing: { method: 'none' }, logY: false, zoom: null });
    expect(plain.rows).toHaveLength(100); // both runs log once per epoch: x = 1…100 shared
    expect(plain.rows[0]).toEqual({ x: 1, s0: 2.800637459754944, s1: 1.7152580142021179 });
    expect(plain.lines[0].rawKey).toBeNull();
    const smooth = plotData(loss, { xAxis: 'tool', smoothing: { method: 'ema', weight: 0.6 }, logY: false, zoom: null });
    expect(smooth.rows[0].s0).toBeCloseTo(2.800637459754944, 12); // debiased: the first point is its value
    expect(smooth.rows[1].s0).not.toBe(plain.rows[1].s0);
    expect(smooth.rows[1].r0).toBe(plain.rows[1].s0);
    const zoomed = plotData(loss, { xAxis: 'tool', smoothing: { method: 'none' }, logY: false, zoom: [50, 60] });
    expect(zoomed.rows.map((r) => r.x)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
    expect(zoomed.yDomain[1]).toBeLessThan(plain.yDomain[1]);
    expect(zoomed.xDomain).toEqual([50, 60]);
    // TensorBoard's "ignore outliers": y range from the 5th–95th percentiles (the epoch-1 loss spike leaves the range)
    const robust = plotData(loss, { xAxis: 'tool', smoothing: { method: 'none' }, logY: false, zoom: null, ignoreOutliers: true });
    expect(robust.yDomain[1]).toBeLessThan(plain.yDomain[1]);
    expect(robust.rows).toHaveLength(100);
    // hover read-out: every run's nearest point
    const near = nearestPoints(plain.lines, 59.6);
    expect(near.map((n) => n.point.x)).toEqual([60, 59]);
  });

  it('exports: CSV rows per point, JSON series, SVG of the zoomed view', () => {
    addLog(CAMP, read(CAMP), 'file');
    const { runs } = useLogsStore.getState();
    const [acc] = chartGroups(panelSeries(runs, ['val:accuracy/top1']), ['val:accuracy/top1'], false, '');
    const csv = toCsv(acc, { method: 'window', window: 2 }).trim().split('\n');
    expect(csv[0]).toBe('run,key,phase,label,step,epoch,iter,relative_time,wall_time,tool_x,value,smoothed');
    expect(csv).toHaveLength(60);
    const row2 = csv[2].split(',');
    expect(row2.slice(0, 5)).toEqual(['duanbo320__openmmlab_camp', 'accuracy/top1', 'val', 'duanbo320__openmmlab_camp', '2']);
    expect(Number(row2[11])).toBeCloseTo((43.13543701171875 + 70.96475219726562) / 2, 10);
    const json = JSON.parse(toJson(acc, { xAxis: 'tool', smoothing: { method: 'none' }, logY: false, zoom: null }));
    expect(json.series[0].points).toHaveLength(59);
    const data = plotData(acc, { xAxis: 'tool', smoothing: { method: 'none' }, logY: false, zoom: [10, 20] });
    const spec = exportSpec(acc, data, false, 'acc');
    expect(spec.series[0].points).toHaveLength(11);
    expect(chartToSvg(spec)).toContain('>acc</text>');
  });
});

describe('small helpers', () => {
  it('decimate keeps first, min, max and last of each bucket', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i, value: i === 503 ? 100 : i === 777 ? -100 : Math.sin(i / 50) }));
    const thin = decimate(pts, 200);
    expect(thin.length).toBeLessThanOrEqual(200);
    expect(thin[0].x).toBe(0);
    expect(thin[thin.length - 1].x).toBe(999);
    expect(thin.map((p) => p.x)).toContain(503);
    expect(thin.map((p) => p.x)).toContain(777);
    expect(thin.every((p, i) => i === 0 || p.x > thin[i - 1].x)).toBe(true);
    expect(decimate(pts.slice(0, 10), 200)).toHaveLength(10);
  });
  it('quantileSorted interpolates as d3.quantile', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.05)).toBeCloseTo(0.5, 12);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
  it('zoomRange orders the drag and ignores clicks', () => {
    expect(zoomRange(5, 2)).toEqual([2, 5]);
    expect(zoomRange(3, 3)).toBeNull();
    expect(zoomRange(undefined, 3)).toBeNull();
  });
  it('time ticks fall on clock steps', () => {
    expect(timeTicks(0, 1600)).toEqual([0, 300, 600, 900, 1200, 1500]);
    expect(timeTicks(10, 100)).toEqual([15, 30, 45, 60, 75, 90]);
  });
  it('formatX per axis', () => {
    expect(formatX('relative', 3725)).toBe('1h02m');
    expect(formatX('relative', 65)).toBe('1m05s');
    expect(formatX('wall', 1700000000)).toBe('22:13:20');
    expect(formatX('tool', 1.23456)).toBe('1.235');
  });
  it('defaultKeysFor skips validation timing keys', () => {
    const log = useLogsStore.getState().addLog('x', '{"lr":0.1,"loss":1,"step":1}\n{"accuracy/top1":1,"time":1,"data_time":1,"step":1}');
    expect(defaultKeysFor(log.log)).toEqual(['train:loss', 'val:accuracy/top1']);
  });
});
