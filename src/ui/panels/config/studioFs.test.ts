import { describe, expect, it } from 'vitest';
import { MemoryFS } from '../../../config';
import { evaluatePanelConfig, optionLines } from './evaluate';
import { listChoosableConfigs, placeDroppedPath, StudioConfigFS } from './studioFs';

// Real MMPretrain 1.x config text (configs/_base_/models/resnet18_cifar.py, configs/_base_/schedules/cifar10_bs128.py).
const RESNET18_CIFAR = `# model settings
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ))
`;
const CIFAR10_BS128 = `# optimizer
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
# learning policy
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 150], gamma=0.1)

# train, val, test setting
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
`;
const CHILD = `_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/schedules/cifar10_bs128.py'
]
`;

function shippedFs(): StudioConfigFS {
  return new StudioConfigFS(
    new MemoryFS({
      'configs/_base_/models/resnet18_cifar.py': RESNET18_CIFAR,
      'configs/_base_/schedules/cifar10_bs128.py': CIFAR10_BS128,
      'configs/resnet/resnet18_8xb128_cifar10.py': CHILD,
    }),
  );
}

type Model = { backbone: { depth: number; out_indices: number[] }; head: { num_classes: number } };

describe('Config panel evaluation', () => {
  it('loads a shipped config with its bases and dumps it as Python', () => {
    const r = evaluatePanelConfig(shippedFs(), 'configs/resnet/resnet18_8xb128_cifar10.py', '');
    if (!r.ok) throw new Error(r.error.message);
    const model = r.cfg.model as Model;
    expect(model.backbone.depth).toBe(18);
    expect(model.backbone.out_indices).toEqual([3]);
    expect((r.cfg.train_cfg as { max_epochs: number }).max_epochs).toBe(200);
    expect([...r.filesRead].sort()).toEqual([
      'configs/_base_/models/resnet18_cifar.py',
      'configs/_base_/schedules/cifar10_bs128.py',
      'configs/resnet/resnet18_8xb128_cifar10.py',
    ]);
    expect(r.python).toMatch(/^model = dict\(/m);
    expect(r.python).toContain('out_indices=(3, )');
  });

  it('applies cfg-options one per line, skipping blanks and comments', () => {
    const text = 'model.head.num_classes=100\n\n# a comment\ntrain_cfg.max_epochs=3\n';
    expect(optionLines(text).map((l) => l.line)).toEqual([1, 4]);
    const r = evaluatePanelConfig(shippedFs(), 'configs/resnet/resnet18_8xb128_cifar10.py', text);
    if (!r.ok) throw new Error(r.error.message);
    expect((r.cfg.model as Model).head.num_classes).toBe(100);
    expect((r.cfg.train_cfg as { max_epochs: number }).max_epochs).toBe(3);
    expect(r.options).toEqual(['model.head.num_classes=100', 'train_cfg.max_epochs=3']);
  });

  it('names the bad cfg-options line', () => {
    const r = evaluatePanelConfig(shippedFs(), 'configs/resnet/resnet18_8xb128_cifar10.py', 'model.head.num_classes=100\n  oops\n');
    expect(r).toMatchObject({ ok: false, error: { file: '--cfg-options', line: 2, column: 3, sourceLine: '  oops' } });
  });

  it('names the option line that fails to merge (an index past the end of a list)', () => {
    const r = evaluatePanelConfig(shippedFs(), 'configs/resnet/resnet18_8xb128_cifar10.py', 'model.head.num_classes=100\nmodel.backbone.out_indices.4=1\n');
    expect(r).toMatchObject({ ok: false, error: { file: '--cfg-options', line: 2, column: 1, sourceLine: 'model.backbone.out_indices.4=1' } });
    if (!r.ok) expect(r.error.message).toMatch(/out_indices/);
  });

  it('locates a syntax error in a dropped file at its line, with the source line', () => {
    const fs = shippedFs();
    const [path] = fs.addDropped([{ relativePath: 'broken.py', text: "_base_ = '../_base_/models/resnet18_cifar.py'\nx = dict(a=1,\n    b=)\n" }]);
    const r = evaluatePanelConfig(fs, path!, '');
    if (r.ok) throw new Error('expected an error');
    expect(r.error.file).toBe('configs/user/broken.py');
    expect(r.error.line).toBe(3);
    expect(r.error.column).toBeGreaterThan(0);
    expect(r.error.sourceLine).toBe('    b=)');
  });

  it('reports a missing base file with the config that names it', () => {
    const fs = shippedFs();
    const [path] = fs.addDropped([{ relativePath: 'a.py', text: "_base_ = ['../_base_/models/nope.py']\n" }]);
    const r = evaluatePanelConfig(fs, path!, '');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/nope\.py/);
  });
});

