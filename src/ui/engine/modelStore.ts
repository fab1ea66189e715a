/**
 * The engine's one loaded classifier, shared by the panels (no DOM): the Inference panel's model is the one the CAM
 * panel explains and the Model panel describes when they ask for the same one, with one copy of its weights in
 * memory. A model is known by what it was built from — the config (its plain dict), the checkpoint (name, size and
 * a sample of its bytes), the backend its tensors live on and whether BatchNorm was folded into the convolutions
 * (MMPretrain's `--fuse-conv-bn`) — and loaded through the APIs' `initModel` (MMPretrain's `init_model`). Loading
 * another model disposes the one held first (the GPU or WASM memory of two models is never needed at once); a
 * panel whose model was replaced asks again and gets it reloaded.
 */
import { openStoredForReading } from '../storage/opfs_store';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { initModel, type InferenceModel } from '../../apis';
import { failedLoad, variableNames } from './oom';

type Dict = Record<string, unknown>;

/** A checkpoint as the panels send it: a Blob (a dropped File, the offline cache's copy, streamed) or its bytes. */
export interface CheckpointFile {
  name: string;
  data: Blob | ArrayBuffer;
  /**
   * The Blob is the checkpoint store's file of this name (a Model Zoo download): in the engine worker it is read
   * through a synchronous access handle, from disk straight into the tensors, where the browser allows.
   */
  stored?: boolean;
}

/** What a panel asks for. */
export interface ModelRequest {
  /** The config's name (the model's name in results and messages) and its plain dict. */
  config: { name: string; dict: Dict };
  checkpoint: CheckpointFile | null;
  /** The tfjs backend running now (the model's tensors live there). */
  backend: string;
  fuseConvBn: boolean;
  /** Checkpoint reading progress (bytes read, total), when it is loaded now. */
  onProgress?: (loaded: number, total: number) => void;
}

/** The model held, as a panel holds it. */
export interface StoredModel {
  readonly key: string;
  readonly model: InferenceModel;
  readonly backend: string;
  readonly fusedConvBn: boolean;
  /** The config dict's key (see {@link configKey}). */
  readonly configKey: string;
  /** False once another model replaced it (its tensors are disposed). */
  readonly live: boolean;
  /** Runs `fn` when the model is disposed (a panel's tensors made from it go with it). */
  onDispose(fn: () => void): void;
}

/** JSON with object keys sorted: the same dict gives the same text, whatever order its keys were written in. */
export function configKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Dict).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** Bytes of the checkpoint sampled for its identity: the first and last 64 KiB and 16 slices of 4 KiB between. */
const EDGE = 64 * 1024;
const SLICE = 4 * 1024;
const SLICES = 16;

/**
 * The checkpoint's identity: its name (which picks the format), its size and the SHA-256 of a sample of its bytes.
 * A dropped File and the bytes another panel handed over (no `lastModified` there) are the same checkpoint; two
 * trainings' `epoch_3.pth` of one architecture (same name, same size) are not: their weights differ in the sample.
 */
export async function checkpointIdentity(c: CheckpointFile): Promise<string> {
  const size = c.data instanceof ArrayBuffer ? c.data.byteLength : c.data.size;
  const ranges: [number, number][] = [];
  if (size <= 2 * EDGE + SLICES * SLICE) ranges.push([0, size]);
  else {
    ranges.push([0, EDGE]);
    for (let i = 1; i <= SLICES; i++) {
      const at = Math.floor(EDGE + ((size - 2 * EDGE - SLICE) * i) / (SLICES + 1));
      ranges.push([at, at + SLICE]);
    }
    ranges.push([size - EDGE, size]);
  }
  const hash = sha256.create();
  for (const [a, b] of ranges) hash.update(c.data instanceof ArrayBuffer ? new Uint8Array(c.data, a, b - a) : new Uint8Array(await c.data.slice(a, b).arrayBuffer()));
  return `${c.name}|${size}|${bytesToHex(hash.digest())}`;
}

interface Entry extends StoredModel {
  live: boolean;
  listeners: (() => void)[];
}

export class ModelStore {
  private current: Entry | null = null;
  /** Models built so far (a reused one is not counted). */
  loads = 0;

  /** The key of a request: same key, same model. */
  async keyOf(req: Omit<ModelRequest, 'onProgress'>): Promise<string> {
    return JSON.stringify([configKey(req.config.dict), req.checkpoint ? await checkpointIdentity(req.checkpoint) : null, req.backend, req.fuseConvBn]);
  }

  /** The model held now, or null. */
  get held(): StoredModel | null {
    return this.current;
  }

  /**
   * The model of `req`: the one held when its key is the same (`reused`), else built and loaded now, after the one
   * held is disposed. A load that fails leaves none held and nothing allocated, and throws (`initModel`'s messages
   * name the checkpoint and the model: `x.pth: no weight fits this model (name)`; out of memory: `oom.ts`).
   */
  async acquire(req: ModelRequest): Promise<{ stored: StoredModel; reused: boolean }> {
    const key = await this.keyOf(req);
    if (this.current?.key === key) return { stored: this.current, reused: true };
    this.release();
    const { config, checkpoint } = req;
    const direct = checkpoint?.stored && checkpoint.data instanceof Blob ? await openStoredForReading(checkpoint.name, checkpoint.data.size) : null;
    const data = direct?.source ?? (checkpoint && (checkpoint.data instanceof ArrayBuffer ? new Uint8Array(checkpoint.data) : checkpoint.data));
    // A build or load that fails (out of memory: said with the model's size) leaves none of its tensors behind.
    const before = variableNames();
    let model: InferenceModel;
    try {
      model = await initModel(config.dict, checkpoint && { data: data!, name: checkpoint.name }, { name: config.name.replace(/\.(py|json)$/, ''), onProgress: req.onProgress, fuse_conv_bn: req.fuseConvBn });
    } catch (e) {
      throw await failedLoad(e, before, config, req.backend);
    } finally {
      direct?.close();
    }
    this.loads++;
    const entry: Entry = {
      key,
      model,
      backend: req.backend,
      fusedConvBn: req.fuseConvBn,
      configKey: configKey(config.dict),
      live: true,
      listeners: [],
      onDispose(fn) {
        if (entry.live) entry.listeners.push(fn);
        else fn();
      },
    };
    this.current = entry;
    return { stored: entry, reused: false };
  }

  /** Disposes the model held (or only `which`, when it is still the one held). */
  release(which?: StoredModel | null): void {
    const e = this.current;
    if (!e || (which !== undefined && which !== e)) return;
    this.current = null;
    e.live = false;
    for (const fn of e.listeners.splice(0)) fn();
    e.model.model.dispose();
  }
}
