import { describe, expect, it } from 'vitest';
import { defaultInputShape, defaultInputSize, testPipelineOf } from './test_pipeline';

const model = (backbone: Record<string, unknown>, mean = [123.675, 116.28, 103.53]) => ({
  model: { type: 'ImageClassifier', backbone, data_preprocessor: { mean, std: mean.map(() => 1) } },
});

describe('the input a bare model dict implies', () => {
  it('reads img_size as a side or as an (H, W) pair (TinyViT fixes its token grid to it)', () => {
    expect(defaultInputSize(model({ type: 'VisionTransformer', img_size: 384 }))).toEqual([384, 384]);
    expect(defaultInputSize(model({ type: 'TinyViT', img_size: [64, 64] }))).toEqual([64, 64]);
    expect(defaultInputSize(model({ type: 'SwinTransformer', img_size: [48, 80] }))).toEqual([48, 80]);
    expect(defaultInputSize(model({ type: 'ResNet_CIFAR', depth: 18 }))).toEqual([32, 32]);
    expect(defaultInputSize(model({ type: 'ResNet', depth: 18 }))).toEqual([224, 224]);
    expect(defaultInputShape(model({ type: 'LeNet5' }, [33.46]))).toEqual([1, 32, 32]);
  });

  it('resizes to it, Resize taking (w, h) as mmcv does', () => {
    const { pipeline, fromConfig } = testPipelineOf(model({ type: 'SwinTransformer', img_size: [48, 80] }));
    expect(fromConfig).toBe(false);
    expect(pipeline).toEqual([{ type: 'LoadImageFromFile' }, { type: 'Resize', scale: [80, 48] }, { type: 'PackInputs' }]);
  });

  it('keeps the config’s own test pipeline', () => {
    const test_pipeline = [{ type: 'LoadImageFromFile' }, { type: 'ResizeEdge', scale: 256, edge: 'short' }, { type: 'CenterCrop', crop_size: 224 }, { type: 'PackInputs' }];
    expect(testPipelineOf({ ...model({ type: 'TinyViT', img_size: [64, 64] }), test_pipeline })).toEqual({ pipeline: test_pipeline, fromConfig: true });
  });
});
