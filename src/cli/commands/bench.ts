/**
 * `mmpretrain-web bench` (`npm run bench`): every benchmark of the project, one after another, figures side by
 * side with PyTorch / OpenCV where Debian's python3 has them: model forward (bench-models; zoo models: bench-zoo), training step
 * (bench-train), data pipelines (bench-pipeline), the browser backends in Chromium (bench-browser) and a 1.2 GB checkpoint downloaded and loaded there (bench-browser-load). Each can
 * also be run alone with its own options.
 */
import { parseArgs } from 'node:util';
import { main } from '../main';
import type { CliCommand } from '../command';

const SUITES: [string, string[]][] = [
  ['bench-models', ['--min-seconds', '2', '--winograd', 'auto,off']],
  ['bench-zoo', ['--min-seconds', '2', '--rounds', '2']],
  ['bench-gemm', []],
  ['bench-train', ['--steps', '3']],
  ['bench-pipeline', ['--seconds', '3']],
  ['bench-browser', ['--max-seconds', '60']],
  ['bench-browser-load', []],
];

const command: CliCommand = {
  summary: 'Run all benchmarks (forward, training step, data pipelines) with PyTorch/OpenCV side by side',
  usage: `Usage: mmpretrain-web bench [--only bench-models,bench-zoo,bench-gemm,bench-train,bench-pipeline,bench-browser,bench-browser-load]

Runs each benchmark and prints its table. Numbers depend on the machine and its load; the tables name
the runtimes compared. The default model's accuracy is reproduced by 'mmpretrain-web train-default'.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { only: { type: 'string' } } });
    const only = values.only?.split(',');
    let rc = 0;
    for (const [name, opts] of SUITES) {
      if (only && !only.includes(name)) continue;
      io.out(`\n== ${name} ${opts.join(' ')}`);
      const code = await main([name, ...opts], io);
      if (code !== 0) rc = code;
    }
    return rc;
  },
};

export default command;
