import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { configToJSON, dumpConfig, parseConfigText } from '../../config';
import { buildClassifier } from '../builder';
import { pretrainedSource } from '../nn/init';
import { refPath } from '../testing/reference';
import { missingShared } from '../../testing/shared';
import {
  buildWithPretrained,
  checkpointFileName,
  findPretrainedInits,
  formatPretrainedReport,
  neededCheckpoints,
  pretrainedReport,
  readPretrainedFiles,
  withoutPretrainedInits,
} from './pretrained';

const URL_CKPT = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_b16x8_cifar10_20210528-bd6371c8.pth';

/** A fine-tuning config as MMPretrain writes them: Pretrained backbone (a list with Kaiming), new head. */
const FINETUNE = `
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16,
        init_cfg=[dict(type='Kaiming', layer='Conv2d'), dict(type='Pretrained', checkpoint='${URL_CKPT}', prefix='backbone')]),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=5, in_channels=128, init_cfg=dict(type='Normal', layer='Linear', std=0.01)),
)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
`;

describe('finding Pretrained init_cfgs', () => {
  it('finds them in init_cfg lists, lone dicts, any module, and a classifier pretrained=', () => {
    const cfg = configToJSON(parseConfigText(FINETUNE));
    expect(findPretrainedInits(cfg)).toEqual([{ key: 'model.backbone.init_cfg[1]', checkpoint: URL_CKPT, prefix: 'backbone' }]);
    const many = {
      model: {
        type: 'ImageClassifier',
        pretrained: 'whole.pth',
        backbone: { type: 'ResNet', init_cfg: { type: 'Pretrained', checkpoint: 'a.pth', prefix: 'backbone.' } },
        neck: { type: 'GlobalAveragePooling' },
        head: { type: 'LinearClsHead', init_cfg: [{ type: 'Pretrained', checkpoint: 'a.pth', prefix: 'head' }, { type: 'Normal' }] },
      },
      custom: [{ layers: [{ init_cfg: { type: 'Pretrained', checkpoint: 'local/b.safetensors', prefix: '' } }] }],
    };
    const refs = findPretrainedInits(many);
    expect(refs).toEqual([
      { key: 'model.pretrained', checkpoint: 'whole.pth', prefix: null },
      { key: 'model.backbone.init_cfg', checkpoint: 'a.pth', prefix: 'backbone.' },
      { key: 'model.head.init_cfg[0]', checkpoint: 'a.pth', prefix: 'head' },
      { key: 'custom[0].layers[0].init_cfg', checkpoint: 'local/b.safetensors', prefix: null },
    ]);
    expect(neededCheckpoints(refs).map((n) => [n.checkpoint, n.refs.length])).toEqual([['whole.pth', 1], ['a.pth', 2], ['local/b.safetensors', 1]]);
    expect(findPretrainedInits({ model: { backbone: { init_cfg: [{ type: 'Kaiming' }] } } })).toEqual([]);
    expect(() => findPretrainedInits({ model: { backbone: { init_cfg: { type: 'Pretrained' } } } })).toThrow(/model\.backbone\.init_cfg: .*needs a 'checkpoint'/);
    expect(checkpointFileName(`${URL_CKPT}?download=1`)).toBe('resnet18_b16x8_cifar10_20210528-bd6371c8.pth');
    expect(checkpointFileName('C:\\ckpts\\x.safetensors')).toBe('x.safetensors');
  });

  it('train from scratch: Pretrained taken out of lists, lone ones remove init_cfg, the dump stays exact otherwise', () => {
    const cfg = parseConfigText(FINETUNE);
    const scratch = withoutPretrainedInits(cfg);
    const bb = (scratch.model as { backbone: { init_cfg: unknown } }).backbone;
    expect(bb.init_cfg).toEqual([{ type: 'Kaiming', layer: 'Conv2d' }]);
    expect(findPretrainedInits(scratch)).toEqual([]);
    expect(findPretrainedInits(cfg)).toHaveLength(1); // the input is untouched
    expect(dumpConfig(scratch)).toBe(dumpConfig(cfg).replace(/,?\s*dict\(\s*checkpoint=[^)]*\)/, ''));
    const lone = withoutPretrainedInits({ model: { type: 'ImageClassifier', backbone: { type: 'LeNet5', init_cfg: { type: 'Pretrained', checkpoint: 'x' } }, pretrained: 'y' } });
    expect(lone).toEqual({ model: { type: 'ImageClassifier', backbone: { type: 'LeNet5' } } });
  });
});

const RESNET = refPath('resnet18_cifar_w16', '.pth');
const RESNET_ST = refPath('resnet18_cifar_w16', '.safetensors');

