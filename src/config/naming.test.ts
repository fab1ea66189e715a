import { describe, expect, it } from 'vitest';
import { explainName } from './index';

describe('explainName: MMPretrain naming convention', () => {
  it('vit-base-p32_clip-openai-pre_3rdparty_in1k', () => {
    const e = explainName('vit-base-p32_clip-openai-pre_3rdparty_in1k');
    expect(e.algorithm).toBeUndefined();
    expect(e).toMatchObject({ module: 'vit-base-p32', pretrain: 'clip-openai-pre', training: '3rdparty', data: 'in1k', extra: [] });
    expect(e.details).toMatchObject({ thirdParty: true, pretrainMethod: 'clip', pretrainSource: 'openai', dataset: 'ImageNet-1k', inputSize: 224 });
    expect(e.details.gpus).toBeUndefined();
  });

  it('beit_beit-base-p16_8xb256-amp-coslr-300e_in1k', () => {
    const e = explainName('beit_beit-base-p16_8xb256-amp-coslr-300e_in1k');
    expect(e.pretrain).toBeUndefined();
    expect(e).toMatchObject({ algorithm: 'beit', module: 'beit-base-p16', training: '8xb256-amp-coslr-300e', data: 'in1k' });
    expect(e.details).toMatchObject({ gpus: 8, batchPerGpu: 256, totalBatch: 2048, epochs: 300, thirdParty: false });
    expect(e.details.recipe.map((r) => r.word)).toEqual(['amp', 'coslr']);
    expect(e.notes).toContain('8xb256: 8 GPUs × 256 images per GPU = batch 2048');
  });

  it('repvgg-D2se_deploy_4xb64-autoaug-lbs-mixup-coslr-200e_in1k', () => {
    const e = explainName('repvgg-D2se_deploy_4xb64-autoaug-lbs-mixup-coslr-200e_in1k');
    expect(e.algorithm).toBeUndefined();
    expect(e).toMatchObject({ module: 'repvgg-D2se', extra: ['deploy'], training: '4xb64-autoaug-lbs-mixup-coslr-200e', data: 'in1k' });
    expect(e.details).toMatchObject({ gpus: 4, batchPerGpu: 64, totalBatch: 256, epochs: 200 });
    expect(e.details.recipe.map((r) => r.word)).toEqual(['autoaug', 'lbs', 'mixup', 'coslr']);
    expect(e.details.recipe[1].meaning).toBe('label smoothing loss');
  });

  it('swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96', () => {
    const e = explainName('swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96');
    expect(e).toMatchObject({ algorithm: 'swav', module: 'resnet50', training: '8xb32-mcrop-2-6-coslr-200e', data: 'in1k-224-96' });
    expect(e.details).toMatchObject({ gpus: 8, batchPerGpu: 32, epochs: 200, dataset: 'ImageNet-1k', cropSizes: [224, 96] });
    expect(e.details.recipe[0]).toEqual({ word: 'mcrop-2-6', meaning: 'multi-crop augmentation (2 + 6 crops)' });
  });

  it('resnet50_8xb32_in1k_20210831-ea4938fc.pth', () => {
    const e = explainName('https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth');
    expect(e).toMatchObject({ kind: 'checkpoint', name: 'resnet50_8xb32_in1k', module: 'resnet50', training: '8xb32', data: 'in1k' });
    expect(e.details).toMatchObject({ date: '2021-08-31', hash: 'ea4938fc', gpus: 8, batchPerGpu: 32 });
  });

  it('configs, -pre with dataset and epochs, input sizes, ft/pt, headless', () => {
    expect(explainName('configs/lenet/lenet5_fashion-mnist.py')).toMatchObject({ kind: 'config', module: 'lenet5', data: 'fashion-mnist', details: { dataset: 'Fashion-MNIST' } });
    const mae = explainName('vit-base-p16_mae-in21k-pre_8xb128-coslr-100e_in1k-384px');
    expect(mae.details).toMatchObject({ pretrainMethod: 'mae', pretrainData: 'in21k', inputSize: 384, epochs: 100 });
    const pt = explainName('vit-base-p16_pt-64xb64_in1k-384px');
    expect(pt).toMatchObject({ module: 'vit-base-p16', training: 'pt-64xb64', details: { trainingType: 'pt', gpus: 64, batchPerGpu: 64, inputSize: 384 } });
    expect(explainName('vit-large-p14_headless')).toMatchObject({ kind: 'config', module: 'vit-large-p14', details: { headless: true } });
    expect(explainName('resnet18_8xb16_cifar10')).toMatchObject({ module: 'resnet18', details: { dataset: 'CIFAR-10', inputSize: 32, totalBatch: 128 } });
    expect(explainName('resnet50_8xb32-coslr_in1k').details.recipe[0].word).toBe('coslr');
    expect(explainName('configs/_base_/models/resnet18_cifar.py')).toMatchObject({ module: 'resnet18', data: 'cifar', details: { dataset: 'CIFAR' } });
  });

  it('_base_ dataset and schedule files: dataset first, then the batch size and recipe', () => {
    expect(explainName('cifar10_bs16.py')).toMatchObject({ module: '', data: 'cifar10', training: 'bs16', details: { totalBatch: 16, dataset: 'CIFAR-10' } });
    const s = explainName('imagenet_bs256_coslr');
    expect(s).toMatchObject({ data: 'imagenet', training: 'bs256-coslr', details: { totalBatch: 256 } });
    expect(s.details.recipe.map((r) => r.word)).toEqual(['coslr']);
    expect(explainName('fashion_mnist_bs128.py')).toMatchObject({ data: 'fashion_mnist', details: { dataset: 'Fashion-MNIST', totalBatch: 128 } });
  });
});
