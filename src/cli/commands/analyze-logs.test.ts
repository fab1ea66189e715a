import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { sharedPath, missingShared } from '../../testing/shared';

const logsDir = sharedPath('data/logs');
const refDir = sharedPath('reference/analyze_logs');
const hasShared = !missingShared(logsDir) && !missingShared(refDir);

async function run(argv: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t.endsWith('\n') ? t : t + '\n'), err: (t: string) => void (err += t.endsWith('\n') ? t : t + '\n') };
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    return { code: await main(argv, io), out, err };
  } finally {
    process.chdir(prev);
  }
}

describe.skipIf(!hasShared)('analyze-logs cal-train-time', () => {
  it('prints exactly what the real tool printed, for several logs in one call', async () => {
    const files = ['duanbo320__openmmlab_camp.json', 'kv-chiu__Fruit-Classification.json'];
    for (const outliers of [false, true]) {
      const r = await run(['analyze-logs', 'cal_train_time', ...files, ...(outliers ? ['--include-outliers'] : [])], logsDir);
      const expected = files.map((f) => readFileSync(join(refDir, `calt_${f.slice(0, -5)}${outliers ? '_outliers' : ''}.txt`), 'utf8')).join('');
      expect(r).toEqual({ code: 0, out: expected, err: '' });
    }
  });
});

describe.skipIf(!hasShared)('analyze-logs plot-curve', () => {
  const fruit = join(logsDir, 'kv-chiu__Fruit-Classification.json');
  const camp = join(logsDir, 'duanbo320__openmmlab_camp.json');

  it('--json gives the series: nargs "+" keys, log-major legend', async () => {
    const r = await run(['analyze-logs', 'plot-curve', fruit, camp, '--keys', 'loss', 'accuracy/top1', '--legend', 'a', 'b', 'c', 'd', '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.series.map((s: { label: string; phase: string }) => `${s.label}:${s.phase}`)).toEqual(['a:train', 'b:val', 'c:train', 'd:val']);
    expect(res.series[3].points).toHaveLength(59);
  });

  it('writes SVG and PNG figures and prints what the tool prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'analyze-logs-'));
    const svg = join(dir, 'plot.svg');
    const r = await run(['analyze-logs', 'plot-curve', fruit, '--keys', 'loss', '--title', 'Fruit', '--out', svg]);
    expect(r.out).toBe(`plot curve of ${fruit}, metric is loss\nsave curve to: ${svg}\n`);
    const text = readFileSync(svg, 'utf8');
    expect(text).toContain('>Fruit</text>');
    expect(text).toContain('>Epochs</text>');
    const png = join(dir, 'plot.png');
    expect((await run(['analyze-logs', 'plot-curve', fruit, '--keys', 'loss', '--out', png, '--window-size', '6*4', '--smooth', 'ema:0.9', '--log-y'])).code).toBe(0);
    const img = decode(readFileSync(png));
    expect([img.width, img.height]).toEqual([600, 400]);
  });

  it('an unknown key fails with the valid keys; bad usage exits 2', async () => {
    const r = await run(['analyze-logs', 'plot-curve', camp, '--keys', 'acc']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Invalid key "acc" for ${camp}, please choose from {'accuracy/top1', 'data_time', 'iter', 'loss', 'lr', 'memory', 'time'}.`);
    expect((await run(['analyze-logs', 'plot-curve', camp, '--x-axis', 'minutes'])).code).toBe(2);
    expect((await run(['analyze-logs', 'summarize', camp])).code).toBe(2);
    expect((await run(['analyze-logs', 'plot-curve', camp, '--out', 'x.gif'])).code).toBe(2);
  });
});

describe('analyze-logs on a damaged log', () => {
  it('skips malformed lines, reports their counts on stderr, and still computes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'analyze-logs-'));
    const path = join(dir, 'broken.json');
    const line = (e: number, i: number, t: number) => JSON.stringify({ lr: 0.1, loss: 1 / i, time: t, epoch: e, iter: i, step: i });
    writeFileSync(path, [line(1, 1, 0.5), line(1, 2, 0.25), '{"lr": 0.1, "loss": NaN, "time": 0.3, "epoch": 1, "iter": 3, "step": 3}', 'oops', line(2, 4, 1), line(2, 5, 0.75), '{"lr": 0.1, "lo'].join('\n'));
    const r = await run(['analyze-logs', 'cal-train-time', path]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`${path}: skipped 3 malformed line(s) (1 truncated, 1 non-json, 1 non-finite); first: line 3 (loss=NaN)\n`);
    expect(r.out).toBe(
      `-----Analyze train time of ${path}-----\nslowest epoch 2, average time is 0.7500\nfastest epoch 1, average time is 0.2500\ntime std over epochs is 0.2500\naverage iter time: 0.6250 s/iter\n\n`,
    );
  });
});
