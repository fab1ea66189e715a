/**
 * mmengine's `OptimWrapper` / `AmpOptimWrapper` (`mmengine/optim/optimizer/optimizer_wrapper.py`): gradient
 * accumulation (`accumulative_counts`, the loss — here the gradients — divided by the accumulation factor, the
 * last incomplete window by its remainder), `clip_grad` by norm or value before each update, and the param
 * groups schedulers drive (with `base_param_settings` appended when there are several groups).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { resolveOptions } from '../../utils/options';
import { Optimizer, type GradMap } from './optimizer';
import type { ParamGroup, ParamGroupsOwner } from './param_groups';
import { baseParamSettings } from './optim_wrapper_config';

/** `clip_grad`: `{max_norm, norm_type=2, error_if_nonfinite=false}` (type 'norm', default) or `{type: 'value', clip_value}`. */
export interface ClipGradConfig {
  type?: 'norm' | 'value';
  max_norm?: number;
  norm_type?: number | 'inf';
  error_if_nonfinite?: boolean;
  clip_value?: number;
}

export interface OptimWrapperConfig {
  /** The optimizer to drive (built by the constructor). */
  optimizer: Optimizer;
  /** Update every N `updateParams` calls, accumulating gradients. Default 1. */
  accumulative_counts?: number;
  /** Gradient clipping before each update. Default null (none). */
  clip_grad?: ClipGradConfig | null;
}

/** Where wrappers report notices (AMP fallback, accumulation caveats); tests and the UI may replace it. */
export const optimWrapperLog = { warn: (message: string): void => console.warn(message) };

/** The total `normType`-norm of all `grads` (as `clip_grad_norm_` computes it), a scalar tensor; null when none. */
function totalGradNorm(grads: Map<tf.Variable, Tensor>, normType: number | 'inf'): tf.Scalar | null {
  if (grads.size === 0) return null;
  const p = normType === 'inf' || normType === Infinity ? Infinity : Number(normType);
  return tf.tidy(() => {
    const norms = [...grads.values()].map((g) => (p === Infinity ? tf.max(tf.abs(g)) : tf.norm(g, p)));
    const stacked = tf.stack(norms);
    return (p === Infinity ? tf.max(stacked) : tf.norm(stacked, p)) as tf.Scalar;
  });
}

/** Scales `grads` (in place in the map) by `clip_grad_norm_`'s clamped coefficient for the measured `totalNorm`. */
function clipToNorm(grads: Map<tf.Variable, Tensor>, totalNorm: number, maxNorm: number, normType: number | 'inf', errorIfNonfinite: boolean): number {
  if (errorIfNonfinite && !Number.isFinite(totalNorm)) {
    throw new Error(`The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped.`);
  }
  const coef = Math.min(maxNorm / (totalNorm + 1e-6), 1.0);
  // PyTorch multiplies by the clamped coefficient (1.0 included) — a no-op we skip.
  if (coef < 1.0) {
    for (const [v, g] of grads) {
      grads.set(v, tf.mul(g, coef));
      g.dispose();
    }
  }
  return totalNorm;
}

/** `torch.nn.utils.clip_grad_norm_` over `grads` (modified in place in the map): returns the total norm. */
export function clipGradNorm(grads: Map<tf.Variable, Tensor>, maxNorm: number, normType: number | 'inf' = 2, errorIfNonfinite = false): number {
  const total = totalGradNorm(grads, normType);
  if (!total) return 0;
  const value = total.dataSync()[0];
  total.dispose();
  return clipToNorm(grads, value, maxNorm, normType, errorIfNonfinite);
}

/** {@link clipGradNorm} reading the norm asynchronously (no synchronous GPU read, which WebGPU may not survive). */
export async function clipGradNormAsync(grads: Map<tf.Variable, Tensor>, maxNorm: number, normType: number | 'inf' = 2, errorIfNonfinite = false): Promise<number> {
  const total = totalGradNorm(grads, normType);
  if (!total) return 0;
  const value = (await total.data())[0];
  total.dispose();
  return clipToNorm(grads, value, maxNorm, normType, errorIfNonfinite);
}

