/**
 * The base of every parameter scheduler, as mmengine 0.11's `_ParamScheduler`
 * (`mmengine/optim/scheduler/param_scheduler.py`): it updates one hyper-parameter (`lr`, `momentum`,
 * `weight_decay`, …) of each param group with the chainable (recursive) formula of its subclass, only while
 * `begin <= global step < end`; outside that range the value is left as the previous schedulers set it.
 *
 * A scheduler type is a class with three static parts (its option spec, a `prepare` that derives constants,
 * and `convertEpochOptions` for `convert_to_iter_based`) and one method, `computeValues`. The `*LR` and
 * `*Momentum` forms are one-line subclasses that fix `param_name` (momentum forms drive Adam's `betas[0]`).
 */
import { formatExp } from '../../utils/python_format';
import { assert } from '../../utils/assert';
import { REQUIRED, resolveOptions, expectInt, type OptionSpec } from '../../utils/options';
import { groupValue, type ParamGroup, type ParamGroupsOwner } from '../optimizers/param_groups';

/** mmengine's "infinite" end step: `INF = int(1e9)`. */
export const INF = 1_000_000_000;

/** Options every scheduler accepts (mmengine names and defaults). */
export interface CommonSchedulerOptions {
  /** Step at which to start updating the parameter. Default 0. */
  begin: number;
  /** Step at which to stop updating the parameter (exclusive). Default `INF` (the runner sets max epochs/iters). */
  end: number;
  /** Index of the last step, for resuming without a state dict. Default -1 (never stepped). */
  last_step: number;
  /** Whether the scheduler steps once per epoch (true) or once per iteration. Default true. */
  by_epoch: boolean;
  /** Log each update. Default false. */
  verbose: boolean;
}

export const COMMON_SCHEDULER_OPTIONS: OptionSpec = { begin: 0, end: INF, last_step: -1, by_epoch: true, verbose: false };

/** Which parameter a scheduler class drives: fixed `lr` / `weight_decay`, momentum (or Adam's `betas[0]`), or `param_name`. */
export type SchedulerForm = 'lr' | 'momentum' | 'weight_decay' | 'param';

/** The static side of a scheduler class (what the builder and `ParamScheduler`'s constructor use). */
export interface SchedulerClass {
  new (cfg: Record<string, unknown>, optimizer: ParamGroupsOwner): ParamScheduler;
  readonly typeName: string;
  readonly form: SchedulerForm;
  readonly spec: OptionSpec;
  readonly deferredStart: boolean;
  prepare(opts: Record<string, unknown>, optimizer: ParamGroupsOwner, paramName: string): Record<string, unknown>;
  convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown>;
  buildIterFromEpoch(cfg: Record<string, unknown>, optimizer: ParamGroupsOwner, epochLength: number): ParamScheduler;
}

/** Where `verbose` updates go; tests and the UI may replace it. */
export const schedulerLog = { info: (message: string): void => console.log(message) };

/** The state a checkpoint stores under `param_schedulers` (mmengine's `state_dict()` keys). */
export type SchedulerState = Record<string, unknown>;

export abstract class ParamScheduler<O extends CommonSchedulerOptions = CommonSchedulerOptions> {
  static readonly typeName: string = 'ParamScheduler';
  static readonly form: SchedulerForm = 'param';
  static readonly spec: OptionSpec = {};
  /** ReduceOnPlateau: no step at construction; the step counter starts at 0. */
  static readonly deferredStart: boolean = false;

  /** Derives constants from the resolved options (and may initialise group keys, as OneCycle does). */
  static prepare(opts: Record<string, unknown>, _optimizer: ParamGroupsOwner, _paramName: string): Record<string, unknown> {
    return opts;
  }

