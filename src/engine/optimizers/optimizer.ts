/**
 * The base of the tfjs optimizers, shaped like `torch.optim.Optimizer`: `paramGroups` (plain data that the
 * parameter schedulers update), `defaults`, per-parameter `state`, `step(grads)`, `stateDict()` /
 * `loadStateDict()` in PyTorch's layout (parameters numbered across groups in order). Gradients are passed to
 * `step` (tfjs computes them with `tf.variableGrads`): a `Map<Variable, Tensor>` or a map keyed by `variable.name`.
 * Every update runs inside `tf.tidy`; replaced state tensors are disposed, so tensor counts stay flat.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { fillGroup, optimizerDefaults } from './defaults';
import type { ParamGroup, ParamGroupsOwner } from './param_groups';

/** Gradients by variable, or by `variable.name` (what `tf.variableGrads` returns). */
export type GradMap = Map<tf.Variable, Tensor> | Record<string, Tensor>;

/** A parameter's optimizer state: tensors (moment buffers) and numbers (`step`). */
export type ParamState = Record<string, Tensor | number>;

/** A tensor in a state dict, framework-neutral (a checkpoint writer turns it into a torch tensor). */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

/** PyTorch's `optimizer.state_dict()`: state by parameter index, groups with `params` as index lists. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateTensor | number>>;
  param_groups: Record<string, unknown>[];
}

/** A parameter with its gradient and state, as handed to `updateGroup`. */
export interface StepItem {
  param: tf.Variable;
  grad: Tensor;
  state: ParamState;
}

/** Constructor config: `params` (variables or groups) plus the optimizer's options. */
export interface OptimizerConfig {
  params: tf.Variable[] | ParamGroup<tf.Variable>[];
  [option: string]: unknown;
}

export abstract class Optimizer implements ParamGroupsOwner {
  /** Registry name (`SGD`, `AdamW`, …); explicit so minified bundles keep it. */
  static readonly typeName: string = 'Optimizer';
  readonly typeName: string;
  readonly defaults: Record<string, unknown>;
  readonly paramGroups: ParamGroup<tf.Variable>[] = [];
  readonly state = new Map<tf.Variable, ParamState>();

  constructor(cfg: OptimizerConfig) {
    const cls = new.target as unknown as { typeName: string };
    this.typeName = cls.typeName;
    assert(cfg && typeof cfg === 'object', () => `${this.typeName}: a config with 'params' is required`);
    const { params, ...options } = cfg;
    this.defaults = optimizerDefaults(this.typeName, options);
    assert(Array.isArray(params), () => `${this.typeName}: params must be a list of variables or param groups`);
    assert(params.length > 0, () => `${this.typeName}: optimizer got an empty parameter list`);
    const groups: ParamGroup<tf.Variable>[] = isGroupList(params) ? params : [{ params }];
    for (const g of groups) this.addParamGroup(g);
  }

