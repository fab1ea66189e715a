import { BaseMetric, type BaseMetricOptions, type DataSample, type MetricValue } from './base_metric';

/** A predicted sample as written to a results file: typed arrays as plain lists (JSON). */
export type DumpedSample = Record<string, unknown>;

function plain(sample: DataSample): DumpedSample {
  return Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v]));
}

/**
 * mmengine's `DumpResults` metric: keeps every predicted sample (what `tools/test.py --out` saves, here as
 * JSON for `eval-metric` and `analyze-results`); it computes no metric.
 */
export class DumpResults extends BaseMetric<DumpedSample> {
  readonly defaultPrefix = '';
  /** Everything collected by the last `evaluate`. */
  dumped: DumpedSample[] = [];

  constructor(options: BaseMetricOptions & { out_file_path?: string } = {}) {
    super(options);
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    this.results.push(...dataSamples.map(plain));
  }

  computeMetrics(results: DumpedSample[]): Record<string, MetricValue> {
    this.dumped = results;
    return {};
  }
}
