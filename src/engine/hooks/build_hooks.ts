import { HOOKS } from '../../registry';
import type { Runner } from '../runner/runner';
import type { Hook } from './hook';
import { RuntimeInfoHook } from './runtime_info_hook';

type HookCfg = { type: string; priority?: string | number; [k: string]: unknown };

/** The keys of `default_hooks` mmengine knows, in the order it registers them. */
const DEFAULT_HOOK_KEYS = ['runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler', 'checkpoint'];

/**
 * Builds the hooks of a run as mmengine's `Runner.register_hooks`: `RuntimeInfoHook` always, then
 * `default_hooks` (a key set to None removes that hook), then `custom_hooks`; a hook's `priority` may be overridden.
 */
export function buildHooks(defaultHooks: Record<string, HookCfg | null> | null | undefined, customHooks: HookCfg[] | null | undefined): Hook<Runner>[] {
  const hooks: Hook<Runner>[] = [new RuntimeInfoHook()];
  const defaults = defaultHooks ?? {};
  // mmengine registers the known default hooks in its own order, then any other key of default_hooks.
  const keys = [...DEFAULT_HOOK_KEYS.filter((k) => k in defaults), ...Object.keys(defaults).filter((k) => !DEFAULT_HOOK_KEYS.includes(k))];
  for (const key of keys) {
    const cfg = defaults[key];
    if (cfg === null || key === 'runtime_info') continue;
    hooks.push(buildOne(cfg, `default_hooks.${key}`));
  }
  (customHooks ?? []).forEach((cfg, i) => hooks.push(buildOne(cfg, `custom_hooks[${i}]`)));
  return hooks;
}

function buildOne(cfg: HookCfg, where: string): Hook<Runner> {
  if (!cfg || typeof cfg !== 'object' || typeof cfg.type !== 'string') throw new Error(`${where}: a hook must be a dict with a 'type', got ${JSON.stringify(cfg)}`);
  try {
    return HOOKS.build<Hook<Runner>>(cfg);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
