import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { WorkDirStore } from './work_dir';

/** A work dir on the real file system (the CLI's `--work-dir`). */
export class NodeWorkDir implements WorkDirStore {
  constructor(readonly root: string) {}

  async write(path: string, data: string | Uint8Array): Promise<void> {
    const p = join(this.root, path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, data);
  }

  async append(path: string, text: string): Promise<void> {
    const p = join(this.root, path);
    await mkdir(dirname(p), { recursive: true });
    await appendFile(p, text);
  }

  async read(path: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(join(this.root, path)));
    } catch {
      return null;
    }
  }

  /** `fs.rename`: atomic, so the survival checkpoint is replaced only by a complete one. */
  async rename(from: string, to: string): Promise<void> {
    await mkdir(dirname(join(this.root, to)), { recursive: true });
    await rename(join(this.root, from), join(this.root, to));
  }

  async remove(path: string): Promise<void> {
    await rm(join(this.root, path), { force: true });
  }

  async list(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else out.push(relative(this.root, p).split('\\').join('/'));
      }
    };
    await walk(this.root);
    return out.filter((p) => p.startsWith(prefix)).sort();
  }
}
