/// <reference types="vitest/config" />
import { defineConfig, minify, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { availableParallelism } from 'node:os';

// Cross-origin isolation lets tfjs's WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Minifies every chunk except the one holding tfjs's threaded WASM factory. tfjs starts its pthread workers from
 * `WasmBackendModuleThreadedSimd.toString()`, so the function's text must run on its own; a minified build renames
 * the names it closes over and the worker dies with "ReferenceError: e is not defined" (measured here, Vite 8).
 * `e2e/backends.spec.ts` checks that threaded WASM runs after `vite build`.
 */
function minifyExceptThreadedWasm(): Plugin {
  return {
    name: 'mmpretrain-web:minify-except-threaded-wasm',
    apply: 'build',
    async renderChunk(code, chunk) {
      if (code.includes('WasmBackendModuleThreadedSimd')) return null;
      // Class names are kept: modules name themselves after their class (`BasicBlock`, `Bottleneck`) in the Model
      // panel tree, `print(model)` and the CAM layer picker, as PyTorch prints them.
      const keepNames = { function: false, class: true };
      const result = await minify(chunk.fileName, code, { compress: { keepNames }, mangle: { keepNames } });
      if (result.errors.length) throw new Error(`minify ${chunk.fileName}: ${result.errors.map((e) => e.message).join('; ')}`);
      return { code: result.code, map: null };
    },
  };
}

/**
 * Build modes. `vite build` (production) ships no test hooks. `vite build --mode e2e` (Playwright's web server,
 * `mmpretrain-web bench-browser`) and the dev server add `src/ui/testHooks.entry.ts` as a second module script of
 * index.html, so `window.__mmpw` / `window.__mmpwBench` exist before the page's load event; `import.meta.env.MODE`
 * is `e2e` there (other dev hooks, such as the Model Zoo's `window.__mmpwZoo`, check it).
 */
function testHooksEntry(enabled: boolean): Plugin {
  return {
    name: 'mmpretrain-web:test-hooks-entry',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => (enabled ? html.replace('</body>', '    <script type="module" src="/src/ui/testHooks.entry.ts"></script>\n  </body>') : html),
    },
  };
}

/**
 * Unit tests that each get a process of their own: those that register, replace or remove tfjs backends, and the
 * engine's out-of-memory test, which grows the WASM heap to its 4 GB limit (a shared worker would keep it).
 */
const ISOLATED_TESTS = ['src/backends/**/*.test.ts', 'src/engine/kernels/register_training_kernels.test.ts', 'src/ui/engine/oom.test.ts'];

/**
 * Unit-test workers: every core (vitest's default leaves one free). Each shared worker's WASM backend gets its share
 * of the cores (XNNPACK's threads spin while they wait, so more threads than cores slow everything down): on this
 * 2-core machine two single-threaded workers run the suite in about half the time of one worker with two threads.
 */
const TEST_WORKERS = availableParallelism();
const WASM_THREADS_PER_WORKER = process.env.MMPRETRAIN_WEB_WASM_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / TEST_WORKERS)));

export default defineConfig(({ command, mode }) => ({
  plugins: [react(), minifyExceptThreadedWasm(), testHooksEntry(command === 'serve' || mode === 'e2e')],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [minifyExceptThreadedWasm()] },
  // The manifest (dist/.vite/manifest.json) names each chunk's static imports: `scripts/bundle_budget.mjs` reads it.
  build: { target: 'es2022', chunkSizeWarningLimit: 8000, minify: false, cssMinify: true, manifest: true, reportCompressedSize: false },
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: TEST_WORKERS,
    // Most files share their worker's modules (tfjs, the WASM backend, the registries are loaded once per worker,
    // not once per file). The files that start, replace or end tfjs backends run in a fresh module graph each.
    projects: [
      { extends: true, test: { name: 'shared', include: ['src/**/*.test.ts'], exclude: [...ISOLATED_TESTS], isolate: false, setupFiles: ['src/testing/node_wasm.setup.ts'], env: { MMPRETRAIN_WEB_WASM_THREADS: WASM_THREADS_PER_WORKER } } },
      { extends: true, test: { name: 'isolated', include: [...ISOLATED_TESTS], isolate: true } },
    ],
  },
}));
