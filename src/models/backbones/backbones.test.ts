/**
 * Structure of the backbones without reference fixtures: parameter counts equal the published ones
 * (torchvision / timm / MMPretrain model zoo, same architectures), MMPretrain key names, output shapes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { buildClassifier } from '../builder';
import type { ImageClassifier } from '../classifiers/image';
import { registerModels } from '../register_all';

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerModels();
});

const head = (inC: number) => ({ type: 'LinearClsHead', num_classes: 1000, in_channels: inC });
const gap = { type: 'GlobalAveragePooling' };

/** name, model config, published parameter count, keys that a released MMPretrain checkpoint has, input size, backbone output shapes (NCHW). */
const cases: [string, Record<string, unknown>, number, string[], number, number[][]][] = [
  ['resnet50', { backbone: { type: 'ResNet', depth: 50 }, neck: gap, head: head(2048) }, 25_557_032,
    ['backbone.conv1.weight', 'backbone.bn1.running_var', 'backbone.layer1.0.downsample.1.num_batches_tracked', 'backbone.layer4.2.conv3.weight', 'head.fc.bias'], 64, [[1, 2048, 2, 2]]],
  ['resnet18 (out_indices 0-3)', { backbone: { type: 'ResNet', depth: 18, out_indices: [0, 1, 2, 3] }, neck: gap, head: head(512) }, 11_689_512,
    ['backbone.layer1.1.conv2.weight', 'backbone.layer4.0.downsample.0.weight'], 64, [[1, 64, 16, 16], [1, 128, 8, 8], [1, 256, 4, 4], [1, 512, 2, 2]]],
  ['resnext50_32x4d', { backbone: { type: 'ResNeXt', depth: 50, groups: 32, width_per_group: 4 }, neck: gap, head: head(2048) }, 25_028_904,
    ['backbone.layer1.0.conv2.weight'], 64, [[1, 2048, 2, 2]]],
  ['seresnet50', { backbone: { type: 'SEResNet', depth: 50 }, neck: gap, head: head(2048) }, 28_088_024,
    ['backbone.layer1.0.se_layer.conv1.conv.weight', 'backbone.layer4.2.se_layer.conv2.conv.bias'], 64, [[1, 2048, 2, 2]]],
  ['resnetv1d50', { backbone: { type: 'ResNetV1d', depth: 50 }, neck: gap, head: head(2048) }, 25_557_032 + 19_232 /* deep stem: 3 convs+BN instead of the 7×7 */,
    ['backbone.stem.0.conv.weight', 'backbone.stem.2.bn.running_mean', 'backbone.layer2.0.downsample.1.weight'], 64, [[1, 2048, 2, 2]]],
  ['mobilenet_v2', { backbone: { type: 'MobileNetV2', widen_factor: 1.0 }, neck: gap, head: head(1280) }, 3_504_872,
    ['backbone.conv1.conv.weight', 'backbone.layer1.0.conv.0.conv.weight', 'backbone.layer2.0.conv.1.bn.weight', 'backbone.conv2.bn.running_var'], 64, [[1, 1280, 2, 2]]],
  ['mobilenet_v3_small', { backbone: { type: 'MobileNetV3', arch: 'small' }, neck: gap, head: { type: 'StackedLinearClsHead', num_classes: 1000, in_channels: 576, mid_channels: [1024], dropout_rate: 0.2, act_cfg: { type: 'HSwish' } } }, 2_542_856,
    ['backbone.layer0.conv.weight', 'backbone.layer1.depthwise_conv.conv.weight', 'backbone.layer1.se.conv1.conv.bias', 'backbone.layer4.expand_conv.bn.weight', 'backbone.layer12.bn.weight', 'head.layers.0.fc.weight', 'head.layers.1.fc.bias'], 64, [[1, 576, 2, 2]]],
  ['mobilenet_v3_large', { backbone: { type: 'MobileNetV3', arch: 'large' }, neck: gap, head: { type: 'StackedLinearClsHead', num_classes: 1000, in_channels: 960, mid_channels: [1280], act_cfg: { type: 'HSwish' } } }, 5_483_032,
    ['backbone.layer16.conv.weight'], 64, [[1, 960, 2, 2]]],
  ['shufflenet_v2_1x', { backbone: { type: 'ShuffleNetV2', widen_factor: 1.0 }, neck: gap, head: head(1024) }, 2_278_604,
    ['backbone.conv1.conv.weight', 'backbone.layers.0.0.branch1.0.conv.weight', 'backbone.layers.0.1.branch2.2.bn.weight', 'backbone.layers.3.conv.weight'], 64, [[1, 1024, 2, 2]]],
  ['vgg11 (features)', { backbone: { type: 'VGG', depth: 11 }, neck: gap, head: head(512) }, 9_220_480 + 513_000,
    ['backbone.features.0.conv.weight', 'backbone.features.0.conv.bias', 'backbone.features.11.conv.weight'], 64, [[1, 512, 2, 2]]],
  ['vgg11_bn (features)', { backbone: { type: 'VGG', depth: 11, norm_cfg: { type: 'BN' } }, neck: gap, head: head(512) }, 9_220_480 + 2 * 2752 /* BN weight+bias */ + 513_000,
    ['backbone.features.0.bn.running_mean'], 64, [[1, 512, 2, 2]]],
  ['deit-tiny', { backbone: { type: 'VisionTransformer', arch: 'deit-tiny', img_size: 224, patch_size: 16 }, neck: null, head: { type: 'VisionTransformerClsHead', num_classes: 1000, in_channels: 192 } }, 5_717_416,
    ['backbone.cls_token', 'backbone.pos_embed', 'backbone.patch_embed.projection.weight', 'backbone.layers.0.ln1.weight', 'backbone.layers.0.attn.qkv.weight', 'backbone.layers.11.ffn.layers.0.0.weight', 'backbone.layers.11.ffn.layers.1.bias', 'backbone.ln1.bias', 'head.layers.head.weight'], 32, [[1, 192]]],
  ['deit-tiny distilled', { backbone: { type: 'DistilledVisionTransformer', arch: 'deit-tiny', img_size: 224, patch_size: 16 }, neck: null, head: { type: 'DeiTClsHead', num_classes: 1000, in_channels: 192 } }, 5_910_800,
    ['backbone.dist_token', 'head.layers.head_dist.weight'], 32, [[1, 192], [1, 192]]],
];

