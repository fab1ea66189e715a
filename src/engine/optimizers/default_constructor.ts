/**
 * mmengine's `DefaultOptimWrapperConstructor` and `build_optim_wrapper`: the optimizer is built from
 * `optim_wrapper.optimizer` over the model's parameters (one group, or one per parameter under `paramwise_cfg`),
 * then wrapped in `optim_wrapper.type` (`OptimWrapper` by default).
 */
import type { tf } from '../../backends/tf';
import { OPTIMIZERS, OPTIM_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS } from '../../registry';
import { assert } from '../../utils/assert';
import type { OptimWrapper } from './optim_wrapper';
import type { Optimizer } from './optimizer';
import { constructParamGroups, splitOptimWrapperConfig } from './optim_wrapper_config';
import type { ModuleLike, ParamwiseConfig } from './paramwise';

export interface OptimWrapperConstructorConfig {
  /** The `optim_wrapper` config without `constructor` and `paramwise_cfg`. Required. */
  optim_wrapper_cfg: Record<string, unknown>;
  /** Per-parameter rules. Default null. */
  paramwise_cfg?: ParamwiseConfig | null;
}

export class DefaultOptimWrapperConstructor {
  static readonly typeName: string = 'DefaultOptimWrapperConstructor';
  readonly optimWrapperCfg: Record<string, unknown>;
  readonly paramwiseCfg: ParamwiseConfig | null;

  constructor(cfg: OptimWrapperConstructorConfig) {
    const { optim_wrapper_cfg, paramwise_cfg, ...rest } = cfg;
    assert(Object.keys(rest).length === 0, () => `DefaultOptimWrapperConstructor: unknown option(s) ${Object.keys(rest).join(', ')}`);
    assert(optim_wrapper_cfg && typeof optim_wrapper_cfg === 'object', () => `optimizer_cfg should be a dict, but got ${JSON.stringify(optim_wrapper_cfg)}`);
    assert('optimizer' in optim_wrapper_cfg, () => '`optim_wrapper_cfg` must contain "optimizer" config');
    assert(paramwise_cfg === null || paramwise_cfg === undefined || (typeof paramwise_cfg === 'object' && !Array.isArray(paramwise_cfg)), () => `paramwise_cfg should be None or a dict, but got ${JSON.stringify(paramwise_cfg)}`);
    this.optimWrapperCfg = optim_wrapper_cfg;
    this.paramwiseCfg = paramwise_cfg ?? null;
  }

  /** Builds the optimizer wrapper for `model` (mmengine's `__call__`). */
  build(model: ModuleLike<tf.Variable>): OptimWrapper {
    const typeName = (this.constructor as typeof DefaultOptimWrapperConstructor).typeName;
    const parts = { ...splitOptimWrapperConfig({ ...this.optimWrapperCfg, paramwise_cfg: this.paramwiseCfg }), constructorType: typeName };
    // Validates the optimizer type by the registry first, for its "did you mean" message.
    OPTIMIZERS.get(parts.optimizerCfg.type);
    const { groups } = constructParamGroups(model, parts);
    // The groups are already filled from the optimizer's defaults, as PyTorch's add_param_group would.
    const { type, ...optimizerArgs } = parts.optimizerCfg;
    const params = groups;
    const optimizer = OPTIMIZERS.build<Optimizer>({ type, ...optimizerArgs, params });
    return OPTIM_WRAPPERS.build<OptimWrapper>({ type: parts.wrapperType, ...parts.wrapperOptions, optimizer });
  }
}

/** MMPretrain's layer-wise lr decay constructor (grouping by `model.getLayerDepth`, see `layerDecayGroups`). */
export class LearningRateDecayOptimWrapperConstructor extends DefaultOptimWrapperConstructor {
  static override readonly typeName: string = 'LearningRateDecayOptimWrapperConstructor';
}

/** mmengine `build_optim_wrapper(model, cfg)`: picks `cfg.constructor` (default `DefaultOptimWrapperConstructor`). */
export function buildOptimWrapper(model: ModuleLike<tf.Variable>, cfg: Record<string, unknown>): OptimWrapper {
  const parts = splitOptimWrapperConfig(cfg);
  const { constructor: _c, paramwise_cfg: _p, ...optimWrapperCfg } = cfg;
  const ctor = OPTIM_WRAPPER_CONSTRUCTORS.build<DefaultOptimWrapperConstructor>({
    type: parts.constructorType,
    optim_wrapper_cfg: optimWrapperCfg,
    paramwise_cfg: parts.paramwiseCfg,
  });
  return ctor.build(model);
}
