/** The optimizer, wrapper and constructor classes by their registry names. */
import { Adagrad } from './adagrad';
import { Adam, AdamW } from './adam';
import { DefaultOptimWrapperConstructor, LearningRateDecayOptimWrapperConstructor } from './default_constructor';
import { Lamb } from './lamb';
import { LARS } from './lars';
import { AmpOptimWrapper, OptimWrapper } from './optim_wrapper';
import { RMSprop } from './rmsprop';
import { SGD } from './sgd';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Named = { typeName: string } & (new (cfg: any) => unknown);

export const OPTIMIZER_CLASSES: Named[] = [SGD, Adam, AdamW, RMSprop, Adagrad, Lamb, LARS];
export const OPTIM_WRAPPER_CLASSES: Named[] = [OptimWrapper, AmpOptimWrapper];
export const OPTIM_WRAPPER_CONSTRUCTOR_CLASSES: Named[] = [DefaultOptimWrapperConstructor, LearningRateDecayOptimWrapperConstructor];
