/**
 * Where a run writes its work directory (logs, scalars.json, config, checkpoints): the real file system in
 * Node, browser storage (OPFS / memory) in the tab. Paths are relative to the work dir, `/`-separated.
 */
export interface WorkDirStore {
  /** Human-readable location, e.g. `work_dirs/resnet18_8xb16_cifar10` or `opfs:work_dirs/…`. */
  readonly root: string;
  write(path: string, data: string | Uint8Array): Promise<void>;
  append(path: string, text: string): Promise<void>;
  read(path: string): Promise<Uint8Array | null>;
  remove(path: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
  /** Moves a complete file over another, where the store can (atomic on the file system; OPFS `move`). */
  rename?(from: string, to: string): Promise<void>;
}

const encoder = new TextEncoder();

/** A work dir held in memory (tests, and the tab before it persists files). */
export class MemoryWorkDir implements WorkDirStore {
  readonly files = new Map<string, Uint8Array>();

  constructor(readonly root = 'memory:work_dir') {}

  async write(path: string, data: string | Uint8Array): Promise<void> {
    this.files.set(path, typeof data === 'string' ? encoder.encode(data) : data);
  }

  async append(path: string, text: string): Promise<void> {
    const old = this.files.get(path) ?? new Uint8Array();
    const add = encoder.encode(text);
    const out = new Uint8Array(old.length + add.length);
    out.set(old);
    out.set(add, old.length);
    this.files.set(path, out);
  }

  async read(path: string): Promise<Uint8Array | null> {
    return this.files.get(path) ?? null;
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }

  /** Moves `from` over `to` at once (the survival checkpoint replaces the last good one only when complete). */
  async rename(from: string, to: string): Promise<void> {
    const data = this.files.get(from);
    if (!data) throw new Error(`${this.root}: no file ${from} to rename`);
    this.files.set(to, data);
    this.files.delete(from);
  }

  async list(prefix = ''): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  text(path: string): string | null {
    const b = this.files.get(path);
    return b ? new TextDecoder().decode(b) : null;
  }
}
