import { METRICS, EVALUATORS } from '../registry';
import { Evaluator } from './evaluator';
import { DumpResults } from './metrics/dump_results';
import { AveragePrecision, MultiLabelMetric } from './metrics/multi_label';
import { Accuracy, ConfusionMatrix, SingleLabelMetric } from './metrics/single_label';

let done = false;

/** Registers the metrics (MMPretrain's `evaluation/metrics/__init__.py` list, classification part); once per process. */
export function registerEvaluation(): void {
  if (done) return;
  done = true;
  const metrics = [
    ['Accuracy', Accuracy],
    ['SingleLabelMetric', SingleLabelMetric],
    ['ConfusionMatrix', ConfusionMatrix],
    ['MultiLabelMetric', MultiLabelMetric],
    ['AveragePrecision', AveragePrecision],
    ['DumpResults', DumpResults],
  ] as const;
  for (const [name, ctor] of metrics) METRICS.registerClass(name, ctor);
  EVALUATORS.registerFunction('Evaluator', ({ metrics: m }: { metrics: ConstructorParameters<typeof Evaluator>[0] }) => new Evaluator(m));
}
