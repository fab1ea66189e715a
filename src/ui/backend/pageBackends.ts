/**
 * The page's backend store: WASM binaries served by Vite, the choice remembered in localStorage. Nothing here
 * loads tfjs: `startPageBackends()` does, when a panel that computes in the page is first shown (`PanelInfo.backend`),
 * when the status bar's selector is used, or through `window.__mmpw.backendReady()`.
 */
import { backendFromUrl, createBackendStore } from '../store/backendStore';

export const useBackendStore = createBackendStore(undefined, () => import('../../backends/wasm_paths.browser').then((m) => m.configureWasmForBrowser()));

/** Loads tfjs and picks the page's backend once (`?backend=` in the URL wins for this visit). */
export function startPageBackends(): Promise<void> {
  return useBackendStore.getState().start({ override: backendFromUrl(window.location.search) });
}
