/** Optimizers (PyTorch semantics on tfjs variables), optimizer wrappers and their constructor (mmengine). */
export { Optimizer, num } from './optimizer';
export type { GradMap, ParamState, OptimizerStateDict, StateTensor, StepItem, OptimizerConfig } from './optimizer';
export { SGD } from './sgd';
export { Adam, AdamW } from './adam';
export { RMSprop } from './rmsprop';
export { Adagrad } from './adagrad';
export { Lamb } from './lamb';
export { LARS } from './lars';
export { OptimWrapper, AmpOptimWrapper, clipGradNorm, clipGradValue, optimWrapperLog } from './optim_wrapper';
export type { ClipGradConfig, OptimWrapperConfig } from './optim_wrapper';
export { DefaultOptimWrapperConstructor, LearningRateDecayOptimWrapperConstructor, buildOptimWrapper } from './default_constructor';
export { paramwiseGroups, layerDecayGroups, isNormModule, isDwConvModule } from './paramwise';
export type { ModuleLike, ParamLike, ParamwiseConfig, LayerDecayConfig, LayerDepthFn } from './paramwise';
export { OPTIMIZER_SPECS, optimizerDefaults, optimizerTypes, fillGroup } from './defaults';
export { splitOptimWrapperConfig, constructParamGroups, SimulatedOptimWrapper, visSchedulerModel } from './optim_wrapper_config';
export type { ParamGroup, ParamGroupsOwner } from './param_groups';
export { resolveOptions, REQUIRED } from '../../utils/options';
