/** POSIX-style path helpers for the virtual file system (the same in the browser and in Node). */

/** Normalises `a/./b/../c` → `a/c`, keeping a leading `/` and leading `..` segments. */
export function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (seg === '..' && abs) continue;
    else out.push(seg);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

/** The folder part of a path (`configs/resnet/x.py` → `configs/resnet`). */
export function dirnamePath(p: string): string {
  const i = p.replace(/\\/g, '/').lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : p.slice(0, i);
}

/** The file name part of a path. */
export function basenamePath(p: string): string {
  const s = p.replace(/\\/g, '/');
  return s.slice(s.lastIndexOf('/') + 1);
}

/** Joins `rel` onto `dir` (an absolute `rel` wins) and normalises. */
export function joinPath(dir: string, rel: string): string {
  if (rel.startsWith('/')) return normalizePath(rel);
  return normalizePath(`${dir}/${rel}`);
}