describe('backbones: parameter counts, key names, output shapes', () => {
  for (const [name, model, params, keys, size, shapes] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', ...model });
      expect(m.numParameters()).toBe(params);
      const sd = m.stateDictShapes();
      for (const k of keys) expect(sd.has(k), k).toBe(true);
      m.eval();
      const x = tf.zeros([1, 3, size, size]);
      const feats = m.extractFeat(x, 'backbone');
      expect(feats.map((f) => f.shape)).toEqual(shapes);
      const logits = m.call(x) as tf.Tensor;
      expect(logits.shape).toEqual([1, 1000]);
      tf.dispose([x, logits, ...feats]);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('ViT featmap / avg_featmap / raw outputs and position embeddings resized for another input size', () => {
    const m = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'VisionTransformer', arch: { embed_dims: 32, num_layers: 2, num_heads: 4, feedforward_channels: 64 }, img_size: 32, patch_size: 8, out_type: 'featmap', out_indices: [0, 1] } });
    m.eval();
    const x = tf.randomNormal([2, 3, 48, 40], 0, 1, 'float32', 1);
    const outs = m.extractFeat(x, 'backbone');
    expect(outs.map((o) => o.shape)).toEqual([[2, 32, 6, 5], [2, 32, 6, 5]]);
    tf.dispose([x, ...outs]);
    m.dispose();
  });

  it('rejects unknown keys and bad archs with clear messages', () => {
    expect(() => MODELS.build({ type: 'ResNet', depth: 50, out_indice: [3] })).toThrow(/ResNet: unknown option 'out_indice' — did you mean 'out_indices'/);
    expect(() => MODELS.build({ type: 'ResNet', depth: 42 })).toThrow(/invalid depth 42 for ResNet/);
    expect(() => MODELS.build({ type: 'MobileNetV3', arch: 'tiny' })).toThrow(/arch must be one of small/);
    expect(() => MODELS.build({ type: 'ShuffleNetV2', widen_factor: 3 })).toThrow(/widen_factor must be in/);
  });
});