  /** PyTorch `add_param_group`: fills the group from the defaults; a parameter may belong to one group only. */
  addParamGroup(group: ParamGroup<tf.Variable>): void {
    const params = group.params ?? [];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params ?? []));
    for (const p of params) {
      assert(p instanceof tf.Variable, () => `${this.typeName}: can only optimize tf.Variable parameters, got ${String(p)}`);
      assert(!seen.has(p), () => `${this.typeName}: some parameters appear in more than one parameter group (${p.name})`);
      seen.add(p);
    }
    this.paramGroups.push(fillGroup(group, this.defaults));
  }

  /** Every parameter, groups in order. */
  params(): tf.Variable[] {
    return this.paramGroups.flatMap((g) => g.params ?? []);
  }

  /** Applies one update with `grads`; parameters without a gradient (or frozen) are left alone. */
  step(grads: GradMap): void {
    const lookup = gradLookup(grads);
    const perGroup = this.paramGroups.map((group) =>
      (group.params ?? [])
        .filter((p) => p.trainable)
        .map((param) => ({ param, grad: lookup(param) }))
        .filter((x): x is { param: tf.Variable; grad: Tensor } => x.grad !== undefined)
        .map(({ param, grad }) => ({ param, grad, state: this.stateOf(param) })),
    );
    const ctx = this.beginStep(perGroup.flat());
    this.paramGroups.forEach((group, i) => {
      if (perGroup[i].length > 0) this.updateGroup(group, perGroup[i], ctx);
    });
    this.endStep(ctx);
  }

  /** Whole-step preparation (LAMB's global gradient norm); the result is passed to each `updateGroup`. */
  protected beginStep(_items: StepItem[]): unknown {
    return undefined;
  }

  protected endStep(ctx: unknown): void {
    if (ctx instanceof tf.Tensor) ctx.dispose();
  }

  /** Updates the parameters of one group (PyTorch's per-group loop body). */
  protected abstract updateGroup(group: ParamGroup<tf.Variable>, items: StepItem[], ctx: unknown): void;

  protected stateOf(param: tf.Variable): ParamState {
    let s = this.state.get(param);
    if (!s) this.state.set(param, (s = {}));
    return s;
  }

  /**
   * Computes `fn()` in a tidy scope and stores the returned tensors: `param` is assigned, state keys replaced
   * (their previous tensors disposed).
   */
  protected commit(item: StepItem, fn: () => { param: Tensor; state?: Record<string, Tensor> }): void {
    const out = tf.tidy(() => {
      const r = fn();
      return { param: r.param, ...(r.state ?? {}) } as Record<string, Tensor>;
    });
    const { param, ...state } = out;
    item.param.assign(param);
    param.dispose();
    for (const [k, t] of Object.entries(state)) {
      const old = item.state[k];
      if (old instanceof tf.Tensor) old.dispose();
      item.state[k] = t;
    }
  }

  /** {@link stateDict} with every state tensor read asynchronously first (no synchronous GPU read). */
  async stateDictAsync(): Promise<OptimizerStateDict> {
    const tensors = [...this.state.values()].flatMap((s) => Object.values(s).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    await Promise.all(tensors.map((t) => t.data()));
    return this.stateDict();
  }

  /** PyTorch `state_dict()`. */
  stateDict(): OptimizerStateDict {
    const index = new Map(this.params().map((p, i) => [p, i] as const));
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, v instanceof tf.Tensor ? { shape: [...v.shape], data: Float32Array.from(v.dataSync()) } : v]),
      );
    }
    const param_groups = this.paramGroups.map((g) => {
      const { params, ...rest } = g;
      return { ...rest, params: (params ?? []).map((p) => index.get(p) as number) };
    });
    return { state, param_groups };
  }

  /** PyTorch `load_state_dict()`: hyper-parameters (including `initial_lr`) and state, matched by index. */
  loadStateDict(sd: OptimizerStateDict): void {
    assert(sd.param_groups.length === this.paramGroups.length, () => `${this.typeName}: loaded state dict has ${sd.param_groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    const params = this.params();
    sd.param_groups.forEach((g, i) => {
      const n = (g.params as number[] | undefined)?.length ?? 0;
      const own = this.paramGroups[i].params?.length ?? 0;
      assert(n === own, () => `${this.typeName}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (${n} vs ${own})`);
      const { params: _p, ...rest } = g;
      Object.assign(this.paramGroups[i], rest);
    });
    this.disposeState();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = params[Number(k)];
      assert(p, () => `${this.typeName}: state for parameter ${k}, but the optimizer has ${params.length}`);
      const entry: ParamState = {};
      for (const [name, v] of Object.entries(s)) {
        if (typeof v === 'number') entry[name] = v;
        else {
          assert(v.data.length === p.size || name === 'step', () => `${this.typeName}: state '${name}' of parameter ${k} has ${v.data.length} values, the parameter ${p.size}`);
          entry[name] = v.shape.length === 0 && name === 'step' ? v.data[0] : tf.tensor(v.data, v.shape.length ? v.shape : p.shape);
        }
      }
      this.state.set(p, entry);
    }
  }

  /** Releases the state tensors (not the parameters). */
  disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof tf.Tensor) v.dispose();
    this.state.clear();
  }

  dispose(): void {
    this.disposeState();
  }
}

function isGroupList(params: unknown[]): params is ParamGroup<tf.Variable>[] {
  return params.length > 0 && !(params[0] instanceof tf.Variable) && typeof params[0] === 'object' && params[0] !== null && 'params' in params[0];
}

function gradLookup(grads: GradMap): (p: tf.Variable) => Tensor | undefined {
  if (grads instanceof Map) return (p) => grads.get(p);
  return (p) => grads[p.name];
}

/** A group's numeric option. */
export function num(group: ParamGroup, key: string): number {
  return group[key] as number;
}
