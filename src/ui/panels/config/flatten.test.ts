import { describe, expect, it } from 'vitest';
import { parseCfgOptions, parseConfigText } from '../../../config';
import { configLeaves, filterLeaves, optionLineFor } from './flatten';

// Real MMPretrain text (configs/_base_/schedules/imagenet_bs256.py and a pipeline fragment).
const CFG = parseConfigText(`optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
val_cfg = dict()
`);

describe('config leaves', () => {
  it('lists leaf paths as --cfg-options writes them, with Python reprs', () => {
    const leaves = configLeaves(CFG);
    expect(leaves).toContainEqual({ path: 'optim_wrapper.optimizer.lr', repr: '0.1' });
    expect(leaves).toContainEqual({ path: 'param_scheduler.milestones', repr: '[30, 60, 90]' });
    expect(leaves).toContainEqual({ path: 'train_pipeline.2.prob', repr: '0.5' });
    expect(leaves).toContainEqual({ path: 'param_scheduler.by_epoch', repr: 'True' });
    expect(leaves).toContainEqual({ path: 'val_cfg', repr: '{}' });
  });

  it('writes a leaf as a --cfg-options line that parses back to the same value', () => {
    const leaves = configLeaves(CFG);
    const line = (path: string) => optionLineFor(leaves.find((l) => l.path === path)!);
    expect(line('optim_wrapper.optimizer.type')).toBe('optim_wrapper.optimizer.type=SGD');
    expect(line('param_scheduler.milestones')).toBe('param_scheduler.milestones=[30,60,90]');
    expect(line('param_scheduler.by_epoch')).toBe('param_scheduler.by_epoch=True');
    const parsed = parseCfgOptions([line('param_scheduler.milestones'), line('optim_wrapper.optimizer.lr'), line('train_pipeline.2.direction')]);
    expect(parsed).toEqual({ 'param_scheduler.milestones': [30, 60, 90], 'optim_wrapper.optimizer.lr': 0.1, 'train_pipeline.2.direction': 'horizontal' });
  });

  it('filters by words in the path or the value', () => {
    const leaves = configLeaves(CFG);
    expect(filterLeaves(leaves, 'lr').map((l) => l.path)).toEqual(['optim_wrapper.optimizer.lr', 'param_scheduler.type']);
    expect(filterLeaves(leaves, 'pipeline flip').map((l) => l.path)).toEqual(['train_pipeline.2.type']);
    expect(filterLeaves(leaves, '  ').length).toBe(leaves.length);
  });
});
