#!/usr/bin/env node
// The `mmpretrain-web` command: runs the CLI bundle `dist-cli/main.js` (esbuild, `scripts/build_cli.mjs`), built by
// `npm ci` (`prepare`) and rebuilt here first when it is missing or older than a file under `src/` (about 0.5 s).
// Without esbuild it falls back to compiling the TypeScript at run time through tsx (with `resolve_hook.mjs`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = join(repo, 'dist-cli', 'main.js');
const stamp = join(repo, 'dist-cli', 'built.json');

/** The newest modification time of the CLI's sources (files and folders under src/, tests and fixtures aside). */
function newestSource(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '__fixtures__' || entry.name.endsWith('.test.ts')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function loadMain() {
  if (process.env.MMPRETRAIN_WEB_CLI_TSX !== '1') {
    const fresh = existsSync(bundle) && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(join(repo, 'src'));
    if (fresh) return import(pathToFileURL(bundle).href);
    try {
      const { buildCli } = await import(pathToFileURL(join(repo, 'scripts', 'build_cli.mjs')).href);
      await buildCli({ quiet: true });
      return import(pathToFileURL(bundle).href);
    } catch (e) {
      if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
      // esbuild is not installed: compile at run time instead.
    }
  }
  const [{ register: registerHook }, { register }] = await Promise.all([import('node:module'), import('tsx/esm/api')]);
  registerHook('./resolve_hook.mjs', import.meta.url);
  register();
  return import('./main.ts');
}

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));
