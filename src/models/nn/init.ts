/**
 * Weight initialisation as mmengine's `init_cfg`: `Kaiming`, `Constant`, `Normal`, `TruncNormal`, `Xavier`,
 * `Uniform` (with `layer`, `override`, `bias`, `bias_prob`) and `Pretrained` (loaded last), plus PyTorch's
 * construction-time defaults for layers without an `init_cfg`. Every draw comes from a seeded `Generator`.
 */
import { tf } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { AnyModule } from './module';
import { Generator } from '../../utils/random';
import type { LoadReport, StateDict } from './state_dict';

/** One `init_cfg` dict (or a list of them). */
export interface InitCfg {
  type: string;
  layer?: string | string[];
  override?: InitCfg | (Partial<InitCfg> & { name: string }) | (Partial<InitCfg> & { name: string })[];
  [key: string]: unknown;
}

/** `fan_in`, `fan_out` of a PyTorch-layout weight (as `torch.nn.init._calculate_fan_in_and_fan_out`). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  assert(shape.length >= 2, () => `fan in/out need a weight with ≥ 2 dimensions, got shape [${shape}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function gainOf(nonlinearity: string, a = 0): number {
  switch (nonlinearity) {
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + a * a));
    case 'tanh':
      return 5 / 3;
    case 'selu':
      return 0.75;
    default:
      return 1; // linear, conv*, sigmoid
  }
}

function setVar(v: tf.Variable, data: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
}

function fill(v: tf.Variable, value: number): void {
  tf.tidy(() => v.assign(tf.fill(v.shape, value)));
}

/** A module's `weight` / `bias` parameters when it has them. */
function weightAndBias(m: AnyModule): { weight?: tf.Variable; bias?: tf.Variable } {
  return { weight: m.hasParam('weight') ? m.param('weight') : undefined, bias: m.hasParam('bias') ? m.param('bias') : undefined };
}

/** PyTorch's `reset_parameters` for Conv/Linear (kaiming_uniform a=√5, i.e. U(±1/√fan_in)) and norms (1, 0). */
export function resetParameters(m: AnyModule, rng: Generator): void {
  const names = m.typeNames();
  const { weight, bias } = weightAndBias(m);
  if (!weight) return;
  if (names.includes('_ConvNd') || names.includes('Linear')) {
    const bound = 1 / Math.sqrt(fans(weight.shape).fanIn);
    setVar(weight, rng.uniformArray(weight.size, -bound, bound));
    if (bias) setVar(bias, rng.uniformArray(bias.size, -bound, bound));
  } else if (names.includes('_NormBase') || names.includes('LayerNorm') || names.includes('GroupNorm')) {
    fill(weight, 1);
    if (bias) fill(bias, 0);
  }
}

type Initialiser = (weight: tf.Variable, rng: Generator) => void;

const BASE_KEYS = ['type', 'layer', 'override', 'bias', 'bias_prob'];

/** The weight initialiser named by `cfg.type` with its options (keys checked). */
function weightInit(cfg: InitCfg): Initialiser {
  const where = `init_cfg (${cfg.type})`;
  const num = (k: string, d: number) => (cfg[k] === undefined || cfg[k] === null ? d : (cfg[k] as number));
  switch (cfg.type) {
    case 'Constant':
      checkKeys(cfg, [...BASE_KEYS, 'val'], where);
      return (w) => fill(w, num('val', 0));
    case 'Normal':
      checkKeys(cfg, [...BASE_KEYS, 'mean', 'std'], where);
      return (w, rng) => setVar(w, rng.normalArray(w.size, num('mean', 0), num('std', 1)));
    case 'TruncNormal':
      checkKeys(cfg, [...BASE_KEYS, 'mean', 'std', 'a', 'b'], where);
      return (w, rng) => setVar(w, rng.truncNormalArray(w.size, num('mean', 0), num('std', 1), num('a', -2), num('b', 2)));
    case 'Uniform':
      checkKeys(cfg, [...BASE_KEYS, 'a', 'b'], where);
      return (w, rng) => setVar(w, rng.uniformArray(w.size, num('a', 0), num('b', 1)));
    case 'Xavier': {
      checkKeys(cfg, [...BASE_KEYS, 'gain', 'distribution'], where);
      const uniform = cfg.distribution === 'uniform';
      return (w, rng) => {
        const { fanIn, fanOut } = fans(w.shape);
        const std = num('gain', 1) * Math.sqrt(2 / (fanIn + fanOut));
        setVar(w, uniform ? rng.uniformArray(w.size, -std * Math.sqrt(3), std * Math.sqrt(3)) : rng.normalArray(w.size, 0, std));
      };
    }
    case 'Kaiming': {
      checkKeys(cfg, [...BASE_KEYS, 'a', 'mode', 'nonlinearity', 'distribution'], where);
      const a = num('a', 0);
      const mode = (cfg.mode as string) ?? 'fan_out';
      const gain = gainOf((cfg.nonlinearity as string) ?? 'relu', a);
      const uniform = cfg.distribution === 'uniform';
      return (w, rng) => {
        const f = fans(w.shape);
        const std = gain / Math.sqrt(mode === 'fan_in' ? f.fanIn : f.fanOut);
        setVar(w, uniform ? rng.uniformArray(w.size, -std * Math.sqrt(3), std * Math.sqrt(3)) : rng.normalArray(w.size, 0, std));
      };
    }
    default:
      throw new Error(`init_cfg: unknown type '${cfg.type}' (known: Constant, Normal, TruncNormal, Uniform, Xavier, Kaiming, Pretrained)`);
  }
}