/** `torch.nn.utils.clip_grad_value_`: clamps every gradient to [-clipValue, clipValue]. */
export function clipGradValue(grads: Map<tf.Variable, Tensor>, clipValue: number): void {
  for (const [v, g] of grads) {
    grads.set(v, tf.clipByValue(g, -clipValue, clipValue));
    g.dispose();
  }
}

export class OptimWrapper implements ParamGroupsOwner {
  static readonly typeName: string = 'OptimWrapper';
  readonly optimizer: Optimizer;
  readonly accumulativeCounts: number;
  readonly clipGrad: ClipGradConfig | null;
  /** mmengine's `base_param_settings`: the defaults as one more group when the optimizer has several. */
  readonly baseParamSettings: ParamGroup | null;
  /** `backward` calls so far (mmengine `_inner_count`). */
  innerCount = 0;
  private maxCounts = -1;
  private remainderCounts = -1;
  /** The last gradient norm (or value bound) measured by clipping, as mmengine logs `train/grad_norm`. */
  lastGradNorm: number | null = null;
  private readonly accumulated = new Map<tf.Variable, Tensor>();

  constructor(cfg: OptimWrapperConfig & Record<string, unknown>) {
    const cls = new.target as unknown as { typeName: string; extraOptions?: Record<string, unknown> };
    const o = resolveOptions<OptimWrapperConfig & Record<string, unknown>>(cls.typeName, cfg, {
      optimizer: undefined,
      accumulative_counts: 1,
      clip_grad: null,
      ...(cls.extraOptions ?? {}),
    });
    assert(o.optimizer instanceof Optimizer, () => `${cls.typeName}: 'optimizer' must be a built optimizer`);
    assert(Number.isInteger(o.accumulative_counts) && (o.accumulative_counts as number) > 0, () => '_accumulative_counts at least greater than or equal to 1');
    this.optimizer = o.optimizer;
    this.accumulativeCounts = o.accumulative_counts as number;
    if (o.clip_grad !== null && o.clip_grad !== undefined) {
      const c = o.clip_grad;
      assert(typeof c === 'object' && Object.keys(c).length > 0, () => 'If `clip_grad` is not None, it should be a `dict` which is the arguments of `torch.nn.utils.clip_grad_norm_` or clip_grad_value_`.');
      const type = c.type ?? 'norm';
      if (type === 'norm') {
        resolveOptions('clip_grad', c as Record<string, unknown>, { type: 'norm', max_norm: undefined, norm_type: 2, error_if_nonfinite: false });
        assert(typeof c.max_norm === 'number', () => 'clip_grad: `max_norm` is required for clipping by norm');
      } else if (type === 'value') {
        resolveOptions('clip_grad', c as Record<string, unknown>, { type: 'value', clip_value: undefined });
        assert(typeof c.clip_value === 'number', () => "clip_grad: `clip_value` is required with type='value'");
      } else {
        throw new Error(`type of clip_grad should be "norm" or "value" but got ${String(type)}`);
      }
    }
    this.clipGrad = o.clip_grad ?? null;
    this.baseParamSettings = baseParamSettings(this.optimizer.paramGroups, this.optimizer.defaults);
  }

  /** The groups schedulers update: the optimizer's plus `base_param_settings` when present. */
  get paramGroups(): ParamGroup[] {
    return this.baseParamSettings ? [...this.optimizer.paramGroups, this.baseParamSettings] : this.optimizer.paramGroups;
  }

  get defaults(): Record<string, unknown> {
    return this.optimizer.defaults;
  }

