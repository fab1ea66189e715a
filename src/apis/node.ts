/** Node-only helpers of the APIs: the shipped `configs/` of this checkout as a listable file system. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeFS } from '../config/node_fs';

/** The repository root (where `configs/` is). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shipped configs (`configs/**.py`) as `listModels` / `getModel` read them. */
export function shippedConfigsFS(): NodeFS {
  return new NodeFS(REPO_ROOT);
}
