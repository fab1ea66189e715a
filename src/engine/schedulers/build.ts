/**
 * Builds parameter schedulers from `param_scheduler` configs as mmengine's runner does
 * (`Runner._build_param_scheduler` + `build_scheduler_from_cfg`): a dict or a list of dicts, built in config
 * order (each applies its first value when built), `end` defaulting to the train loop's max epochs / iters,
 * and `convert_to_iter_based=True` turning an epoch-based config into an iteration-based scheduler.
 */
import { PARAM_SCHEDULERS } from '../../registry';
import { assert } from '../../utils/assert';
import type { ParamGroupsOwner } from '../optimizers/param_groups';
import type { ParamScheduler, SchedulerClass } from './param_scheduler';

export interface SchedulerBuildContext {
  /** Iterations per epoch (`len(train_dataloader)`); needed by `convert_to_iter_based`. */
  epochLength?: number;
  /** The train loop's max epochs: default `end` of `by_epoch` schedulers (omit when no loop is built). */
  maxEpochs?: number;
  /** The train loop's max iterations: default `end` of iteration-based schedulers. */
  maxIters?: number;
}

/** A `param_scheduler` config value: one dict or a list of dicts (null/undefined: none). */
export type ParamSchedulerConfig = Record<string, unknown> | Record<string, unknown>[] | null | undefined;

/** The config as a list (mmengine accepts one dict or a sequence). */
export function schedulerConfigList(cfg: ParamSchedulerConfig): Record<string, unknown>[] {
  if (cfg === null || cfg === undefined) return [];
  return Array.isArray(cfg) ? cfg : [cfg];
}

/** Looks up a scheduler class by `type` (a registered name or the class itself). */
export function schedulerClass(type: unknown): SchedulerClass {
  if (typeof type === 'function') return type as unknown as SchedulerClass;
  assert(typeof type === 'string', () => `param_scheduler: 'type' must be a string, got ${JSON.stringify(type)}`);
  const entry = PARAM_SCHEDULERS.get(type);
  assert(entry.kind === 'class', () => `param_scheduler: '${type}' is not a scheduler class`);
  return entry.ctor as unknown as SchedulerClass;
}

/** The options a scheduler config is built with once `end` is defaulted and `convert_to_iter_based` applied. */
export function effectiveSchedulerOptions(
  cfg: Record<string, unknown>,
  ctx: SchedulerBuildContext = {},
  /** Apply the epoch → iteration conversion to the returned options (false: leave it to `buildIterFromEpoch`). */
  applyConversion = true,
): { cls: SchedulerClass; options: Record<string, unknown>; converted: boolean } {
  assert(cfg && typeof cfg === 'object' && !Array.isArray(cfg), () => `param_scheduler: each scheduler must be a dict, got ${JSON.stringify(cfg)}`);
  const { type, convert_to_iter_based, ...args } = cfg;
  assert(type !== undefined, () => `param_scheduler: a scheduler config needs a 'type', got ${JSON.stringify(cfg)}`);
  const cls = schedulerClass(type);
  const byEpoch = (args.by_epoch ?? true) as boolean;
  const defaultEnd = byEpoch ? ctx.maxEpochs : ctx.maxIters;
  if (args.end === undefined && defaultEnd !== undefined) args.end = defaultEnd;
  if (!convert_to_iter_based) return { cls, options: args, converted: false };
  const L = ctx.epochLength;
  assert(
    L !== undefined && byEpoch,
    () => `${cls.typeName}: Only epoch-based parameter scheduler can be converted to iter-based, and \`epoch_length\` should be set`,
  );
  assert(Number.isInteger(L) && L > 0, () => `${cls.typeName}: \`epoch_length\` must be a positive integer, but got ${L}.`);
  return { cls, options: applyConversion ? cls.convertEpochOptions(args, L) : args, converted: true };
}

/** Builds one scheduler on `optimizer` (which it updates at once with its first value). */
export function buildParamScheduler(cfg: Record<string, unknown>, optimizer: ParamGroupsOwner, ctx: SchedulerBuildContext = {}): ParamScheduler {
  const { cls, options, converted } = effectiveSchedulerOptions(cfg, ctx, false);
  return converted ? cls.buildIterFromEpoch(options, optimizer, ctx.epochLength as number) : new cls(options, optimizer);
}

/** Builds every scheduler of a `param_scheduler` config, in config order. */
export function buildParamSchedulers(cfg: ParamSchedulerConfig, optimizer: ParamGroupsOwner, ctx: SchedulerBuildContext = {}): ParamScheduler[] {
  return schedulerConfigList(cfg).map((c) => buildParamScheduler(c, optimizer, ctx));
}
