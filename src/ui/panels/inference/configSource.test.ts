import { describe, expect, it } from 'vitest';
import { droppedSource, shippedModels, shippedSource } from './configSource';

describe('Inference panel config sources', () => {
  it('a dropped .py finds its _base_ files in the shipped tree; its test pipeline and dataset come through', () => {
    const text = "_base_ = ['../_base_/models/resnet18_cifar.py', '../_base_/datasets/cifar10_bs16.py', '../_base_/default_runtime.py']\nmodel = dict(head=dict(num_classes=10))\n";
    const src = droppedSource('my_r18.py', text);
    expect(src.name).toBe('my_r18.py');
    const model = src.dict.model as { backbone: { type: string } };
    expect(model.backbone.type).toBe('ResNet_CIFAR');
    const ds = (src.dict.test_dataloader as { dataset: { type: string; pipeline: { type: string }[] } }).dataset;
    expect(ds.type).toBe('CIFAR10');
    expect(ds.pipeline.at(-1)!.type).toBe('PackInputs');
  });

  it('shipped models by name equal the shipped files; bad JSON and non-dicts are named', () => {
    expect([...shippedModels().keys()]).toContain('resnet18_8xb16_cifar10');
    expect((shippedSource('lenet5_mnist').dict.model as { type: string }).type).toBe('ImageClassifier');
    expect(() => shippedSource('nope')).toThrow("no shipped model named 'nope'");
    expect(() => droppedSource('cfg.json', '{"type": ')).toThrow(/^cfg\.json: not valid JSON/);
    expect(() => droppedSource('cfg.json', '[1, 2]')).toThrow(/^cfg\.json: expected a config dict/);
    expect(() => droppedSource('bad.py', "_base_ = ['../_base_/models/nope.py']")).toThrow(/nope\.py/);
  });
});
