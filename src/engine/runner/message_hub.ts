import { HistoryBuffer } from './history_buffer';

/**
 * mmengine's `MessageHub`: the scalars logged during a run (`train/loss`, `val/accuracy/top1`…) as history
 * buffers, and runtime information (`epoch`, `iter`, `eta`, `dataset_meta`…).
 */
export class MessageHub {
  readonly logScalars = new Map<string, HistoryBuffer>();
  readonly runtimeInfo = new Map<string, unknown>();

  updateScalar(key: string, value: number, count = 1): void {
    let buf = this.logScalars.get(key);
    if (!buf) {
      buf = new HistoryBuffer();
      this.logScalars.set(key, buf);
    }
    buf.update(value, count);
  }

  getScalar(key: string): HistoryBuffer {
    const buf = this.logScalars.get(key);
    if (!buf) throw new Error(`${key} is not found in Messagehub.log_buffers: ${[...this.logScalars.keys()].join(', ')}`);
    return buf;
  }

  updateInfo(key: string, value: unknown): void {
    this.runtimeInfo.set(key, value);
  }

  updateInfoDict(info: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(info)) this.updateInfo(k, v);
  }

  getInfo<T = unknown>(key: string, fallback?: T): T | undefined {
    return (this.runtimeInfo.has(key) ? this.runtimeInfo.get(key) : fallback) as T | undefined;
  }

  popInfo(key: string): unknown {
    const v = this.runtimeInfo.get(key);
    this.runtimeInfo.delete(key);
    return v;
  }

  /** Plain data for a checkpoint's `message_hub` (`state_dict` of mmengine's MessageHub, without the buffers' classes). */
  stateDict(): { log_scalars: Record<string, { log_history: number[]; count_history: number[] }>; runtime_info: Record<string, unknown> } {
    const log_scalars = Object.fromEntries([...this.logScalars].map(([k, b]) => [k, { log_history: b.data[0], count_history: b.data[1] }]));
    const runtime_info = Object.fromEntries([...this.runtimeInfo].filter(([k]) => k !== 'cfg'));
    return { log_scalars, runtime_info };
  }

  loadStateDict(state: ReturnType<MessageHub['stateDict']>): void {
    for (const [k, v] of Object.entries(state.log_scalars ?? {})) this.logScalars.set(k, new HistoryBuffer(v.log_history, v.count_history));
    for (const [k, v] of Object.entries(state.runtime_info ?? {})) this.runtimeInfo.set(k, v);
  }
}
