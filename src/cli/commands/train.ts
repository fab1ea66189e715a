import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configToJSON, dumpConfig, extractCfgOptionsArgs, loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { buildRunner } from '../../engine/runner/build_runner';
import { loadIntoRunner, serializeRunnerCheckpoint } from '../../engine/runner/checkpoint_io';
import { NodeWorkDir } from '../../engine/runner/node_work_dir';
import { useBackend } from '../../models/node';
import { buildWithPretrained, formatPretrainedReport, pretrainedReport, readPretrainedFiles } from '../../models/utils/pretrained';
import { pretrainedFilesForNode } from '../../models/utils/pretrained_node';
import { UsageError, type CliCommand } from '../command';

/** `work_dirs/<config stem>` as MMPretrain's `tools/train.py` picks it when neither --work-dir nor the config sets one. */
export function defaultWorkDir(configPath: string): string {
  return join('work_dirs', basename(configPath).replace(/\.py$/, ''));
}

/** The checkpoint `--resume` (or `resume=True`) continues from: an explicit path, else the work dir's `last_checkpoint`. */
export function findResumeCheckpoint(workDir: string, explicit: string | null): string | null {
  if (explicit && explicit !== 'auto') return explicit;
  const pointer = join(workDir, 'last_checkpoint');
  if (!existsSync(pointer)) return null;
  const last = readFileSync(pointer, 'utf8').trim();
  return existsSync(last) ? last : join(workDir, basename(last));
}

const command: CliCommand = {
  summary: 'Train a model from an MMPretrain config (tools/train.py), in Node on WASM',
  usage: `Usage: mmpretrain-web train <config.py> [--work-dir DIR] [--cfg-options k=v …] [--resume [CKPT]] [--auto-scale-lr]
                               [--no-validate] [--backend wasm|cpu]

Writes what MMPretrain writes to the work dir (default work_dirs/<config name>): the dumped config,
<timestamp>/<timestamp>.log, <timestamp>/vis_data/scalars.json, epoch_N.pth / best_*.pth, last_checkpoint.
--resume without a path continues from the work dir's last_checkpoint; with a path, from that checkpoint.
The config's load_from loads weights only.`,
  async run(args, io) {
    // `--cfg-options a=1 b=2` takes every KEY=VALUE up to the next flag (argparse nargs='+'), as print-config.
    let split: { rest: string[]; cfgOptions: string[] };
    try {
      split = extractCfgOptionsArgs(args);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parseArgs({
      args: split.rest,
      allowPositionals: true,
      options: {
        'work-dir': { type: 'string' },
        resume: { type: 'boolean' },
        'auto-scale-lr': { type: 'boolean' },
        'no-validate': { type: 'boolean' },
        backend: { type: 'string', default: 'wasm' },
      },
    });
    // `--resume CKPT`: parseArgs has no optional values, so a .pth positional after --resume is the checkpoint.
    const [configPath, ...rest] = positionals;
    if (!configPath) throw new UsageError('a config file is required');
    const explicitResume = values.resume ? (rest.find((p) => /\.(pth|safetensors)$/.test(p)) ?? 'auto') : null;
    const cfgOptions = split.cfgOptions.flatMap((o) => o.split(/\s+/)).filter(Boolean);
    const { cfg } = loadConfig(configPath, new NodeFS(), { cfgOptions });
    if (values['no-validate']) {
      for (const k of ['val_dataloader', 'val_cfg', 'val_evaluator']) cfg[k] = null;
    }
    const workDir = resolve(values['work-dir'] ?? (typeof cfg.work_dir === 'string' ? cfg.work_dir : defaultWorkDir(configPath)));
    cfg.work_dir = workDir;
    await useBackend(values.backend!);
    const cfgData = configToJSON(cfg) as Record<string, unknown>;
    // init_cfg=dict(type='Pretrained', ...): local files read, URLs from (or downloaded into) torch's hub cache.
    const pretrained = await readPretrainedFiles(await pretrainedFilesForNode(cfgData, { log: (line) => io.err(line) }));
    const {
      result: { runner, model },
      loaded,
    } = await buildWithPretrained(pretrained, () =>
      buildRunner(cfgData, {
        cfgText: dumpConfig(cfg),
        cfgFileName: basename(configPath),
        workDir: new NodeWorkDir(workDir),
        phase: 'train',
        serializeCheckpoint: serializeRunnerCheckpoint,
        autoScaleLr: values['auto-scale-lr'],
      }),
    );
    runner.logger.onLine((line) => io.out(line));
    if (loaded.length) for (const line of formatPretrainedReport(pretrainedReport(model.stateDictShapes().keys(), loaded, pretrained))) runner.logger.info(line);
    const resumeFrom = explicitResume ? findResumeCheckpoint(workDir, explicitResume) : cfg.resume === true ? findResumeCheckpoint(workDir, typeof cfg.load_from === 'string' ? cfg.load_from : null) : null;
    const loadFrom = resumeFrom ?? (typeof cfg.load_from === 'string' ? cfg.load_from : null);
    if (loadFrom) await loadIntoRunner(runner, new Uint8Array(readFileSync(loadFrom)), loadFrom, { resume: resumeFrom !== null });
    else if (explicitResume) io.err(`No checkpoint to resume from in ${workDir}; training from scratch.`);
    try {
      await runner.train();
    } finally {
      model.dispose();
    }
    return 0;
  },
};

export default command;