  /**
   * `build_iter_from_epoch`: turns epoch counts into iteration counts (`begin`, `end` and the type's own
   * epoch-valued options) and sets `by_epoch=false`. Subclasses extend it for their own options.
   */
  static convertEpochOptions(opts: Record<string, unknown>, epochLength: number): Record<string, unknown> {
    const out = { ...opts };
    out.begin = Math.trunc(((opts.begin as number | undefined) ?? 0) * epochLength);
    const end = (opts.end as number | undefined) ?? INF;
    if (end !== INF) out.end = Math.trunc(end * epochLength);
    out.by_epoch = false;
    return out;
  }

  /**
   * mmengine `build_iter_from_epoch`: builds an iteration-based scheduler from an epoch-based config
   * (`convert_to_iter_based=True`), `epochLength` being the iterations per epoch.
   */
  static buildIterFromEpoch(cfg: Record<string, unknown>, optimizer: ParamGroupsOwner, epochLength: number): ParamScheduler {
    const cls = this as unknown as SchedulerClass;
    assert((cfg.by_epoch ?? true) === true, () => `${cls.typeName}: Only epoch-based kwargs whose \`by_epoch=True\` can be converted to iter-based.`);
    assert(Number.isInteger(epochLength) && epochLength > 0, () => `${cls.typeName}: \`epoch_length\` must be a positive integer, but got ${epochLength}.`);
    return new cls(cls.convertEpochOptions(cfg, epochLength), optimizer);
  }

  readonly typeName: string;
  readonly optimizer: ParamGroupsOwner;
  /** The param-group key this scheduler writes (`lr`, `momentum`, `weight_decay`, …). */
  readonly paramName: string;
  readonly begin: number;
  readonly end: number;
  readonly byEpoch: boolean;
  readonly verbose: boolean;
  /** The resolved options plus derived constants. */
  readonly opts: O;
  /** Steps taken inside `[begin, end)`, minus one (mmengine `last_step`). */
  lastStep: number;
  /** Steps taken in total, minus one (mmengine `_global_step`). */
  globalStep: number;
  /** `initial_<param>` of each group when the scheduler was built. */
  baseValues: number[];
  /** The group values after the last `step()`. */
  lastValue: number[];
  /** Momentum forms on an Adam-style optimizer: momentum is `betas[0]`. */
  private readonly useBetas: boolean;

