/** Parameter schedulers with mmengine 0.11 semantics (`mmengine/optim/scheduler`). */
export { INF, ParamScheduler, schedulerLog, COMMON_SCHEDULER_OPTIONS } from './param_scheduler';
export type { CommonSchedulerOptions, SchedulerClass, SchedulerForm, SchedulerState } from './param_scheduler';
export { StepParamScheduler, MultiStepParamScheduler } from './step';
export { ConstantParamScheduler } from './constant';
export { ExponentialParamScheduler } from './exponential';
export { LinearParamScheduler } from './linear';
export { PolyParamScheduler } from './poly';
export { CosineAnnealingParamScheduler } from './cosine_annealing';
export { CosineRestartParamScheduler } from './cosine_restart';
export { OneCycleParamScheduler, annealCos, annealLinear } from './one_cycle';
export * from './lr_scheduler';
export * from './momentum_scheduler';
export { ReduceOnPlateauParamScheduler, ReduceOnPlateauLR, ReduceOnPlateauMomentum } from './reduce_on_plateau';
export { buildParamScheduler, buildParamSchedulers, effectiveSchedulerOptions, schedulerClass, schedulerConfigList } from './build';
export type { SchedulerBuildContext, ParamSchedulerConfig } from './build';
export { autoScaleLr } from './auto_scale_lr';
export type { AutoScaleLrConfig } from './auto_scale_lr';
export { SCHEDULER_CLASSES } from './register';
