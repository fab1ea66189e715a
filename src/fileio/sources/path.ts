/** POSIX-style path helpers shared by every file source (mmengine's `join_path`, without the OS). */

/** Collapses `//`, `./` and `..` segments; keeps a leading `/`; drops a trailing `/`. */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  const joined = out.join('/');
  return absolute ? '/' + joined : joined;
}

/** Joins path parts as `os.path.join` does: an absolute part restarts the path; empty parts are skipped. */
export function joinPath(...parts: string[]): string {
  let acc = '';
  for (const p of parts) {
    if (!p) continue;
    acc = p.startsWith('/') || !acc ? p : acc.replace(/\/+$/, '') + '/' + p;
  }
  return normalizePath(acc);
}

/** Whether `path` starts at the root (`/…`). */
export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

/** The last segment of a path. */
export function basename(path: string): string {
  const n = normalizePath(path);
  return n.slice(n.lastIndexOf('/') + 1);
}

/** Everything before the last segment ('' for a bare name). */
export function dirname(path: string): string {
  const n = normalizePath(path);
  const i = n.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : n.slice(0, i);
}

/** `path` relative to folder `prefix`, or null when it is not inside it ('' prefix contains everything). */
export function relativeTo(path: string, prefix: string): string | null {
  const p = normalizePath(prefix);
  if (!p) return normalizePath(path);
  const n = normalizePath(path);
  if (n === p) return '';
  return n.startsWith(p.endsWith('/') ? p : p + '/') ? n.slice(p.length + (p.endsWith('/') ? 0 : 1)) : null;
}
