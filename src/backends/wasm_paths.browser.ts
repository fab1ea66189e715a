/**
 * Browser entry only: the WASM binaries as Vite asset URLs (`?url`), so `vite build` copies and hashes them.
 * Engine code must not import this (Node has no `?url`); the page and workers call `configureWasmForBrowser()`.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { configureWasm, type WasmFileMap } from './register';
import { spawnBrowserConvWorker } from './wasm_conv/browser_spawn';
import { installFastConvOnStart } from './wasm_conv/install';

export const BROWSER_WASM_PATHS: WasmFileMap = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};

let configured = false;

/**
 * Points tfjs at the served binaries; threads only where the page is cross-origin isolated (COOP/COEP). The
 * backend gets the fast convolutions (`wasm_conv/`) on `threadCount` threads (default every logical core; Web
 * Workers), or on the calling thread alone without isolation.
 */
export async function configureWasmForBrowser(options: { threads?: boolean; threadCount?: number } = {}): Promise<void> {
  if (configured) return;
  configured = true;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const threaded = (options.threads ?? true) && isolated;
  const threads = await configureWasm({ paths: BROWSER_WASM_PATHS, threads: threaded, threadCount: options.threadCount });
  installFastConvOnStart({ threads, spawn: threaded ? spawnBrowserConvWorker : null });
}
