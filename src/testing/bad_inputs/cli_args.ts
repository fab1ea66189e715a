/**
 * Bad command lines: unknown commands and options, missing or malformed values, paths that are missing or folders,
 * and `--cfg-options` that do not parse. The message names the argument and what is wrong.
 */
import { join } from 'node:path';
import { put, type BadInputCase } from './types';

function cliCase(id: string, argv: (dir: string) => string[], expect: RegExp[]): BadInputCase {
  return {
    id: `cli_${id}`, kind: 'cli', describe: `argv: ${id}`,
    async make(dir) {
      put(dir, 'ok.py', "model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10))\n");
      put(dir, 'ok.json', '[]');
      return { argv: argv(dir) };
    },
    expect,
  };
}

const CASES: Array<[string, (d: string) => string[], RegExp[]]> = [
  ['unknown_command', () => ['print-confg'], [/unknown command 'print-confg'/, /print-config/]],
  ['unknown_option', (d) => ['print-config', join(d, 'ok.py'), '--jsn'], [/--jsn/, /Unknown option|unknown/i]],
  ['missing_positional', () => ['print-config'], [/expected exactly one config file/]],
  ['two_positionals', (d) => ['print-config', join(d, 'ok.py'), join(d, 'ok.py')], [/expected exactly one config file/]],
  ['missing_file', (d) => ['print-config', join(d, 'nope.py')], [/nope\.py/, /not found|no such|cannot read|ENOENT/i]],
  ['folder_as_config', (d) => ['print-config', d], [/cli_folder_as_config/, /directory|folder|not a file|EISDIR|not found|cannot read/i]],
  ['cfg_options_no_value', (d) => ['print-config', join(d, 'ok.py'), '--cfg-options'], [/cfg-options/, /value|argument|expected|missing/i]],
  ['cfg_options_bad_list', (d) => ['print-config', join(d, 'ok.py'), '--cfg-options', 'model.x=[1,[2,3]'], [/--cfg-options/, /Imbalanced brackets exist in 1,\[2,3/]],
  ['infer_topk_zero', (d) => ['infer', join(d, 'ok.py'), 'none', join(d, 'img.png'), '--topk', '0'], [/--topk/, /positive integer/, /'0'|0/]],
  ['infer_topk_text', (d) => ['infer', join(d, 'ok.py'), 'none', join(d, 'img.png'), '--topk', 'many'], [/--topk/, /positive integer/, /many/]],
  ['infer_batch_negative', (d) => ['infer', join(d, 'ok.py'), 'none', join(d, 'img.png'), '--batch-size', '-3'], [/--batch-size/, /ambiguous|positive integer/]],
  ['infer_no_images', (d) => ['infer', join(d, 'ok.py'), 'none'], [/image/i, /give|expected|at least|missing/i]],
  ['browse_bad_phase', (d) => ['browse-dataset', join(d, 'ok.py'), '-p', 'dev', '-o', join(d, 'o')], [/--phase must be train, val or test, got 'dev'/]],
  ['browse_bad_mode', (d) => ['browse-dataset', join(d, 'ok.py'), '-m', 'bogus', '-o', join(d, 'o')], [/bogus/, /mode/i]],
  ['browse_bad_number', (d) => ['browse-dataset', join(d, 'ok.py'), '-n', 'ten', '-o', join(d, 'o')], [/ten/, /-n|--show-number|number|integer/i]],
  ['browse_bad_rescale', (d) => ['browse-dataset', join(d, 'ok.py'), '-r', 'huge', '-o', join(d, 'o')], [/huge/, /rescale|number|factor/i]],
  ['scheduler_bad_parameter', (d) => ['vis-scheduler', join(d, 'ok.py'), '-p', 'beta'], [/beta/, /lr|momentum|wd|parameter/i]],
  ['scheduler_bad_size', (d) => ['vis-scheduler', join(d, 'ok.py'), '-d', '1.5'], [/--dataset-size|-d|dataset/i, /positive integer/, /1\.5/]],
  ['scheduler_bad_ngpus', (d) => ['vis-scheduler', join(d, 'ok.py'), '-n', '0'], [/--ngpus|-n|ngpus/i, /positive integer/, /'0'/]],
  ['convert_bad_ext', (d) => ['convert', join(d, 'ok.json'), join(d, 'out.txt')], [/out\.txt/, /\.pth or \.safetensors/]],
  ['convert_same_file', (d) => ['convert', join(d, 'nope.pth'), join(d, 'nope.pth')], [/nope\.pth/, /same|not found|no such|ENOENT|cannot read/i]],
  ['convert_missing_input', (d) => ['convert', join(d, 'absent.pth'), join(d, 'o.safetensors')], [/absent\.pth/, /not found|no such|ENOENT|cannot read/i]],
  ['logs_unknown_task', (d) => ['analyze-logs', 'plot', join(d, 'ok.json')], [/unknown task "plot"/, /plot-curve or cal-train-time/]],
  ['logs_no_files', () => ['analyze-logs', 'cal-train-time'], [/give at least one log file/]],
  ['logs_bad_window', (d) => ['analyze-logs', 'plot-curve', join(d, 'ok.json'), '--window-size', '12x7'], [/--window-size|window/i, /12x7/]],
  ['logs_bad_smooth', (d) => ['analyze-logs', 'plot-curve', join(d, 'ok.json'), '--smooth', 'median:3'], [/--smooth|smooth/i, /median/]],
  ['transform_no_pipeline', (d) => ['transform', '--input', join(d, 'x.npy'), '--out', join(d, 'o.npy')], [/--pipeline/, /required|missing|give/i]],
  ['transform_bad_pipeline_json', (d) => ['transform', '--pipeline', put(d, 'bad.json', '[{"type": "RandomFlip",]'), '--input', join(d, 'x.npy'), '--out', join(d, 'o.npy')], [/bad\.json/, /invalid JSON/, /position|line|column/i]],
  ['transform_pipeline_not_list', (d) => ['transform', '--pipeline', put(d, 'obj.json', '{"type": "RandomFlip"}'), '--input', join(d, 'x.npy'), '--out', join(d, 'o.npy')], [/obj\.json|pipeline/, /list|array/i]],
  ['transform_seed_text', (d) => ['transform', '--pipeline', join(d, 'ok.json'), '--input', join(d, 'x.npy'), '--out', join(d, 'o.npy'), '--seed', 'abc'], [/--seed|seed/, /abc/, /integer|number/i]],
  ['forward_bad_stage', (d) => ['forward', join(d, 'ok.py'), 'none', '--input', join(d, 'x.npy'), '--out', join(d, 'y.npy'), '--stage', 'middle'], [/middle/, /backbone|neck|pre_logits|logits|stage/]],
  ['forward_bad_backend', (d) => ['forward', join(d, 'ok.py'), 'none', '--input', join(d, 'x.npy'), '--out', join(d, 'y.npy'), '--backend', 'cuda'], [/cuda/, /wasm|cpu|backend/]],
];

export const cliCases: BadInputCase[] = CASES.map(([id, argv, expect]) => cliCase(id, argv, expect));
