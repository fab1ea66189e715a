/**
 * Resident memory of processes on Linux (`/proc/PID/status`), for the memory benchmarks: the current and peak
 * resident set of one process, resetting its peak mark, and a sampler of the summed resident set of a changing set
 * of processes (a browser's).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** `VmRSS` (resident now) or `VmHWM` (peak since start or the last {@link resetPeak}) of a process, bytes; null when it is gone. */
export function procStatus(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Resets a process's peak resident mark (`VmHWM`) to its resident set now; false where the kernel refuses. */
export function resetPeak(pid: number | 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Every live process descended from `root` (not `root` itself), from the parent links in `/proc/PID/stat`. */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The summed resident set of `pids()` (asked again on each tick: processes come and go) every `intervalMs`. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  /** Highest summed resident set seen since the last {@link mark}, bytes. */
  peak = 0;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs = 25,
  ) {}

  /** The summed resident set now, bytes. */
  now(): number {
    let sum = 0;
    for (const pid of this.pids()) sum += procStatus(pid, 'VmRSS') ?? 0;
    return sum;
  }

  /** Starts a new peak from now; returns the summed resident set now. */
  mark(): number {
    const now = this.now();
    this.peak = now;
    return now;
  }

  start(): this {
    this.timer ??= setInterval(() => (this.peak = Math.max(this.peak, this.now())), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
