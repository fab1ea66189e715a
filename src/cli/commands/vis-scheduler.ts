/**
 * `mmpretrain-web vis-scheduler <config> [-p lr|momentum|wd] [-d DATASET_SIZE] [-n NGPUS] [--json]`:
 * MMPretrain's `tools/visualization/vis_scheduler.py` — the value of a hyper-parameter in every iteration.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { loadConfig, mergeCfgOptions, parseCfgOptions } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { registerEngine } from '../../engine/register_all';
import { INF } from '../../engine/schedulers';
import {
  SCHEDULE_PARAM_LABELS,
  SCHEDULE_PARAMS,
  scheduleCsv,
  scheduleCurve,
  scheduleReferenceToConfig,
  simulateSchedule,
  type ScheduleParam,
  type ScheduleSimulation,
} from '../../tools/visualization/vis_scheduler';
import { textPlot } from '../../tools/visualization/text_plot';
import { scheduleChartSpec } from '../../tools/visualization/vis_scheduler_figure';
import { chartToSvg } from '../../tools/analysis_tools/render_svg';
import { chartToPng } from '../../tools/analysis_tools/render_png';

const usage = `Usage: mmpretrain-web vis-scheduler <config> [options]

Simulates the config's param_scheduler as MMPretrain's vis_scheduler.py does and prints the curve.

  <config>                  an MMPretrain config (.py) or a JSON config (a shared/reference/schedules file works too)
  -p, --parameter NAME      lr | momentum | wd (default: lr)
  -d, --dataset-size N      dataset size (needed for epoch-based configs unless the dataset is a standard one)
  -n, --ngpus N             number of GPUs; the total batch is batch_size × N (default: 1)
      --auto-scale-lr       apply the config's auto_scale_lr (vis_scheduler.py does not)
  -s, --save-path FILE      save the curve: .png or .svg figure, or .csv with every iteration's lr, momentum and wd
      --title TEXT          figure title (default: "<config> <Param> curve")
      --cfg-options K=V ...  override config keys (repeat the flag or list several after it), as mmengine's DictAction
      --json                print {"param", "iters_per_epoch", "total_iters", "by_epoch", "values"}; values[i] is the value used in iteration i`;

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got '${value}'`);
  return n;
}

/** Loads a `.json` config as is (a reference schedule file is turned into its config); others as `Config.fromfile`. */
function loadAnyConfig(path: string, cfgOptions: string[]): Record<string, unknown> {
  if (path.endsWith('.json')) {
    const cfg = scheduleReferenceToConfig(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
    return cfgOptions.length ? mergeCfgOptions(cfg, parseCfgOptions(cfgOptions)) : cfg;
  }
  return loadConfig(path, new NodeFS(), { cfgOptions, env: process.env }).cfg;
}

/** The readable report: dataset infos, the schedulers, a text plot. */
export function formatScheduleReport(sim: ScheduleSimulation, param: ScheduleParam, configPath: string): string {
  const lines = ['Param_scheduler :'];
  for (const s of sim.schedulers) {
    const end = s.end === INF ? 'INF' : String(s.end);
    const unit = s.by_epoch ? 'by epoch' : s.converted ? 'by iteration (convert_to_iter_based)' : 'by iteration';
    lines.push(`  - ${s.type} (${s.param}), ${unit}: steps [${s.begin}, ${end}) = iterations [${s.beginIter}, ${s.endIter})`);
  }
  if (sim.schedulers.length === 0) lines.push('  (none: the value stays constant)');
  lines.push('', 'Dataset infos:', ` - Dataset size: ${sim.dataset_size}`, ` - Batch size per GPU: ${sim.batch_size_per_gpu}`, ` - Number of GPUs: ${sim.ngpus}`, ` - Total batch size: ${sim.batch_size}`);
  if (sim.by_epoch) lines.push(` - Iterations per epoch: ${sim.iters_per_epoch}`);
  lines.push(` - Total iterations: ${sim.total_iters}${sim.by_epoch ? ` (${sim.max_epochs} epochs)` : ''}`, ` - Optimizer: ${sim.optimizer_type}`);
  if (sim.lr_scale !== 1) lines.push(` - auto_scale_lr: lr × ${sim.lr_scale}`);
  const values = sim[param];
  lines.push('', `${configPath} ${SCHEDULE_PARAM_LABELS[param]} curve (x: iterations 0..${sim.total_iters - 1}):`);
  lines.push(...textPlot(values));
  lines.push(`first ${values[0]}, last ${values[values.length - 1]}`);
  return lines.join('\n');
}

const command: CliCommand = {
  summary: "Plot a config's lr / momentum / weight-decay schedule per iteration (vis_scheduler.py)",
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      options: {
        parameter: { type: 'string', short: 'p', default: 'lr' },
        'dataset-size': { type: 'string', short: 'd' },
        ngpus: { type: 'string', short: 'n', default: '1' },
        'auto-scale-lr': { type: 'boolean', default: false },
        'save-path': { type: 'string', short: 's' },
        json: { type: 'boolean', default: false },
        'cfg-options': { type: 'string', multiple: true, default: [] },
        title: { type: 'string' },
      },
    });
    const { values: v, positionals: all } = parsed;
    // `--cfg-options a=1 b=2` (mmengine's nargs='+'): key=value words after the config belong to it.
    const cfgOptions = [...(v['cfg-options'] as string[])];
    const positionals = all.filter((p, i) => !(i > 0 && cfgOptions.length > 0 && p.includes('=') && cfgOptions.push(p)));
    if (positionals.length !== 1) throw new UsageError(`expected one config path, got ${positionals.length}`);
    const param = v.parameter as ScheduleParam;
    if (!SCHEDULE_PARAMS.includes(param)) throw new UsageError(`--parameter must be one of ${SCHEDULE_PARAMS.join(', ')}, got '${param}'`);
    const datasetSize = positiveInt('--dataset-size', v['dataset-size']);
    const ngpus = positiveInt('--ngpus', v.ngpus) ?? 1;

    registerEngine();
    const cfg = loadAnyConfig(positionals[0], cfgOptions);
    const sim = simulateSchedule(cfg, { datasetSize, ngpus, autoScaleLr: v['auto-scale-lr'] });
    const savePath = v['save-path'];
    if (savePath) {
      const lower = savePath.toLowerCase();
      if (lower.endsWith('.csv')) writeFileSync(savePath, scheduleCsv(sim));
      else if (lower.endsWith('.svg')) writeFileSync(savePath, chartToSvg(scheduleChartSpec(sim, param, positionals[0], v.title)));
      else if (lower.endsWith('.png')) writeFileSync(savePath, chartToPng(scheduleChartSpec(sim, param, positionals[0], v.title)));
      else throw new UsageError(`--save-path must end with .png, .svg or .csv, got '${savePath}'`);
    }
    if (v.json) io.out(JSON.stringify(scheduleCurve(sim, param)));
    else io.out(formatScheduleReport(sim, param, positionals[0]));
    if (savePath && !v.json) io.out(`\nThe ${SCHEDULE_PARAM_LABELS[param]} graph is saved at ${savePath}`);
    return 0;
  },
};

export default command;
