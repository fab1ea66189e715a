import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main';

const fixture = JSON.parse(readFileSync(new URL('../../evaluation/metrics/__fixtures__/mmpretrain_metrics.json', import.meta.url), 'utf8'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('mmpretrain-web eval-metric', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-metric-'));
  const results = join(dir, 'results.json');
  writeFileSync(results, JSON.stringify(fixture.scores.map((s: number[], i: number) => ({ pred_score: s, gt_label: [fixture.gt[i]] }))));

  it('evaluates saved predictions with several metrics, printed as the Python tool does', async () => {
    const c = capture();
    const rc = await main(['eval-metric', results, '--metric', 'type=Accuracy', 'topk=1,3', '--metric', 'type=SingleLabelMetric', 'items=precision,recall,f1-score,support'], c.io);
    expect(rc).toBe(0);
    // MMPretrain prints {'accuracy/top1': 13.513513565063477, …, 'single-label/f1-score': 12.596782684326172, 'single-label/support': 37}
    expect(c.out[0]).toMatch(/^\{'accuracy\/top1': 13\.513513565063477, 'accuracy\/top3': 48\.648651123046875, 'single-label\/precision': 12\.355700492858887, 'single-label\/recall': 15\.740741729736328, 'single-label\/f1-score': 12\.59678\d+, 'single-label\/support': 37\}$/);
  });

  it('prints JSON with --json', async () => {
    const c = capture();
    expect(await main(['eval-metric', results, '--metric', 'type=ConfusionMatrix', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0])['confusion_matrix/result']).toEqual(fixture.cases.confusion.expected['confusion_matrix/result']);
  });

  it('explains a missing metric, an unknown metric type and a bad results file', async () => {
    let c = capture();
    expect(await main(['eval-metric', results], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/Please specify at least one `--metric`/);
    c = capture();
    expect(await main(['eval-metric', results, '--metric', 'type=Acuracy'], c.io)).toBe(1);
    expect(c.err[0]).toMatch(/Unknown type 'Acuracy' in registry 'metric' — did you mean 'Accuracy'/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"truncated": ');
    c = capture();
    expect(await main(['eval-metric', bad, '--metric', 'type=Accuracy'], c.io)).toBe(1);
    expect(c.err[0]).toContain('bad.json');
  });
});
