/**
 * Streaming a checkpoint into a model (`loadCheckpointInto`, `Module.loadStateDictStreaming`): the same weights as
 * reading the whole state dict first, for real MMPretrain checkpoints of the reference zoo (.pth) and a real
 * safetensors file, including load pre-hooks that need an entry's values (ViT's `pos_embed` resized to another
 * `img_size`, BEiT's per-layer relative position tables, Swin's tables); every entry released afterwards, the
 * tensor count that of the built model, a strict mismatch named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../backends/tf';
import { loadCheckpoint, StreamedTensor } from '../fileio';
import { missingShared, sharedPath } from '../testing/shared';
import { buildClassifier } from './builder';
import { loadCheckpointInto } from './load_checkpoint';
import { useBackend } from './node';
import { zooModelCfg, zooPath } from './testing/zoo';
import type { AnyModule } from './nn/module';

function weights(model: AnyModule): Map<string, Float64Array> {
  return new Map([...model.stateDict()].map(([k, e]) => [k, Float64Array.from(e.data as ArrayLike<number>, Number)]));
}

function expectSameWeights(a: AnyModule, b: AnyModule): void {
  const wa = weights(a);
  const wb = weights(b);
  expect([...wa.keys()]).toEqual([...wb.keys()]);
  for (const [k, v] of wa) {
    const w = wb.get(k)!;
    expect(w.length, k).toBe(v.length);
    // element by element (toEqual on millions of elements takes seconds); NaN equals NaN as in toEqual
    const differs = v.findIndex((x, i) => !Object.is(x, w[i]));
    expect(differs === -1 ? null : { key: k, index: differs, eager: v[differs], streamed: w[differs] }).toBe(null);
  }
}

/** Builds `cfg` twice: one loads the whole state dict, the other streams it; both must end up equal. */
async function compareStreaming(cfg: Record<string, unknown>, bytes: Uint8Array, name: string, strict: boolean): Promise<void> {
  const eager = buildClassifier(cfg, { seed: null });
  const streamed = buildClassifier(cfg, { seed: null });
  try {
    const eagerReport = eager.loadStateDict((await loadCheckpoint(bytes, name)).stateDict, { strict });
    const before = tf.memory().numTensors;
    const { report, checkpoint } = await loadCheckpointInto(streamed, bytes, name, { strict });
    expect(tf.memory().numTensors).toBe(before);
    expect(report).toEqual(eagerReport);
    const entries = [...checkpoint.stateDict.values()];
    expect(entries.every((e) => e instanceof StreamedTensor && !e.loaded)).toBe(true);
    expectSameWeights(eager, streamed);
  } finally {
    eager.dispose();
    streamed.dispose();
  }
}

describe('streaming a checkpoint into a model', () => {
  for (const family of ['VisionTransformer', 'BEiTViT', 'SwinTransformer', 'ConvNeXt', 'EfficientNet']) {
    it.skipIf(missingShared(zooPath(`${family}_tiny.pth`)))(`${family}: the same weights as loading the whole state dict`, async () => {
      await useBackend('wasm');
      await compareStreaming(zooModelCfg(family), new Uint8Array(readFileSync(zooPath(`${family}_tiny.pth`))), `${family}_tiny.pth`, true);
    });
  }

  it.skipIf(missingShared(zooPath('VisionTransformer_tiny.pth')))('a pre-hook that needs values (pos_embed resized to img_size 48) reads them first', async () => {
    await useBackend('wasm');
    const cfg = zooModelCfg('VisionTransformer');
    const backbone = { ...(cfg.backbone as Record<string, unknown>), img_size: 48 };
    await compareStreaming({ ...cfg, backbone }, new Uint8Array(readFileSync(zooPath('VisionTransformer_tiny.pth'))), 'VisionTransformer_tiny.pth', true);
  });

  const st = sharedPath('reference/models/resnet18_cifar_w16.safetensors');
  it.skipIf(missingShared(st))('a safetensors file streams the same way', async () => {
    await useBackend('wasm');
    const cfg = JSON.parse(readFileSync(sharedPath('reference/models/resnet18_cifar_w16_cfg.json'), 'utf8')) as Record<string, unknown>;
    await compareStreaming((cfg.model ?? cfg) as Record<string, unknown>, new Uint8Array(readFileSync(st)), 'resnet18_cifar_w16.safetensors', true);
  });

  it.skipIf(missingShared(zooPath('ConvNeXt_tiny.pth')))('strict: a checkpoint for another model is refused naming the keys, nothing leaks', async () => {
    await useBackend('wasm');
    const model = buildClassifier(zooModelCfg('EfficientNet'), { seed: null });
    const before = tf.memory().numTensors;
    try {
      await expect(loadCheckpointInto(model, new Uint8Array(readFileSync(zooPath('ConvNeXt_tiny.pth'))), 'ConvNeXt_tiny.pth', { strict: true })).rejects.toThrow(/missing keys in source state_dict: .*backbone\./);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
