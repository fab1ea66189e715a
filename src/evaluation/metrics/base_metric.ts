/**
 * The data a metric reads from one predicted sample, as MMPretrain's `DataSample` turned into plain data
 * (what `test --out` writes and what the model's `predict` returns).
 */
export interface DataSample {
  /** Predicted class scores (softmax or sigmoid), length C. */
  pred_score?: ArrayLike<number>;
  /** Predicted class index (or a one-element array, as MMPretrain stores it). */
  pred_label?: number | ArrayLike<number>;
  /** Ground-truth class index; for multi-label tasks a list of class indices. */
  gt_label?: number | ArrayLike<number>;
  /** Ground-truth scores (one-hot or soft, multi-label: 1 positive, 0 negative, -1 difficult). */
  gt_score?: ArrayLike<number>;
  /** Number of classes, needed when only labels are predicted. */
  num_classes?: number;
}

/** A metric value: a number, a per-class list, or a matrix (confusion matrix). */
export type MetricValue = number | number[] | number[][];

/** Options every metric takes, as mmengine's `BaseMetric`. */
export interface BaseMetricOptions {
  /** Name prefix of the metric keys; defaults to the metric's `defaultPrefix`. */
  prefix?: string | null;
  /** Accepted for config compatibility (results are always collected on the CPU here). */
  collect_device?: 'cpu' | 'gpu';
}

/**
 * mmengine's `BaseMetric`: `process` collects per-sample results batch by batch, `evaluate` computes
 * the metrics once and names them `<prefix>/<key>`.
 */
export abstract class BaseMetric<R = unknown> {
  /** The prefix MMPretrain gives this metric's keys (`accuracy`, `single-label`…). */
  abstract readonly defaultPrefix: string;
  protected results: R[] = [];
  private readonly prefixOption: string | null | undefined;

  constructor(options: BaseMetricOptions = {}) {
    this.prefixOption = options.prefix;
  }

  get prefix(): string {
    return this.prefixOption ?? this.defaultPrefix;
  }

  /** Collects what `computeMetrics` needs from one batch of predicted samples. */
  abstract process(dataBatch: unknown, dataSamples: DataSample[]): void;

  /** Computes the metric values (unprefixed keys) from every collected result. */
  abstract computeMetrics(results: R[]): Record<string, MetricValue>;

  /** Computes the metrics over everything processed, prefixes the keys, and clears the results. */
  evaluate(size?: number): Record<string, MetricValue> {
    if (this.results.length === 0) {
      throw new Error(
        `${this.constructor.name} got empty \`this.results\`. Please ensure that the processed results are properly added into \`this.results\` in \`process\` method.`,
      );
    }
    if (size !== undefined && size < this.results.length) this.results = this.results.slice(0, size);
    const metrics = this.computeMetrics(this.results);
    this.results = [];
    return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [this.prefix ? `${this.prefix}/${k}` : k, v]));
  }
}

/** A label stored as a number or a one-element array, as a number. */
export function labelIndex(label: number | ArrayLike<number> | undefined, what: string): number {
  if (label === undefined) throw new Error(`A data sample has no '${what}'`);
  if (typeof label === 'number') return label;
  if (label.length !== 1) throw new Error(`'${what}' must be a single class index, got ${label.length} values`);
  return label[0];
}

/** Class indices or scores given as a list of indices, turned into a one-hot vector (`label_to_onehot`). */
export function labelToOnehot(label: number | ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(numClasses);
  const indices = typeof label === 'number' ? [label] : Array.from(label);
  for (const i of indices) {
    if (i < 0 || i >= numClasses) throw new Error(`Label ${i} is out of range for ${numClasses} classes`);
    out[i] = 1;
  }
  return out;
}
