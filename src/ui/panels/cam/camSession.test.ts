/** The CAM panel's engine session in Node: load once, then image, method, layer and category changes without reloading. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../backends/tf';
import { useBackend } from '../../../models/node';
import { configToJSON, loadConfig } from '../../../config';
import { NodeFS } from '../../../config/node_fs';
import { refPath } from '../../../models/testing/reference';
import { sharedPath, missingShared } from '../../../testing/shared';
import { minMaxScale, resizeBilinearF32 } from '../../../visualization/cam';
import { camPipelineOf, CamSession, DISPLAY_MAX_SIDE } from './camSession';
import { ModelStore } from '../../engine/modelStore';

const dog = sharedPath('data/images/dog.jpg');
const buf = (p: string) => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

// The WASM backend as the other engine tests start it (threaded in Node), before a session's own start.
beforeAll(() => useBackend('wasm'));

describe('CamSession', () => {
  it.skipIf(missingShared(dog) || missingShared(refPath('resnet18_cifar_w16', '.safetensors')))('reference model + photo: CAMs, layer/category changes reuse the model, mapped onto the original', async () => {
    const session = new CamSession(new ModelStore());
    const cfg = JSON.parse(readFileSync(refPath('resnet18_cifar_w16', '_cfg.json'), 'utf8')) as Record<string, unknown>;
    const model = await session.load('wasm', { kind: 'dict', name: 'cfg.json', dict: cfg }, { name: 'resnet18_cifar_w16.safetensors', data: buf(refPath('resnet18_cifar_w16', '.safetensors')) });
    expect(model).toMatchObject({ defaultLayer: 'backbone.layer4.1.bn2', numClasses: 10, pipelineFromConfig: false });
    expect(model.classes[3]).toBe('cat'); // CIFAR-10 names for a 10-class CIFAR model
    expect(model.loadNote).toContain('all keys loaded');
    const image = await session.image('dog.jpg', buf(dog));
    expect([image.input.width, image.input.height]).toEqual([32, 32]);
    expect(Math.max(image.original.width, image.original.height)).toBeLessThanOrEqual(DISPLAY_MAX_SIDE);
    expect(image.mappable).toBe(true);
    expect(image.top[0].score).toBeGreaterThan(image.top[4].score);
    const tensors = tf.memory().numTensors;
    const plain = { eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null };
    const a = await session.cam({ methods: ['GradCAM', 'EigenCAM'], layers: [], category: null, ...plain });
    expect(a.layers).toEqual(['backbone.layer4.1.bn2']);
    expect(a.category).toBe(image.top[0].index);
    expect(a.rows.map((r) => [r.layer, r.kind])).toEqual([['backbone.layer4.1.bn2', 'layer']]);
    expect(a.rows[0].maps.map((m) => m.method)).toEqual(['GradCAM', 'EigenCAM']);
    expect(a.rows[0].maps[0].original!.length).toBe(image.original.width * image.original.height);
    const b = await session.cam({ methods: ['GradCAM'], layers: ['backbone.layer3[-1]'], category: 3, ...plain });
    expect([b.layers, b.category, b.categoryName]).toEqual([['backbone.layer3.1'], 3, 'cat']);
    expect(b.rows[0].maps[0].feature).toMatchObject({ height: 8, width: 8 });
    expect(b.rows[0].maps[0].grayscale).not.toEqual(a.rows[0].maps[0].grayscale);

    // Several layers (index forms deduplicated): one row each, equal to that layer alone, then vis_cam's aggregate.
    const c = await session.cam({ methods: ['GradCAM', 'LayerCAM'], layers: ['backbone.layer3.1', 'backbone.layer4', 'backbone.layer3[-1]'], category: 3, ...plain });
    expect(c.layers).toEqual(['backbone.layer3.1', 'backbone.layer4']);
    expect(c.rows.map((r) => [r.layer, r.kind])).toEqual([
      ['backbone.layer3.1', 'layer'],
      ['backbone.layer4', 'layer'],
      ['backbone.layer3.1 + backbone.layer4', 'aggregate'],
    ]);
    expect(c.rows[0].maps[0].grayscale).toEqual(b.rows[0].maps[0].grayscale);
    expect(c.rows[1].maps[0].feature).toMatchObject({ height: 4, width: 4 });
    expect(c.rows[2].maps[0].feature).toBeNull();
    const maxDiff = (p: Float32Array, q: Float32Array) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    expect(maxDiff(c.rows[0].maps[1].grayscale, c.rows[1].maps[1].grayscale)).toBeGreaterThan(0.1);
    // the aggregate is pytorch-grad-cam's aggregate_multi_layers: each layer's map resized, max(·, 0), mean, scaled
    const up = c.rows.slice(0, 2).map((r) => resizeBilinearF32(r.maps[1].feature!.data, r.maps[1].feature!.height, r.maps[1].feature!.width, 32, 32));
    const mean = new Float64Array(32 * 32).map((_, k) => (Math.max(up[0][k], 0) + Math.max(up[1][k], 0)) / 2);
    expect(maxDiff(c.rows[2].maps[1].grayscale, Float32Array.from(minMaxScale(mean)))).toBeLessThan(1e-6);
    // each row is exactly the CAM of its layer alone (one pass per layer serves the rows and the aggregate)
    const layer4 = await session.cam({ methods: ['LayerCAM'], layers: ['backbone.layer4'], category: 3, ...plain });
    expect(c.rows[1].maps[1].grayscale).toEqual(layer4.rows[0].maps[0].grayscale);
    expect(c.rows[1].maps[1].original).toEqual(layer4.rows[0].maps[0].original);
    // aug_smooth: each layer's row has its own augmented passes, equal to that layer alone with aug_smooth
    const aug = { ...plain, augSmooth: true };
    const d = await session.cam({ methods: ['GradCAM'], layers: ['backbone.layer3.1', 'backbone.layer4'], category: 3, ...aug });
    const d0 = await session.cam({ methods: ['GradCAM'], layers: ['backbone.layer3.1'], category: 3, ...aug });
    expect(d.rows[0].maps[0].grayscale).toEqual(d0.rows[0].maps[0].grayscale);
    expect(maxDiff(d0.rows[0].maps[0].grayscale, c.rows[0].maps[0].grayscale)).toBeGreaterThan(0.01);
    expect(maxDiff(d.rows[2].maps[0].grayscale, d.rows[0].maps[0].grayscale)).toBeGreaterThan(0.01);
    expect(tf.memory().numTensors).toBe(tensors);
    session.release();
  });

  it('errors name the problem', async () => {
    const session = new CamSession(new ModelStore());
    await expect(session.cam({ methods: ['GradCAM'], layers: [], category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null })).rejects.toThrow('load a model first');
    await expect(session.image('dog.jpg', new ArrayBuffer(4))).rejects.toThrow('load a model first');
    await expect(session.load('wasm', { kind: 'py', name: 'bad.py', text: 'model = dict(type="ImageClassifier", backbone=dict(type="ResNt"))' }, null)).rejects.toThrow(/ResNt.*ResNet/s);
    await expect(session.load('metal', { kind: 'dict', name: 'x', dict: {} }, null)).rejects.toThrow("unknown backend 'metal'");
  });
});

describe('camPipelineOf', () => {
  it('puts LoadImageFromFile first where the test pipeline has none (in-memory MNIST pipelines), grayscale for one channel', () => {
    const mnist = { model: { type: 'ImageClassifier', data_preprocessor: { mean: [33.46], std: [78.87] } }, test_dataloader: { dataset: { pipeline: [{ type: 'Resize', scale: 32 }, { type: 'PackInputs' }] } } };
    expect(camPipelineOf(mnist).pipeline).toEqual([{ type: 'LoadImageFromFile', color_type: 'grayscale' }, { type: 'Resize', scale: 32 }, { type: 'PackInputs' }]);
    const rgb = { ...mnist, model: { type: 'ImageClassifier' } };
    expect(camPipelineOf(rgb).pipeline[0]).toEqual({ type: 'LoadImageFromFile' });
    const withLoad = { test_pipeline: [{ type: 'LoadImageFromFile' }, { type: 'ResizeEdge', scale: 256 }, { type: 'PackInputs' }] };
    expect(camPipelineOf(withLoad)).toEqual({ pipeline: withLoad.test_pipeline, fromConfig: true });
  });

  const idx = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  const weights = resolve(process.cwd(), 'public/models/lenet5_fashion-mnist.pth');
  it.skipIf(missingShared(idx) || missingShared(weights))('the studio default model (Fashion-MNIST, no loading step in its pipeline): a PNG sample gets its CAM', async () => {
    const cfg = configToJSON(loadConfig('configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py', new NodeFS(process.cwd())).cfg) as Record<string, unknown>;
    const session = new CamSession(new ModelStore());
    const model = await session.load('wasm', { kind: 'dict', name: 'default', dict: cfg }, { name: 'lenet5_fashion-mnist.pth', data: buf(weights) });
    expect(model.pipeline).toEqual(['LoadImageFromFile', 'Resize', 'PackInputs']);
    expect(model.loadNote).toContain('all keys loaded');
    const pixels = new Uint8Array(gunzipSync(readFileSync(idx)).subarray(16, 16 + 784)); // t10k[0]: an ankle boot (9)
    const png = encode({ width: 28, height: 28, data: pixels, channels: 1, depth: 8 });
    const image = await session.image('t10k_0.png', png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
    expect([image.input.width, image.input.height]).toEqual([32, 32]);
    expect(image.top[0]).toMatchObject({ index: 9, name: 'Ankle boot' });
    // LeNet-5 has no norm layer (vis_cam needs --target-layers): the studio suggests its last spatial map, the 5×5 pool.
    expect(model.defaultLayer).toBe('backbone.features.5');
    const r = await session.cam({ methods: ['GradCAM'], layers: ['backbone.features[4]'], category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null });
    expect(r.category).toBe(9);
    expect(r.layers).toEqual(['backbone.features.4']);
    expect(r.rows[0].maps[0].feature).toMatchObject({ height: 10, width: 10 });
    expect(Math.max(...r.rows[0].maps[0].grayscale)).toBeGreaterThan(0.99);
    session.release();
  });
});
