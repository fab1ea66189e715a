/**
 * A checkpoint streamed from its file goes straight into the model's variables (`backends/in_place.ts`): on WASM
 * no variable gets a new storage (on CPU, assigned), no tensor is added, and a model that ran before (its fast convolutions
 * holding packed copies of the old filters) computes exactly what a model built fresh from the same file does, and
 * what PyTorch computed (the reference zoo's logits).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../backends/tf';
import { writableValues } from '../backends/in_place';
import { parseNpz, toFloat32 } from '../fileio';
import { openFileSource } from '../fileio/node';
import { missingShared, sharedPath } from '../testing/shared';
import { buildClassifier } from './builder';
import { loadCheckpointInto } from './load_checkpoint';
import { useBackend } from './node';
import { buildReferenceModel, parityError } from './testing/parity_core';
import { zooModelCfg, zooPath } from './testing/zoo';
import type { ImageClassifier } from './classifiers/image';

const storages = (model: ImageClassifier): object[] => model.namedParameters().map(([, v]) => v.dataId);

async function logitsOf(model: ImageClassifier, x: Tensor): Promise<Float32Array> {
  const y = tf.tidy(() => [model.call(x)].flat()[0] as Tensor);
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

/** Runs a randomly initialised model once, streams `file` into it, and compares with a fresh model and PyTorch. */
async function expectInPlaceLoad(cfg: Record<string, unknown>, file: string, io: { x: Tensor; logits: ArrayLike<number> | null }): Promise<void> {
  const model = buildClassifier(cfg, { seed: 0 });
  model.eval();
  const fresh = (await buildReferenceModel(cfg, { data: new Uint8Array(readFileSync(file)), name: file })).model;
  try {
    const before = await logitsOf(model, io.x); // packs the random filters
    const ids = storages(model);
    const tensors = tf.memory().numTensors;
    const { source, close } = await openFileSource(file);
    try {
      const { report } = await loadCheckpointInto(model, source, file, { strict: true });
      expect(report.missingKeys).toEqual([]);
    } finally {
      await close();
    }
    // on WASM every parameter is written where it was (elsewhere by assign)
    expect(storages(model).every((id, i) => id === ids[i])).toBe(tf.getBackend() === 'wasm');
    const after = await logitsOf(model, io.x);
    // (the kernels derived from the old weights went with the load; the forward pass made them again)
    expect(tf.memory().numTensors).toBe(tensors);
    expect(parityError(after, before)).toBeGreaterThan(1e-3);
    expect([...after]).toEqual([...(await logitsOf(fresh, io.x))]);
    if (io.logits) expect(parityError(after, io.logits)).toBeLessThan(1e-4);
  } finally {
    model.dispose();
    fresh.dispose();
  }
}

describe('a checkpoint streamed into the variables where they are', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const family of ['ResNet', 'EfficientNet', 'ConvNeXt']) {
      it.skipIf(missingShared(zooPath(`${family}_tiny.pth`)))(`${family} on ${backend}: after a forward pass, the same outputs as a fresh model and PyTorch`, async () => {
        await useBackend(backend);
        const npz = parseNpz(new Uint8Array(readFileSync(zooPath(`${family}_tiny_io.npz`))), `${family}_tiny_io.npz`);
        const x = tf.tensor(toFloat32(npz.x), npz.x.shape);
        try {
          await expectInPlaceLoad(zooModelCfg(family), zooPath(`${family}_tiny.pth`), { x, logits: npz.logits ? toFloat32(npz.logits) : null });
        } finally {
          x.dispose();
        }
      });
    }
  }

  const st = sharedPath('reference/models/resnet18_cifar_w16.safetensors');
  it.skipIf(missingShared(st))('a safetensors file, the same way', async () => {
    await useBackend('wasm');
    const cfg = JSON.parse(readFileSync(sharedPath('reference/models/resnet18_cifar_w16_cfg.json'), 'utf8')) as Record<string, unknown>;
    const x = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 3);
    try {
      await expectInPlaceLoad((cfg.model ?? cfg) as Record<string, unknown>, st, { x, logits: null });
    } finally {
      x.dispose();
    }
  });

  it('a storage another tensor shares is not written in place (a write would change both)', async () => {
    await useBackend('wasm');
    const v = tf.tidy(() => tf.variable(tf.ones([2, 2])));
    const view = tf.reshape(v, [4]);
    try {
      expect(writableValues(v)).toBeNull();
      view.dispose();
      expect(writableValues(v)?.length).toBe(4);
      expect(writableValues(tf.scalar(1, 'int32'))).toBeNull();
    } finally {
      v.dispose();
      view.dispose();
    }
  });
});
