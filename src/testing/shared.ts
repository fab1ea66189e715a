import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The read-only `shared/` folder beside the checkout (`../shared`), or `$MMPRETRAIN_WEB_SHARED`. */
export const SHARED_DIR = process.env.MMPRETRAIN_WEB_SHARED ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');

/** Path of a file under `shared/`; tests skip on `missingShared(p)`, which says why when it is absent. */
export function sharedPath(rel: string): string {
  const p = join(SHARED_DIR, rel);
  if (!existsSync(p)) console.warn(`[tests] ${p} is absent: tests that need it are skipped (../shared is expected beside the checkout)`);
  return p;
}

/** Thrown in CI for a missing path under `shared/`: the run fails instead of skipping silently. */
export class SharedDataMissing extends Error {}

/**
 * True when one of `paths` is absent, for `describe.skipIf(missingShared(p))` / `it.skipIf(...)`. A skip prints its
 * reason. In CI (`$CI` set), a missing path under `shared/` throws instead, so the test file fails naming it: CI must
 * not pass by skipping the reference tests. Paths elsewhere (a Debian dataset under /usr/share) only skip.
 */
export function missingShared(...paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (!missing.length) return false;
  const root = resolve(SHARED_DIR);
  const inShared = missing.filter((p) => resolve(p) === root || resolve(p).startsWith(root + sep));
  if (inShared.length && process.env.CI) {
    const names = inShared.map((p) => join('../shared', relative(root, resolve(p))));
    throw new SharedDataMissing(`${names.join(', ')} missing: set MMPRETRAIN_WEB_SHARED or put the shared data beside the checkout (looked in ${root})`);
  }
  console.warn(`[tests] skipped: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} absent${inShared.length ? ' (../shared is expected beside the checkout, or set MMPRETRAIN_WEB_SHARED)' : ''}`);
  return true;
}
