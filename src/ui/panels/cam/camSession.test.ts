/** The CAM panel's worker session in Node: load once, then image, method, layer and category changes without reloading. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../../backends/tf';
import { refPath } from '../../../models/testing/reference';
import { sharedPath } from '../../../testing/shared';
import { CamSession, DISPLAY_MAX_SIDE } from './camSession';
import { handleCamRequest } from './handle';

const dog = sharedPath('data/images/dog.jpg');
const buf = (p: string) => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

describe('CamSession', () => {
  it.skipIf(!existsSync(dog) || !existsSync(refPath('resnet18_cifar_w16', '.safetensors')))('reference model + photo: CAMs, layer/category changes reuse the model, mapped onto the original', async () => {
    const session = new CamSession();
    const cfg = JSON.parse(readFileSync(refPath('resnet18_cifar_w16', '_cfg.json'), 'utf8')) as Record<string, unknown>;
    const model = await session.load('wasm', { kind: 'dict', name: 'cfg.json', dict: cfg }, { name: 'resnet18_cifar_w16.safetensors', bytes: buf(refPath('resnet18_cifar_w16', '.safetensors')) });
    expect(model).toMatchObject({ defaultLayer: 'backbone.layer4.1.bn2', numClasses: 10, pipelineFromConfig: false });
    expect(model.classes[3]).toBe('cat'); // CIFAR-10 names for a 10-class CIFAR model
    expect(model.loadNote).toContain('all keys loaded');
    const image = await session.image('dog.jpg', buf(dog));
    expect([image.input.width, image.input.height]).toEqual([32, 32]);
    expect(Math.max(image.original.width, image.original.height)).toBeLessThanOrEqual(DISPLAY_MAX_SIDE);
    expect(image.mappable).toBe(true);
    expect(image.top[0].score).toBeGreaterThan(image.top[4].score);
    const tensors = tf.memory().numTensors;
    const a = session.cam({ methods: ['GradCAM', 'EigenCAM'], layer: null, category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null });
    expect(a.layer).toBe('backbone.layer4.1.bn2');
    expect(a.category).toBe(image.top[0].index);
    expect(a.maps.map((m) => m.method)).toEqual(['GradCAM', 'EigenCAM']);
    expect(a.maps[0].original!.length).toBe(image.original.width * image.original.height);
    const b = session.cam({ methods: ['GradCAM'], layer: 'backbone.layer3[-1]', category: 3, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null });
    expect([b.layer, b.category, b.categoryName]).toEqual(['backbone.layer3.1', 3, 'cat']);
    expect(b.maps[0].feature).toMatchObject({ height: 8, width: 8 });
    expect(b.maps[0].grayscale).not.toEqual(a.maps[0].grayscale);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('errors come back as messages naming the problem', async () => {
    const r = await handleCamRequest({ kind: 'cam', id: 7, settings: { methods: ['GradCAM'], layer: null, category: null, eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null } });
    expect(r.response).toEqual({ id: 7, ok: false, error: 'load a model first' });
    const bad = await handleCamRequest({ kind: 'load', id: 8, backend: 'wasm', config: { kind: 'py', name: 'bad.py', text: 'model = dict(type="ImageClassifier", backbone=dict(type="ResNt"))' }, checkpoint: null });
    expect(bad.response.ok).toBe(false);
    expect((bad.response as { error: string }).error).toMatch(/ResNt.*ResNet/s);
  });
});