  /** mmengine `get_lr()`: `{lr: [...]}` plus `base_lr` with several groups. */
  getLr(): { lr: number[]; base_lr?: number[] } {
    const out: { lr: number[]; base_lr?: number[] } = { lr: this.optimizer.paramGroups.map((g) => g.lr as number) };
    if (this.baseParamSettings) out.base_lr = [this.baseParamSettings.lr as number];
    return out;
  }

  /** mmengine `get_momentum()`: `momentum`, else `betas[0]`, else 0 per group. */
  getMomentum(): { momentum: number[] } {
    return {
      momentum: this.optimizer.paramGroups.map((g) => (typeof g.momentum === 'number' ? g.momentum : Array.isArray(g.betas) ? g.betas[0] : 0)),
    };
  }

  /** mmengine `initialize_count_status`: where counting resumes and how many updates the run has (for the last window). */
  initializeCountStatus(initCounts: number, maxCounts: number, hasBatchNorm = false): void {
    this.innerCount = initCounts;
    this.maxCounts = maxCounts;
    if (this.innerCount % this.accumulativeCounts !== 0) {
      optimWrapperLog.warn('Resumed iteration number is not divisible by `_accumulative_counts` in `GradientCumulativeOptimizerHook`, which means the gradient of some iterations is lost and the result may be influenced slightly.');
    }
    if (hasBatchNorm && this.accumulativeCounts > 1) {
      optimWrapperLog.warn('Gradient accumulative may slightly decrease performance because the model has BatchNorm layers.');
    }
    this.remainderCounts = this.maxCounts % this.accumulativeCounts;
  }

  /** mmengine `should_update`. */
  shouldUpdate(): boolean {
    return this.innerCount % this.accumulativeCounts === 0 || this.innerCount === this.maxCounts;
  }

  /** mmengine `should_sync` (single process: informative only). */
  shouldSync(): boolean {
    return (this.innerCount + 1) % this.accumulativeCounts === 0 || this.innerCount + 1 === this.maxCounts;
  }

  /** mmengine `scale_loss`'s divisor for the current iteration. */
  lossFactor(): number {
    if (this.accumulativeCounts === 1) return 1;
    if (this.maxCounts === -1) return this.accumulativeCounts;
    const factor = this.innerCount < this.maxCounts - this.remainderCounts ? this.accumulativeCounts : this.remainderCounts;
    assert(factor > 0, () => 'loss_factor should be larger than zero! This error could happened when initialize_iter_status called with an error `init_counts` or `max_counts`');
    return factor;
  }

  /**
   * `backward`: adds `grads` (of the unscaled loss) ÷ the loss factor to the accumulated gradients. With `adopt`,
   * the wrapper takes ownership of every tensor in `grads` (keeping it as the accumulated gradient where it can,
   * instead of a copy, and disposing the rest); otherwise the caller keeps them.
   */
  backward(grads: GradMap, adopt = false): void {
    const factor = this.lossFactor();
    const entries: [string | tf.Variable, Tensor][] = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
    const byVariable = new Map<tf.Variable, Tensor>();
    for (const v of this.optimizer.params()) {
      const g = grads instanceof Map ? grads.get(v) : grads[v.name];
      if (g && v.trainable) byVariable.set(v, g);
    }
    const kept = new Set<Tensor>();
    for (const [v, g] of byVariable) {
      const scaled = factor !== 1 ? tf.div(g, factor) : adopt ? g : tf.clone(g);
      const prev = this.accumulated.get(v);
      if (prev) {
        this.accumulated.set(v, tf.add(prev, scaled));
        prev.dispose();
        if (scaled !== g) scaled.dispose();
      } else {
        this.accumulated.set(v, scaled);
        if (scaled === g) kept.add(g);
      }
    }
    if (adopt) for (const [, g] of entries) if (!kept.has(g)) g.dispose();
    this.innerCount += 1;
  }

