import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipSize, initialFiles, main, measureChunks, report, type ManifestChunk } from '../../scripts/bundle_budget.mjs';

/** A manifest shaped as Vite 8 writes it: the html entry, shared chunks (`_x.js`), lazy panels. */
const MANIFEST: Record<string, ManifestChunk> = {
  'index.html': { file: 'assets/index-a.js', isEntry: true, imports: ['_runtime.js', '_names.js'], dynamicImports: ['src/ui/panels/ConfigPanel.tsx', '_tf.js'] },
  '_runtime.js': { file: 'assets/runtime-b.js' },
  '_names.js': { file: 'assets/names-c.js', imports: ['_runtime.js'] },
  '_tf.js': { file: 'assets/tf-d.js', imports: ['_runtime.js'] },
  'src/ui/panels/ConfigPanel.tsx': { file: 'assets/ConfigPanel-e.js', imports: ['index.html', '_tf.js'] },
  '_style.css': { file: 'assets/index-f.css' },
};

describe('bundle budget', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('takes the entry and its static imports, transitively, once each; not dynamic imports or CSS', () => {
    expect(initialFiles(MANIFEST).sort()).toEqual(['assets/index-a.js', 'assets/names-c.js', 'assets/runtime-b.js']);
    expect(() => initialFiles({ 'index.html': { file: 'a.js', isEntry: true, imports: ['_gone.js'] } })).toThrow(/_gone\.js/);
  });

  it('measures gzip as zlib level 6 does and round-trips', () => {
    const text = new TextEncoder().encode('export const x = 1;\n'.repeat(500));
    expect(gzipSize(text)).toBe(gzipSync(text, { level: 6 }).length);
    expect(gzipSize(text)).toBeLessThan(text.length / 20);
    expect(gunzipSync(gzipSync(text, { level: 6 })).equals(Buffer.from(text))).toBe(true);
  });

  it('prints every chunk largest first, the initial total, and fails over budget', () => {
    const dist = mkdtempSync(join(tmpdir(), 'mmpw-budget-'));
    dirs.push(dist);
    mkdirSync(join(dist, 'assets'));
    mkdirSync(join(dist, '.vite'));
    writeFileSync(join(dist, '.vite', 'manifest.json'), JSON.stringify(MANIFEST));
    // Incompressible bytes, so the gzip sizes are close to the raw ones and the budget is easy to cross.
    const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24));
    const sizes: Record<string, number> = { 'index-a.js': 60_000, 'runtime-b.js': 1_000, 'names-c.js': 200, 'tf-d.js': 90_000, 'ConfigPanel-e.js': 5_000 };
    for (const [name, n] of Object.entries(sizes)) writeFileSync(join(dist, 'assets', name), random(n));
    const chunks = measureChunks(dist, initialFiles(MANIFEST));
    expect(chunks.map((c) => c.file)).toEqual(['assets/tf-d.js', 'assets/index-a.js', 'assets/ConfigPanel-e.js', 'assets/runtime-b.js', 'assets/names-c.js']);
    expect(chunks.filter((c) => c.initial).map((c) => c.file)).toEqual(['assets/index-a.js', 'assets/runtime-b.js', 'assets/names-c.js']);
    const initialGzip = chunks.filter((c) => c.initial).reduce((s, c) => s + c.gzip, 0);
    const within = report(chunks, 120);
    expect(within).toMatchObject({ ok: true, initialGzip });
    expect(within.lines.at(-1)).toMatch(/initial JS: 3 chunks, .* gzip \(budget 120 KiB gzip\): OK$/);
    expect(report(chunks, initialGzip / 1024 - 0.01).ok).toBe(false);
    const lines: string[] = [];
    expect(main([dist, '--budget-kb=1'], (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toMatch(/OVER BUDGET$/);
    expect(main([dist], () => {})).toBe(0);
    expect(main([join(dist, 'nothing')], (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toMatch(/manifest\.json is missing/);
  });
});
