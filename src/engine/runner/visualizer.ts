import { scalarsJsonLine } from './py_format';
import type { WorkDirStore } from './work_dir';

/**
 * mmengine's `LocalVisBackend` for scalars: each `addScalars` appends one JSON line (with `step`) to
 * `<timestamp>/vis_data/scalars.json` and to `<timestamp>/vis_data/<json_log_path>`, exactly as mmengine writes them.
 */
export class ScalarsWriter {
  private pending: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(record: Record<string, number>) => void>();

  constructor(
    private readonly store: WorkDirStore | null,
    readonly saveDir: string,
  ) {}

  onScalars(listener: (record: Record<string, number>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addScalars(tag: Record<string, unknown>, step: number, filePath?: string): void {
    const record: Record<string, number> = {};
    for (const [k, v] of Object.entries(tag)) if (typeof v === 'number') record[k] = v;
    record.step = step;
    for (const l of this.listeners) l(record);
    if (!this.store) return;
    const line = scalarsJsonLine(record) + '\n';
    const store = this.store;
    this.pending = this.pending.then(async () => {
      if (filePath) await store.append(`${this.saveDir}/${filePath}`, line);
      await store.append(`${this.saveDir}/scalars.json`, line);
    });
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
