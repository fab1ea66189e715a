/**
 * `browse-dataset`: MMPretrain `tools/visualization/browse_dataset.py` — draws the samples of a phase's dataset
 * (loaded, transformed, both, or after every pipeline step) with their ground-truth labels into PNG files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, parse } from 'node:path';
import { encode } from 'fast-png';
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { loadConfig } from '../../config';
import { NodeFS } from '../../config/node_fs';
import { registerDatasets } from '../../datasets/register_all';
import { registerTransforms } from '../../datasets/transforms/register_all';
import { BROWSE_MODES, BROWSE_PHASES, browseDataset, type BrowseMode, type BrowsePhase, type RgbaImage } from '../../tools/visualization/browse_dataset';

const usage = `Usage:
  mmpretrain-web browse-dataset <config> -o DIR [-p train|val|test] [-n N] [-m original|transformed|concat|pipeline]
                 [-r FACTOR] [-c BGR|RGB] [--seed N] [--cfg-options key=value ...]

  -o, --output-dir       folder for the PNGs (one per sample, named after the image file, or <index>.png)
  -p, --phase            dataset of train_dataloader / val_dataloader / test_dataloader (default train)
  -n, --show-number      how many samples (default: all)
  -m, --mode             original: as loaded; transformed: the pipeline's output (default); concat: both;
                         pipeline: the image after every transform
  -r, --rescale-factor   original mode: scale with mmcv.imrescale; other modes: scale every cell
  -c, --channel-order    how the images are stored: BGR (after LoadImageFromFile, default) or RGB (e.g. CIFAR)
      --seed             seed of the random augmentations (default 0)
      --not-show, -i     accepted for compatibility (nothing is displayed; images go to --output-dir)
Paths in the config are relative to the working directory, as with MMPretrain.`;

/** argparse's nargs='+' for --cfg-options: `--cfg-options a=1 b=2` → repeated options. */
export function expandCfgOptions(args: string[]): string[] {
  const out: string[] = [];
  let inOptions = false;
  for (const a of args) {
    if (a.startsWith('-')) inOptions = a === '--cfg-options';
    if (inOptions && !a.startsWith('-')) out.push('--cfg-options', a);
    else if (!(inOptions && a === '--cfg-options')) out.push(a);
  }
  return out;
}

/** A positive finite number from an option, or a UsageError naming it. */
export function positiveNumber(name: string, text: string | undefined, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  return v;
}

/** PNG bytes of an RGBA picture (fast-png). */
export function rgbaToPng(img: RgbaImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), channels: 4, depth: 8 });
}

const command: CliCommand = {
  summary: 'draw the samples of a dataset through its pipeline into PNGs (tools/visualization/browse_dataset.py)',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCliArgs({
      args: expandCfgOptions(args),
      allowPositionals: true,
      options: {
        'output-dir': { type: 'string', short: 'o' },
        phase: { type: 'string', short: 'p', default: 'train' },
        'show-number': { type: 'string', short: 'n' },
        mode: { type: 'string', short: 'm', default: 'transformed' },
        'rescale-factor': { type: 'string', short: 'r' },
        'channel-order': { type: 'string', short: 'c', default: 'BGR' },
        seed: { type: 'string', default: '0' },
        // the tool's display options: there is no display here, images always go to --output-dir
        'not-show': { type: 'boolean', default: false },
        'show-interval': { type: 'string', short: 'i' },
        'cfg-options': { type: 'string', multiple: true },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('give exactly one config file');
    const outDir = values['output-dir'];
    if (!outDir) throw new UsageError('give --output-dir (-o): there is no display to show the images on');
    const phase = values.phase as BrowsePhase;
    if (!(BROWSE_PHASES as readonly string[]).includes(phase)) throw new UsageError(`--phase must be train, val or test, got '${phase}'`);
    const mode = values.mode as BrowseMode;
    if (!(BROWSE_MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be one of ${BROWSE_MODES.join(', ')}, got '${mode}'`);
    const channelOrder = values['channel-order'] as 'BGR' | 'RGB';
    if (channelOrder !== 'BGR' && channelOrder !== 'RGB') throw new UsageError(`--channel-order must be BGR or RGB, got '${channelOrder}'`);
    const showNumber = positiveNumber('--show-number', values['show-number'], true);
    const rescaleFactor = positiveNumber('--rescale-factor', values['rescale-factor']);
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);

    registerDatasets();
    registerTransforms();
    const { cfg } = loadConfig(positionals[0], new NodeFS(), { cfgOptions: values['cfg-options'] });
    mkdirSync(outDir, { recursive: true });
    let count = 0;
    const used = new Set<string>();
    for await (const sample of browseDataset(cfg as Record<string, unknown>, { phase, mode, showNumber, rescaleFactor, channelOrder, seed })) {
      let name = `${parse(sample.filename).name}.png`;
      if (used.has(name)) name = `${parse(sample.filename).name}_${sample.index}.png`;
      used.add(name);
      writeFileSync(join(outDir, name), rgbaToPng(sample.frame));
      count++;
      if (count % 50 === 0) io.err(`${count} images drawn`);
    }
    io.out(`${count} images (${mode}, ${phase}) saved to ${outDir}`);
    return 0;
  },
};

export default command;
