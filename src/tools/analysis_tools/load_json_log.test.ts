import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { loadJsonLog, runNameFromPath, skippedCounts, toolBasename } from './load_json_log';

const logsDir = sharedPath('data/logs');
const readLog = (file: string) => loadJsonLog(readFileSync(`${logsDir}/${file}`, 'utf8'), file);

describe('loadJsonLog on real logs', () => {
  it.skipIf(missingShared(logsDir))('mmengine scalars.json: lr lines are train, others val (step = epoch)', () => {
    const log = readLog('kv-chiu__Fruit-Classification.json');
    expect(log.format).toBe('mmengine');
    expect(log.train).toHaveLength(100);
    expect(log.val).toHaveLength(100);
    expect(log.skipped).toEqual([]);
    expect(log.train[0]).toEqual({
      line: 1,
      scalars: { lr: 0.08, data_time: 0.0002573251724243164, loss: 2.800637459754944, time: 0.07343769073486328, epoch: 1, iter: 96, memory: 2965, step: 96 },
    });
    expect(log.val[99].scalars).toMatchObject({ 'accuracy/top1': 75.46875, 'accuracy/top5': 95.625, step: 100 });
  });

  it.skipIf(missingShared(logsDir))('mmcls 0.x log.json: env_info kept as metadata, mode splits train/val', () => {
    const log = readLog('DreamBinary__openlab__cifar10_mmcls0x.json');
    expect(log.format).toBe('mmcls0x');
    expect(String(log.meta.env_info)).toMatch(/^sys\.platform: linux/);
    expect(log.train).toHaveLength(150);
    expect(log.val).toHaveLength(10);
    expect(log.skipped).toEqual([]);
    expect(log.val[9].scalars).toEqual({ epoch: 10, iter: 313, lr: 0.00013, 'accuracy_top-1': 95.55 });
    expect(log.lineCount).toBe(161);
  });
});

describe('malformed lines are skipped and counted, never fatal', () => {
  const good = '{"lr": 0.1, "loss": 0.5, "time": 0.2, "epoch": 1, "iter": 10, "step": 10}';
  const text = [
    good,
    '{"accuracy/top1": 50.0, "step": 1}',
    'Traceback (most recent call last):', // non-JSON
    '{"lr": 0.1, "loss": NaN, "time": 0.2, "epoch": 2, "iter": 20, "step": 20}', // NaN loss
    '{"lr": 0.1, "loss": Infinity, "time": 0.2, "epoch": 2, "iter": 20, "step": 20}',
    '{"coco/bbox_mAP": 0.31, "coco/bbox_mAP_50": 0.5, "step": 2}', // a detection run's line
    '[1, 2, 3]', // JSON, not a record
    '',
    '   ',
    '{"lr": 0.1, "loss": 0.4, "time": 0.2, "epoch": 3, "iter": 30, "st', // killed mid-write
  ].join('\n');

  it('keeps the good lines and counts each kind of bad one', () => {
    const log = loadJsonLog(text, 'run.json');
    expect(log.train.map((r) => r.line)).toEqual([1]);
    expect(log.val.map((r) => r.line)).toEqual([2]);
    expect(skippedCounts(log)).toEqual({
      truncated: 1,
      'non-json': 1,
      'not-an-object': 1,
      'non-finite': 2,
      'foreign-task': 1,
      'no-epoch': 0,
      'unknown-mode': 0,
    });
    expect(log.skipped.find((s) => s.reason === 'non-finite')).toEqual({ line: 4, reason: 'non-finite', detail: 'loss=NaN' });
    expect(log.skipped.find((s) => s.reason === 'foreign-task')?.detail).toBe('coco/bbox_mAP, coco/bbox_mAP_50');
    expect(log.lineCount).toBe(8);
  });

  it('drops non-numeric values but keeps the line', () => {
    const log = loadJsonLog('{"lr": 0.1, "note": "warmup", "time": 0.2, "step": 1}\n', 'x.json');
    expect(log.train[0].scalars).toEqual({ lr: 0.1, time: 0.2, step: 1 });
    expect(log.droppedKeys).toEqual({ note: 1 });
  });

  it('mmcls 0.x: lines without epoch and unknown modes are skipped', () => {
    const log = loadJsonLog(
      [
        '{"env_info": "sys.platform: linux", "seed": 0}',
        '{"mode": "train", "epoch": 1, "iter": 100, "lr": 0.1, "time": 0.3, "loss": 2.0}',
        '{"mode": "train", "iter": 200, "lr": 0.1, "time": 0.3}',
        '{"mode": "test", "epoch": 1, "iter": 10, "accuracy_top-1": 50}',
        '{"mode": "val", "epoch": 1, "iter": 10, "lr": 0.1, "accuracy_top-1": 50}',
      ].join('\n'),
      'a.log.json',
    );
    expect(log.format).toBe('mmcls0x');
    expect(log.meta).toEqual({ env_info: 'sys.platform: linux', seed: 0 });
    expect(log.train).toHaveLength(1);
    expect(log.val).toHaveLength(1);
    expect(log.skipped.map((s) => [s.line, s.reason])).toEqual([
      [3, 'no-epoch'],
      [4, 'unknown-mode'],
    ]);
  });

  it('reads an empty file as an empty log', () => {
    const log = loadJsonLog('', 'empty.json');
    expect([log.train.length, log.val.length, log.skipped.length, log.lineCount]).toEqual([0, 0, 0, 0]);
  });
});

describe('names', () => {
  it('toolBasename strips .json then .log, as get_legends', () => {
    expect(toolBasename('work_dirs/r18/20230101_120000.log.json')).toBe('20230101_120000');
    expect(toolBasename('C:\\logs\\scalars.json')).toBe('scalars');
    expect(toolBasename('notes.txt')).toBe('notes.txt');
  });
  it('runNameFromPath names a scalars.json by its run folder', () => {
    expect(runNameFromPath('work_dirs/r18/20230101_120000/vis_data/scalars.json')).toBe('20230101_120000');
    expect(runNameFromPath('exp1/scalars.json')).toBe('exp1');
    expect(runNameFromPath('scalars.json')).toBe('scalars');
    expect(runNameFromPath('a/b/20230101_120000.log.json')).toBe('20230101_120000');
  });
});
