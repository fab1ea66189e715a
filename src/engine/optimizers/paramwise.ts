/**
 * Parameter grouping of mmengine's `DefaultOptimWrapperConstructor.add_params` as a pure function over a
 * module tree: `custom_keys` (longest key first, then alphabetical; `lr_mult` / `decay_mult` and any other key
 * copied into the group), `bias_lr_mult`, `norm_decay_mult`, `bias_decay_mult`, `dwconv_decay_mult`,
 * `flat_decay_mult`, `bypass_duplicate`; frozen parameters skipped. One group per parameter, as mmengine.
 */
import { resolveOptions } from '../../utils/options';
import type { ParamGroup } from './param_groups';

/** A parameter: anything with a shape (tfjs variables qualify); `trainable: false` means `requires_grad=False`. */
export interface ParamLike {
  readonly shape: readonly number[];
  trainable?: boolean;
}

/** The module structure the grouping needs (the model's `Module` satisfies it). */
export interface ModuleLike<P extends ParamLike = ParamLike> {
  /** Class names, most specific first (`['BatchNorm2d', '_BatchNorm']`, `['Conv2d', '_ConvNd']`). */
  typeNames(): string[];
  namedChildren(): [string, ModuleLike<P>][];
  /** Every parameter below, own ones named without a dot. */
  namedParameters(prefix?: string): [string, P][];
  /** Conv2d only: input channels and groups (depthwise when equal, as mmengine tests). */
  readonly inChannels?: number;
  readonly groups?: number;
  /** Layer-wise lr decay models (ViT, Swin, ConvNeXt classifiers): `[layer_id, max_id]` of a parameter. */
  getLayerDepth?(paramName: string): [number, number];
}

/** `paramwise_cfg` keys (mmengine names); each multiplier defaults to "not set". */
export interface ParamwiseConfig {
  custom_keys?: Record<string, Record<string, number>>;
  bias_lr_mult?: number;
  bias_decay_mult?: number;
  norm_decay_mult?: number;
  dwconv_decay_mult?: number;
  flat_decay_mult?: number;
  /** Skip a parameter already in a group (shared parameters) instead of failing. Default false. */
  bypass_duplicate?: boolean;
  /** Accepted for mmcv's deformable convs (none here). */
  dcn_offset_lr_mult?: number;
}

const PARAMWISE_SPEC = {
  custom_keys: {},
  bias_lr_mult: null,
  bias_decay_mult: null,
  norm_decay_mult: null,
  dwconv_decay_mult: null,
  flat_decay_mult: null,
  bypass_duplicate: false,
  dcn_offset_lr_mult: null,
  // Some MMPretrain configs (twins) write `_delete=True` inside paramwise_cfg; mmengine ignores it.
  _delete: null,
  _delete_: null,
};

const NORM_TYPES = new Set(['_BatchNorm', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', '_InstanceNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'GroupNorm', 'LayerNorm', 'LayerNorm2d']);

/** mmengine's norm test: `_BatchNorm`, `_InstanceNorm`, `GroupNorm` or `LayerNorm`. */
export function isNormModule(m: ModuleLike): boolean {
  return m.typeNames().some((t) => NORM_TYPES.has(t));
}

/** mmengine's depthwise test: an `nn.Conv2d` whose `in_channels == groups`. */
export function isDwConvModule(m: ModuleLike): boolean {
  return m.typeNames().includes('Conv2d') && m.inChannels !== undefined && m.inChannels === m.groups;
}

/** Messages mmengine logs while grouping (skipped parameters, the options of each one). */
export interface GroupingLog {
  warn(message: string): void;
  info?(message: string): void;
}

/**
 * `add_params` from the root: returns one group per trainable parameter, carrying `lr` / `weight_decay` (and
 * custom keys) only where a rule applies; the optimizer fills the rest from its defaults.
 */
