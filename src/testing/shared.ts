import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The read-only `shared/` folder beside the checkout (`../shared`), or `$MMPRETRAIN_WEB_SHARED`. */
export const SHARED_DIR = process.env.MMPRETRAIN_WEB_SHARED ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');

/** Path of a file under `shared/`; tests use `it.skipIf(!existsSync(p))` and say why when it is absent. */
export function sharedPath(rel: string): string {
  const p = join(SHARED_DIR, rel);
  if (!existsSync(p)) console.warn(`[tests] ${p} is absent: tests that need it are skipped (../shared is expected beside the checkout)`);
  return p;
}
