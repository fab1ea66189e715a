import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../../models/node';
import { sharedPath, missingShared } from '../../../testing/shared';
import { connect, inlinePort, transfer } from '../../../utils/rpc/rpc';
import { ENGINE_LANES } from '../../engine/lanes';
import { ModelStore } from '../../engine/modelStore';
import { createEngineServices, type EngineServices } from '../../engine/services';
import { InferenceSession } from './session';

const models = sharedPath('reference/models');
const images = sharedPath('data/images');
const buf = (p: string) => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const cfg = (n: string) => ({ name: `${n}_cfg.json`, dict: JSON.parse(readFileSync(`${models}/${n}_cfg.json`, 'utf8')) as Record<string, unknown> });

/** The panel's calls through the engine's RPC, as the page makes them (served on a MessageChannel here). */
const moved = (b: ArrayBuffer) => transfer(b, [b]);

describe.skipIf(missingShared(models) || missingShared(images))('Inference panel session (engine side)', () => {
  it('loads with progress, classifies images, and survives every bad input with a message naming the file', async () => {
    await useBackend('wasm');
    const port = inlinePort(createEngineServices({ startBackend: async () => 'wasm' }), ENGINE_LANES);
    const { inference, memory } = connect<EngineServices>(port).api;
    const empty = (await memory()).numTensors;
    const progress: [number, number][] = [];
    const ck = buf(`${models}/resnet18_cifar_w16.safetensors`);
    const m = await inference.load('wasm', cfg('resnet18_cifar_w16'), { name: 'resnet18_cifar_w16.safetensors', data: new Blob([ck]) }, { onProgress: (l, t) => progress.push([l, t]) });
    expect(m).toMatchObject({ name: 'resnet18_cifar_w16_cfg', backend: 'wasm', requestedBackend: 'wasm', backendNote: '', numClasses: 10, loadWarning: '', pipeline: ['LoadImageFromFile', 'Resize', 'PackInputs'], pipelineFromConfig: false });
    expect(m.classes?.[3]).toBe('cat');
    expect(progress.at(-1)).toEqual([ck.byteLength, ck.byteLength]);

    const warmed = await inference.predict('warm-up', moved(buf(`${images}/bird.JPEG`)), 3); // first forward caches NHWC weights
    expect(warmed).toMatchObject({ first: true, backend: 'wasm' });
    expect(warmed.forwardMs).toBeGreaterThan(0);
    expect(warmed.forwardMs).toBeLessThanOrEqual(warmed.ms);
    const before = (await memory()).numTensors;
    const pred = await inference.predict('dog.jpg', moved(buf(`${images}/dog.jpg`)), 3);
    expect(pred.topk).toHaveLength(3);
    expect(pred.topk[0]).toEqual({ label: pred.pred_label, score: pred.pred_score, name: pred.pred_class });
    expect(pred.pred_scores).toHaveLength(10);
    expect(pred.backend).toBe('wasm');
    expect(pred.first).toBe(false);
    expect((await memory()).numTensors).toBe(before);

    await expect(inference.predict('empty.png', new ArrayBuffer(0), 3)).rejects.toThrow(/empty\.png: the file is empty/);
    await expect(inference.predict('model.pth', buf(`${models}/lenet5.pth`), 3)).rejects.toThrow('model.pth');
    await expect(inference.load('wasm', cfg('resnet18_cifar_w16'), { name: 'lenet5.safetensors', data: new Blob([buf(`${models}/lenet5.safetensors`)]) })).rejects.toThrow(/lenet5\.safetensors: no weight fits this model \(resnet18_cifar_w16_cfg\)/);
    await expect(inference.load('wasm', cfg('lenet5'), { name: 'broken.pth', data: new Blob([new Uint8Array(300).fill(7)]) })).rejects.toThrow('broken.pth');
    expect((await memory()).numTensors).toBe(empty); // a failed load holds nothing
    // Still alive: the LeNet-5 reference loads and classifies (grayscale pipeline for a one-channel preprocessor).
    await inference.load('wasm', cfg('lenet5'), { name: 'lenet5.pth', data: new Blob([buf(`${models}/lenet5.pth`)]) });
    expect(await inference.predict('demo.JPEG', moved(buf(`${images}/demo.JPEG`)), 5)).toMatchObject({ image: 'demo.JPEG' });
    // User class names (a classes.txt): the count must match; null restores the model's own.
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    await expect(inference.setClasses(names.slice(0, 3), 'classes.txt')).rejects.toThrow('classes.txt: 3 class names for a model with 10 classes');
    expect(await inference.setClasses(names, 'classes.txt')).toMatchObject({ classesNote: 'from classes.txt' });
    const named = await inference.predict('dog.jpg', moved(buf(`${images}/dog.jpg`)), 2);
    expect(named.pred_class).toBe(`c${named.pred_label}`);
    expect(await inference.setClasses(null, '')).toMatchObject({ classesNote: expect.stringContaining('MNIST') });
    // Fused conv + BN: the same scores within 1e-4.
    const r18 = { name: 'resnet18_cifar_w16.safetensors', data: new Blob([ck]) };
    await inference.load('wasm', cfg('resnet18_cifar_w16'), r18);
    const ref = await inference.predict('dog.jpg', moved(buf(`${images}/dog.jpg`)), 1);
    expect(await inference.load('wasm', cfg('resnet18_cifar_w16'), r18, { fuseConvBn: true })).toMatchObject({ fusedConvBn: true });
    const fused = await inference.predict('dog.jpg', moved(buf(`${images}/dog.jpg`)), 1);
    expect(fused.pred_scores).not.toEqual(ref.pred_scores); // really a different (folded) computation
    expect(Math.max(...fused.pred_scores.map((v, i) => Math.abs(v - ref.pred_scores[i])))).toBeLessThan(1e-4);
    port.close();
  });

  it('a backend that cannot start: the load says which one runs instead and why; predictions name it', async () => {
    await useBackend('wasm');
    const session = new InferenceSession(new ModelStore(), async (name) => ({ backend: 'wasm', note: `${name} could not start in the worker (no WebGPU adapter)` }));
    const m = await session.load('webgpu', cfg('lenet5'), { name: 'lenet5.safetensors', data: new Blob([buf(`${models}/lenet5.safetensors`)]) });
    expect(m).toMatchObject({ backend: 'wasm', requestedBackend: 'webgpu', backendNote: 'webgpu could not start in the worker (no WebGPU adapter)' });
    const p = await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3);
    expect(p).toMatchObject({ backend: 'wasm', first: true });
    // A reload makes the next image the first again.
    await session.load('webgpu', cfg('lenet5'), { name: 'lenet5.safetensors', data: new Blob([buf(`${models}/lenet5.safetensors`)]) });
    expect((await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3)).first).toBe(true);
    expect((await session.predict('demo.JPEG', new Uint8Array(buf(`${images}/demo.JPEG`)), 3)).first).toBe(false);
    session.release();
  });
});
