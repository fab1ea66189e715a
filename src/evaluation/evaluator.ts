import { METRICS } from '../registry';
import type { BaseMetric, DataSample, MetricValue } from './metrics/base_metric';

/** A metric config (`dict(type='Accuracy', topk=(1, 5))`) or a built metric. */
export type MetricConfig = { type: string; [k: string]: unknown } | BaseMetric;

/**
 * mmengine's `Evaluator`: runs one or more metrics over the same predictions (`val_evaluator` /
 * `test_evaluator` may be one dict or a list) and merges their results; two metrics giving the same key fail.
 */
export class Evaluator {
  readonly metrics: BaseMetric[];

  constructor(metrics: MetricConfig | MetricConfig[]) {
    const list = Array.isArray(metrics) ? metrics : [metrics];
    this.metrics = list.map((m) => ('process' in m && typeof m.process === 'function' ? (m as BaseMetric) : METRICS.build<BaseMetric>(m as { type: string })));
  }

  process(dataSamples: DataSample[], dataBatch: unknown = null): void {
    for (const m of this.metrics) m.process(dataBatch, dataSamples);
  }

  evaluate(size?: number): Record<string, MetricValue> {
    const all: Record<string, MetricValue> = {};
    for (const m of this.metrics) {
      for (const [k, v] of Object.entries(m.evaluate(size))) {
        if (k in all) throw new Error(`There are multiple evaluation results with the same metric name ${k}. Please make sure all metrics have different prefixes.`);
        all[k] = v;
      }
    }
    return all;
  }

  /** Processes every sample in one go and evaluates (`Evaluator.offline_evaluate`). */
  offlineEvaluate(dataSamples: DataSample[], chunkSize = 1): Record<string, MetricValue> {
    for (let i = 0; i < dataSamples.length; i += chunkSize) this.process(dataSamples.slice(i, i + chunkSize));
    return this.evaluate(dataSamples.length);
  }
}
