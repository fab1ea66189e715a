/**
 * The page's backend state: what `initBackends` found and chose, and the user's override from the status bar.
 * The engine work lives in `src/backends`; this store only sequences it for React.
 */
import { create } from 'zustand';
// Only tfjs-free modules are imported statically: the store is part of the page's first load, and tfjs, its
// backends and the WASM binaries load when a panel first needs them (`start`).
import { isBackendName, type BackendName } from '../../backends/names';
import { defaultChoiceStore, type ChoiceStore } from '../../backends/storage';
import type { BackendReport, InitBackendOptions } from '../../backends/select';

/** The engine half (tfjs, backend registration, the measured choice), loaded on the first `start`. */
const loadEngine = () => Promise.all([import('../../backends/select'), import('../../backends/register')]).then(([select, register]) => ({ ...select, ...register }));

/** `idle`: tfjs not loaded yet (no panel has needed it). */
export type BackendPhase = 'idle' | 'starting' | 'ready' | 'error';

export interface BackendData {
  phase: BackendPhase;
  report: BackendReport | null;
  /** The last failure (start or switch), shown in the status bar. */
  error: string | null;
}

export interface BackendActions {
  /** Initialises and picks a backend once (later calls return the same promise). */
  start(options?: InitBackendOptions): Promise<void>;
  /** The user's choice: a backend name, or `auto` to forget the choice and measure again. */
  choose(choice: BackendName | 'auto'): Promise<void>;
}

export type BackendState = BackendData & BackendActions;

export const initialBackendData: BackendData = { phase: 'idle', report: null, error: null };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the store around a choice store (localStorage in the page; memory in tests). */
export function createBackendStore(store: ChoiceStore = defaultChoiceStore(), prepare: () => Promise<void> = async () => {}) {
  let starting: Promise<void> | null = null;
  return create<BackendState>()((set, get) => ({
    ...initialBackendData,
    start(options = {}) {
      starting ??= (async () => {
        set({ phase: 'starting', error: null });
        try {
          const [{ initBackends }] = await Promise.all([loadEngine(), prepare()]);
          set({ phase: 'ready', report: await initBackends({ store, ...options }) });
        } catch (err) {
          set({ phase: 'error', error: message(err) });
        }
      })();
      return starting;
    },
    async choose(choice) {
      const report = get().report;
      if (!report) return;
      set({ phase: 'starting', error: null });
      try {
        const { chooseBackend, forgetBackendChoice, initBackends, wasmThreadCount } = await loadEngine();
        if (choice === 'auto') {
          forgetBackendChoice(store);
          set({ phase: 'ready', report: await initBackends({ store }) });
          return;
        }
        await chooseBackend(choice, report.adapter, store);
        set({
          phase: 'ready',
          report: {
            ...report,
            backend: choice,
            source: 'user',
            reason: `${choice} chosen by the user`,
            available: report.available.includes(choice) ? report.available : [...report.available, choice],
            wasmThreads: await wasmThreadCount(),
          },
        });
      } catch (err) {
        set({ phase: 'ready', error: message(err) });
      }
    },
  }));
}

/** `?backend=wasm` in the page URL forces a backend for this visit (not remembered). */
export function backendFromUrl(search: string): BackendName | null {
  const value = new URLSearchParams(search).get('backend');
  return isBackendName(value) ? value : null;
}

