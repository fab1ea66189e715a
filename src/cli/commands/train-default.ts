/**
 * `mmpretrain-web train-default`: trains the studio's default model (LeNet-5 on the real Fashion-MNIST) from
 * its shipped config in Node on WASM, tests it on the 10,000 test images and prints top-1 and the wall time;
 * `--publish` copies the checkpoint to `public/models/` where the studio loads it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../main';
import { type CliCommand, type CliIO } from '../command';

export const DEFAULT_MODEL_CONFIG = 'configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py';
export const DEFAULT_MODEL_FILE = 'public/models/lenet5_fashion-mnist.pth';
const FASHION = '/usr/share/datasets/fashion-mnist';

const command: CliCommand = {
  summary: "Reproduce the studio's default model (LeNet-5, Fashion-MNIST, 3 epochs) and its test accuracy",
  usage: `Usage: mmpretrain-web train-default [--work-dir DIR] [--publish] [--backend wasm|cpu]

Trains ${DEFAULT_MODEL_CONFIG} (data from ${FASHION}: apt-get install dataset-fashion-mnist),
tests the last checkpoint on the full test set, prints top-1 and the wall time. --publish copies it to
${DEFAULT_MODEL_FILE}.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { 'work-dir': { type: 'string', default: 'work_dirs/lenet5_default' }, publish: { type: 'boolean' }, backend: { type: 'string', default: 'wasm' } } });
    if (!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))) {
      io.err(`Fashion-MNIST is not in ${FASHION}. Install it with: apt-get install -y dataset-fashion-mnist`);
      return 1;
    }
    const work = resolve(values['work-dir']!);
    const quiet: CliIO = { out: (t) => (/Epoch\((train|val)\)|best checkpoint/.test(t) ? io.out(t) : undefined), err: io.err };
    const t0 = performance.now();
    const trained = await main(['train', DEFAULT_MODEL_CONFIG, '--work-dir', work, '--backend', values.backend!], quiet);
    if (trained !== 0) return trained;
    const trainSeconds = (performance.now() - t0) / 1000;
    const ckpt = join(work, 'epoch_3.pth');
    let top1 = NaN;
    const tested = await main(['test', DEFAULT_MODEL_CONFIG, ckpt, '--work-dir', work, '--backend', values.backend!], {
      out: (t) => {
        const m = /Epoch\(test\) \[\d+\/\d+\]\s+accuracy\/top1: ([\d.]+)/.exec(t);
        if (m) top1 = Number(m[1]);
      },
      err: io.err,
    });
    if (tested !== 0) return tested;
    io.out(`LeNet-5 / Fashion-MNIST, 3 epochs on ${values.backend}: test top-1 ${top1.toFixed(2)}% (10,000 images); training wall time ${trainSeconds.toFixed(1)} s`);
    if (values.publish) {
      mkdirSync('public/models', { recursive: true });
      // Weights and meta only (classes, config text): what the studio needs, without the optimizer state.
      const converted = await main(['convert', ckpt, DEFAULT_MODEL_FILE, '-q'], io);
      if (converted !== 0) return converted;
      io.out(`Published ${DEFAULT_MODEL_FILE} (${readFileSync(DEFAULT_MODEL_FILE).length} bytes)`);
    }
    return top1 >= 89 ? 0 : 3;
  },
};

export default command;
