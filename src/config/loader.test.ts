import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, isFloatAt, isTuple, loadConfig, MemoryFS } from './index';
import { NodeFS } from './node_fs';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = new NodeFS(join(here, '__fixtures__'));

function loadError(path: string, fs: MemoryFS): ConfigError {
  try {
    loadConfig(path, fs);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('_base_ inheritance (mmengine Config.fromfile semantics)', () => {
  const fs = new MemoryFS({
    'configs/_base_/models/m.py': `model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50, out_indices=(3, )), head=dict(num_classes=1000, topk=(1, 5)))\n`,
    'configs/_base_/datasets/d.py': `dataset_type = 'ImageNet'\ntrain_pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomResizedCrop', scale=224)]\ntrain_dataloader = dict(batch_size=32, dataset=dict(type=dataset_type, pipeline=train_pipeline))\n`,
    'configs/_base_/schedules/s.py': `optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))\n`,
    'configs/x/child.py': [
      `_base_ = ['../_base_/models/m.py', '../_base_/datasets/d.py', '../_base_/schedules/s.py']`,
      `model = dict(head=dict(num_classes=10, topk=(1, )))`,
      `optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3))`,
      `_base_.train_pipeline[1]['scale'] = 160`,
      `bs = _base_.train_dataloader.batch_size * 2`,
      `train_dataloader = dict(batch_size=bs)`,
      `extra = 1.0`,
      '',
    ].join('\n'),
  });

  it('merges bases first, then the child: dicts by key, _delete_ replaces, tuples replace', () => {
    const { cfg, filesRead } = loadConfig('configs/x/child.py', fs);
    expect(filesRead).toEqual(['configs/x/child.py', 'configs/_base_/models/m.py', 'configs/_base_/datasets/d.py', 'configs/_base_/schedules/s.py']);
    expect(cfg.model).toEqual({ type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 50, out_indices: [3] }, head: { num_classes: 10, topk: [1] } });
    expect(isTuple((cfg.model as any).head.topk)).toBe(true);
    expect(cfg.optim_wrapper).toEqual({ optimizer: { type: 'AdamW', lr: 1e-3 } });
    expect(isFloatAt(cfg, 'extra')).toBe(true);
  });

  it('binds _base_ to the merged base: mutation through _base_ changes the result', () => {
    const { cfg } = loadConfig('configs/x/child.py', fs);
    expect((cfg.train_pipeline as any)[1].scale).toBe(160);
    // mmengine turns each base's dicts into new ConfigDicts, so the dataloader holds its own copy of the pipeline.
    expect((cfg.train_dataloader as any).dataset.pipeline[1].scale).toBe(224);
    expect((cfg.train_dataloader as any).batch_size).toBe(64);
  });

  it('keeps helper variables as top-level keys, base keys first in definition order', () => {
    const { cfg } = loadConfig('configs/x/child.py', fs);
    expect(Object.keys(cfg)).toEqual(['model', 'dataset_type', 'train_pipeline', 'train_dataloader', 'optim_wrapper', 'bs', 'extra']);
  });

  it('returns no shared objects (mutating one key does not change another)', () => {
    const { cfg } = loadConfig('configs/x/child.py', fs);
    (cfg.train_pipeline as any)[0].type = 'Changed';
    expect((cfg.train_dataloader as any).dataset.pipeline[0].type).toBe('LoadImageFromFile');
  });

  it('keeps _delete_ when the base has no such key (as mmengine does)', () => {
    const f = new MemoryFS({ 'b.py': 'a = 1\n', 'c.py': "_base_ = 'b.py'\nopt = dict(_delete_=True, lr=1)\n" });
    expect(loadConfig('c.py', f).cfg).toEqual({ a: 1, opt: { _delete_: true, lr: 1 } });
  });

  it('replaces lists instead of merging them and refuses a dict over a non-dict', () => {
    const f = new MemoryFS({
      'b.py': 'l = [1, 2, 3]\nd = dict(x=[dict(a=1)])\nn = 1\n',
      'c.py': "_base_ = './b.py'\nl = [9]\nd = dict(x=[dict(b=2)])\n",
      'bad.py': "_base_ = 'b.py'\nn = dict(a=1)\n",
    });
    expect(loadConfig('c.py', f).cfg).toEqual({ l: [9], d: { x: [{ b: 2 }] }, n: 1 });
    const e = loadError('bad.py', f);
    expect(e.file).toBe('bad.py');
    expect(e.detail).toContain('n is a dict in the child config but is of type int in base config');
  });

  it('substitutes {{_base_.x}} as a value (deep) and leaves it quoted inside a string literal', () => {
    const f = new MemoryFS({
      'b.py': "policies = [dict(type='A'), dict(type='B')]\nsize = 224\n",
      'c.py': "_base_ = 'b.py'\np = dict(policies={{_base_.policies}}, n={{ _base_.size }}, t=({{_base_.size}}, 1))\ns = 'x{{_base_.size}}'\n",
    });
    const { cfg } = loadConfig('c.py', f);
    expect(cfg.p).toEqual({ policies: [{ type: 'A' }, { type: 'B' }], n: 224, t: [224, 1] });
    expect(cfg.s).toMatch(/^x"_size_[0-9a-f]{6}"$/);
  });

  it('names the line of a {{_base_.x}} that the bases do not define, and refuses reserved keys', () => {
    const f = new MemoryFS({ 'b.py': 'a = 1\n', 'c.py': "_base_ = 'b.py'\n\nx = dict(\n    y={{ _base_.nope }})\n", 'r.py': 'text = 1\n' });
    const e = loadError('c.py', f);
    expect([e.file, e.line, e.column, e.detail]).toEqual(['c.py', 4, 7, "{{_base_.nope}}: 'nope' is not defined in the base configs"]);
    expect(loadError('r.py', f).detail).toBe('text is reserved for config, please change the key name');
  });

  it('reports file columns (not columns of the substituted text) after a {{_base_.x}} on the same line', () => {
    const f = new MemoryFS({ 'b.py': 'a = 1\n', 'c.py': "_base_ = 'b.py'\nx = [{{_base_.a}}, {{ _base_.a }}, nope]\n" });
    const e = loadError('c.py', f);
    expect([e.line, e.column, e.detail]).toEqual([2, 36, "name 'nope' is not defined"]);
  });

  it('substitutes {{ fileBasenameNoExtension }} and environment templates with defaults', () => {
    const f = new MemoryFS({ 'configs/a/my_cfg.py': "work_dir = './work_dirs/{{ fileBasenameNoExtension }}'\nroot = '{{$DATA_ROOT:data/x}}'\n" });
    expect(loadConfig('configs/a/my_cfg.py', f).cfg).toEqual({ work_dir: './work_dirs/my_cfg', root: 'data/x' });
    expect(loadConfig('configs/a/my_cfg.py', f, { env: { DATA_ROOT: '/d' } }).cfg.root).toBe('/d');
  });

  it('rejects a key defined in two bases, naming the key and both files', () => {
    const f = new MemoryFS({ 'a.py': 'x = 1\n', 'b.py': 'y = 1\nx = 2\n', 'c.py': "\n_base_ = ['a.py', 'b.py']\n" });
    const e = loadError('c.py', f);
    expect([e.file, e.line, e.column]).toEqual(['c.py', 2, 10]);
    expect(e.detail).toContain('Duplicate key is not allowed among bases');
    expect(e.detail).toContain("'x' (in a.py and b.py)");
  });

  it('detects cycles in _base_ and shows the chain', () => {
    const f = new MemoryFS({ 'a.py': "_base_ = 'b.py'\n", 'b.py': "_base_ = ['./c.py']\n", 'c.py': "_base_ = 'a.py'\n" });
    const e = loadError('a.py', f);
    expect(e.file).toBe('c.py');
    expect(e.detail).toBe('cycle in _base_: a.py -> b.py -> c.py -> a.py');
  });

  it('reports a missing base with the including file and line', () => {
    const f = new MemoryFS({ 'configs/r/a.py': "# comment\n_base_ = [\n    '../_base_/nope.py',\n]\n" });
    const e = loadError('configs/r/a.py', f);
    expect([e.file, e.line, e.column]).toEqual(['configs/r/a.py', 2, 10]);
    expect(e.detail).toContain("base config '../_base_/nope.py' not found (looked for configs/_base_/nope.py)");
  });

  it('reports a missing config file as a ConfigError', () => {
    const e = loadError('configs/none.py', new MemoryFS());
    expect(e.message).toBe('configs/none.py: config file not found');
  });

  it('reports errors inside a base with that base file', () => {
    const f = new MemoryFS({ 'b.py': 'x = dict(\n  a=1,\n  b=)\n', 'c.py': "_base_ = 'b.py'\n" });
    const e = loadError('c.py', f);
    expect([e.file, e.line, e.column]).toEqual(['b.py', 3, 5]);
  });
});

describe('real MMPretrain configs with tricky constructs (fixtures copied from open-mmlab/mmpretrain)', () => {
  it('mobileone-s1: _base_ attribute assignment, [::-1], round() comprehension, copy.deepcopy, *=', () => {
    const { cfg } = loadConfig('configs/mobileone/mobileone-s1_8xb32_in1k.py', fixtures);
    const bgrMean = [103.53, 116.28, 123.675];
    expect(cfg.bgr_mean).toEqual(bgrMean);
    const randAug = (cfg.base_train_pipeline as any)[3];
    expect(randAug.hparams.pad_val).toEqual([104, 116, 124]);
    expect(randAug.magnitude_level).toBe(7);
    // train_pipeline_1e[3]['magnitude_level'] *= 0.1, then *= 0.2 and *= 0.3 (the config's own slip: always 1e).
    expect((cfg.train_pipeline_1e as any)[3].magnitude_level).toBe(7 * 0.1 * 0.2 * 0.3);
    expect((cfg.train_pipeline_1e as any)[1].scale).toBe(160);
    expect((cfg.train_dataloader as any).dataset.pipeline).toEqual(cfg.train_pipeline_1e);
    expect((cfg.custom_hooks as any)[0].schedule[0].pipeline[1].scale).toBe(192);
    expect(isFloatAt((cfg.optim_wrapper as any).paramwise_cfg, 'norm_decay_mult')).toBe(true);
    expect('copy' in cfg).toBe(false);
  });

  it('swin-large cub: _delete_=True replaces the base optimizer', () => {
    const { cfg } = loadConfig('configs/swin_transformer/swin-large_8xb8_cub-384px.py', fixtures);
    const opt = (cfg.optim_wrapper as any).optimizer;
    expect(opt).toEqual({ type: 'AdamW', lr: 5e-6, weight_decay: 0.0005, eps: 1e-8, betas: [0.9, 0.999] });
    expect(isTuple(opt.betas)).toBe(true);
  });

  it('resnest101: {{_base_.policies}} from a local base file', () => {
    const { cfg, filesRead } = loadConfig('configs/resnest/resnest101_32xb64_in1k.py', fixtures);
    expect(filesRead).toContain('configs/resnest/_randaug_policies.py');
    const randAug = (cfg.train_pipeline as any)[1];
    expect(randAug.policies).toEqual(cfg.policies);
    expect((randAug.policies as unknown[]).length).toBeGreaterThan(10);
  });
});
