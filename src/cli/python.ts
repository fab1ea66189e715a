import { spawnSync } from 'node:child_process';

/**
 * The first Python interpreter that can import `modules` (`'torch'`, `'cv2, numpy'`), for benchmarks that run
 * PyTorch / OpenCV side by side. Debian's packages live in `/usr/bin/python3`, which may not be the `python3`
 * first on PATH. `explicit`: a path to use instead, or `'none'` to skip.
 */
export function findPython(modules: string, explicit?: string): string | null {
  if (explicit === 'none') return null;
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', `import ${modules}`], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return py;
  }
  return null;
}