export function paramwiseGroups<P extends ParamLike>(
  model: ModuleLike<P>,
  paramwiseCfg: ParamwiseConfig,
  baseLr: number | null,
  baseWd: number | null,
  log: GroupingLog = { warn: (m) => console.warn(m) },
): ParamGroup<P>[] {
  const cfg = resolveOptions<Required<{ [K in keyof ParamwiseConfig]: ParamwiseConfig[K] | null }>>('paramwise_cfg', paramwiseCfg as Record<string, unknown>, PARAMWISE_SPEC);
  validateParamwise(cfg, baseWd);
  const customKeys = cfg.custom_keys ?? {};
  // First alphabetical, then by length (longest first): Python's two stable sorts.
  const sortedKeys = Object.keys(customKeys).sort().sort((a, b) => b.length - a.length);
  const groups: ParamGroup<P>[] = [];
  const seen = new Set<P>();

  const visit = (module: ModuleLike<P>, prefix: string): void => {
    const isNorm = isNormModule(module);
    const isDw = isDwConvModule(module);
    const own = module.namedParameters('').filter(([n]) => !n.includes('.'));
    for (const [name, param] of own) {
      const fullName = prefix ? `${prefix}.${name}` : name;
      if (cfg.bypass_duplicate && seen.has(param)) {
        log.warn(`${prefix} is duplicate. It is skipped since bypass_duplicate=true`);
        continue;
      }
      if (param.trainable === false) {
        log.warn(`${prefix}.${name} is skipped since its requires_grad=False`);
        continue;
      }
      const group: ParamGroup<P> = { params: [param] };
      // mmengine matches custom keys against `${prefix}.${name}` (a leading dot at the root).
      const matchName = `${prefix}.${name}`;
      const key = sortedKeys.find((k) => matchName.includes(k));
      if (key !== undefined) {
        const custom = customKeys[key];
        group.lr = (baseLr as number) * (custom.lr_mult ?? 1);
        if (baseWd !== null) group.weight_decay = baseWd * (custom.decay_mult ?? 1);
        Object.assign(group, custom);
      } else {
        if (name === 'bias' && !isNorm && cfg.bias_lr_mult !== null) group.lr = (baseLr as number) * cfg.bias_lr_mult;
        if (baseWd !== null) {
          if (isNorm && cfg.norm_decay_mult !== null) group.weight_decay = baseWd * cfg.norm_decay_mult;
          else if (name === 'bias' && cfg.bias_decay_mult !== null) group.weight_decay = baseWd * cfg.bias_decay_mult;
          else if (isDw && cfg.dwconv_decay_mult !== null) group.weight_decay = baseWd * cfg.dwconv_decay_mult;
          else if (param.shape.length === 1 && cfg.flat_decay_mult !== null) group.weight_decay = baseWd * cfg.flat_decay_mult;
        }
      }
      seen.add(param);
      groups.push(group);
      for (const [k, v] of Object.entries(group)) if (k !== 'params') log.info?.(`paramwise_options -- ${fullName}:${k}=${v}`);
    }
    for (const [childName, child] of module.namedChildren()) visit(child, prefix ? `${prefix}.${childName}` : childName);
  };
  visit(model, '');
  return groups;
}

function validateParamwise(cfg: { [K in keyof ParamwiseConfig]?: ParamwiseConfig[K] | null }, baseWd: number | null): void {
  const custom = cfg.custom_keys;
  if (custom !== null && custom !== undefined) {
    if (typeof custom !== 'object' || Array.isArray(custom)) throw new Error(`If specified, custom_keys must be a dict, but got ${JSON.stringify(custom)}`);
    if (baseWd === null) {
      for (const k of Object.keys(custom)) if ('decay_mult' in custom[k]) throw new Error(`paramwise_cfg.custom_keys['${k}'] sets decay_mult: base_wd should not be None (set optimizer.weight_decay)`);
    }
  }
  if (baseWd === null && (cfg.bias_decay_mult != null || cfg.norm_decay_mult != null || cfg.dwconv_decay_mult != null)) {
    throw new Error('paramwise_cfg sets a decay multiplier: base_wd should not be None (set optimizer.weight_decay)');
  }
}