  /** `step`: clips the accumulated gradients if configured, then updates the parameters. */
  step(): void {
    const c = this.clipGrad;
    if (c && (c.type ?? 'norm') === 'norm') this.lastGradNorm = clipGradNorm(this.accumulated, c.max_norm as number, c.norm_type ?? 2, c.error_if_nonfinite ?? false);
    this.clipValueAndStep();
  }

  /** {@link step} with the gradient norm read asynchronously. */
  async stepAsync(): Promise<void> {
    const c = this.clipGrad;
    if (c && (c.type ?? 'norm') === 'norm') this.lastGradNorm = await clipGradNormAsync(this.accumulated, c.max_norm as number, c.norm_type ?? 2, c.error_if_nonfinite ?? false);
    this.clipValueAndStep();
  }

  private clipValueAndStep(): void {
    const c = this.clipGrad;
    if (c && c.type === 'value') clipGradValue(this.accumulated, c.clip_value as number);
    this.optimizer.step(this.accumulated);
  }

  /** `zero_grad`: drops the accumulated gradients. */
  zeroGrad(): void {
    for (const g of this.accumulated.values()) g.dispose();
    this.accumulated.clear();
  }

  /** `update_params`: backward, then step and zero_grad when the accumulation window is complete. Returns whether it updated. */
  updateParams(grads: GradMap, adopt = false): boolean {
    this.backward(grads, adopt);
    if (!this.shouldUpdate()) return false;
    this.step();
    this.zeroGrad();
    return true;
  }

  /** {@link updateParams} with no synchronous read (the gradient norm, when clipping, is read asynchronously). */
  async updateParamsAsync(grads: GradMap, adopt = false): Promise<boolean> {
    this.backward(grads, adopt);
    if (!this.shouldUpdate()) return false;
    await this.stepAsync();
    this.zeroGrad();
    return true;
  }

  /** Computes the gradients of `lossFn` for the trainable parameters and calls `updateParams`; returns the loss value. */
  updateParamsFromLoss(lossFn: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(lossFn, this.trainableParams());
    try {
      this.updateParams(grads, true);
      return value.dataSync()[0];
    } finally {
      value.dispose();
    }
  }

  /**
   * {@link updateParamsFromLoss} without synchronous reads of GPU memory (tfjs's WebGPU backend reads synchronously
   * through a canvas, which loses the device on some adapters): the loss and the clipping norm are awaited.
   */
  async updateParamsFromLossAsync(lossFn: () => tf.Scalar): Promise<number> {
    const { value, grads } = tf.variableGrads(lossFn, this.trainableParams());
    try {
      await this.updateParamsAsync(grads, true);
      return (await value.data())[0];
    } finally {
      value.dispose();
    }
  }

  private trainableParams(): tf.Variable[] {
    return this.optimizer.params().filter((p) => p.trainable);
  }

  /** The optimizer's state dict (mmengine saves the wrapper's as the optimizer's). */
  stateDictAsync() {
    return this.optimizer.stateDictAsync();
  }

  stateDict() {
    return this.optimizer.stateDict();
  }

  loadStateDict(sd: Parameters<Optimizer['loadStateDict']>[0]): void {
    this.optimizer.loadStateDict(sd);
  }

  dispose(): void {
    this.zeroGrad();
    this.optimizer.dispose();
  }
}

/**
 * `AmpOptimWrapper`: accepted so MMPretrain's AMP configs run; tfjs has no fp16 autocast/GradScaler here,
 * so it trains in fp32 and says so once.
 */
export class AmpOptimWrapper extends OptimWrapper {
  static override readonly typeName: string = 'AmpOptimWrapper';
  static readonly extraOptions = { loss_scale: 'dynamic', dtype: null, use_fsdp: false };
  constructor(cfg: OptimWrapperConfig & Record<string, unknown>) {
    super(cfg);
    optimWrapperLog.warn('AmpOptimWrapper: mixed precision (fp16/bf16) is not available on this backend; training in fp32 (loss_scale and dtype ignored).');
  }
}
