#!/usr/bin/env node
/**
 * Builds the CLI once into `dist-cli/` (esbuild: platform node, ESM), so `mmpretrain-web` starts without compiling
 * TypeScript at run time. `npm run build:cli` runs it, `prepare` runs it after `npm ci` / `npm install`, and
 * `src/cli/bin.mjs` runs it when the bundle is missing or older than `src/`.
 *
 *   node scripts/build_cli.mjs [--quiet]
 *
 * What the bundle keeps of the source layout:
 * - npm packages stay external (Node resolves them from node_modules, as under tsx);
 * - `import.meta.url` in a source file becomes that file's own URL, computed from the bundle's location, so the
 *   files found next to the code (`configs/`, the repository root, `commands/`) are found as before and the
 *   checkout can move;
 * - `src/cli/command_loader.ts` (which lists `commands/*.ts` from the folder) becomes a list made now, one lazily
 *   loaded chunk per command;
 * - `@tensorflow/tfjs-core/dist/register_all_gradients` (an ES-module file of the package that would load a second
 *   tfjs-core in Node) becomes `src/cli/register_gradients_node.cjs`, as `src/cli/resolve_hook.mjs` does under tsx.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(REPO, 'dist-cli');
export const ENTRY_FILE = 'main.js';
/** Each command's summary, read from the built commands once, so `--help` loads none of them. */
const SUMMARIES = 'summaries.json';

const posix = (p) => p.split(sep).join('/');

/** The esbuild plugin for the three source-layout rules above; `outDir` is where the chunks are written. */
function sourceLayout(outDir) {
  const cliDir = join(REPO, 'src', 'cli');
  return {
    name: 'mmpretrain-web:source-layout',
    setup(build) {
      build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/ }, () => ({
        path: posix(relative(outDir, join(cliDir, 'register_gradients_node.cjs'))).replace(/^(?!\.)/, './'),
        external: true,
      }));
      build.onResolve({ filter: /^\.\/command_loader(\.ts)?$/ }, (args) =>
        resolve(args.resolveDir) === cliDir ? { path: 'command_loader', namespace: 'mmpretrain-web-commands' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'mmpretrain-web-commands' }, () => {
        const names = readdirSync(join(cliDir, 'commands'))
          .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
          .map((f) => f.slice(0, -3))
          .sort();
        const entries = names.map((n) => `  ${JSON.stringify(n)}: () => import(${JSON.stringify(`./commands/${n}.ts`)}),`);
        return {
          resolveDir: cliDir,
          loader: 'js',
          contents: [
            "import { readFileSync } from 'node:fs';",
            `const loaders = {\n${entries.join('\n')}\n};`,
            'export function commandNames() { return Object.keys(loaders); }',
            'export async function loadCommand(name) { return (await loaders[name]()).default; }',
            // Written by buildCli after the build (`SUMMARIES`); a command missing there is loaded.
            'let summaries = null;',
            'export async function commandSummary(name) {',
            `  try { summaries ??= JSON.parse(readFileSync(new URL('./${SUMMARIES}', import.meta.url), 'utf8')); } catch { summaries = {}; }`,
            '  return summaries[name] ?? (await loadCommand(name)).summary;',
            '}',
          ].join('\n'),
        };
      });
      build.onLoad({ filter: /\.(ts|tsx|mts|mjs)$/ }, (args) => {
        if (!args.path.startsWith(join(REPO, 'src') + sep)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const own = `new URL(${JSON.stringify(posix(relative(outDir, args.path)))}, import.meta.url).href`;
        const loader = args.path.endsWith('.tsx') ? 'tsx' : args.path.endsWith('.mjs') ? 'js' : 'ts';
        return { contents: source.replaceAll('import.meta.url', own), loader };
      });
    },
  };
}

/** Loads each built command once, in a child process (tfjs and all), and writes their summaries beside the bundle. */
async function writeSummaries(dir) {
  const { execFileSync } = await import('node:child_process');
  const script = `const { commandNames, loadCommand } = await import(${JSON.stringify(pathToFileURL(join(dir, ENTRY_FILE)).href)});
    const out = {};
    for (const n of commandNames()) { const c = await loadCommand(n); if (typeof c?.summary === 'string') out[n] = c.summary; }
    process.stdout.write(JSON.stringify(out));`;
  const json = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  writeFileSync(join(dir, SUMMARIES), json);
}

/**
 * Builds into a fresh folder beside `dist-cli/` and swaps it in, so a CLI starting meanwhile never reads a
 * half-written bundle. Returns the build's wall time in ms.
 */
export async function buildCli({ quiet = false } = {}) {
  const started = performance.now();
  const startedAt = Date.now();
  const { build } = await import('esbuild');
  const tmp = `${OUT_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await build({
      entryPoints: { main: join(REPO, 'src', 'cli', 'main.ts') },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      // Every chunk in the folder itself: the relative paths below are computed from it.
      chunkNames: '[name]-[hash]',
      entryNames: '[name]',
      outExtension: { '.js': '.js' },
      logLevel: quiet ? 'error' : 'warning',
      // Chunks are written to `tmp` but run from OUT_DIR: relative paths are computed against the final folder.
      plugins: [sourceLayout(OUT_DIR)],
    });
    await writeSummaries(tmp);
    // Marks the folder as ES modules whatever the package says; the stamp tells bin.mjs what was built from what.
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    // Dated when the build started: a source saved during the build is newer than the bundle.
    const stamp = join(tmp, 'built.json');
    writeFileSync(stamp, JSON.stringify({ startedAt: new Date(startedAt).toISOString(), from: 'src' }) + '\n');
    utimesSync(stamp, new Date(startedAt), new Date(startedAt));
    const old = `${OUT_DIR}.old-${process.pid}`;
    try {
      renameSync(OUT_DIR, old);
    } catch {
      // no previous bundle
    }
    renameSync(tmp, OUT_DIR);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const ms = performance.now() - started;
  if (!quiet) console.log(`[build:cli] ${posix(relative(REPO, OUT_DIR))}/${ENTRY_FILE} built in ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildCli({ quiet: process.argv.includes('--quiet') });
}
