import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { VirtualFS } from './vfs';

/** The real file system (Node only; the browser uses `MemoryFS`). Relative paths resolve against `root`. */
export class NodeFS implements VirtualFS {
  /** @param root folder that relative paths start from. Default: the current working directory. */
  constructor(private readonly root: string = process.cwd()) {}

  private abs(p: string): string {
    return p.startsWith('/') ? p : join(this.root, p);
  }

  read(path: string): string {
    return readFileSync(this.abs(path), 'utf8');
  }

  exists(path: string): boolean {
    const a = this.abs(path);
    return existsSync(a) && statSync(a).isFile();
  }

  list(dir = '.'): string[] {
    const base = this.abs(dir);
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const full = join(d, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.isFile()) out.push(dir.startsWith('/') ? full : relative(this.root, full));
      }
    };
    if (existsSync(base)) walk(base);
    return out.sort();
  }
}
