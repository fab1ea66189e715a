import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, parseNpz, toFloat32 } from '../../fileio';
import { refPath } from '../../models/testing/reference';
import { sharedPath, missingShared } from '../../testing/shared';
import { main } from '../main';
import { expandNargs } from './vis-cam';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'vis-cam-'));
const refCam = sharedPath('reference/cam/resnet18_cifar_w16_layer3.1_cat3.npz');
const runnerCkpt = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');
const dog = sharedPath('data/images/dog.jpg');

/** The runner's model (ResNet_CIFAR-18 w16, 2 classes) with a test pipeline that resizes and centre-crops. */
const CONFIG_PY = `
data_preprocessor = dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255], num_classes=2, to_rgb=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4, out_indices=(3, ), stem_channels=16, base_channels=16, style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=128, loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, )))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=40, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
test_dataloader = dict(batch_size=1, dataset=dict(type='CustomDataset', data_root='', pipeline=test_pipeline))
`;

describe('mmpretrain-web vis-cam', () => {
  it("reads vis_cam's nargs='+' options: --target-layers a b, before or after the positionals", () => {
    expect(expandNargs(['img.jpg', 'cfg.py', 'ck.pth', '--target-layers', 'backbone.layer3', 'backbone.layer4', '--method', 'gradcam'])).toEqual(
      ['img.jpg', 'cfg.py', 'ck.pth', '--target-layers', 'backbone.layer3', '--target-layers', 'backbone.layer4', '--method', 'gradcam'],
    );
    expect(expandNargs(['--target-category', '3', '5', 'img.jpg', 'cfg.py', 'ck.pth'])).toEqual(['--target-category', '3', '--target-category', '5', 'img.jpg', 'cfg.py', 'ck.pth']);
    expect(expandNargs(['--target-layers', 'backbone.layer4', 'img.jpg', 'cfg.py', 'ck.pth'])).toEqual(['--target-layers', 'backbone.layer4', 'img.jpg', 'cfg.py', 'ck.pth']);
    expect(expandNargs(['--input-npy', 'x.npy', 'cfg.py', 'ck.pth', '--target-layers', 'a', 'b', '--vit-like'])).toEqual(['--input-npy', 'x.npy', 'cfg.py', 'ck.pth', '--target-layers', 'a', '--target-layers', 'b', '--vit-like']);
  });

  it.skipIf(missingShared(refCam) || missingShared(refPath('resnet18_cifar_w16', '.safetensors')))('--input-npy --method all writes cam_<method>.npy equal to the PyTorch reference', async () => {
    const ref = parseNpz(new Uint8Array(readFileSync(refCam)));
    writeFileSync(join(dir, 'x.npy'), encodeNpy(ref.input));
    const c = capture();
    const args = ['vis-cam', '--input-npy', join(dir, 'x.npy'), refPath('resnet18_cifar_w16', '_cfg.json'), refPath('resnet18_cifar_w16', '.safetensors')];
    const code = await main([...args, '--method', 'all', '--target-layers', 'backbone.layer3[-1]', '--target-category', '3', '--out-npy', join(dir, 'cam.npy'), '--save-path', join(dir, 'cam.png')], c.io);
    expect(code, c.err.join('\n')).toBe(0);
    for (const m of ['gradcam', 'gradcam++', 'xgradcam', 'layercam']) {
      const got = parseNpy(new Uint8Array(readFileSync(join(dir, `cam_${m}.npy`))));
      expect(got.shape).toEqual([2, 8, 8]);
      const want = toFloat32(ref[m]);
      const err = Math.max(...Array.from(got.data as Float32Array, (v, i) => Math.abs(v - want[i])));
      expect(err, m).toBeLessThan(1e-4);
    }
    const png = decode(readFileSync(join(dir, 'cam_eigencam.png')));
    expect([png.width, png.height, png.channels]).toEqual([32, 32, 3]);
    // two target layers, space-separated as vis_cam takes them: one .npy per layer
    expect(await main([...args, '--target-layers', 'backbone.layer3', 'backbone.layer4', '--out-npy', join(dir, 'ml.npy')], c.io)).toBe(0);
    expect(parseNpy(new Uint8Array(readFileSync(join(dir, 'ml_backbone.layer3.npy')))).shape).toEqual([2, 8, 8]);
    expect(parseNpy(new Uint8Array(readFileSync(join(dir, 'ml_backbone.layer4.npy')))).shape).toEqual([2, 4, 4]);
  });

  it.skipIf(missingShared(runnerCkpt) || missingShared(dog))('image through a .py config test pipeline (resize + centre crop): default layer, class name, painted PNG', async () => {
    writeFileSync(join(dir, 'cfg.py'), CONFIG_PY);
    const c = capture();
    const code = await main(['vis-cam', dog, join(dir, 'cfg.py'), runnerCkpt, '--method', 'layercam', '--device', 'cpu', '--save-path', join(dir, 'dog.png'), '--out-npy', join(dir, 'dog.npy')], c.io);
    expect(code, c.err.join('\n')).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain('"backbone.layer4.1.bn2" as the target layer');
    expect(text).toMatch(/target categories: \d \((cat|dog)\)/);
    const png = decode(readFileSync(join(dir, 'dog.png')));
    expect([png.width, png.height]).toEqual([32, 32]);
    const px = png.data as Uint8Array;
    expect(new Set(Array.from({ length: px.length / 3 }, (_, i) => `${px[i * 3]},${px[i * 3 + 1]},${px[i * 3 + 2]}`)).size).toBeGreaterThan(50);
    expect(parseNpy(new Uint8Array(readFileSync(join(dir, 'dog.npy')))).shape).toEqual([1, 4, 4]);
  });

  it.skipIf(missingShared(refPath('resnet18_cifar_w16', '.safetensors')))('an unknown layer fails naming the closest modules; a bad method lists the methods', async () => {
    writeFileSync(join(dir, 'z.npy'), encodeNpy({ dtype: 'float32', shape: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32) }));
    const args = ['vis-cam', '--input-npy', join(dir, 'z.npy'), refPath('resnet18_cifar_w16', '_cfg.json'), refPath('resnet18_cifar_w16', '.safetensors')];
    const c = capture();
    expect(await main([...args, '--target-layers', 'backbone.layer4.1.bn3'], c.io)).not.toBe(0);
    expect(c.err.join('\n')).toMatch(/Cannot get the layer "backbone.layer4.1.bn3".*Did you mean: .*backbone.layer4.1.bn2/s);
    const c3 = capture();
    expect(await main([...args, '--preview-model'], c3.io)).toBe(0);
    expect(c3.out.join('\n')).toContain('      backbone.layer4.1.bn2: BatchNorm2d (norm)');
    const c2 = capture();
    expect(await main([...args, '--method', 'scorecam'], c2.io)).not.toBe(0);
    expect(c2.err.join('\n')).toContain('invalid CAM type scorecam, supports gradcam, gradcam++');
  });
});
