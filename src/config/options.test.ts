import { describe, expect, it } from 'vitest';
import { ConfigError, dumpConfig, isFloatAt, isTuple, loadConfig, MemoryFS, mergeCfgOptions, parseCfgOptions, parseConfigText } from './index';

describe('parseCfgOptions (mmengine DictAction)', () => {
  it('parses ints, floats, bools, None and strings', () => {
    const o = parseCfgOptions(['a.b=1', 'x.1.prob=0.0', 'lr=1e-3', 'flag=true', 'off=False', 'n=None', "s='abc'", 'name=resnet', 'neg=-2', 'eq=a=b']);
    expect(o).toEqual({ 'a.b': 1, 'x.1.prob': 0, lr: 0.001, flag: true, off: false, n: null, s: 'abc', name: 'resnet', neg: -2, eq: 'a=b' });
    expect(isFloatAt(o, 'x.1.prob')).toBe(true);
    expect(isFloatAt(o, 'a.b')).toBe(false);
  });

  it('parses lists, tuples, bare comma lists and nested brackets', () => {
    const o = parseCfgOptions(['l=[a,b]', 't=(1,3)', 'c=1,2,3', 'nest=[(1,2),[a,b],c]', 'one=(1,)', 'sp="[1, 2]"']);
    expect(o).toEqual({ l: ['a', 'b'], t: [1, 3], c: [1, 2, 3], nest: [[1, 2], ['a', 'b'], 'c'], one: [1], sp: [1, 2] });
    expect(isTuple(o.t)).toBe(true);
    expect(isTuple(o.l)).toBe(false);
    expect(isTuple((o.nest as unknown[])[0])).toBe(true);
    expect(isTuple(o.one)).toBe(true);
  });

  it('rejects items without = and imbalanced brackets', () => {
    expect(() => parseCfgOptions(['model.depth'])).toThrow(/expected KEY=VALUE/);
    expect(() => parseCfgOptions(['x=[1,(2,3]'])).toThrow(/Imbalanced brackets/);
  });
});

describe('mergeCfgOptions (Config.merge_from_dict with allow_list_keys)', () => {
  const cfg = parseConfigText(
    "model = dict(backbone=dict(depth=50), head=dict(topk=(1, 5)))\ntrain_dataloader = dict(dataset=dict(pipeline=[dict(type='A'), dict(type='RandomFlip', prob=0.5)]))\nl = [1, 2]\n",
  );

  it('sets nested keys, list items by index, and adds new keys', () => {
    const out = mergeCfgOptions(cfg, parseCfgOptions(['model.backbone.depth=18', 'train_dataloader.dataset.pipeline.1.prob=0.0', 'model.head.topk=(1,)', 'work_dir=w']));
    expect(out).toEqual({
      model: { backbone: { depth: 18 }, head: { topk: [1] } },
      train_dataloader: { dataset: { pipeline: [{ type: 'A' }, { type: 'RandomFlip', prob: 0 }] } },
      l: [1, 2],
      work_dir: 'w',
    });
    expect(dumpConfig(out)).toContain("dict(prob=0.0, type='RandomFlip')");
    expect((cfg.model as any).backbone.depth).toBe(50);
  });

  it('fails on an index past the end of a list and on a list item set to a scalar', () => {
    expect(() => mergeCfgOptions(cfg, parseCfgOptions(['train_dataloader.dataset.pipeline.5.prob=1']))).toThrow(/Index 5 exceeds the length of list/);
    expect(() => mergeCfgOptions(cfg, parseCfgOptions(['l.0=3']))).toThrow(/can be overridden only by a dict/);
  });

  it('applies through loadConfig, and reports bad options as ConfigError', () => {
    const fs = new MemoryFS({ 'c.py': "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n" });
    const { cfg: out } = loadConfig('c.py', fs, { cfgOptions: ['optim_wrapper.optimizer.lr=0.01', 'optim_wrapper.optimizer.momentum=0.9'] });
    expect(out.optim_wrapper).toEqual({ optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9 } });
    expect(() => loadConfig('c.py', fs, { cfgOptions: ['bad'] })).toThrow(ConfigError);
    expect(() => loadConfig('c.py', fs, { cfgOptions: ['bad'] })).toThrow(/^--cfg-options: bad --cfg-options item 'bad'/);
  });
});

describe('cfg-options values mmengine cannot parse', () => {
  it('a dict(...) call is refused with what to do instead, not a stack overflow', () => {
    expect(() => parseCfgOptions(["val_evaluator=[dict(type='Accuracy',topk=(1,)),dict(type='ConfusionMatrix')]"])).toThrow(
      /cannot parse 'dict\(type='Accuracy',topk=\(1,\)\)' as a --cfg-options value: .*not calls such as dict/,
    );
  });
});