  constructor(cfg: Record<string, unknown>, optimizer: ParamGroupsOwner) {
    const cls = new.target as unknown as SchedulerClass;
    this.typeName = cls.typeName;
    const spec: OptionSpec = { ...cls.spec, ...COMMON_SCHEDULER_OPTIONS };
    if (cls.form === 'param') spec.param_name = REQUIRED;
    const resolved = resolveOptions<Record<string, unknown>>(cls.typeName, cfg, spec);
    assert(optimizer && Array.isArray(optimizer.paramGroups), () => `${cls.typeName}: an optimizer (with param groups) is required`);
    this.optimizer = optimizer;

    let useBetas = false;
    let paramName: string;
    if (cls.form === 'lr' || cls.form === 'weight_decay') paramName = cls.form;
    else if (cls.form === 'momentum') {
      // MomentumSchedulerMixin: SGD-like optimizers have `momentum`; Adam-like ones schedule betas[0].
      paramName = 'momentum';
      if (!('momentum' in optimizer.defaults)) {
        assert('betas' in optimizer.defaults, () => 'optimizer must support momentum when using momentum scheduler');
        useBetas = true;
        for (const group of optimizer.paramGroups) group.momentum = betasOf(group)[0];
      }
    } else {
      paramName = resolved.param_name as string;
      assert(typeof paramName === 'string' && paramName, () => `${cls.typeName}: 'param_name' must be a string`);
      delete resolved.param_name;
    }
    this.paramName = paramName;
    this.useBetas = useBetas;

    const begin = expectInt(cls.typeName, 'begin', resolved.begin);
    const end = expectInt(cls.typeName, 'end', resolved.end);
    if (end <= begin) {
      throw new Error(`${cls.typeName}: end should be larger than begin, but got begin=${begin}, end=${end}`);
    }
    this.begin = begin;
    this.end = end;
    this.byEpoch = Boolean(resolved.by_epoch);
    this.verbose = Boolean(resolved.verbose);
    this.opts = cls.prepare(resolved, optimizer, paramName) as O;

    const lastStep = resolved.last_step as number;
    assert(Number.isInteger(lastStep) && lastStep >= -1, () => `${cls.typeName}: last_step must be an integer ≥ -1, got ${lastStep}`);
    const initialKey = `initial_${paramName}`;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastStep === -1) {
        // The first scheduler of a parameter records its current value as the initial one.
        if (!(initialKey in group)) group[initialKey] = groupValue(group, paramName, i);
      } else if (!(initialKey in group)) {
        throw new Error(`param '${initialKey}' is not specified in param_groups[${i}] when resuming an optimizer`);
      }
    });
    this.baseValues = optimizer.paramGroups.map((g, i) => groupValue(g, initialKey, i));
    this.lastStep = lastStep;
    if (cls.deferredStart) {
      this.globalStep = 0;
      this.lastValue = this.currentValues();
    } else {
      this.globalStep = -1;
      this.lastValue = [];
      this.step();
    }
  }

  /** The chainable formula: the new value of each group from its current value (and `baseValues`). */
  protected abstract computeValues(): number[];

  /** Current values of the scheduled parameter, one per group. */
  protected currentValues(): number[] {
    return this.optimizer.paramGroups.map((g, i) => groupValue(g, this.paramName, i));
  }

  /** Advances one step (epoch or iteration); updates the groups when the step lies in `[begin, end)`. */
  step(_metrics?: Record<string, number>): void {
    this.globalStep += 1;
    if (this.begin <= this.globalStep && this.globalStep < this.end) {
      this.lastStep += 1;
      const values = this.computeValues();
      this.optimizer.paramGroups.forEach((group, i) => {
        if (i >= values.length) return;
        group[this.paramName] = values[i];
        if (this.verbose) schedulerLog.info(`Adjusting parameter value of group ${i} to ${formatExp(values[i], 4)}.`);
      });
    }
    this.afterStep();
    this.lastValue = this.currentValues();
  }

  /** Momentum forms on Adam-style optimizers copy the scheduled momentum into `betas[0]`. */
  protected afterStep(): void {
    if (!this.useBetas) return;
    for (const group of this.optimizer.paramGroups) group.betas = [group.momentum as number, betasOf(group)[1]];
  }

  /** The values after the last step (mmengine `get_last_value()`). */
  getLastValue(): number[] {
    return this.lastValue;
  }

  /** mmengine `state_dict()`: every attribute but the optimizer, with mmengine's key names. */
  stateDict(): SchedulerState {
    const { begin: _b, end: _e, last_step: _l, by_epoch: _be, verbose: _v, ...own } = this.opts as unknown as Record<string, unknown>;
    return {
      ...own,
      param_name: this.paramName,
      begin: this.begin,
      end: this.end,
      by_epoch: this.byEpoch,
      last_step: this.lastStep,
      base_values: [...this.baseValues],
      _global_step: this.globalStep,
      verbose: this.verbose,
      _last_value: [...this.lastValue],
    };
  }

  /** mmengine `load_state_dict()`: restores the step counters and values (as written by mmengine or `stateDict`). */
  loadStateDict(state: SchedulerState): void {
    const num = (k: string): number | undefined => (typeof state[k] === 'number' ? (state[k] as number) : undefined);
    this.lastStep = num('last_step') ?? this.lastStep;
    this.globalStep = num('_global_step') ?? this.globalStep;
    if (Array.isArray(state.base_values)) this.baseValues = (state.base_values as number[]).map(Number);
    if (Array.isArray(state._last_value)) this.lastValue = (state._last_value as number[]).map(Number);
  }
}

function betasOf(group: ParamGroup): [number, number] {
  const b = group.betas;
  assert(Array.isArray(b) && b.length === 2, () => `a param group has no 'betas' pair (got ${JSON.stringify(b)})`);
  return [Number(b[0]), Number(b[1])];
}
