/** Every parameter scheduler type by its mmengine name, for `PARAM_SCHEDULERS`. */
import type { SchedulerClass } from './param_scheduler';
import { ConstantParamScheduler } from './constant';
import { CosineAnnealingParamScheduler } from './cosine_annealing';
import { CosineRestartParamScheduler } from './cosine_restart';
import { ExponentialParamScheduler } from './exponential';
import { LinearParamScheduler } from './linear';
import { OneCycleParamScheduler } from './one_cycle';
import { PolyParamScheduler } from './poly';
import { MultiStepParamScheduler, StepParamScheduler } from './step';
import * as lr from './lr_scheduler';
import { CosineAnnealingWeightDecay } from './weight_decay_scheduler';
import { ReduceOnPlateauLR, ReduceOnPlateauMomentum, ReduceOnPlateauParamScheduler } from './reduce_on_plateau';
import * as momentum from './momentum_scheduler';

export const SCHEDULER_CLASSES: SchedulerClass[] = [
  ConstantParamScheduler,
  CosineAnnealingParamScheduler,
  CosineRestartParamScheduler,
  ExponentialParamScheduler,
  LinearParamScheduler,
  MultiStepParamScheduler,
  OneCycleParamScheduler,
  PolyParamScheduler,
  StepParamScheduler,
  lr.ConstantLR,
  lr.CosineAnnealingLR,
  lr.CosineRestartLR,
  lr.ExponentialLR,
  lr.LinearLR,
  lr.MultiStepLR,
  lr.OneCycleLR,
  lr.PolyLR,
  lr.StepLR,
  momentum.ConstantMomentum,
  momentum.CosineAnnealingMomentum,
  momentum.CosineRestartMomentum,
  momentum.ExponentialMomentum,
  momentum.LinearMomentum,
  momentum.MultiStepMomentum,
  momentum.PolyMomentum,
  momentum.StepMomentum,
  ReduceOnPlateauParamScheduler,
  ReduceOnPlateauLR,
  ReduceOnPlateauMomentum,
  CosineAnnealingWeightDecay,
] as unknown as SchedulerClass[];
