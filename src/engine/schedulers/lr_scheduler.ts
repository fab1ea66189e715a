/** The learning-rate forms (mmengine `lr_scheduler.py`): each `*ParamScheduler` with `param_name='lr'` fixed. */
import { ConstantParamScheduler } from './constant';
import { CosineAnnealingParamScheduler } from './cosine_annealing';
import { CosineRestartParamScheduler } from './cosine_restart';
import { ExponentialParamScheduler } from './exponential';
import { LinearParamScheduler } from './linear';
import { OneCycleParamScheduler } from './one_cycle';
import { PolyParamScheduler } from './poly';
import { MultiStepParamScheduler, StepParamScheduler } from './step';

export class ConstantLR extends ConstantParamScheduler { static override readonly typeName = 'ConstantLR'; static override readonly form = 'lr'; }
export class CosineAnnealingLR extends CosineAnnealingParamScheduler { static override readonly typeName = 'CosineAnnealingLR'; static override readonly form = 'lr'; }
export class CosineRestartLR extends CosineRestartParamScheduler { static override readonly typeName = 'CosineRestartLR'; static override readonly form = 'lr'; }
export class ExponentialLR extends ExponentialParamScheduler { static override readonly typeName = 'ExponentialLR'; static override readonly form = 'lr'; }
export class LinearLR extends LinearParamScheduler { static override readonly typeName = 'LinearLR'; static override readonly form = 'lr'; }
export class MultiStepLR extends MultiStepParamScheduler { static override readonly typeName = 'MultiStepLR'; static override readonly form = 'lr'; }
export class OneCycleLR extends OneCycleParamScheduler { static override readonly typeName = 'OneCycleLR'; static override readonly form = 'lr'; }
export class PolyLR extends PolyParamScheduler { static override readonly typeName = 'PolyLR'; static override readonly form = 'lr'; }
export class StepLR extends StepParamScheduler { static override readonly typeName = 'StepLR'; static override readonly form = 'lr'; }
