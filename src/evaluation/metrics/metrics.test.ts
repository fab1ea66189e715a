import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../registry';
import { registerEvaluation } from '../register_all';
import { Evaluator } from '../evaluator';
import type { BaseMetric, DataSample, MetricValue } from './base_metric';
import { metricWarnings } from './multi_label';
import { calculateAccuracy, calculateConfusionMatrix, calculateSingleLabel } from './single_label';

/** Expected values made by MMPretrain's own metric code (see `__fixtures__/make_mmpretrain_metrics.py.txt`). */
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/mmpretrain_metrics.json', import.meta.url), 'utf8')) as {
  scores: number[][];
  gt: number[];
  ml_scores: number[][];
  ml_gt: number[][];
  cases: Record<string, { cfg: { type: string }; expected: Record<string, MetricValue> }>;
};

/** Within two float32 ulps of the value PyTorch computed (its reduction order for means is not reproduced bit for bit). */
function expectClose(actual: MetricValue, expected: MetricValue, key: string) {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), key).toBe(true);
    (expected as MetricValue[]).forEach((e, i) => expectClose((actual as MetricValue[])[i], e, `${key}[${i}]`));
  } else {
    expect(Math.abs((actual as number) - expected), `${key}: ${actual} vs ${expected}`).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(Math.abs(expected), 2 ** -126));
  }
}

function samplesFor(name: string): DataSample[] {
  if (name.startsWith('multi') || name.startsWith('ap')) {
    return fixture.ml_scores.map((s, i) => ({ pred_score: s, gt_score: fixture.ml_gt[i] }));
  }
  if (name.endsWith('labels')) {
    return fixture.scores.map((s, i) => ({ pred_label: [s.indexOf(Math.max(...s))], gt_label: [fixture.gt[i]], num_classes: s.length }));
  }
  return fixture.scores.map((s, i) => ({ pred_score: Float32Array.from(s), gt_label: fixture.gt[i] }));
}

describe('metrics match MMPretrain', () => {
  beforeAll(() => {
    registerEvaluation();
    metricWarnings.warn = () => {};
  });

  for (const [name, { cfg, expected }] of Object.entries(fixture.cases)) {
    it(`${name}: ${JSON.stringify(cfg)}`, () => {
      const metric = METRICS.build<BaseMetric>(cfg);
      const samples = samplesFor(name);
      for (let i = 0; i < samples.length; i += 8) metric.process(null, samples.slice(i, i + 8));
      const out = metric.evaluate(samples.length);
      expect(Object.keys(out)).toEqual(Object.keys(expected));
      for (const [k, v] of Object.entries(expected)) expectClose(out[k], v, k);
    });
  }

  it('docstring examples of MMPretrain', () => {
    expect(calculateAccuracy({ labels: Int32Array.from([0, 2, 1, 3]), numClasses: 4 }, [0, 1, 2, 3])).toEqual([[50]]);
    const [r] = calculateSingleLabel({ labels: Int32Array.from([0, 1, 1, 3]), numClasses: 4 }, [0, 2, 1, 3]);
    expect(r.precision).toBe(62.5);
    expect(r.recall).toBe(75);
    expect(r['f1-score']).toBeCloseTo(66.6667, 4);
    expect(r.support).toBe(4);
    expect(calculateConfusionMatrix([0, 1, 1, 3], [0, 2, 1, 3], 4)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('an evaluator merges several metrics and refuses duplicate keys', () => {
    const samples = samplesFor('accuracy');
    const ev = new Evaluator([{ type: 'Accuracy', topk: [1, 3] }, { type: 'SingleLabelMetric' }]);
    const out = ev.offlineEvaluate(samples, 10);
    expectClose(out['accuracy/top3'], fixture.cases.accuracy_top1_3.expected['accuracy/top3'], 'top3');
    expectClose(out['single-label/recall'], fixture.cases.single_macro.expected['single-label/recall'], 'recall');
    const dup = new Evaluator([{ type: 'Accuracy' }, { type: 'Accuracy' }]);
    dup.process(samples);
    expect(() => dup.evaluate()).toThrow(/multiple evaluation results with the same metric name accuracy\/top1/);
  });

  it('explains bad options and data', () => {
    const acc = METRICS.build<BaseMetric>({ type: 'Accuracy', topk: 9 });
    acc.process(null, samplesFor('accuracy'));
    expect(() => acc.evaluate()).toThrow(/Top-9 accuracy is unavailable since the number of categories is 6\. Please check the `val_evaluator`/);
    expect(() => METRICS.build({ type: 'SingleLabelMetric', average: 'weighted' })).toThrow(/Invalid `average` argument "weighted"/);
    expect(() => METRICS.build({ type: 'SingleLabelMetric', items: ['accuracy'] })).toThrow(/The metric accuracy is not supported/);
    expect(() => METRICS.build<BaseMetric>({ type: 'Accuracy' }).evaluate()).toThrow(/got empty `this.results`/);
  });
});
