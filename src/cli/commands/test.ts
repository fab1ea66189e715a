import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configToJSON, dumpConfig, loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { buildRunner } from '../../engine/runner/build_runner';
import { loadIntoRunner } from '../../engine/runner/checkpoint_io';
import { NodeWorkDir } from '../../engine/runner/node_work_dir';
import { DumpResults } from '../../evaluation/metrics/dump_results';
import type { MetricConfig } from '../../evaluation/evaluator';
import { useBackend } from '../../models/node';
import { UsageError, type CliCommand } from '../command';
import { defaultWorkDir } from './train';

const command: CliCommand = {
  summary: 'Evaluate a checkpoint on the test set of a config (tools/test.py)',
  usage: `Usage: mmpretrain-web test <config.py> <checkpoint> [--out results.json] [--out-item pred|metrics]
                              [--work-dir DIR] [--cfg-options k=v …] [--backend wasm|cpu]

Runs test_dataloader through the model and prints test_evaluator's metrics as MMPretrain's log does.
--out saves the predicted samples (pred_score, pred_label, gt_label…; the default --out-item pred) for
eval-metric and analyze-results, or the metrics (--out-item metrics), as JSON.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'out-item': { type: 'string', default: 'pred' },
        'work-dir': { type: 'string' },
        'cfg-options': { type: 'string', multiple: true },
        backend: { type: 'string', default: 'wasm' },
      },
    });
    const [configPath, checkpoint] = positionals;
    if (!configPath || !checkpoint) throw new UsageError('a config and a checkpoint are required');
    const outItem = values['out-item']!;
    if (!['pred', 'metrics'].includes(outItem)) throw new UsageError(`--out-item must be pred or metrics, got '${outItem}'`);
    const cfgOptions = (values['cfg-options'] ?? []).flatMap((o) => o.split(/\s+/)).filter(Boolean);
    const { cfg } = loadConfig(configPath, new NodeFS(), { cfgOptions });
    const plain = configToJSON(cfg) as Record<string, unknown>;
    const dump = new DumpResults();
    if (values.out && outItem === 'pred') {
      const ev = plain.test_evaluator as MetricConfig | MetricConfig[] | undefined;
      plain.test_evaluator = [...(Array.isArray(ev) ? ev : ev ? [ev] : []), dump];
    }
    const workDir = resolve(values['work-dir'] ?? (typeof cfg.work_dir === 'string' ? cfg.work_dir : defaultWorkDir(configPath)));
    await useBackend(values.backend!);
    const { runner, model } = await buildRunner(plain, { cfgText: dumpConfig(cfg), cfgFileName: basename(configPath), workDir: new NodeWorkDir(workDir), phase: 'test' });
    runner.logger.onLine((line) => io.out(line));
    try {
      await loadIntoRunner(runner, new Uint8Array(readFileSync(checkpoint)), checkpoint, { resume: false });
      const metrics = await runner.test();
      if (values.out) {
        writeFileSync(values.out, JSON.stringify(outItem === 'pred' ? dump.dumped : metrics));
        io.out(`Results (${outItem}) have been saved to ${values.out}`);
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};

export default command;
