/**
 * CAM on every reference-zoo family that is registered and has weights: the studio's suggested target layer
 * (`suggestTargetLayer`: vis_cam's default where it gives a map, else the last backbone layer with a spatial map or a
 * square grid of tokens)
 * gives GradCAM and EigenCAM maps that are spatial (more than one position) and finite, EigenCAM's not constant, on WASM, with
 * no tensor left behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { useBackend } from '../../models/node';
import { buildReferenceModel } from '../../models/testing/parity_core';
import { OUTPUTS_NOT_REPRODUCIBLE, zooBackboneRegistered, zooFamilies, zooModelCfg, zooPath } from '../../models/testing/zoo';
import { backboneExtraTokens, computeCams, suggestTargetLayer } from '.';

const families = existsSync(zooPath('index.json')) ? zooFamilies().filter((f) => f.weights && zooBackboneRegistered(f.family)) : [];
/** The suggested layer of some families (vis_cam's `backbone.layers[-1].ln1` for ViT-like ones where it runs once). */
const EXPECTED_LAYER: Record<string, string> = {
  VisionTransformer: 'backbone.layers.1.ln1',
  DistilledVisionTransformer: 'backbone.layers.1.ln1',
  BEiTViT: 'backbone.layers.1.ln1',
  DeiT3: 'backbone.layers.0',
  // token-only backbones: their last norm on the token grid, not the patch embedding
  MlpMixer: 'backbone.ln1',
  RevVisionTransformer: 'backbone.ln1',
  EfficientFormer: 'backbone.norm3',
  MViT: 'backbone.norm2',
  TinyViT: 'backbone.stages.3',
  // the last patch-token block before the class token joins, not an attention's weights
  XCiT: 'backbone.xca_layers.1',
};
/** Headless zoo models (features only): CAM needs class scores. */
const HEADLESS = new Set(['ViTSAM']);

describe('the suggested CAM target layer on the reference zoo', () => {
  for (const f of families.filter((f) => !HEADLESS.has(f.family))) {
    it(`${f.family}: GradCAM and EigenCAM at the suggested layer give a spatial, non-constant map`, async () => {
      await useBackend('wasm');
      registerTrainingKernels('wasm');
      const { model } = await buildReferenceModel(zooModelCfg(f.family), { data: new Uint8Array(readFileSync(zooPath(`${f.family}_tiny.pth`))), name: `${f.family}_tiny.pth` });
      const [, c, h, w] = f.input_shape;
      const x = tf.randomNormal([1, c, h, w], 0, 1, 'float32', 7);
      try {
        const layer = suggestTargetLayer(model, x.shape);
        // a model with class / distillation tokens is CAM'd on its token grid before the final block, as vis_cam
        // --vit-like does (DeiT3's blocks run ln1 twice: the input of its final block, not the patch embedding)
        if ((backboneExtraTokens(model) ?? 0) > 0) expect(layer.vitLike, `${f.family}: ${layer.name}`).toBe(true);
        if (f.family in EXPECTED_LAYER) expect(layer.name).toBe(EXPECTED_LAYER[f.family]);
        const opts = { targetLayers: [layer.name], vitLike: layer.vitLike, numExtraTokens: layer.numExtraTokens };
        const [grad, eigen] = await computeCams(model, x, ['gradcam', 'eigencam'], opts);
        const before = tf.memory().numTensors; // after a first pass (kernels may cache packed weights once)
        await computeCams(model, x, ['gradcam'], opts);
        expect(tf.memory().numTensors).toBe(before);
        for (const r of [grad, eigen]) {
          const l = r.layers[0];
          expect(l.name).toBe(layer.name);
          expect(l.height * l.width, `${r.method} at ${l.name}: ${l.height}×${l.width}`).toBeGreaterThan(1);
          expect(r.grayscale.every(Number.isFinite)).toBe(true);
        }
        // EigenCAM reads the activations only: never flat on a real feature map. (GradCAM can be, where the
        // fixture's perturbed weights leave almost every activation after the last ReLU at zero, as DenseNet's.)
        // Where the .pth lacks the model's weights (LoRA) the map comes from random ones, and the first principal
        // component's arbitrary sign can leave all of it under pytorch-grad-cam's ReLU: not a real feature map.
        if (!(f.family in OUTPUTS_NOT_REPRODUCIBLE)) expect(Math.max(...eigen.grayscale) - Math.min(...eigen.grayscale), `EigenCAM at ${layer.name}`).toBeGreaterThan(0);
      } finally {
        x.dispose();
        model.dispose();
      }
    });
  }
});
