/**
 * The shapes-only backend counts what PyTorch counts: every zoo family's tiny model built there has the parameters
 * its reference `_info.json` gives (counted by `sum(p.numel())` in MMPretrain), and the largest shipped classifiers
 * the `Parameters` of their model cards, without allocating a value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelInfo } from '../apis/model_hub';
import { REPO_ROOT } from '../apis/node';
import { buildClassifier } from '../models/builder';
import { readConfigFile } from '../models/node';
import { missingShared, sharedPath } from '../testing/shared';
import { buildShapesOnly } from './shapes_only';
import { tf } from './tf';

const ZOO = sharedPath('reference/zoo');

describe.skipIf(missingShared(ZOO))('shapes-only builds', () => {
  it('count every zoo family as PyTorch does, allocate nothing, and give the running backend back', async () => {
    await tf.setBackend('cpu');
    const families = readdirSync(ZOO).filter((f) => f.endsWith('_tiny_model.json')).map((f) => f.replace(/_tiny_model\.json$/, ''));
    const counted: string[] = [];
    const failed: string[] = [];
    for (const fam of families) {
      const model = JSON.parse(readFileSync(`${ZOO}/${fam}_tiny_model.json`, 'utf8')) as Record<string, unknown>;
      const info = JSON.parse(readFileSync(`${ZOO}/${fam}_tiny_info.json`, 'utf8')) as { params: number };
      const before = tf.memory();
      try {
        const params = await buildShapesOnly(() => buildClassifier({ model }, { seed: null }), (m) => m.numParameters());
        expect(params, fam).toBe(info.params);
        counted.push(fam);
      } catch (e) {
        failed.push(`${fam}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      expect(tf.getBackend()).toBe('cpu');
      expect(tf.memory().numTensors).toBe(before.numTensors);
    }
    console.log(`[shapes-only] ${counted.length} of ${families.length} families counted as PyTorch counts them`);
    expect(failed).toEqual([]);
    expect(counted.length).toBeGreaterThan(50);
  });

  it("count the giants as their model cards do (EVA-g: 1.01 B parameters, 4 GB of float32) in milliseconds", async () => {
    await tf.setBackend('cpu');
    for (const name of ['beit-g-p14_eva-30m-in21k-pre_3rdparty_in1k-560px', 'convnext-v2-huge_3rdparty-fcmae_in1k', 'deit3-huge-p14_3rdparty_in1k']) {
      const info = modelInfo(name);
      const cfg = readConfigFile(join(REPO_ROOT, info.config!));
      const t0 = performance.now();
      const params = await buildShapesOnly(() => buildClassifier(cfg, { seed: null }), (m) => m.numParameters());
      const ms = performance.now() - t0;
      expect(params, name).toBe(info.metadata.Parameters);
      expect(ms).toBeLessThan(2000);
      console.log(`[shapes-only] ${name}: ${params} parameters (model card ${String(info.metadata.Parameters)}) in ${ms.toFixed(0)} ms`);
    }
    expect(tf.memory().numTensors).toBe(0);
  });
});
