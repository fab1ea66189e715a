/** Where the backend choice is remembered: localStorage in the page, memory elsewhere (worker, Node, private mode). */
import { isBackendName } from './names';
import type { RememberedChoice } from './picker';

export interface ChoiceStore {
  load(): RememberedChoice | null;
  save(choice: RememberedChoice): void;
  clear(): void;
}

/** The localStorage key of the remembered backend choice. */
export const CHOICE_KEY = 'mmpretrain-web.backend-choice';

/** Validates stored JSON; anything malformed reads as "no choice". */
export function parseRememberedChoice(text: string | null): RememberedChoice | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<RememberedChoice>;
    if (!isBackendName(v.backend) || typeof v.adapterKey !== 'string' || (v.source !== 'user' && v.source !== 'benchmark')) return null;
    return { backend: v.backend, adapterKey: v.adapterKey, source: v.source, timings: v.timings, at: String(v.at ?? '') };
  } catch {
    return null;
  }
}

export function memoryChoiceStore(initial: RememberedChoice | null = null): ChoiceStore {
  let value = initial;
  return {
    load: () => value,
    save: (c) => void (value = c),
    clear: () => void (value = null),
  };
}

/** The subset of the Web Storage API used here. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function webStorageChoiceStore(storage: KeyValueStorage, key = CHOICE_KEY): ChoiceStore {
  return {
    load: () => parseRememberedChoice(storage.getItem(key)),
    save: (c) => storage.setItem(key, JSON.stringify(c)),
    clear: () => storage.removeItem(key),
  };
}

/** localStorage when this scope has a working one (feature-detected), else memory. */
export function defaultChoiceStore(scope: unknown = globalThis): ChoiceStore {
  try {
    const ls = (scope as { localStorage?: KeyValueStorage }).localStorage;
    if (ls) {
      ls.getItem(CHOICE_KEY);
      return webStorageChoiceStore(ls);
    }
  } catch {
    // Access denied (sandboxed iframe, disabled storage): fall through.
  }
  return memoryChoiceStore();
}
