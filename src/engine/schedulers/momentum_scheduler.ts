/**
 * The momentum forms (mmengine `momentum_scheduler.py`): schedule `momentum` for SGD-like optimizers and
 * `betas[0]` for Adam-like ones (a `momentum` key mirrors it in each group). OneCycle has no momentum form.
 */
import { ConstantParamScheduler } from './constant';
import { CosineAnnealingParamScheduler } from './cosine_annealing';
import { CosineRestartParamScheduler } from './cosine_restart';
import { ExponentialParamScheduler } from './exponential';
import { LinearParamScheduler } from './linear';
import { PolyParamScheduler } from './poly';
import { MultiStepParamScheduler, StepParamScheduler } from './step';

export class ConstantMomentum extends ConstantParamScheduler { static override readonly typeName = 'ConstantMomentum'; static override readonly form = 'momentum'; }
export class CosineAnnealingMomentum extends CosineAnnealingParamScheduler { static override readonly typeName = 'CosineAnnealingMomentum'; static override readonly form = 'momentum'; }
export class CosineRestartMomentum extends CosineRestartParamScheduler { static override readonly typeName = 'CosineRestartMomentum'; static override readonly form = 'momentum'; }
export class ExponentialMomentum extends ExponentialParamScheduler { static override readonly typeName = 'ExponentialMomentum'; static override readonly form = 'momentum'; }
export class LinearMomentum extends LinearParamScheduler { static override readonly typeName = 'LinearMomentum'; static override readonly form = 'momentum'; }
export class MultiStepMomentum extends MultiStepParamScheduler { static override readonly typeName = 'MultiStepMomentum'; static override readonly form = 'momentum'; }
export class PolyMomentum extends PolyParamScheduler { static override readonly typeName = 'PolyMomentum'; static override readonly form = 'momentum'; }
export class StepMomentum extends StepParamScheduler { static override readonly typeName = 'StepMomentum'; static override readonly form = 'momentum'; }
