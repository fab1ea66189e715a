/** The page's backend store: WASM binaries served by Vite, the choice remembered in localStorage. */
import { configureWasmForBrowser } from '../../backends/wasm_paths.browser';
import { createBackendStore } from '../store/backendStore';

export const useBackendStore = createBackendStore(undefined, () => configureWasmForBrowser());
