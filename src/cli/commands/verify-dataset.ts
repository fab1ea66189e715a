/**
 * `verify-dataset`: MMPretrain `tools/misc/verify_dataset.py` — checks that every image of a phase's dataset
 * decodes with the config's `LoadImageFromFile`, prints the broken ones and writes their paths to `--out-path`
 * (removed again when nothing is broken, as the tool does).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { registerDatasets } from '../../datasets/register_all';
import { registerTransforms } from '../../datasets/transforms/register_all';
import { brokenFilesLog, phaseDatasetConfig, verifyDataset } from '../../datasets/verify_dataset';

const usage = `Usage:
  mmpretrain-web verify-dataset <config> [--phase train|val|test] [--out-path brokenfiles.log]
                 [--cfg-options key=value ...]

Builds the phase's dataset (train_dataloader / val_dataloader / test_dataloader) without its pipeline, decodes
every image with the pipeline's LoadImageFromFile, prints each broken file and writes their paths, one a line,
to --out-path (default brokenfiles.log; deleted again when no file is broken). Paths in the config are relative
to the working directory, as with MMPretrain. Exit code 0 also when broken files are found (as the tool).`;

/** argparse's nargs='+' for --cfg-options: `--cfg-options a=1 b=2` → repeated options. */
function expandCfgOptions(args: string[]): string[] {
  const out: string[] = [];
  let inOptions = false;
  for (const a of args) {
    if (a.startsWith('--')) inOptions = a === '--cfg-options';
    if (inOptions && !a.startsWith('--')) out.push('--cfg-options', a);
    else if (!(inOptions && a === '--cfg-options')) out.push(a);
  }
  return out;
}

function progressLine(done: number, total: number, broken: number, startedMs: number): string {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  const elapsed = (Date.now() - startedMs) / 1000;
  const rate = elapsed > 0 ? done / elapsed : 0;
  const eta = rate > 0 ? (total - done) / rate : 0;
  return `[${'>'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}, ${rate.toFixed(1)} task/s, elapsed: ${elapsed.toFixed(0)}s, ETA: ${eta.toFixed(0)}s, broken: ${broken}`;
}

const command: CliCommand = {
  summary: 'check that every image of a dataset decodes; list broken files (tools/misc/verify_dataset.py)',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCliArgs({
      args: expandCfgOptions(args),
      allowPositionals: true,
      options: {
        phase: { type: 'string', default: 'train' },
        'out-path': { type: 'string', default: 'brokenfiles.log' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('give exactly one config file');
    const phase = values.phase as string;
    if (!['train', 'val', 'test'].includes(phase)) throw new UsageError(`--phase must be train, val or test, got '${phase}'`);
    const outPath = resolve(values['out-path'] as string);
    if (!existsSync(dirname(outPath))) throw new Error(`the parent folder of --out-path '${outPath}' does not exist`);

    // Only what this tool builds: datasets and transforms (no models, no tfjs).
    registerDatasets();
    registerTransforms();
    const { cfg } = loadConfig(positionals[0], new NodeFS(), { cfgOptions: values['cfg-options'] });
    const datasetCfg = phaseDatasetConfig(cfg as Record<string, unknown>, phase as 'train' | 'val' | 'test');
    if (existsSync(outPath)) rmSync(outPath);
    writeFileSync(outPath, '');

    const started = Date.now();
    let nextReport = 0;
    const result = await verifyDataset(datasetCfg, {
      onBroken: (b) => io.out(`${b.img_path} cannot be read correctly, please check it. (${b.error})`),
      onProgress: (done, total, broken) => {
        if (done >= nextReport || done === total) {
          io.err(progressLine(done, total, broken, started));
          nextReport = done + Math.max(1, Math.ceil(total / 10));
        }
      },
    });
    writeFileSync(outPath, brokenFilesLog(result));
    if (result.broken.length === 0) {
      io.out('There is no broken file found.');
      rmSync(outPath);
    } else {
      io.out(`${result.broken.length} broken files found, name list save in file:${outPath}`);
    }
    return 0;
  },
};

export default command;
