import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { calTrainTime, formatTrainTime } from './cal_train_time';
import { loadJsonLog } from './load_json_log';

const logsDir = sharedPath('data/logs');
const refDir = sharedPath('reference/analyze_logs');
/** Outputs of the tools' own code (MMClassification 0.25 on the 0.x logs, MMPretrain 1.2.0 on runner_run): see testdata/make_*.py.txt. */
const ref0xDir = join(import.meta.dirname, 'testdata');

function report(file: string, includeOutliers: boolean): string {
  const log = loadJsonLog(readFileSync(join(logsDir, file), 'utf8'), file);
  return formatTrainTime(calTrainTime(log, { includeOutliers }));
}

describe('cal_train_time equals the real tool, character for character', () => {
  const cases: [string, string][] = [
    ['duanbo320__openmmlab_camp.json', refDir],
    ['kv-chiu__Fruit-Classification.json', refDir],
    ['DreamBinary__openlab__cifar10_mmcls0x.json', ref0xDir],
    ['JimmyMa99__openMMLabAI--1__mobilenetv2_cifar10_mmcls0x.json', ref0xDir],
  ];
  for (const [file, dir] of cases) {
    for (const outliers of [false, true]) {
      const ref = join(dir, `calt_${file.slice(0, -5)}${outliers ? '_outliers' : ''}.txt`);
      it.skipIf(missingShared(ref) || missingShared(logsDir))(`${file}${outliers ? ' --include-outliers' : ''}`, () => {
        expect(report(file, outliers)).toBe(readFileSync(ref, 'utf8'));
      });
    }
  }
});

describe('cal_train_time on a real MMPretrain run logging every iteration (several records per epoch)', () => {
  const log = sharedPath('reference/runner_run/scalars.json');
  for (const outliers of [false, true]) {
    // expected: MMPretrain 1.2.0's own code on this log (testdata/make_mmpretrain_reference.py.txt)
    const ref = join(ref0xDir, `calt_runner_run_scalars${outliers ? '_outliers' : ''}.txt`);
    it.skipIf(missingShared(log))(`runner_run/scalars.json${outliers ? ' --include-outliers' : ''}`, () => {
      const stats = calTrainTime(loadJsonLog(readFileSync(log, 'utf8'), 'scalars.json'), { includeOutliers: outliers });
      expect(stats.epochs.map((e) => e.count)).toEqual(outliers ? [4, 4, 4] : [3, 3, 3]);
      expect(formatTrainTime(stats)).toBe(readFileSync(ref, 'utf8'));
    });
  }
});

describe('calTrainTime figures', () => {
  const line = (epoch: number, iter: number, time: number) => JSON.stringify({ lr: 0.1, time, epoch, iter, step: iter });

  it('drops each epoch’s first record unless outliers are included; reports epoch positions', () => {
    const text = [line(1, 1, 9), line(1, 2, 1), line(1, 3, 3), line(2, 4, 9), line(2, 5, 5), line(2, 6, 7)].join('\n');
    const log = loadJsonLog(text, 't.json');
    const s = calTrainTime(log);
    expect(s.epochs).toEqual([
      { epoch: 1, meanTime: 2, count: 2 },
      { epoch: 2, meanTime: 6, count: 2 },
    ]);
    expect(s.slowest).toEqual({ index: 1, epoch: 2, meanTime: 6 });
    expect(s.fastest).toEqual({ index: 0, epoch: 1, meanTime: 2 });
    expect(s.stdOverEpochs).toBe(2);
    expect(s.avgIterTime).toBe(34 / 6); // over every train line, as MMPretrain 1.x
    expect(calTrainTime(log, { includeOutliers: true }).epochs.map((e) => e.meanTime)).toEqual([13 / 3, 7]);
  });

  it('an iteration-based log (no epoch) prints only the average', () => {
    const log = loadJsonLog('{"lr": 0.1, "time": 0.5, "step": 1}\n{"lr": 0.1, "time": 0.25, "step": 2}\n', 'iter.json');
    expect(formatTrainTime(calTrainTime(log))).toBe('-----Analyze train time of iter.json-----\naverage iter time: 0.3750 s/iter\n\n');
  });

  it('fails clearly without train lines or without time', () => {
    expect(() => calTrainTime(loadJsonLog('{"accuracy/top1": 1, "step": 1}', 'v.json'))).toThrow(/v\.json: no training lines/);
    expect(() => calTrainTime(loadJsonLog('{"lr": 0.1, "epoch": 1, "step": 1}', 'n.json'))).toThrow(/n\.json: line 1 has no 'time'/);
  });
});
