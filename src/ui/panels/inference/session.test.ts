import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../../backends/tf';
import { useBackend } from '../../../models/node';
import { sharedPath, missingShared } from '../../../testing/shared';
import { handleInferenceRequest } from './handle';
import type { ImagePrediction, InferenceResponse, LoadResult } from './protocol';
import { InferenceSession } from './session';

const models = sharedPath('reference/models');
const images = sharedPath('data/images');
const buf = (p: string) => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const cfg = (n: string) => ({ name: `${n}_cfg.json`, dict: JSON.parse(readFileSync(`${models}/${n}_cfg.json`, 'utf8')) as Record<string, unknown> });

describe.skipIf(missingShared(models) || missingShared(images))('Inference panel session (worker side)', () => {
  it('loads with progress, classifies images, and survives every bad input with a message naming the file', async () => {
    await useBackend('wasm');
    const session = new InferenceSession(async () => 'wasm');
    const posted: InferenceResponse[] = [];
    const req = (r: Parameters<typeof handleInferenceRequest>[1]) => handleInferenceRequest(session, r, (p) => posted.push(p));
    const ck = buf(`${models}/resnet18_cifar_w16.safetensors`);
    const loaded = await req({ kind: 'load', id: 1, backend: 'wasm', config: cfg('resnet18_cifar_w16'), checkpoint: { name: 'resnet18_cifar_w16.safetensors', blob: new Blob([ck]) } });
    expect(loaded).toMatchObject({ ok: true });
    const m = (loaded as { result: LoadResult }).result;
    expect(m).toMatchObject({ name: 'resnet18_cifar_w16_cfg', backend: 'wasm', requestedBackend: 'wasm', backendNote: '', numClasses: 10, loadWarning: '', pipeline: ['LoadImageFromFile', 'Resize', 'PackInputs'], pipelineFromConfig: false });
    expect(m.classes?.[3]).toBe('cat');
    const progress = posted.filter((p) => 'progress' in p).map((p) => (p as { progress: [number, number] }).progress);
    expect(progress.at(-1)).toEqual([ck.byteLength, ck.byteLength]);

    const warm = await req({ kind: 'predict', id: 2, name: 'warm-up', bytes: buf(`${images}/bird.JPEG`), topk: 3 }); // first forward caches NHWC weights
    expect(warm).toMatchObject({ ok: true, result: { first: true, backend: 'wasm' } });
    const warmed = (warm as { result: ImagePrediction }).result;
    expect(warmed.forwardMs).toBeGreaterThan(0);
    expect(warmed.forwardMs).toBeLessThanOrEqual(warmed.ms);
    const before = tf.memory().numTensors;
    const p = await req({ kind: 'predict', id: 2, name: 'dog.jpg', bytes: buf(`${images}/dog.jpg`), topk: 3 });
    const pred = (p as { result: ImagePrediction }).result;
    expect(pred.topk).toHaveLength(3);
    expect(pred.topk[0]).toEqual({ label: pred.pred_label, score: pred.pred_score, name: pred.pred_class });
    expect(pred.pred_scores).toHaveLength(10);
    expect(pred.backend).toBe('wasm');
    expect(pred.first).toBe(false);
    expect(tf.memory().numTensors).toBe(before);

    expect(await req({ kind: 'predict', id: 3, name: 'empty.png', bytes: new ArrayBuffer(0), topk: 3 })).toMatchObject({ ok: false, error: expect.stringMatching(/empty\.png: the file is empty/) });
    expect(await req({ kind: 'predict', id: 4, name: 'model.pth', bytes: buf(`${models}/lenet5.pth`), topk: 3 })).toMatchObject({ ok: false, error: expect.stringContaining('model.pth') });
    const wrong = await req({ kind: 'load', id: 5, backend: 'wasm', config: cfg('resnet18_cifar_w16'), checkpoint: { name: 'lenet5.safetensors', blob: new Blob([buf(`${models}/lenet5.safetensors`)]) } });
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/lenet5\.safetensors: no weight fits this model/) });
    const corrupt = await req({ kind: 'load', id: 6, backend: 'wasm', config: cfg('lenet5'), checkpoint: { name: 'broken.pth', blob: new Blob([new Uint8Array(300).fill(7)]) } });
    expect(corrupt).toMatchObject({ ok: false, error: expect.stringContaining('broken.pth') });
    // Still alive: the LeNet-5 reference loads and classifies (grayscale pipeline for a one-channel preprocessor).
    expect(await req({ kind: 'load', id: 7, backend: 'wasm', config: cfg('lenet5'), checkpoint: { name: 'lenet5.pth', blob: new Blob([buf(`${models}/lenet5.pth`)]) } })).toMatchObject({ ok: true });
    expect(await req({ kind: 'predict', id: 8, name: 'demo.JPEG', bytes: buf(`${images}/demo.JPEG`), topk: 5 })).toMatchObject({ ok: true, result: { image: 'demo.JPEG' } });
    // User class names (a classes.txt): the count must match; null restores the model's own.
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    expect(await req({ kind: 'classes', id: 12, classes: names.slice(0, 3), source: 'classes.txt' })).toMatchObject({ ok: false, error: 'classes.txt: 3 class names for a model with 10 classes' });
    expect(await req({ kind: 'classes', id: 13, classes: names, source: 'classes.txt' })).toMatchObject({ ok: true, result: { classesNote: 'from classes.txt' } });
    const named = (await req({ kind: 'predict', id: 14, name: 'dog.jpg', bytes: buf(`${images}/dog.jpg`), topk: 2 })) as { result: ImagePrediction };
    expect(named.result.pred_class).toBe(`c${named.result.pred_label}`);
    expect(await req({ kind: 'classes', id: 15, classes: null, source: '' })).toMatchObject({ ok: true, result: { classesNote: expect.stringContaining('MNIST') } });
    // Fused conv + BN: the same scores within 1e-4.
    const r18 = { name: 'resnet18_cifar_w16.safetensors', blob: new Blob([ck]) };
    expect(await req({ kind: 'load', id: 9, backend: 'wasm', config: cfg('resnet18_cifar_w16'), checkpoint: r18 })).toMatchObject({ ok: true });
    const ref = (await req({ kind: 'predict', id: 9, name: 'dog.jpg', bytes: buf(`${images}/dog.jpg`), topk: 1 })) as { result: ImagePrediction };
    expect(await req({ kind: 'load', id: 10, backend: 'wasm', config: cfg('resnet18_cifar_w16'), checkpoint: r18, fuseConvBn: true })).toMatchObject({ ok: true, result: { fusedConvBn: true } });
    const fused = (await req({ kind: 'predict', id: 11, name: 'dog.jpg', bytes: buf(`${images}/dog.jpg`), topk: 1 })) as { result: ImagePrediction };
    expect(fused.result.pred_scores).not.toEqual(ref.result.pred_scores); // really a different (folded) computation
    expect(Math.max(...fused.result.pred_scores.map((v, i) => Math.abs(v - ref.result.pred_scores[i])))).toBeLessThan(1e-4);
    session.release();
  });

  it('a backend that cannot start: the load says which one runs instead and why; predictions name it', async () => {
    await useBackend('wasm');
    const session = new InferenceSession(async (name) => ({ backend: 'wasm', note: `${name} could not start in the worker (no WebGPU adapter)` }));
    const m = await session.load('webgpu', cfg('lenet5'), { name: 'lenet5.safetensors', blob: new Blob([buf(`${models}/lenet5.safetensors`)]) });
    expect(m).toMatchObject({ backend: 'wasm', requestedBackend: 'webgpu', backendNote: 'webgpu could not start in the worker (no WebGPU adapter)' });
    const p = await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3);
    expect(p).toMatchObject({ backend: 'wasm', first: true });
    // A reload makes the next image the first again.
    await session.load('webgpu', cfg('lenet5'), { name: 'lenet5.safetensors', blob: new Blob([buf(`${models}/lenet5.safetensors`)]) });
    expect((await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3)).first).toBe(true);
    expect((await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3)).first).toBe(false);
    session.release();
  });
});
