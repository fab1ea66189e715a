import type { WorkDirStore } from './work_dir';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** A line as mmengine's `MMLogger` writes it: `2026/11/22 02:42:16 - mmengine - INFO - message`. */
export function formatLogLine(date: Date, level: LogLevel, message: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}/${p(date.getMonth() + 1)}/${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
  return `${stamp} - mmengine - ${level} - ${message}`;
}

/**
 * The run's text logger: writes `<timestamp>/<timestamp>.log` in the work dir as mmengine does, and hands each
 * line to listeners (the console in the CLI, the Train panel in the tab).
 */
export class RunLogger {
  private readonly listeners = new Set<(line: string, level: LogLevel) => void>();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: WorkDirStore | null,
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onLine(listener: (line: string, level: LogLevel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  log(level: LogLevel, message: string): void {
    const line = formatLogLine(this.now(), level, message);
    for (const l of this.listeners) l(line, level);
    if (this.store) {
      const store = this.store;
      this.pending = this.pending.then(() => store.append(this.path, line + '\n'));
    }
  }

  info(message: string): void {
    this.log('INFO', message);
  }

  warning(message: string): void {
    this.log('WARNING', message);
  }

  error(message: string): void {
    this.log('ERROR', message);
  }

  /** Resolves when every line so far is written. */
  flush(): Promise<void> {
    return this.pending;
  }
}
