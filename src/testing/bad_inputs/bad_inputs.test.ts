import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { BAD_INPUT_CASES, countByKind } from './index';

/** Per-case bound on wall time. */
const TIME_LIMIT_MS = 8000;
const root = mkdtempSync(join(tmpdir(), 'bad-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const growthMB = (): number => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

async function runCase(argv: string[]): Promise<{ code: number | 'timeout'; err: string; out: string; ms: number }> {
  let err = '';
  let out = '';
  const io = { out: (t: string) => void (out += t + '\n'), err: (t: string) => void (err += t + '\n') };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), TIME_LIMIT_MS); });
  try {
    const code = await Promise.race([main(argv, io), timeout]);
    return { code, err, out, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

describe('bad-input corpus (issue #16)', () => {
  it('has at least 200 cases over every kind, with unique ids', () => {
    const counts = countByKind();
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(200);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(0);
    expect(new Set(BAD_INPUT_CASES.map((c) => c.id)).size).toBe(BAD_INPUT_CASES.length);
  });

  // BAD_INPUTS_ONLY=checkpoint_evil runs the cases whose id contains it (while fixing one family)
  const only = process.env.BAD_INPUTS_ONLY;
  for (const c of BAD_INPUT_CASES.filter((x) => !only || x.id.includes(only))) {
    it(`${c.kind}: ${c.id} — ${c.describe}`, async () => {
      const dir = join(root, c.id);
      const { argv } = await c.make(dir);
      const before = growthMB();
      const r = await runCase(argv);
      const grown = growthMB() - before;
      if (process.env.BAD_INPUTS_DUMP) console.log(`### ${c.id} code=${r.code} ${r.ms.toFixed(0)}ms +${grown.toFixed(0)}MB\n${r.err.trim()}`);
      expect(r.code, `${c.id} did not finish within ${TIME_LIMIT_MS} ms`).not.toBe('timeout');
      if (c.exit === 0) expect(r.code, r.err).toBe(0);
      else expect(r.code).not.toBe(0);
      expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
      for (const re of c.expect) expect(r.err).toMatch(re);
      if (c.sentinel) expect(existsSync(join(dir, c.sentinel)), `${c.sentinel} was created: something ran`).toBe(false);
      expect(grown).toBeLessThan(c.maxGrowthMB ?? 200);
    });
  }
});
