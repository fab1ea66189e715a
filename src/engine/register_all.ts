/**
 * Registers the engine's components (explicit lists, so bundlers keep every class a config may name).
 * One line per group; hooks, loops and runner pieces are added here as they land.
 */
import { OPTIMIZERS, OPTIM_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS } from '../registry';
import { OPTIMIZER_CLASSES, OPTIM_WRAPPER_CLASSES, OPTIM_WRAPPER_CONSTRUCTOR_CLASSES } from './optimizers/register';
import { SCHEDULER_CLASSES } from './schedulers/register';

let done = false;

export function registerEngine(): void {
  if (done) return;
  done = true;
  for (const cls of SCHEDULER_CLASSES) PARAM_SCHEDULERS.registerClass(cls.typeName, cls);
  for (const cls of OPTIMIZER_CLASSES) OPTIMIZERS.registerClass(cls.typeName, cls);
  for (const cls of OPTIM_WRAPPER_CLASSES) OPTIM_WRAPPERS.registerClass(cls.typeName, cls);
  for (const cls of OPTIM_WRAPPER_CONSTRUCTOR_CLASSES) OPTIM_WRAPPER_CONSTRUCTORS.registerClass(cls.typeName, cls);
}
