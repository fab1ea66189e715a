/**
 * Bad training logs for `analyze-logs` (mmengine `vis_data/scalars.json` / mmcls 0.x `.log.json`): the tool skips a
 * malformed line and says which (file, line, why) — the run still succeeds when good lines remain — and refuses a
 * log with nothing usable. Lines are generated from a small good run.
 */
import { esc, put, type BadInputCase } from './types';

/** A good mmengine scalars.json: 2 epochs × 4 iterations of training, a validation line per epoch. */
export function goodScalars(): string[] {
  const lines: string[] = [];
  for (let it = 1; it <= 8; it++) {
    lines.push(JSON.stringify({ lr: 0.1, data_time: 0.01, loss: 2 - it / 10, time: 0.2 + it / 100, epoch: Math.ceil(it / 4), iter: it, memory: 100, step: it }));
    if (it % 4 === 0) lines.push(JSON.stringify({ 'accuracy/top1': 10 * it, data_time: 0.01, time: 0.1, step: it / 4 }));
  }
  return lines;
}

function logCase(id: string, describe: string, lines: () => string, task: 'cal-train-time' | 'plot-curve', expect: RegExp[], exit?: 0): BadInputCase {
  const file = `${id}.json`;
  return {
    id: `log_${id}`, kind: 'log', describe,
    async make(dir) {
      const p = put(dir, file, lines());
      return { argv: task === 'plot-curve' ? ['analyze-logs', 'plot-curve', p, '--keys', 'loss', '--json'] : ['analyze-logs', 'cal-train-time', p] };
    },
    expect: [new RegExp(esc(file)), ...expect],
    exit,
  };
}

/** One good log with line 3 replaced: [id, the line, the reason reported]. */
const BAD_LINES: Array<[string, string, RegExp]> = [
  ['nan_loss', '{"lr": 0.1, "loss": NaN, "time": 0.2, "epoch": 1, "iter": 2, "step": 2}', /non-finite|NaN/],
  ['inf_time', '{"lr": 0.1, "loss": 1.0, "time": Infinity, "epoch": 1, "iter": 2, "step": 2}', /non-finite|Infinity/],
  ['neg_inf', '{"lr": 0.1, "loss": -Infinity, "time": 0.2, "epoch": 1, "iter": 2, "step": 2}', /non-finite|Infinity/],
  ['truncated_line', '{"lr": 0.1, "loss": 1.0, "ti', /truncated/],
  ['not_json', 'Epoch(train) [1][2/4] lr: 1.0000e-01 loss: 1.0', /non-json|not JSON/i],
  ['array_line', '[1, 2, 3]', /not-an-object|object/],
  ['binary_line', '\u0001\u0002\u0003\u00ff\u00fe', /non-json|not JSON/i],
];
const badLineCases = BAD_LINES.flatMap(([id, line, reason]) => (['cal-train-time', 'plot-curve'] as const).map((task) =>
  logCase(`${id}_${task}`, `${task}: line 3 is ${id}`, () => { const l = goodScalars(); l[2] = line; return l.join('\n') + '\n'; }, task, [/line 3/, reason, /skipped 1 malformed/], 0)));

const NOTHING: Array<[string, () => string]> = [
  ['empty', () => ''],
  ['only_blank', () => '\n\n\n'],
  ['all_nan', () => goodScalars().map((l) => l.replace(/"loss":[\d.]+/, '"loss":NaN').replace(/"time":[\d.]+/, '"time":NaN').replace(/"accuracy\/top1":[\d.]+/, '"accuracy/top1":NaN')).join('\n')],
  ['all_garbage', () => Array.from({ length: 50 }, (_, i) => `garbage line ${i}`).join('\n')],
  ['binary_blob', () => String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 131) & 255))],
  ['val_only', () => goodScalars().filter((l) => !l.includes('"lr"')).join('\n')],
];
const nothingCases = NOTHING.flatMap(([id, text]) => (['cal-train-time', 'plot-curve'] as const).map((task) =>
  logCase(`${id}_${task}`, `${task}: a log with nothing usable (${id})`, text, task, [/no |nothing|empty|malformed|train/i])));

const mixedCases = [
  logCase('mixed_runs', 'two runs concatenated: iterations restart at 1 (reported, both kept in order)', () => [...goodScalars(), ...goodScalars()].join('\n'), 'cal-train-time', [/line 11: step goes back from 8 to 1/, /more than one run/], 0),
];

export const logCases: BadInputCase[] = [...badLineCases, ...nothingCases, ...mixedCases];
