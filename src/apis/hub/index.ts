/**
 * The checkpoint hub: a model's released weights by name, as MMPretrain's `get_model(name, pretrained=True)` fetches
 * them (the metafile's `Weights:` URL through torch.hub's cache), with a replaceable host (`hub`), progress, cancel,
 * resume and the sha256-prefix check of {@link downloadCheckpoint}, into a {@link CheckpointStore} (Node: the cache
 * directory of `node_store.ts`; the page: the Origin Private File System of `ui/storage`).
 *
 * Reading: a store that hands out disk-backed Blobs (`blob`) gives `loadCheckpoint` random access without loading
 * the file; otherwise the whole file is read (`read`). Large checkpoints (ViT-L, 1.2 GB) would still hold the
 * tensors' bytes once in memory while loading; streaming storages straight into tensors is left to `fileio`.
 */
import type { CheckpointInput } from '../../fileio';
import { modelInfo } from '../model_hub';
import { downloadCheckpoint, hubUrl, keyOf } from './download';
import type { CheckpointStore, DownloadOptions, DownloadProgress, DownloadResult } from './types';

export { downloadCheckpoint, hubUrl, keyOf, hashPrefixOf, formatBytes } from './download';
export type { CheckpointStore, DownloadOptions, DownloadProgress, DownloadResult } from './types';

let defaultStore: CheckpointStore | null = null;

/**
 * Sets the store {@link checkpointFor} and `getModel(name, {pretrained: true})` use when none is given (the studio
 * sets its OPFS store; Node: `useNodeCheckpointStore()` from `apis/hub/node_store`).
 */
export function setCheckpointStore(store: CheckpointStore | null): void {
  defaultStore = store;
}

/** The store set by {@link setCheckpointStore}; fails when there is none. */
export function checkpointStore(): CheckpointStore {
  if (!defaultStore) throw new Error("no checkpoint store to download into: pass {store} or call setCheckpointStore(store) first (Node: useNodeCheckpointStore() from 'apis/hub/node_store')");
  return defaultStore;
}

/** Options of {@link checkpointFor}. */
export interface CheckpointForOptions extends Partial<Pick<DownloadOptions, 'onProgress' | 'signal' | 'fetch' | 'maxRetries' | 'retryDelayMs' | 'verifyCached'>> {
  /** Default: the one given to {@link setCheckpointStore}. */
  store?: CheckpointStore;
  /** Base URL replacing the weights URL's scheme + host (a mirror, a local server); null: the metafile's host. */
  hub?: string | null;
}

/** A model's released checkpoint, stored, with what `initModel` takes. */
export interface ModelCheckpoint extends DownloadResult {
  /** The model's name as the index spells it. */
  model: string;
  /** The URL fetched (after {@link hubUrl}); the metafile's when the file was cached. */
  url: string;
  /** The stored file for `initModel` / `getModel({pretrained})`: a disk-backed Blob where the store has them, else its bytes. */
  checkpoint: { data: CheckpointInput; name: string };
}

/**
 * The released weights of the model `name` (MMPretrain's model index: its `Weights:` URL): from the store when they
 * are there (no network), else downloaded from the metafile's host or `hub`. An unknown name fails suggesting the
 * closest names; a model without released weights fails saying so.
 */
export async function checkpointFor(name: string, opts: CheckpointForOptions = {}): Promise<ModelCheckpoint> {
  const info = modelInfo(name);
  if (!info.weights) throw new Error(`${info.name}: its metafile (${info.metafile}) lists no released weights; train it or pass a checkpoint file`);
  const store = opts.store ?? checkpointStore();
  const url = hubUrl(info.weights, opts.hub);
  const key = keyOf(info.weights);
  const { store: _s, hub: _h, ...rest } = opts;
  const res = await downloadCheckpoint(url, { ...rest, store, key });
  const data = (store.blob ? await store.blob(key) : null) ?? (await store.read(key));
  if (!data) throw new Error(`${key}: the store lost the file it just returned`);
  return { ...res, model: info.name, url, checkpoint: { data, name: key } };
}

/** `received / total` as a one-line progress text (`12.0 MB / 44.7 MB (26.8%)`), for the CLI and the studio. */
export function progressText(p: DownloadProgress): string {
  const mb = (n: number) => `${(n / (1 << 20)).toFixed(1)} MB`;
  const resumed = p.resumedFrom ? `, resumed at ${mb(p.resumedFrom)}` : '';
  const retried = p.retries ? `, ${p.retries} reconnection${p.retries === 1 ? '' : 's'}` : '';
  return p.total ? `${mb(p.received)} / ${mb(p.total)} (${((100 * p.received) / p.total).toFixed(1)}%${resumed}${retried})` : `${mb(p.received)}${resumed}${retried}`;
}
