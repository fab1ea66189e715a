/**
 * Reads an `optim_wrapper` config as mmengine's `build_optim_wrapper` does: `constructor` (default
 * `DefaultOptimWrapperConstructor`), `paramwise_cfg`, the wrapper `type` (default `OptimWrapper`) with its
 * options, and `optimizer`. Also derives the param groups of a model without building tensors (simulations).
 */
import { assert } from '../../utils/assert';
import { fillGroup, optimizerDefaults } from './defaults';
import type { ParamGroup, ParamGroupsOwner } from './param_groups';
import { layerDecayGroups, paramwiseGroups, type LayerDecayConfig, type LayerDepthFn, type ModuleLike, type ParamLike, type ParamwiseConfig } from './paramwise';

export interface OptimWrapperConfigParts {
  constructorType: string;
  paramwiseCfg: ParamwiseConfig | null;
  /** `OptimWrapper` or `AmpOptimWrapper`. */
  wrapperType: string;
  /** Wrapper options (`clip_grad`, `accumulative_counts`, `loss_scale`, `dtype`, …). */
  wrapperOptions: Record<string, unknown>;
  /** `optimizer` dict, including its `type`. */
  optimizerCfg: Record<string, unknown> & { type: string };
}

export function splitOptimWrapperConfig(cfg: Record<string, unknown> | null | undefined): OptimWrapperConfigParts {
  assert(cfg && typeof cfg === 'object', () => `optim_wrapper must be a dict, got ${JSON.stringify(cfg)}`);
  const { constructor, paramwise_cfg, type, optimizer, ...wrapperOptions } = cfg as Record<string, unknown>;
  assert(optimizer && typeof optimizer === 'object', () => '`optim_wrapper_cfg` must contain "optimizer" config');
  const optimizerCfg = optimizer as Record<string, unknown> & { type: string };
  assert(typeof optimizerCfg.type === 'string', () => `optim_wrapper.optimizer needs a 'type' (e.g. 'SGD'), got ${JSON.stringify(optimizer)}`);
  return {
    constructorType: typeof constructor === 'string' ? constructor : 'DefaultOptimWrapperConstructor',
    paramwiseCfg: (paramwise_cfg as ParamwiseConfig | null | undefined) ?? null,
    wrapperType: typeof type === 'string' ? type : 'OptimWrapper',
    wrapperOptions,
    optimizerCfg,
  };
}

/**
 * The optimizer's param groups for `model` as `DefaultOptimWrapperConstructor` would make them: one group of
 * every parameter without `paramwise_cfg`, else one group per parameter; each filled with the defaults.
 * With `constructor='LearningRateDecayOptimWrapperConstructor'`, MMPretrain's layer-wise lr decay grouping
 * (the model's `getLayerDepth`, else `opts.fallbackLayerDepth`).
 */
export function constructParamGroups<P extends ParamLike>(
  model: ModuleLike<P>,
  parts: OptimWrapperConfigParts,
  opts: { fallbackLayerDepth?: LayerDepthFn } = {},
): { groups: ParamGroup<P>[]; defaults: Record<string, unknown> } {
  const { type, ...optimizerArgs } = parts.optimizerCfg;
  const defaults = optimizerDefaults(type, optimizerArgs);
  const paramwise = parts.paramwiseCfg && Object.keys(parts.paramwiseCfg).length > 0 ? parts.paramwiseCfg : null;
  const baseLr = (optimizerArgs.lr as number | undefined) ?? null;
  const baseWd = (optimizerArgs.weight_decay as number | undefined) ?? null;
  let raw: ParamGroup<P>[];
  if (parts.constructorType === 'LearningRateDecayOptimWrapperConstructor') {
    const depth = model.getLayerDepth?.bind(model) ?? opts.fallbackLayerDepth;
    raw = layerDecayGroups(model, (parts.paramwiseCfg ?? {}) as LayerDecayConfig, defaults.lr as number, baseWd, depth);
  } else if (paramwise) {
    raw = paramwiseGroups(model, paramwise, baseLr, baseWd);
  } else {
    raw = [{ params: model.namedParameters('').map(([, p]) => p) }];
  }
  return { groups: raw.map((g) => fillGroup(g, defaults)), defaults };
}

/** mmengine's `base_param_settings`: with several groups, a wrapper exposes one more holding the defaults. */
export function baseParamSettings(groups: ParamGroup[], defaults: Record<string, unknown>): ParamGroup | null {
  return groups.length > 1 ? fillGroup({ params: [] }, defaults) : null;
}

/** A tensor-free stand-in for an optimizer wrapper: the groups schedulers update, nothing else. */
export class SimulatedOptimWrapper implements ParamGroupsOwner {
  readonly base: ParamGroup | null;
  constructor(
    readonly optimizerGroups: ParamGroup[],
    readonly defaults: Record<string, unknown>,
  ) {
    this.base = baseParamSettings(optimizerGroups, defaults);
  }
  get paramGroups(): ParamGroup[] {
    return this.base ? [...this.optimizerGroups, this.base] : this.optimizerGroups;
  }
}

/** The model `vis_scheduler.py` trains: `SimpleModel` (an identity preprocessor and `Conv2d(1, 1, 1)`). */
export function visSchedulerModel(): ModuleLike {
  const leaf = (names: string[], params: [string, ParamLike][], extra: Partial<ModuleLike> = {}): ModuleLike => ({
    typeNames: () => names,
    namedChildren: () => [],
    namedParameters: (prefix = '') => params.map(([n, p]) => [prefix ? `${prefix}.${n}` : n, p]),
    ...extra,
  });
  const conv = leaf(['Conv2d', '_ConvNd'], [['weight', { shape: [1, 1, 1, 1] }], ['bias', { shape: [1] }]], { inChannels: 1, groups: 1 });
  const pre = leaf(['Identity'], []);
  const children: [string, ModuleLike][] = [['data_preprocessor', pre], ['conv', conv]];
  return {
    typeNames: () => ['SimpleModel'],
    namedChildren: () => children,
    namedParameters: (prefix = '') => conv.namedParameters(prefix ? `${prefix}.conv` : 'conv'),
  };
}