/** Applies one non-Pretrained `init_cfg` to `m` and its descendants, as mmengine's `BaseInit` subclasses do. */
function applyInit(root: AnyModule, cfg: InitCfg, rng: Generator): void {
  const init = weightInit(cfg);
  const biasValue = cfg.bias_prob !== undefined && cfg.bias_prob !== null ? -Math.log((1 - (cfg.bias_prob as number)) / (cfg.bias_prob as number)) : ((cfg.bias as number) ?? 0);
  const layers = cfg.layer === undefined || cfg.layer === null ? null : Array.isArray(cfg.layer) ? cfg.layer : [cfg.layer];
  const initModule = (m: AnyModule) => {
    const { weight, bias } = weightAndBias(m);
    if (weight) init(weight, rng);
    if (bias) fill(bias, biasValue);
  };
  for (const [, m] of root.namedModules()) {
    if (!layers || m.typeNames().some((n) => layers.includes(n))) initModule(m);
  }
  const overrides = cfg.override === undefined || cfg.override === null ? [] : Array.isArray(cfg.override) ? cfg.override : [cfg.override];
  for (const o of overrides) {
    const { name, ...rest } = o as { name: string } & Partial<InitCfg>;
    assert(typeof name === 'string', () => `init_cfg override needs a 'name', got ${JSON.stringify(o)}`);
    const target = root.namedModules().find(([n]) => n === name)?.[1];
    assert(target, () => `init_cfg override: ${root.typeName} has no module '${name}'`);
    const ocfg = (rest.type ? rest : { ...cfg, ...rest, override: undefined, layer: undefined }) as InitCfg;
    applyInit(target, { ...ocfg, layer: undefined }, rng);
  }
}

/** One `Pretrained` init_cfg applied: to which module (its state-dict path, '' for the model), and what matched. */
export interface PretrainedLoaded {
  checkpoint: string;
  prefix: string | null;
  /** The module's name in the model (`backbone`), '' for the root. */
  module: string;
  /** Module-relative keys (as `loadStateDict` reports them). */
  report: LoadReport;
}

/**
 * Where `Pretrained` checkpoints come from: the app (dropped files) or Node code sets `load`; `onLoaded`, when
 * set, receives each load's report (mmengine logs it).
 */
export const pretrainedSource: { load: ((checkpoint: string) => StateDict) | null; onLoaded?: ((loaded: PretrainedLoaded) => void) | null } = { load: null };

function applyPretrained(m: AnyModule, cfg: InitCfg, path: string): void {
  checkKeys(cfg, ['type', 'checkpoint', 'prefix', 'map_location'], 'init_cfg (Pretrained)');
  assert(pretrainedSource.load, () => `init_cfg Pretrained '${String(cfg.checkpoint)}': no checkpoint source is set (pretrainedSource.load)`);
  const sd = pretrainedSource.load(String(cfg.checkpoint));
  const prefix = cfg.prefix ? `${String(cfg.prefix).replace(/\.$/, '')}.` : '';
  const sub: StateDict = new Map();
  for (const [k, v] of sd) if (!prefix || k.startsWith(prefix)) sub.set(k.slice(prefix.length), v);
  assert(sub.size > 0, () => `init_cfg Pretrained: no key of '${String(cfg.checkpoint)}' starts with prefix '${prefix}'`);
  const report = m.loadStateDict(sub, { strict: false });
  pretrainedSource.onLoaded?.({ checkpoint: String(cfg.checkpoint), prefix: cfg.prefix ? String(cfg.prefix) : null, module: path, report });
}

/** Something with an `init_cfg` and a hook run after its own init (ResNet's `zero_init_residual`, …). */
export interface Initialisable {
  initCfg?: InitCfg | InitCfg[] | null;
  afterInitWeights?(rng: Generator): void;
}

/**
 * `model.init_weights()`: PyTorch defaults for every layer, then each module's `init_cfg` (parents first,
 * children's own `init_cfg` after, so they win), then `Pretrained`, then each module's `afterInitWeights`.
 * @param seed seeds the generator when none is passed. Default: 0.
 */
export function initWeights(model: AnyModule, rng: Generator = new Generator(0)): void {
  for (const [, m] of model.namedModules()) resetParameters(m, rng);
  const visit = (m: AnyModule, path: string) => {
    const cfgs = (m as Initialisable).initCfg;
    const list = !cfgs ? [] : Array.isArray(cfgs) ? cfgs : [cfgs];
    for (const c of list) if (c.type !== 'Pretrained') applyInit(m, c, rng);
    for (const [name, c] of m.namedChildren()) visit(c, path ? `${path}.${name}` : name);
    for (const c of list) if (c.type === 'Pretrained') applyPretrained(m, c, path);
    if (!list.some((c) => c.type === 'Pretrained')) (m as Initialisable).afterInitWeights?.(rng);
  };
  visit(model, '');
  model.onWeightsChanged();
}
