/**
 * `mmpretrain-web model-index [--write | --check]`: reads MMPretrain's `configs/model-index.yml` and every metafile
 * it imports into the JSON the engine uses (`configs/model-index.json`): prints it, writes it, or checks that the
 * committed one is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readModelIndex } from '../../apis/model_index';
import type { CliCommand } from '../command';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MODEL_INDEX_JSON = join(repoRoot, 'configs/model-index.json');

/** The JSON text of the index read from `root` (the repository: `configs/model-index.yml` and its metafiles). */
export function modelIndexJSON(root = repoRoot): string {
  // One model per line: small, and a metafile change shows as a one-line diff.
  const models = readModelIndex((p) => readFileSync(join(root, p), 'utf8'));
  return `[\n${models.map((m) => JSON.stringify(m)).join(',\n')}\n]\n`;
}

const command: CliCommand = {
  summary: "Build configs/model-index.json from MMPretrain's model-index.yml and metafiles",
  usage: `Usage: mmpretrain-web model-index [--write | --check]

Reads configs/model-index.yml and the metafile.yml of each algorithm it imports (name, config, weights,
metadata, results, collection) into one JSON file.

  --write   write configs/model-index.json
  --check   exit 1 when configs/model-index.json is not what the metafiles give`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { write: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } } });
    const text = modelIndexJSON();
    if (values.check) {
      let current = '';
      try {
        current = readFileSync(MODEL_INDEX_JSON, 'utf8');
      } catch {
        /* missing: out of date */
      }
      if (current !== text) {
        io.err(`${MODEL_INDEX_JSON} is out of date: run 'mmpretrain-web model-index --write'`);
        return 1;
      }
      io.out(`${MODEL_INDEX_JSON} is current (${(JSON.parse(text) as unknown[]).length} models)`);
      return 0;
    }
    if (values.write) {
      writeFileSync(MODEL_INDEX_JSON, text);
      io.out(`wrote ${MODEL_INDEX_JSON} (${(JSON.parse(text) as unknown[]).length} models)`);
    } else io.out(text);
    return 0;
  },
};

export default command;