/** `paramwise_cfg` of MMPretrain's `LearningRateDecayOptimWrapperConstructor`. */
export interface LayerDecayConfig {
  /** lr × rate^(max_id − layer_id − 1) per parameter. Default 1. */
  layer_decay_rate?: number;
  bias_decay_mult?: number;
  norm_decay_mult?: number;
  flat_decay_mult?: number;
  /** Only `decay_mult` (and extra group keys) apply; `lr_mult` is disabled in this constructor. */
  custom_keys?: Record<string, Record<string, number>>;
}

/** A model that tells each parameter's layer: `[layer_id, max_id]` (MMPretrain `get_layer_depth`). */
export type LayerDepthFn = (paramName: string) => [number, number];

/**
 * MMPretrain's `LearningRateDecayOptimWrapperConstructor.add_params`: every trainable parameter gets
 * `lr = base_lr × layer_decay_rate^(max_id − layer_id − 1)` (with `lr_scale`, `layer_id`, `param_name` recorded)
 * and, when the optimizer has a weight decay, an explicit `weight_decay` from custom keys, norm, bias or flat rules.
 */
export function layerDecayGroups<P extends ParamLike>(
  model: ModuleLike<P>,
  paramwiseCfg: LayerDecayConfig,
  baseLr: number,
  baseWd: number | null,
  getLayerDepth: LayerDepthFn | undefined,
): ParamGroup<P>[] {
  const cfg = resolveOptions<{ [K in keyof LayerDecayConfig]-?: LayerDecayConfig[K] | null }>('paramwise_cfg', paramwiseCfg as Record<string, unknown>, {
    layer_decay_rate: 1.0,
    bias_decay_mult: null,
    norm_decay_mult: null,
    flat_decay_mult: null,
    custom_keys: {},
  });
  if (!getLayerDepth) {
    throw new Error(`The layer-wise learning rate decay need the model ${model.typeNames()[0]} has \`get_layer_depth\` method.`);
  }
  const customKeys = cfg.custom_keys ?? {};
  const sortedKeys = Object.keys(customKeys).sort().sort((a, b) => b.length - a.length);
  const rate = cfg.layer_decay_rate as number;
  const groups: ParamGroup<P>[] = [];
  const visit = (module: ModuleLike<P>, prefix: string): void => {
    const isNorm = isNormModule(module);
    for (const [name, param] of module.namedParameters('').filter(([n]) => !n.includes('.'))) {
      if (param.trainable === false) continue;
      const paramName = prefix + name;
      const group: ParamGroup<P> = { params: [param] };
      if (baseWd !== null) {
        const key = sortedKeys.find((k) => paramName.includes(k));
        if (key !== undefined) {
          const { decay_mult = 1.0, ...rest } = customKeys[key];
          group.weight_decay = baseWd * decay_mult;
          Object.assign(group, rest);
        } else if (isNorm && cfg.norm_decay_mult !== null) group.weight_decay = baseWd * (cfg.norm_decay_mult as number);
        else if (name === 'bias' && cfg.bias_decay_mult !== null) group.weight_decay = baseWd * (cfg.bias_decay_mult as number);
        else if (param.shape.length === 1 && cfg.flat_decay_mult !== null) group.weight_decay = baseWd * (cfg.flat_decay_mult as number);
        else group.weight_decay = baseWd;
      }
      const [layerId, maxId] = getLayerDepth(paramName);
      const scale = rate ** (maxId - layerId - 1);
      Object.assign(group, { lr: baseLr * scale, lr_scale: scale, layer_id: layerId, param_name: paramName });
      groups.push(group);
    }
    for (const [childName, child] of module.namedChildren()) visit(child, `${prefix}${childName}.`);
  };
  visit(model, '');
  return groups;
}
