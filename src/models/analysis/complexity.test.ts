import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { buildClassifier } from '../builder';
import { formatSize, getModelComplexityInfo } from './complexity';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** The table MMPretrain's docs print for `get_flops.py configs/resnet/resnet50_8xb32_in1k.py` (docs/en/useful_tools/complexity_analysis.md). */
const MMPRETRAIN_RESNET50_TABLE = `
+--------------------------+----------------------+-----------+--------------+
| module                   | #parameters or shape | #flops    | #activations |
+--------------------------+----------------------+-----------+--------------+
| model                    | 25.557M              | 4.109G    | 11.114M      |
|  backbone                |  23.508M             |  4.109G   |  11.114M     |
|   backbone.conv1         |   9.408K             |   0.118G  |   0.803M     |
|    backbone.conv1.weight |    (64, 3, 7, 7)     |           |              |
|   backbone.bn1           |   0.128K             |   1.606M  |   0          |
|    backbone.bn1.weight   |    (64,)             |           |              |
|    backbone.bn1.bias     |    (64,)             |           |              |
|   backbone.layer1        |   0.216M             |   0.677G  |   4.415M     |
|    backbone.layer1.0     |    75.008K           |    0.235G |    2.007M    |
|    backbone.layer1.1     |    70.4K             |    0.221G |    1.204M    |
|    backbone.layer1.2     |    70.4K             |    0.221G |    1.204M    |
|   backbone.layer2        |   1.22M              |   1.034G  |   3.111M     |
|    backbone.layer2.0     |    0.379M            |    0.375G |    1.305M    |
|    backbone.layer2.1     |    0.28M             |    0.22G  |    0.602M    |
|    backbone.layer2.2     |    0.28M             |    0.22G  |    0.602M    |
|    backbone.layer2.3     |    0.28M             |    0.22G  |    0.602M    |
|   backbone.layer3        |   7.098M             |   1.469G  |   2.158M     |
|    backbone.layer3.0     |    1.512M            |    0.374G |    0.652M    |
|    backbone.layer3.1     |    1.117M            |    0.219G |    0.301M    |
|    backbone.layer3.2     |    1.117M            |    0.219G |    0.301M    |
|    backbone.layer3.3     |    1.117M            |    0.219G |    0.301M    |
|    backbone.layer3.4     |    1.117M            |    0.219G |    0.301M    |
|    backbone.layer3.5     |    1.117M            |    0.219G |    0.301M    |
|   backbone.layer4        |   14.965M            |   0.81G   |   0.627M     |
|    backbone.layer4.0     |    6.04M             |    0.373G |    0.326M    |
|    backbone.layer4.1     |    4.463M            |    0.219G |    0.151M    |
|    backbone.layer4.2     |    4.463M            |    0.219G |    0.151M    |
|  head.fc                 |  2.049M              |           |              |
|   head.fc.weight         |   (1000, 2048)       |           |              |
|   head.fc.bias           |   (1000,)            |           |              |
|  neck.gap                |                      |  0.1M     |  0           |
+--------------------------+----------------------+-----------+--------------+`.trim();

describe('model complexity (get_flops)', () => {
  it('ResNet-50 at 224: the table, FLOPs, params and activations MMPretrain documents', () => {
    const model = buildClassifier(
      { type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 50 }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 2048 } },
      { seed: null },
    );
    getModelComplexityInfo(model, [3, 8, 8]); // builds the eval-mode kernel caches
    const before = tf.memory().numTensors;
    const info = getModelComplexityInfo(model, [3, 224, 224]);
    expect(tf.memory().numTensors).toBe(before);
    expect([info.flopsStr, info.paramsStr, info.activationsStr]).toEqual(['4.109G', '25.557M', '11.114M']);
    expect(info.outTable).toBe(MMPRETRAIN_RESNET50_TABLE);
    model.dispose();
  });

  it('formats sizes as mmengine', () => {
    expect([formatSize(70400), formatSize(128), formatSize(100352), formatSize(99), formatSize(4.109e9)]).toEqual(['70.4K', '0.128K', '0.1M', '99', '4.109G']);
  });

  it('counts attention matmuls and layer norms for ViT', () => {
    const model = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'VisionTransformer', arch: { embed_dims: 32, num_layers: 1, num_heads: 4, feedforward_channels: 64 }, img_size: 32, patch_size: 8 } }, { seed: null });
    const info = getModelComplexityInfo(model, [3, 32, 32]);
    const n = 17, c = 32;
    const expected = 16 * c * 3 * 64 /* patch conv */ + 2 * (n * c * 5) /* ln1, ln2 */ + n * c * 5 /* final ln1 */ + n * c * 3 * c /* qkv */ + 2 * n * n * c /* matmuls */ + n * c * c /* proj */ + n * c * 64 * 2 /* ffn */;
    expect(info.flops).toBe(expected);
    model.dispose();
  });
});
