import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../backends/tf';
import { buildClassifier } from './builder';
import { pretrainedSource } from './nn/init';
import { pretrainedCheckpoints, preloadPretrained } from './node';
import { refPath } from './testing/reference';

describe('Node helpers', () => {
  it('finds Pretrained checkpoints in a config', () => {
    expect(pretrainedCheckpoints({ model: { type: 'ImageClassifier', backbone: { init_cfg: [{ type: 'Kaiming' }, { type: 'Pretrained', checkpoint: 'a.pth', prefix: 'backbone' }] }, pretrained: 'b.pth' } })).toEqual(['b.pth', 'a.pth']);
  });

  it.skipIf(!existsSync(refPath('resnet18_cifar_w16', '.pth')))("fine-tuning: init_cfg Pretrained (prefix 'backbone') loads the released backbone, the new head stays initialised", async () => {
    await tf.setBackend('cpu');
    const ckpt = refPath('resnet18_cifar_w16', '.pth');
    const cfg = {
      model: {
        type: 'ImageClassifier',
        backbone: { type: 'ResNet_CIFAR', depth: 18, stem_channels: 16, base_channels: 16, init_cfg: { type: 'Pretrained', checkpoint: ckpt, prefix: 'backbone' } },
        neck: { type: 'GlobalAveragePooling' },
        head: { type: 'LinearClsHead', num_classes: 5, in_channels: 128 },
      },
    };
    await preloadPretrained(cfg);
    const model = buildClassifier(cfg, { seed: 0 });
    const ref = pretrainedSource.load!(ckpt);
    const w = model.stateDict().get('backbone.layer4.1.conv2.weight')!.data as Float32Array;
    expect(Array.from(w)).toEqual(Array.from(ref.get('backbone.layer4.1.conv2.weight')!.data as Float32Array));
    expect(model.stateDict().get('head.fc.weight')!.shape).toEqual([5, 128]);
    pretrainedSource.load = null;
    model.dispose();
  });
});
