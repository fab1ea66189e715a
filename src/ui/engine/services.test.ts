/**
 * The engine services through the RPC (served on a MessageChannel, as the page's inline fallback runs them): the
 * Inference panel's model is the one the CAM and Model panels use, one copy; another model replaces it and the
 * panel whose model went gets it back on its next call.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { refPath } from '../../models/testing/reference';
import { missingShared } from '../../testing/shared';
import { bytes, cfgOf, dog, inlineEngine, moved } from './services.testkit';

const plain = { eigenSmooth: false, augSmooth: false, vitLike: false, numExtraTokens: null };

const { engine, close } = inlineEngine();
afterAll(close);

describe.skipIf(missingShared(dog, refPath('lenet5', '.safetensors'), refPath('resnet18_cifar_w16', '.safetensors')))('one model for the Inference, CAM and Model panels', () => {
  it('CAM asking for the Inference panel\'s model reuses it; another model replaces it (tensors flat) and comes back on the next call', async () => {
    const base = await engine.memory();
    const resnet = { name: 'resnet18_cifar_w16_cfg.json', dict: cfgOf('resnet18_cifar_w16') };
    const ckpt = bytes(refPath('resnet18_cifar_w16', '.safetensors'));
    const progress: number[] = [];
    const loaded = await engine.inference.load('wasm', resnet, { name: 'resnet18_cifar_w16.safetensors', data: new Blob([ckpt]) }, { onProgress: (l) => progress.push(l) });
    expect(loaded).toMatchObject({ name: 'resnet18_cifar_w16_cfg', backend: 'wasm', numClasses: 10 });
    expect(progress.at(-1)).toBe(ckpt.byteLength);
    const pred = await engine.inference.predict('dog.jpg', moved(bytes(dog)), 3);
    // (after the first forward: the WASM convolutions keep their weights re-laid out, with the model)
    const withModel = await engine.memory();
    expect(withModel.modelLoads).toBe(base.modelLoads + 1);

    // The CAM panel, given the same model as the bytes "Explain with CAM" hands over: no second load, no new weights.
    const cam = await engine.cam.load('wasm', { kind: 'dict', name: 'resnet18_cifar_w16', dict: cfgOf('resnet18_cifar_w16') }, { name: 'resnet18_cifar_w16.safetensors', data: ckpt.slice(0) });
    expect(cam).toMatchObject({ defaultLayer: 'backbone.layer4.1.bn2', numClasses: 10, loadNote: 'resnet18_cifar_w16.safetensors: all keys loaded' });
    expect(await engine.memory()).toEqual(withModel);
    const image = await engine.cam.image('dog.jpg', moved(bytes(dog)));
    // the same weights: CAM's top class and probability are the Inference panel's
    expect(image.top[0].index).toBe(pred.pred_label);
    expect(Math.abs(image.top[0].score - pred.pred_score)).toBeLessThan(1e-5);
    const run = await engine.cam.cam({ methods: ['GradCAM'], layers: [], category: null, ...plain });
    expect(run.category).toBe(pred.pred_label);
    const withImage = (await engine.memory()).numTensors; // + CAM's model input
    expect(withImage).toBe(withModel.numTensors + 1);

    // The Model panel describes the held model (its config's, unfused, on the running backend): nothing allocated.
    const described = await engine.model.analyze(cfgOf('resnet18_cifar_w16'), [3, 32, 32]);
    expect((await engine.memory()).numTensors).toBe(withImage);
    expect(described.params).toBeGreaterThan(0);
    const lenetShape = await engine.model.analyze(cfgOf('lenet5'), [1, 32, 32]); // another config: built and disposed
    expect(lenetShape.rows[0].type).toBe('ImageClassifier');
    expect((await engine.memory()).numTensors).toBe(withImage);

    // CAM loads another model: the Inference panel's goes (and CAM's input is made again for the new one).
    const lenet = { kind: 'dict' as const, name: 'lenet5_cfg.json', dict: cfgOf('lenet5') };
    const lenetCkpt = { name: 'lenet5.safetensors', data: new Blob([bytes(refPath('lenet5', '.safetensors'))]) };
    await engine.cam.load('wasm', lenet, lenetCkpt);
    const withLenet = await engine.memory();
    expect(withLenet.modelLoads).toBe(withModel.modelLoads + 1);
    expect(withLenet.numTensors).toBeLessThan(withModel.numTensors); // ResNet's weights are gone
    // The Inference panel's next image: its model comes back (a reload: the first image again), the same scores.
    const again = await engine.inference.predict('dog.jpg', moved(bytes(dog)), 3);
    expect(again).toMatchObject({ pred_label: pred.pred_label, first: true });
    expect(Math.max(...again.pred_scores.map((v, i) => Math.abs(v - pred.pred_scores[i])))).toBeLessThan(1e-6);
    const back = await engine.memory();
    expect(back).toEqual({ numTensors: withModel.numTensors, modelLoads: withModel.modelLoads + 2 });
    // …and the CAM panel's (LeNet-5, its image's input made again) on its next CAM.
    const lenetRun = await engine.cam.cam({ methods: ['GradCAM'], layers: ['backbone.features[4]'], category: null, ...plain });
    expect(lenetRun.layers).toEqual(['backbone.features.4']);
    expect((await engine.memory()).numTensors).toBe(withLenet.numTensors);

    // Round after round, the same counts: nothing leaks.
    for (let round = 0; round < 2; round++) {
      await engine.inference.predict('dog.jpg', moved(bytes(dog)), 1);
      expect((await engine.memory()).numTensors).toBe(withModel.numTensors);
      await engine.cam.cam({ methods: ['GradCAM'], layers: [], category: null, ...plain });
      expect((await engine.memory()).numTensors).toBe(withLenet.numTensors);
    }
    console.log(`[engine] tensors: ResNet-18 (Inference, then CAM too) ${withModel.numTensors}, + CAM input ${withImage}; LeNet-5 (CAM) ${withLenet.numTensors}; models built ${(await engine.memory()).modelLoads}`);
  });

  it('errors come back as messages naming the problem', async () => {
    const { engine: fresh, close: closeFresh } = inlineEngine();
    await expect(fresh.cam.cam({ methods: ['GradCAM'], layers: [], category: null, ...plain })).rejects.toThrow('load a model first');
    await expect(fresh.inference.predict('dog.jpg', new ArrayBuffer(1), 1)).rejects.toThrow('no model loaded: choose a config and checkpoint first');
    await expect(fresh.cam.load('wasm', { kind: 'py', name: 'bad.py', text: 'model = dict(type="ImageClassifier", backbone=dict(type="ResNt"))' }, null)).rejects.toThrow(/ResNt.*ResNet/s);
    await expect(fresh.cam.load('webgpu', { kind: 'dict', name: 'lenet5_cfg.json', dict: cfgOf('lenet5') }, null)).rejects.toThrow('the webgpu backend is not available here');
    closeFresh();
  });
});
