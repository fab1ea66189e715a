/**
 * MMPretrain's `utils/setup_env.py` `register_all_modules`: registers every engine component in its registry
 * (explicit lists, so bundlers keep each class a config may name).
 * Each area exports one function from its own `register_all.ts`; call `registerAll()` once before building from configs.
 */
import { registerEvaluation } from '../evaluation/register_all';
import { registerHooks } from './hooks/register_all';
import { registerDatasets } from '../datasets/register_all';
import { registerEngine } from './register_all';
import { registerTransforms } from '../datasets/transforms/register_all';
import { registerModels } from '../models/register_all';

let done = false;

export function registerAll(): void {
  if (done) return;
  done = true;
  registerEvaluation();
  registerHooks();
  registerDatasets();
  registerEngine();
  registerTransforms();
  registerModels();
  // One line per area, e.g. `registerModels();` — added by each area as it lands.
}
