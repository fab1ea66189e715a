import { normalizePath, relativeTo } from './path';

/**
 * A sorted set of file paths with the folder queries every source needs; shared by the sources that know their
 * files up front (drops, archives).
 */
export class PathIndex {
  private readonly files: string[];
  private readonly fileSet: Set<string>;
  private readonly dirSet = new Set<string>();

  constructor(paths: Iterable<string>, explicitDirs: Iterable<string> = []) {
    this.fileSet = new Set([...paths].map(normalizePath).filter((p) => p !== ''));
    this.files = [...this.fileSet].sort();
    for (const f of this.files) {
      for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) this.dirSet.add(f.slice(0, i));
    }
    for (const d of explicitDirs) {
      const n = normalizePath(d);
      if (n) this.dirSet.add(n);
    }
  }

  get size(): number {
    return this.files.length;
  }

  hasFile(path: string): boolean {
    return this.fileSet.has(normalizePath(path));
  }

  hasDir(path: string): boolean {
    const n = normalizePath(path);
    return n === '' || this.dirSet.has(n);
  }

  /** Files under folder `prefix`, recursively (full paths), sorted: a binary-searched contiguous range. */
  list(prefix = ''): string[] {
    const p = normalizePath(prefix);
    if (!p) return [...this.files];
    const lo = p.endsWith('/') ? p : p + '/';
    const hi = lo.slice(0, -1) + String.fromCharCode(lo.charCodeAt(lo.length - 1) + 1);
    return this.files.slice(lowerBound(this.files, lo), lowerBound(this.files, hi));
  }

  /** Immediate sub-folder names of `prefix`, sorted. */
  subfolders(prefix = ''): string[] {
    const p = normalizePath(prefix);
    const out = new Set<string>();
    for (const d of this.dirSet) {
      const rel = relativeTo(d, p);
      if (rel && !rel.includes('/')) out.add(rel);
    }
    return [...out].sort();
  }
}

/** First index whose string is ≥ `key` (code-unit order, as `Array.prototype.sort` orders strings). */
function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
