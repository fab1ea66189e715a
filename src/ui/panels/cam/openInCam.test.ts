import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, RELEASED_WEIGHTS } from '../../../apis/released';
import type { LastChoice } from '../inference/checkpointCache';
import { inferenceModel, type InferenceModelSources } from './openInCam';
import { missingShared } from '../../../testing/shared';

const cfg = { model: { type: 'ImageClassifier' } };
function sources(last: LastChoice | null, cached: Record<string, Blob> = {}, served: Record<string, Blob> = {}): InferenceModelSources & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lastChoice: () => last,
    cachedCheckpoint: async (name) => (asked.push(`cache:${name}`), cached[name] ?? null),
    releasedWeights: async (path) => {
      asked.push(`fetch:${path}`);
      if (!served[path]) throw new Error(`${path}: HTTP 404`);
      return served[path];
    },
  };
}

describe("the Inference panel's model for the CAM panel", () => {
  it('a dropped checkpoint comes from the offline cache; none chosen: init_cfg weights; no model: a note', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const s = sources({ config: { name: 'resnet18_cifar_w16_cfg.json', dict: cfg }, shipped: null, checkpoint: 'r18.safetensors' }, { 'r18.safetensors': new Blob([bytes]) });
    const got = await inferenceModel(s);
    expect(got.note).toBe('');
    expect(got.model).toMatchObject({ name: 'resnet18_cifar_w16_cfg.json', config: cfg, checkpoint: { name: 'r18.safetensors' } });
    expect(new Uint8Array(got.model!.checkpoint!.bytes)).toEqual(bytes);
    expect(s.asked).toEqual(['cache:r18.safetensors']);

    expect(await inferenceModel(sources({ config: { name: 'x.py', dict: cfg }, shipped: null, checkpoint: null }))).toEqual({ model: { name: 'x.py', config: cfg, checkpoint: null }, note: '' });
    expect(await inferenceModel(sources(null))).toEqual({ model: null, note: 'the Inference panel has no model' });
    expect(await inferenceModel(sources({ config: { name: 'x.py', dict: cfg }, shipped: null, checkpoint: 'gone.pth' }))).toEqual({
      model: null,
      note: "the Inference panel's checkpoint gone.pth is not kept offline: drop it here",
    });
  });

  const released = RELEASED_WEIGHTS[DEFAULT_MODEL];
  const file = resolve(process.cwd(), 'public', released.path);
  it.skipIf(missingShared(file))('the default shipped model: its released weights are fetched when not cached', async () => {
    const served = { [released.path]: new Blob([readFileSync(file)]) };
    const last: LastChoice = { config: { name: DEFAULT_MODEL, dict: cfg }, shipped: DEFAULT_MODEL, checkpoint: 'lenet5_fashion-mnist.pth' };
    const s = sources(last, {}, served);
    const got = await inferenceModel(s);
    expect(got.model?.name).toBe(DEFAULT_MODEL);
    expect(got.model?.checkpoint?.bytes.byteLength).toBe(readFileSync(file).byteLength);
    expect(s.asked).toEqual(['cache:lenet5_fashion-mnist.pth', `fetch:${released.path}`]);
    const failed = await inferenceModel(sources(last));
    expect(failed.model).toBeNull();
    expect(failed.note).toContain(`the released weights of ${DEFAULT_MODEL} could not be read (${released.path}: HTTP 404)`);
  });
});
