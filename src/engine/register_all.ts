/**
 * Registers the engine's components (explicit lists, so bundlers keep every class a config may name).
 * One line per group; hooks, loops and runner pieces are added here as they land.
 */
import { PARAM_SCHEDULERS } from '../registry';
import { SCHEDULER_CLASSES } from './schedulers/register';

let done = false;

export function registerEngine(): void {
  if (done) return;
  done = true;
  for (const cls of SCHEDULER_CLASSES) PARAM_SCHEDULERS.registerClass(cls.typeName, cls);
}