describe('dropped files', () => {
  it('places loose files in configs/user and folders inside configs/', () => {
    expect(placeDroppedPath('mine.py')).toBe('configs/user/mine.py');
    expect(placeDroppedPath('proj/exp/a.py')).toBe('configs/proj/exp/a.py');
    expect(placeDroppedPath('configs/_base_/models/x.py')).toBe('configs/_base_/models/x.py');
    expect(placeDroppedPath('proj\\win\\b.py')).toBe('configs/proj/win/b.py');
  });

  it('a loose dropped config reaches the shipped bases through ../_base_', () => {
    const fs = shippedFs();
    const [path] = fs.addDropped([{ relativePath: 'mine.py', text: `${CHILD}model = dict(head=dict(num_classes=5))\n` }]);
    const r = evaluatePanelConfig(fs, path!, '');
    if (!r.ok) throw new Error(r.error.message);
    expect((r.cfg.model as Model).head.num_classes).toBe(5);
    expect((r.cfg.model as Model).backbone.depth).toBe(18);
  });

  it('loose dropped base files win by file name over the shipped ones', () => {
    const fs = shippedFs();
    const [path] = fs.addDropped([
      { relativePath: 'mine.py', text: CHILD },
      { relativePath: 'resnet18_cifar.py', text: RESNET18_CIFAR.replace('depth=18', 'depth=34') },
    ]);
    expect(fs.resolve('configs/_base_/models/resnet18_cifar.py')).toEqual({ kind: 'loose', path: 'configs/user/resnet18_cifar.py' });
    const r = evaluatePanelConfig(fs, path!, '');
    if (!r.ok) throw new Error(r.error.message);
    expect((r.cfg.model as Model).backbone.depth).toBe(34);
    fs.removeDropped('configs/user/resnet18_cifar.py');
    const again = evaluatePanelConfig(fs, path!, '');
    expect(again.ok && (again.cfg.model as Model).backbone.depth).toBe(18);
  });

  it('a dropped folder keeps its own _base_ tree', () => {
    const fs = shippedFs();
    fs.addDropped([
      { relativePath: 'proj/_base_/m.py', text: "model = dict(type='ImageClassifier', head=dict(num_classes=3))\n" },
      { relativePath: 'proj/exp/a.py', text: "_base_ = '../_base_/m.py'\nmodel = dict(head=dict(topk=(1, )))\n" },
    ]);
    const r = evaluatePanelConfig(fs, 'configs/proj/exp/a.py', '');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.cfg.model).toEqual({ type: 'ImageClassifier', head: { num_classes: 3, topk: [1] } });
  });

  it('lists the configs to choose, without _base_ files', () => {
    const fs = shippedFs();
    fs.addDropped([{ relativePath: 'mine.py', text: CHILD }]);
    expect(listChoosableConfigs(fs.list('configs'))).toEqual([
      { path: 'configs/resnet/resnet18_8xb128_cifar10.py', folder: 'resnet', name: 'resnet18_8xb128_cifar10' },
      { path: 'configs/user/mine.py', folder: 'user', name: 'mine' },
    ]);
  });
});