describe.skipIf(missingShared(RESNET) || missingShared(RESNET_ST))('loading Pretrained checkpoints with a prefix (mmengine PretrainedInit)', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  });

  it("resnet18_cifar_w16.pth with prefix='backbone' into a model with a new head: backbone equal, head untouched, head reported", async () => {
    const cfg = configToJSON(parseConfigText(FINETUNE)) as Record<string, unknown>;
    const files = await readPretrainedFiles([{ checkpoint: URL_CKPT, name: 'resnet18_cifar_w16.pth', data: new Uint8Array(readFileSync(RESNET)) }]);
    const ref = files.get(URL_CKPT)!.stateDict;
    const tensorsBefore = tf.memory().numTensors;
    const { result: model, loaded } = await buildWithPretrained(files, () => buildClassifier(cfg, { seed: 0 }));
    const scratch = buildClassifier(withoutPretrainedInits(cfg), { seed: 0 });
    try {
      const sd = model.stateDict();
      let backboneKeys = 0;
      for (const [k, v] of sd) {
        if (!k.startsWith('backbone.')) continue;
        backboneKeys++;
        expect(Array.from(v.data as ArrayLike<number>, Number), k).toEqual(Array.from(ref.get(k)!.data as ArrayLike<number>).map(Number));
      }
      expect(backboneKeys).toBeGreaterThan(100);
      // The head is the same as without the checkpoint (same seed: its Normal(std=0.01) init), not the checkpoint's 10-class one.
      const headW = sd.get('head.fc.weight')!;
      expect(headW.shape).toEqual([5, 128]);
      expect(Array.from(headW.data as Float32Array)).toEqual(Array.from(scratch.stateDict().get('head.fc.weight')!.data as Float32Array));
      expect(ref.get('head.fc.weight')!.shape).toEqual([10, 128]);

      const report = pretrainedReport(model.stateDictShapes().keys(), loaded, files);
      expect(report.loads).toHaveLength(1);
      const [load] = report.loads;
      expect(load).toMatchObject({ checkpoint: URL_CKPT, file: 'resnet18_cifar_w16.pth', prefix: 'backbone', module: 'backbone', loaded: backboneKeys });
      expect(load.report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      expect(report.notLoaded).toEqual(['head.fc.weight', 'head.fc.bias']);
      const lines = formatPretrainedReport(report);
      expect(lines[0]).toBe(`load backbone in model from: ${URL_CKPT}`);
      expect(lines.at(-1)).toBe('not in any pretrained checkpoint (keep their initialisation): head.fc.weight, head.fc.bias');
      expect(pretrainedSource.load).toBeNull(); // restored
    } finally {
      model.dispose();
      scratch.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('without a prefix the whole .safetensors checkpoint loads into the classifier: the 10-class head is a size mismatch', async () => {
    const base = (configToJSON(parseConfigText(FINETUNE)) as { model: { backbone: Record<string, unknown> } }).model;
    const cfg = { model: { ...base, backbone: { ...base.backbone, init_cfg: null }, init_cfg: { type: 'Pretrained', checkpoint: 'released.safetensors' } } };
    const files = await readPretrainedFiles([{ checkpoint: 'released.safetensors', name: 'resnet18_cifar_w16.safetensors', data: new Uint8Array(readFileSync(RESNET_ST)) }]);
    const { result: model, loaded } = await buildWithPretrained(files, () => buildClassifier(cfg, { seed: 0 }));
    try {
      const report = pretrainedReport(model.stateDictShapes().keys(), loaded, files);
      const [load] = report.loads;
      expect(load.module).toBe('');
      expect(load.report.shapeMismatches).toEqual([
        { key: 'head.fc.weight', expected: [5, 128], got: [10, 128] },
        { key: 'head.fc.bias', expected: [5], got: [10] },
      ]);
      expect(report.notLoaded).toEqual(['head.fc.weight', 'head.fc.bias']);
      expect(formatPretrainedReport(report)).toEqual([
        'load model from: released.safetensors',
        `  ${load.loaded} tensors of the model loaded from resnet18_cifar_w16.safetensors`,
        '  size mismatch for:',
        '    head.fc.weight: copying a param with shape (10, 128) from checkpoint, the shape in current model is (5, 128)',
        '    head.fc.bias: copying a param with shape (10) from checkpoint, the shape in current model is (5)',
        'not in any pretrained checkpoint (keep their initialisation): head.fc.weight, head.fc.bias',
      ]);
      expect(load.loaded).toBe(model.stateDictShapes().size - 2);
    } finally {
      model.dispose();
    }
  });

  it('a checkpoint the config names but nobody gave fails with the given message; a wrong prefix names it', async () => {
    const cfg = configToJSON(parseConfigText(FINETUNE)) as Record<string, unknown>;
    await expect(buildWithPretrained(new Map(), () => buildClassifier(cfg), (c) => `drop ${c}`)).rejects.toThrow(`drop ${URL_CKPT}`);
    const files = await readPretrainedFiles([{ checkpoint: URL_CKPT, name: 'r.safetensors', data: new Uint8Array(readFileSync(RESNET_ST)) }]);
    const wrong = JSON.parse(JSON.stringify(cfg).replace('"prefix":"backbone"', '"prefix":"encoder"'));
    await expect(buildWithPretrained(files, () => buildClassifier(wrong))).rejects.toThrow(/no key of .* starts with prefix 'encoder\.'/);
    expect(pretrainedSource.load).toBeNull();
  });

  it('a backbone init_cfg without its prefix loads nothing: mmengine names the same keys with and without the prefix', async () => {
    const cfg = JSON.parse(JSON.stringify(configToJSON(parseConfigText(FINETUNE))).replace(',"prefix":"backbone"', ''));
    const files = await readPretrainedFiles([{ checkpoint: URL_CKPT, name: 'r.safetensors', data: new Uint8Array(readFileSync(RESNET_ST)) }]);
    const { result: model, loaded } = await buildWithPretrained(files, () => buildClassifier(cfg, { seed: 0 }));
    try {
      const report = pretrainedReport(model.stateDictShapes().keys(), loaded, files);
      const [load] = report.loads;
      expect(load).toMatchObject({ module: 'backbone', prefix: null, loaded: 0 });
      expect(load.report.unexpectedKeys).toContain('backbone.conv1.weight');
      expect(load.report.unexpectedKeys).toContain('head.fc.weight');
      expect(load.report.missingKeys).toContain('conv1.weight');
      expect(report.notLoaded).toEqual([...model.stateDictShapes().keys()]);
    } finally {
      model.dispose();
    }
  });
});
