import { readFile } from 'node:fs/promises';
import { UsageError, type CliCommand } from '../command';
import { parseOptionValue } from '../../config';
import { floatRepr, strRepr } from '../../config/pyrepr';
import { Evaluator, type MetricConfig } from '../../evaluation/evaluator';
import type { DataSample } from '../../evaluation/metrics/base_metric';
import { registerAll } from '../../engine/setup_env';

/** Splits argv into `--metric k=v k=v …` groups, as argparse's `nargs='+', action='append'`. */
export function parseMetricArgs(args: string[]): { results: string | null; metrics: MetricConfig[]; json: boolean } {
  let results: string | null = null;
  const metrics: Record<string, unknown>[] = [];
  let json = false;
  let current: Record<string, unknown> | null = null;
  for (const a of args) {
    if (a === '--metric') {
      current = {};
      metrics.push(current);
    } else if (a === '--json') {
      json = true;
      current = null;
    } else if (a.startsWith('--')) {
      throw new UsageError(`unknown option ${a}`);
    } else if (current && a.includes('=')) {
      const i = a.indexOf('=');
      current[a.slice(0, i)] = parseOptionValue(a.slice(i + 1)).value;
    } else if (results === null) {
      results = a;
      current = null;
    } else {
      throw new UsageError(`unexpected argument '${a}' (metric options are key=value after --metric)`);
    }
  }
  for (const m of metrics) if (typeof m.type !== 'string') throw new UsageError(`each --metric needs type=NAME, got ${JSON.stringify(m)}`);
  return { results, metrics: metrics as MetricConfig[], json };
}

/** The metrics dict as Python prints it: floats as `repr(float)`, counts (support, confusion matrix) as ints. */
export function metricsRepr(metrics: Record<string, unknown>): string {
  const repr = (v: unknown, counts: boolean): string =>
    Array.isArray(v) ? `[${v.map((x) => repr(x, counts)).join(', ')}]` : typeof v === 'number' ? (counts && Number.isInteger(v) ? String(v) : floatRepr(v)) : String(v);
  const items = Object.entries(metrics).map(([k, v]) => `${strRepr(k)}: ${repr(v, /support|confusion_matrix/.test(k))}`);
  return `{${items.join(', ')}}`;
}

const command: CliCommand = {
  summary: 'Evaluate saved predictions with any registered metric (tools/analysis_tools/eval_metric.py)',
  usage: `Usage: mmpretrain-web eval-metric <results.json> --metric type=Accuracy topk=1,5 [--metric type=SingleLabelMetric …] [--json]

results.json: the list of predicted samples that 'test --out' writes (each with pred_score and/or
pred_label, and gt_label or gt_score). Values follow --cfg-options syntax: topk=1,5  thrs=[0.1,0.5]
average=None. Prints the metrics as MMPretrain's tool does, or JSON with --json.`,
  async run(args, io) {
    const { results, metrics, json } = parseMetricArgs(args);
    if (!results) throw new UsageError('the results file is required');
    if (!metrics.length) throw new UsageError('Please specify at least one `--metric`. The detailed metric config should follow: `--metric type=Accuracy topk=1,5`');
    let samples: DataSample[];
    try {
      samples = JSON.parse(await readFile(results, 'utf8'));
    } catch (e) {
      throw new Error(`${results}: ${(e as Error).message}`);
    }
    if (!Array.isArray(samples) || samples.length === 0) throw new Error(`${results}: expected a non-empty JSON list of predicted samples`);
    registerAll();
    const out = new Evaluator(metrics).offlineEvaluate(samples);
    io.out(json ? JSON.stringify(out, null, 2) : metricsRepr(out));
    return 0;
  },
};

export default command;
