/**
 * `mmpretrain-web list-models [PATTERN] [--exclude P] [--task T] [--json]`: MMPretrain's `list_models` on the model
 * index of the shipped metafiles, with each model's config, weights, parameters, FLOPs and top-1 where known.
 */
import { parseArgs } from 'node:util';
import { listIndexedModels, modelInfo } from '../../apis/model_hub';
import type { ModelInfo } from '../../apis/model_index';
import type { CliCommand } from '../command';

/** What `--json` prints per model. */
export interface ListedModel {
  name: string;
  config: string | null;
  weights: string | null;
  params: number | null;
  flops: number | null;
  /** Top-1 accuracy of its first result that has one. */
  top1: number | null;
  dataset: string | null;
  tasks: string[];
}

export function listedModel(m: ModelInfo): ListedModel {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const withTop1 = m.results.find((r) => typeof r.metrics['Top 1 Accuracy'] === 'number');
  return {
    name: m.name,
    config: m.config,
    weights: m.weights,
    params: num(m.metadata.Parameters),
    flops: num(m.metadata.FLOPs),
    top1: withTop1?.metrics['Top 1 Accuracy'] ?? null,
    dataset: withTop1?.dataset ?? m.results[0]?.dataset ?? null,
    tasks: m.tasks,
  };
}

const si = (n: number | null, unit: string) => (n === null ? '' : n >= 1e9 ? `${(n / 1e9).toFixed(2)}G${unit}` : `${(n / 1e6).toFixed(2)}M${unit}`);

const command: CliCommand = {
  summary: "List MMPretrain's models by name (list_models), with config, weights, params, FLOPs, top-1",
  usage: `Usage: mmpretrain-web list-models [PATTERN] [--exclude P]... [--task T] [--json]

MMPretrain's list_models over the model index (configs/model-index.json, from every metafile.yml):
PATTERN matches names with any postfix, case-insensitively ('resnet18', '*convnext*', 'swin-[bt]').

  --exclude P   leave out names matching P (with any postfix); repeatable
  --task T      only models with a result of task T ('Image Classification'); 'null': models without results
  --json        one JSON array: name, config, weights, params, flops, top1, dataset, tasks`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { exclude: { type: 'string', multiple: true }, task: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const names = listIndexedModels(positionals[0] ?? null, { exclude_patterns: values.exclude ?? [], task: values.task ?? null });
    const rows = names.map((n) => listedModel(modelInfo(n)));
    if (values.json) {
      io.out(JSON.stringify(rows, null, 1));
      return 0;
    }
    const body = rows.map((r) => [r.name, si(r.params, ''), si(r.flops, ''), r.top1 === null ? '' : r.top1.toFixed(2), r.config ?? '']);
    const head = ['name', 'params', 'FLOPs', 'top-1', 'config'];
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    io.out([line(head), ...body.map(line)].join('\n'));
    io.err(`${rows.length} models`);
    return 0;
  },
};

export default command;
