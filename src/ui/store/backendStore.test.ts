import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { memoryChoiceStore } from '../../backends';
import { tf } from '../../backends/tf';
import { backendFromUrl, createBackendStore } from './backendStore';
import { initialStudioData, useStudioStore } from './studioStore';

describe('backend store', () => {
  it('starts once, then follows the user choice and "automatic"', async () => {
    const choices = memoryChoiceStore();
    let prepared = 0;
    const store = createBackendStore(choices, async () => void prepared++);
    expect(store.getState().phase).toBe('idle');
    const a = store.getState().start({ candidates: ['wasm', 'cpu'] });
    const b = store.getState().start({ candidates: ['wasm', 'cpu'] });
    await Promise.all([a, b]);
    expect(prepared).toBe(1);
    expect(store.getState()).toMatchObject({ phase: 'ready', error: null, report: { backend: 'wasm', available: ['wasm', 'cpu'] } });

    await store.getState().choose('cpu');
    expect(store.getState().report).toMatchObject({ backend: 'cpu', source: 'user' });
    expect(tf.getBackend()).toBe('cpu');
    expect(choices.load()).toMatchObject({ backend: 'cpu', source: 'user' });

    await store.getState().choose('auto');
    expect(choices.load()?.source).not.toBe('user');
    expect(store.getState().report?.source).not.toBe('user');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reports a backend that cannot start as an error and keeps the current one', async () => {
    const store = createBackendStore(memoryChoiceStore());
    await store.getState().start({ candidates: ['wasm', 'cpu'] });
    await store.getState().choose('webgl');
    expect(store.getState().error).toMatch(/webgl/);
    expect(store.getState().report?.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reads ?backend= from the URL, ignoring unknown names', () => {
    expect(backendFromUrl('?backend=wasm')).toBe('wasm');
    expect(backendFromUrl('?x=1&backend=webgpu')).toBe('webgpu');
    expect(backendFromUrl('?backend=tpu')).toBeNull();
    expect(backendFromUrl('')).toBeNull();
  });
});

describe('studio store', () => {
  it('holds the merged config and where it came from', () => {
    expect(useStudioStore.getState()).toMatchObject(initialStudioData);
    const cfg = { model: { type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 18 } } };
    useStudioStore.getState().setConfig(cfg, 'configs/resnet/resnet18_8xb16_cifar10.py');
    expect(useStudioStore.getState()).toMatchObject({ config: cfg, configPath: 'configs/resnet/resnet18_8xb16_cifar10.py' });
    useStudioStore.getState().setConfig(null, null);
    expect(useStudioStore.getState().config).toBeNull();
  });
});
