/**
 * Layer-wise lr decay on a classifier (BEiT / EVA fine-tuning configs: `constructor='LearningRateDecayOptimWrapperConstructor'`):
 * `ImageClassifier.getLayerDepth` asks its backbone with the `backbone.` prefix, as MMPretrain's; each parameter's lr
 * is `lr · rate^(max_depth − depth − 1)`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerEngine } from '../../engine/register_all';
import { buildOptimWrapper } from '../../engine/optimizers';
import { buildClassifier } from '../builder';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerEngine();
});

const vit = () =>
  buildClassifier({
    type: 'ImageClassifier',
    backbone: { type: 'VisionTransformer', arch: { embed_dims: 8, num_layers: 2, num_heads: 2, feedforward_channels: 16 }, img_size: 16, patch_size: 8 },
    head: { type: 'VisionTransformerClsHead', num_classes: 3, in_channels: 8 },
  });

describe('layer-wise lr decay through ImageClassifier.getLayerDepth', () => {
  it("groups a ViT's parameters by depth: embeddings, each layer, then the rest", () => {
    const model = vit();
    expect(model.getLayerDepth('backbone.cls_token')).toEqual([0, 4]);
    expect(model.getLayerDepth('backbone.layers.1.ln1.weight')).toEqual([2, 4]);
    expect(model.getLayerDepth('head.layers.head.weight')).toEqual([3, 4]);
    const optim = buildOptimWrapper(model, {
      optimizer: { type: 'AdamW', lr: 1, weight_decay: 0.05 },
      constructor: 'LearningRateDecayOptimWrapperConstructor',
      paramwise_cfg: { layer_decay_rate: 0.5 },
    });
    const lrOf = new Map(optim.optimizer.paramGroups.flatMap((g) => (g.params as tf.Variable[]).map((p) => [p, g.lr as number])));
    const param = (n: string) => model.namedParameters().find(([k]) => k === n)![1];
    expect(lrOf.get(param('backbone.cls_token'))).toBeCloseTo(0.125, 12);
    expect(lrOf.get(param('backbone.layers.0.ln1.weight'))).toBeCloseTo(0.25, 12);
    expect(lrOf.get(param('backbone.layers.1.ffn.layers.1.weight'))).toBeCloseTo(0.5, 12);
    expect(lrOf.get(param('head.layers.head.weight'))).toBeCloseTo(1, 12);
    optim.dispose();
    model.dispose();
  });

  it('a backbone without get_layer_depth fails as in MMPretrain', () => {
    const model = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'LeNet5', num_classes: 3 }, head: { type: 'ClsHead' } });
    expect(() => model.getLayerDepth('backbone.features.0.weight')).toThrow("The backbone LeNet5 doesn't support `get_layer_depth` by now.");
    model.dispose();
  });
});
