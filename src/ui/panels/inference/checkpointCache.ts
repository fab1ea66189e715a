/**
 * Checkpoints kept offline in IndexedDB (browser only), so a reload does not need the file again; and the panel's
 * last choice (config + checkpoint name) in localStorage, restored on the next visit.
 */
import type { ConfigSource } from './protocol';

const DB_NAME = 'mmpretrain-web-checkpoints';
const STORE = 'checkpoints';
const LAST_KEY = 'mmpretrain-web:inference:last';

/** A cached checkpoint's listing entry. */
export interface CachedCheckpoint {
  name: string;
  size: number;
  /** ms since the epoch. */
  savedAt: number;
}

interface Row extends CachedCheckpoint {
  blob: Blob;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

let dbPromise: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available: checkpoints cannot be cached offline'));
  dbPromise ??= new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'name' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error('cannot open IndexedDB'));
  });
  return dbPromise;
}

async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await openDb()).transaction(STORE, mode).objectStore(STORE);
}

/** Saves (or replaces) a checkpoint under its file name (a File is stored as is: the browser copies it to disk). */
export async function cacheCheckpoint(name: string, blob: Blob): Promise<void> {
  const row: Row = { name, size: blob.size, savedAt: Date.now(), blob };
  await request((await store('readwrite')).put(row));
}

/** Every cached checkpoint, newest first. */
export async function listCachedCheckpoints(): Promise<CachedCheckpoint[]> {
  const rows = (await request((await store('readonly')).getAll())) as Row[];
  return rows.map(({ name, size, savedAt }) => ({ name, size, savedAt })).sort((a, b) => b.savedAt - a.savedAt);
}

/** A cached checkpoint (a disk-backed Blob, read lazily), or null. */
export async function readCachedCheckpoint(name: string): Promise<Blob | null> {
  const row = (await request((await store('readonly')).get(name))) as Row | undefined;
  return row ? row.blob : null;
}

export async function deleteCachedCheckpoint(name: string): Promise<void> {
  await request((await store('readwrite')).delete(name));
}

/** The panel's last choice. */
export interface LastChoice {
  config: ConfigSource;
  /** How the config was chosen, for the picker: a shipped model name, or null for a dropped / studio config. */
  shipped: string | null;
  checkpoint: string | null;
}

export function saveLastChoice(choice: LastChoice): void {
  try {
    localStorage.setItem(LAST_KEY, JSON.stringify(choice));
  } catch {
    /* storage full or disabled: the next visit starts empty */
  }
}

export function loadLastChoice(): LastChoice | null {
  try {
    const text = localStorage.getItem(LAST_KEY);
    const v = text ? (JSON.parse(text) as LastChoice) : null;
    return v && v.config && typeof v.config.name === 'string' && v.config.dict ? v : null;
  } catch {
    return null;
  }
}
