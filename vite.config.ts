/// <reference types="vitest/config" />
import { defineConfig, minify, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

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

export default defineConfig({
  plugins: [react(), minifyExceptThreadedWasm()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [minifyExceptThreadedWasm()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000, minify: false, cssMinify: true },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
