import { HOOKS } from '../../registry';
import { CheckpointHook } from './checkpoint_hook';
import { DistSamplerSeedHook } from './dist_sampler_seed_hook';
import { EMAHook } from './ema_hook';
import { IterTimerHook } from './iter_timer_hook';
import { LoggerHook } from './logger_hook';
import { ParamSchedulerHook } from './param_scheduler_hook';
import { RuntimeInfoHook } from './runtime_info_hook';
import { SurvivalCheckpointHook } from './survival_checkpoint_hook';
import { VisualizationHook } from './visualization_hook';

/** Registers the runner hooks (mmengine's `hooks/__init__.py`, the ones a classification run uses). */
export function registerHooks(): void {
  const hooks = [
    ['RuntimeInfoHook', RuntimeInfoHook],
    ['IterTimerHook', IterTimerHook],
    ['LoggerHook', LoggerHook],
    ['ParamSchedulerHook', ParamSchedulerHook],
    ['CheckpointHook', CheckpointHook],
    ['DistSamplerSeedHook', DistSamplerSeedHook],
    ['EMAHook', EMAHook],
    ['VisualizationHook', VisualizationHook],
    // The studio's own (not mmengine's): survival.pth every few iterations / seconds and at a pause.
    ['SurvivalCheckpointHook', SurvivalCheckpointHook],
  ] as const;
  for (const [name, ctor] of hooks) HOOKS.registerClass(name, ctor);
}
