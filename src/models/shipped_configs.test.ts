/**
 * Every model config shipped in `configs/` (MMPretrain 1.2's, unchanged) builds here, and where MMPretrain's
 * `metafile.yml` lists the config, the built model has exactly the metafile's parameter count.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { tf } from '../backends/tf';
import { loadConfig } from '../config';
import { NodeFS } from '../config/node_fs';
import { buildClassifier } from './builder';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const repoFS = new NodeFS(repoRoot);
const files = repoFS.list('configs');

interface Metafile {
  Models?: { Name: string; Config?: string; Metadata?: { Parameters?: number } }[];
}
/** Config path → parameter count, from every `configs/<algorithm>/metafile.yml`. */
const expectedParams = new Map<string, number>();
for (const f of files.filter((f) => f.endsWith('metafile.yml'))) {
  const meta = parseYaml(readFileSync(join(repoRoot, f), 'utf8')) as Metafile;
  for (const m of meta.Models ?? []) if (m.Config && m.Metadata?.Parameters) expectedParams.set(m.Config, m.Metadata.Parameters);
}

/** Metafile entries that are wrong in MMPretrain 1.2 itself, with the count the real model has. */
const METAFILE_ERRATA: Record<string, number> = {
  // "Parameters: 2180000" drops a digit: ResNet-34 has 21.8M parameters (torchvision's resnet34 too).
  'configs/resnet/resnet34_8xb32_in1k.py': 21797672,
};
for (const [c, n] of Object.entries(METAFILE_ERRATA)) expectedParams.set(c, n);

/** Complete configs (not the `_base_` primitives): each has a `model`. */
const modelConfigs = files.filter((f) => f.endsWith('.py') && !f.startsWith('configs/_base_/') && !/\/_[^/]*$/.test(f));

/** Metafiles round some counts (11690000 for ResNet-18's 11689512): the unit of the last significant digit, up to 1e5. */
function roundingOf(n: number): number {
  let unit = 1;
  while (unit < 1e5 && n % (unit * 10) === 0) unit *= 10;
  return unit;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('shipped configs', () => {
  it('the metafiles name shipped configs', () => {
    expect(expectedParams.size).toBeGreaterThan(100);
    for (const c of expectedParams.keys()) expect(files, c).toContain(c);
  });

  it.each(modelConfigs)('%s builds (parameters as its metafile says)', (path) => {
    const { cfg } = loadConfig(path, repoFS);
    const model = buildClassifier(cfg as Record<string, unknown>, { seed: null });
    try {
      const want = expectedParams.get(path);
      if (want !== undefined) expect(Math.abs(model.numParameters() - want)).toBeLessThanOrEqual(roundingOf(want) / 2);
    } finally {
      model.dispose();
    }
  });
});
