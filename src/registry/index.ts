/**
 * The registries of mmpretrain-web, one per kind of component, as in MMPretrain's `mmpretrain/registry.py`.
 * Each area registers its classes explicitly in its own `register_all.ts`; `src/register_all.ts` calls them all.
 */
import { Registry } from './registry';

export { Registry, registryWarnings } from './registry';
export type { BuildConfig, Constructor, Factory } from './registry';

/** Neural network modules: classifiers, backbones, necks, heads, losses, data preprocessors, batch augments. */
export const MODELS = new Registry('model');
/** Datasets and dataset wrappers. */
export const DATASETS = new Registry('dataset');
/** Data transforms (pipeline steps). */
export const TRANSFORMS = new Registry('transform');
/** Samplers for data loaders. */
export const DATA_SAMPLERS = new Registry('data sampler');
/** Evaluation metrics. */
export const METRICS = new Registry('metric');
/** Evaluators. */
export const EVALUATORS = new Registry('evaluator');
/** Optimizers. */
export const OPTIMIZERS = new Registry('optimizer');
/** Optimizer wrappers (OptimWrapper, AmpOptimWrapper). */
export const OPTIM_WRAPPERS = new Registry('optim_wrapper');
/** Constructors of optimizers from a model and an `optim_wrapper` config. */
export const OPTIM_WRAPPER_CONSTRUCTORS = new Registry('optimizer wrapper constructor');
/** Parameter schedulers (learning rate, momentum, weight decay). */
export const PARAM_SCHEDULERS = new Registry('parameter scheduler');
/** Runner hooks. */
export const HOOKS = new Registry('hook');
/** Training / validation / test loops. */
export const LOOPS = new Registry('loop');
/** Log processors. */
export const LOG_PROCESSORS = new Registry('log_processor');
/** Weight initialisers (`init_cfg`). */
export const WEIGHT_INITIALIZERS = new Registry('weight initializer');
/** Visualizers and visualization backends. */
export const VISUALIZERS = new Registry('visualizer');
