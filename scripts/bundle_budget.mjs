#!/usr/bin/env node
/**
 * The bundle budget, run after `vite build` (`npm run build`, `e2e/run-all-tests.sh`):
 *
 *   node scripts/bundle_budget.mjs [dist] [--budget-kb=120]
 *
 * Prints every JS chunk of `dist/assets` (raw and gzip bytes, largest first; workers included) and the initial JS:
 * the page's entry chunk and every chunk it imports statically, read from Vite's manifest (`dist/.vite/manifest.json`,
 * `build.manifest` in vite.config.ts). Dynamic imports (panels, tfjs, its backends, the WASM binaries) are not
 * initial: they load when a panel needs them. Exits 1 when the initial JS is over the budget (gzip, KiB).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DEFAULT_BUDGET_KB = 120;

/** Gzip size as a web server sends it (zlib's default level 6). */
export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 6 }).length;
}

/**
 * The files of the initial JS: each entry (`isEntry`) and, transitively, its static `imports`, as output file names
 * (`assets/index-….js`). `dynamicImports` are left out.
 */
export function initialFiles(manifest) {
  const seen = new Set();
  const files = [];
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`manifest: '${key}' is imported but has no entry`);
    if (chunk.file.endsWith('.js')) files.push(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  return files;
}

/** Each JS file's raw and gzip size, largest gzip first; `initial` marks the initial JS. */
export function measureChunks(distDir, initial) {
  const assets = join(distDir, 'assets');
  const names = existsSync(assets) ? readdirSync(assets).filter((f) => f.endsWith('.js')) : [];
  const initialSet = new Set(initial);
  return names
    .map((name) => {
      const bytes = readFileSync(join(assets, name));
      return { file: `assets/${name}`, raw: bytes.length, gzip: gzipSize(bytes), initial: initialSet.has(`assets/${name}`) };
    })
    .sort((a, b) => b.gzip - a.gzip || a.file.localeCompare(b.file));
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);

/** The report's lines and whether the initial JS is within `budgetKb` (gzip). */
export function report(chunks, budgetKb = DEFAULT_BUDGET_KB) {
  const initial = chunks.filter((c) => c.initial);
  const initialGzip = initial.reduce((s, c) => s + c.gzip, 0);
  const initialRaw = initial.reduce((s, c) => s + c.raw, 0);
  const ok = initialGzip <= budgetKb * 1024;
  const lines = [`${'raw'.padStart(11)} ${'gzip'.padStart(11)}  chunk (* = initial JS)`];
  for (const c of chunks) lines.push(`${kb(c.raw)} ${kb(c.gzip)}  ${c.initial ? '*' : ' '} ${c.file}`);
  lines.push(
    `[budget] ${chunks.length} JS chunks, ${kb(chunks.reduce((s, c) => s + c.gzip, 0)).trim()} gzip in all`,
    `[budget] initial JS: ${initial.length} chunks, ${kb(initialRaw).trim()} raw, ${kb(initialGzip).trim()} gzip (budget ${budgetKb} KiB gzip): ${ok ? 'OK' : 'OVER BUDGET'}`,
  );
  return { lines, ok, initialGzip };
}

/** Reads `distDir`, prints the report; exit code 0 within budget, 1 over it (or without a manifest). */
export function main(argv = process.argv.slice(2), log = console.log) {
  const budgetArg = argv.find((a) => a.startsWith('--budget-kb='));
  const budgetKb = budgetArg ? Number(budgetArg.slice('--budget-kb='.length)) : DEFAULT_BUDGET_KB;
  const distDir = resolve(argv.find((a) => !a.startsWith('--')) ?? 'dist');
  const manifestPath = join(distDir, '.vite', 'manifest.json');
  if (!existsSync(manifestPath)) {
    log(`[budget] ${manifestPath} is missing: run \`vite build\` first (vite.config.ts sets build.manifest)`);
    return 1;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const { lines, ok } = report(measureChunks(distDir, initialFiles(manifest)), budgetKb);
  for (const line of lines) log(line);
  return ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main();
