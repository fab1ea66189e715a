/**
 * MMPretrain `auto_augment.py`: the RandAugment-style ops on `BaseAugTransform` (probability, magnitude
 * levels with noise, random negation), `AutoAugment` (one sub-policy of a preset or given list) and
 * `RandAugment` (`num_policies` ops drawn with replacement), with the presets `imagenet` and
 * `timm_increasing` (and `simple_increasing`). Every draw is recorded as `{apply, magnitude, ...}`.
 */
import { assert } from '../../utils/assert';
import { TRANSFORMS } from '../../registry';
import type { ImageArray } from '../../image/image';
import { imrotate, imshear, imtranslate } from '../../image/geometric';
import type { WarpInterpolation } from '../../image/warp_affine';
import {
  adjustBrightness, adjustColor, adjustContrast, adjustSharpness, autoContrast, cutout, gaussianBlurPillow,
  imequalize, iminvert, posterize, solarize, solarizeAdd,
} from '../../image/photometric';
import { BaseTransform, parseOptions, requireImage, type Results, type TransformCfg } from './base';
import type { Generator } from '../../utils/random';

/** Options every augmentation op accepts (`BaseAugTransform`). */
export interface AugBaseOptions {
  /** level of the magnitude within `total_level`; Default: 10 */
  magnitude_level: number;
  /** (value at level 0, value at `total_level`) when the magnitude comes from the level; Default: null */
  magnitude_range: [number, number] | null;
  /** noise on the level: a std (normal, clipped to [0, total_level]) or 'inf' (uniform 0–level); Default: 0 */
  magnitude_std: number | 'inf';
  /** Default: 10 */
  total_level: number;
  /** probability of applying the op; Default: 0.5 */
  prob: number;
  /** probability of negating the magnitude; Default: 0.5 (0 for ops where a sign makes no sense) */
  random_negative_prob: number;
}

/** What an augmentation op drew: whether it applied, and the final magnitude (sign included). */
export interface AugParams {
  apply: boolean;
  magnitude?: number;
  /** Cutout's centre */
  y0?: number;
  x0?: number;
}

const BASE_DEFAULTS: AugBaseOptions = { magnitude_level: 10, magnitude_range: null, magnitude_std: 0, total_level: 10, prob: 0.5, random_negative_prob: 0.5 };

/** `BaseAugTransform`: the shared randomness of the ops. */
export abstract class BaseAugTransform<O extends object = object> extends BaseTransform {
  readonly opts: AugBaseOptions & O;
  /** the op's fixed magnitude option (`magnitude`, `angle`, `thr`, `bits`, `shape`, `radius`), or null */
  protected readonly fixed: number | number[] | null;
  /** whether the magnitude may be negated */
  protected readonly signed: boolean;

  constructor(
    readonly typeName: string, cfg: TransformCfg | undefined, own: O,
    spec: { fixedKey?: string; signed?: boolean; randomNegativeProb?: number; prob?: number } = {},
  ) {
    super();
    const defaults = { ...BASE_DEFAULTS, random_negative_prob: spec.randomNegativeProb ?? 0.5, prob: spec.prob ?? 0.5, ...own };
    this.opts = parseOptions(typeName, cfg, defaults) as AugBaseOptions & O;
    this.signed = spec.signed ?? false;
    const o = this.opts as AugBaseOptions & Record<string, unknown>;
    assert(o.prob >= 0 && o.prob <= 1, () => `${typeName}: prob must be in [0, 1], got ${o.prob}`);
    assert(o.magnitude_std === 'inf' || (typeof o.magnitude_std === 'number'), () => `${typeName}: magnitude_std must be a number or 'inf', got ${JSON.stringify(o.magnitude_std)}`);
    this.fixed = spec.fixedKey ? (o[spec.fixedKey] as number | number[] | null) : null;
    if (spec.fixedKey) {
      assert((this.fixed === null) !== (o.magnitude_range === null), () => `${typeName}: Please specify only one of \`${spec.fixedKey}\` and \`magnitude_range\`.`);
    }
    if (o.magnitude_range !== null) {
      assert(Array.isArray(o.magnitude_range) && o.magnitude_range.length === 2, () => `${typeName}: magnitude_range should be a sequence with two numbers`);
    }
  }

  /** `random_magnitude`: the level (with noise) mapped linearly into `magnitude_range`. */
  protected randomMagnitude(rng: Generator): number {
    const o = this.opts;
    let level = o.magnitude_level;
    if (o.magnitude_std === 'inf') level = rng.uniform(0, level);
    else if (o.magnitude_std > 0) level = Math.min(Math.max(rng.normal(level, o.magnitude_std), 0), o.total_level);
    const [v1, v2] = o.magnitude_range!;
    return (level / o.total_level) * (v2 - v1) + v1;
  }

  /** Draws (or replays) whether to apply and the magnitude, in MMPretrain's order of draws. */
  protected draw(results: Results, extra?: (rng: Generator, p: AugParams) => void): AugParams {
    return this.drawParams<AugParams>(results, (rng) => {
      if (rng.random() > this.opts.prob) return { apply: false };
      const p: AugParams = { apply: true };
      if (this.fixed !== null || this.opts.magnitude_range !== null) {
        let m = this.fixed !== null ? (this.fixed as number) : this.randomMagnitude(rng);
        if (this.signed && rng.random() < this.opts.random_negative_prob) m = -m;
        p.magnitude = m;
      }
      extra?.(rng, p);
      return p;
    }, (v) => {
      const p = v as AugParams;
      assert(p && typeof p.apply === 'boolean', () => `${this.typeName}: replayed params need a boolean 'apply', got ${JSON.stringify(v)}`);
      return p;
    });
  }

  transform(results: Results): Results {
    const img = requireImage(results, this.typeName);
    const p = this.draw(results, this.extraDraw(img));
    if (p.apply) results.img = this.apply(img, p, results);
    return results;
  }

  /** Extra draws after the magnitude (Cutout's centre). */
  protected extraDraw(_img: ImageArray): ((rng: Generator, p: AugParams) => void) | undefined {
    return undefined;
  }

  /** Applies the op with the drawn parameters. */
  protected abstract apply(img: ImageArray, p: AugParams, results: Results): ImageArray;
}

type PadVal = number | number[];
const WARP_MODES: readonly string[] = ['nearest', 'bilinear', 'bicubic'];

function checkWarp(typeName: string, interpolation: string): WarpInterpolation {
  assert(WARP_MODES.includes(interpolation), () => `${typeName}: interpolation '${interpolation}' is not supported here (nearest, bilinear, bicubic)`);
  return interpolation as WarpInterpolation;
}

export class Shear extends BaseAugTransform<{ magnitude: number | null; pad_val: PadVal; direction: 'horizontal' | 'vertical'; interpolation: string }> {
  constructor(cfg?: TransformCfg) {
    super('Shear', cfg, { magnitude: null, pad_val: 128, direction: 'horizontal', interpolation: 'bicubic' }, { fixedKey: 'magnitude', signed: true });
    checkWarp('Shear', this.opts.interpolation);
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return imshear(img, p.magnitude!, this.opts.direction, this.opts.pad_val, checkWarp('Shear', this.opts.interpolation));
  }
}

export class Translate extends BaseAugTransform<{ magnitude: number | null; pad_val: PadVal; direction: 'horizontal' | 'vertical'; interpolation: string }> {
  constructor(cfg?: TransformCfg) {
    super('Translate', cfg, { magnitude: null, pad_val: 128, direction: 'horizontal', interpolation: 'nearest' }, { fixedKey: 'magnitude', signed: true });
    checkWarp('Translate', this.opts.interpolation);
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    const size = this.opts.direction === 'horizontal' ? img.width : img.height;
    return imtranslate(img, p.magnitude! * size, this.opts.direction, this.opts.pad_val, checkWarp('Translate', this.opts.interpolation));
  }
}

export class Rotate extends BaseAugTransform<{ angle: number | null; center: [number, number] | null; scale: number; pad_val: PadVal; interpolation: string }> {
  constructor(cfg?: TransformCfg) {
    super('Rotate', cfg, { angle: null, center: null, scale: 1, pad_val: 128, interpolation: 'nearest' }, { fixedKey: 'angle', signed: true });
    checkWarp('Rotate', this.opts.interpolation);
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return imrotate(img, p.magnitude!, { center: this.opts.center ?? undefined, scale: this.opts.scale, borderValue: this.opts.pad_val, interpolation: checkWarp('Rotate', this.opts.interpolation) });
  }
}

export class AutoContrast extends BaseAugTransform {
  constructor(cfg?: TransformCfg) {
    super('AutoContrast', cfg, {});
  }
  protected apply(img: ImageArray): ImageArray {
    return autoContrast(img);
  }
}

export class Invert extends BaseAugTransform {
  constructor(cfg?: TransformCfg) {
    super('Invert', cfg, {});
  }
  protected apply(img: ImageArray): ImageArray {
    return iminvert(img);
  }
}

export class Equalize extends BaseAugTransform {
  constructor(cfg?: TransformCfg) {
    super('Equalize', cfg, {});
  }
  protected apply(img: ImageArray): ImageArray {
    return imequalize(img);
  }
}

export class Solarize extends BaseAugTransform<{ thr: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('Solarize', cfg, { thr: null }, { fixedKey: 'thr', randomNegativeProb: 0 });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return solarize(img, p.magnitude!);
  }
}

export class SolarizeAdd extends BaseAugTransform<{ magnitude: number | null; thr: number }> {
  constructor(cfg?: TransformCfg) {
    super('SolarizeAdd', cfg, { magnitude: null, thr: 128 }, { fixedKey: 'magnitude', randomNegativeProb: 0 });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return solarizeAdd(img, p.magnitude!, this.opts.thr);
  }
}

export class Posterize extends BaseAugTransform<{ bits: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('Posterize', cfg, { bits: null }, { fixedKey: 'bits', randomNegativeProb: 0 });
    assert(this.opts.bits === null || this.opts.bits <= 8, () => `Posterize: The bits must be less than 8, got ${this.opts.bits} instead.`);
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    // To align with timm, the drawn bits are rounded up.
    return posterize(img, Math.ceil(p.magnitude!));
  }
}

export class Contrast extends BaseAugTransform<{ magnitude: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('Contrast', cfg, { magnitude: null }, { fixedKey: 'magnitude', signed: true });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return adjustContrast(img, 1 + p.magnitude!);
  }
}

export class ColorTransform extends BaseAugTransform<{ magnitude: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('ColorTransform', cfg, { magnitude: null }, { fixedKey: 'magnitude', signed: true });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return adjustColor(img, 1 + p.magnitude!);
  }
}

export class Brightness extends BaseAugTransform<{ magnitude: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('Brightness', cfg, { magnitude: null }, { fixedKey: 'magnitude', signed: true });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return adjustBrightness(img, 1 + p.magnitude!);
  }
}

export class Sharpness extends BaseAugTransform<{ magnitude: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('Sharpness', cfg, { magnitude: null }, { fixedKey: 'magnitude', signed: true });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return adjustSharpness(img, 1 + p.magnitude!);
  }
}

export class Cutout extends BaseAugTransform<{ shape: number | [number, number] | null; pad_val: PadVal }> {
  constructor(cfg?: TransformCfg) {
    super('Cutout', cfg, { shape: null, pad_val: 128 }, { fixedKey: 'shape', randomNegativeProb: 0 });
  }
  protected override extraDraw(img: ImageArray) {
    return (rng: Generator, p: AugParams) => {
      // mmcv.cutout draws np.random.uniform(img_h) — uniform between 1 and the size.
      p.y0 = rng.uniform(1, img.height);
      p.x0 = rng.uniform(1, img.width);
    };
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    const shape = this.fixed !== null ? (this.fixed as number | [number, number]) : Math.trunc(p.magnitude!);
    return cutout(img, shape, p.y0 ?? img.height / 2, p.x0 ?? img.width / 2, this.opts.pad_val);
  }
}

export class GaussianBlur extends BaseAugTransform<{ radius: number | null }> {
  constructor(cfg?: TransformCfg) {
    super('GaussianBlur', cfg, { radius: null }, { fixedKey: 'radius', randomNegativeProb: 0 });
  }
  protected apply(img: ImageArray, p: AugParams): ImageArray {
    return gaussianBlurPillow(img, p.magnitude!);
  }
}

type PolicyCfg = TransformCfg & { type: string };

/** `AUTOAUG_POLICIES` of MMPretrain. */
export const AUTOAUG_POLICIES: Record<string, PolicyCfg[][]> = {
  imagenet: [
    [{ type: 'Posterize', bits: 4, prob: 0.4 }, { type: 'Rotate', angle: 30, prob: 0.6 }],
    [{ type: 'Solarize', thr: (256 / 9) * 4, prob: 0.6 }, { type: 'AutoContrast', prob: 0.6 }],
    [{ type: 'Equalize', prob: 0.8 }, { type: 'Equalize', prob: 0.6 }],
    [{ type: 'Posterize', bits: 5, prob: 0.6 }, { type: 'Posterize', bits: 5, prob: 0.6 }],
    [{ type: 'Equalize', prob: 0.4 }, { type: 'Solarize', thr: (256 / 9) * 5, prob: 0.2 }],
    [{ type: 'Equalize', prob: 0.4 }, { type: 'Rotate', angle: (30 / 9) * 8, prob: 0.8 }],
    [{ type: 'Solarize', thr: (256 / 9) * 6, prob: 0.6 }, { type: 'Equalize', prob: 0.6 }],
    [{ type: 'Posterize', bits: 6, prob: 0.8 }, { type: 'Equalize', prob: 1 }],
    [{ type: 'Rotate', angle: 10, prob: 0.2 }, { type: 'Solarize', thr: 256 / 9, prob: 0.6 }],
    [{ type: 'Equalize', prob: 0.6 }, { type: 'Posterize', bits: 5, prob: 0.4 }],
    [{ type: 'Rotate', angle: (30 / 9) * 8, prob: 0.8 }, { type: 'ColorTransform', magnitude: 0, prob: 0.4 }],
    [{ type: 'Rotate', angle: 30, prob: 0.4 }, { type: 'Equalize', prob: 0.6 }],
    [{ type: 'Equalize', prob: 0 }, { type: 'Equalize', prob: 0.8 }],
    [{ type: 'Invert', prob: 0.6 }, { type: 'Equalize', prob: 1 }],
    [{ type: 'ColorTransform', magnitude: 0.4, prob: 0.6 }, { type: 'Contrast', magnitude: 0.8, prob: 1 }],
    [{ type: 'Rotate', angle: (30 / 9) * 8, prob: 0.8 }, { type: 'ColorTransform', magnitude: 0.2, prob: 1 }],
    [{ type: 'ColorTransform', magnitude: 0.8, prob: 0.8 }, { type: 'Solarize', thr: (256 / 9) * 2, prob: 0.8 }],
    [{ type: 'Sharpness', magnitude: 0.7, prob: 0.4 }, { type: 'Invert', prob: 0.6 }],
    [{ type: 'Shear', magnitude: (0.3 / 9) * 5, prob: 0.6, direction: 'horizontal' }, { type: 'Equalize', prob: 1 }],
    [{ type: 'ColorTransform', magnitude: 0, prob: 0.4 }, { type: 'Equalize', prob: 0.6 }],
    [{ type: 'Equalize', prob: 0.4 }, { type: 'Solarize', thr: (256 / 9) * 5, prob: 0.2 }],
    [{ type: 'Solarize', thr: (256 / 9) * 4, prob: 0.6 }, { type: 'AutoContrast', prob: 0.6 }],
    [{ type: 'Invert', prob: 0.6 }, { type: 'Equalize', prob: 1 }],
    [{ type: 'ColorTransform', magnitude: 0.4, prob: 0.6 }, { type: 'Contrast', magnitude: 0.8, prob: 1 }],
    [{ type: 'Equalize', prob: 0.8 }, { type: 'Equalize', prob: 0.6 }],
  ],
};

/** `RANDAUG_POLICIES` of MMPretrain (timm's `_RAND_INCREASING_TRANSFORMS` order). */
export const RANDAUG_POLICIES: Record<string, PolicyCfg[]> = {
  timm_increasing: [
    { type: 'AutoContrast' },
    { type: 'Equalize' },
    { type: 'Invert' },
    { type: 'Rotate', magnitude_range: [0, 30] },
    { type: 'Posterize', magnitude_range: [4, 0] },
    { type: 'Solarize', magnitude_range: [256, 0] },
    { type: 'SolarizeAdd', magnitude_range: [0, 110] },
    { type: 'ColorTransform', magnitude_range: [0, 0.9] },
    { type: 'Contrast', magnitude_range: [0, 0.9] },
    { type: 'Brightness', magnitude_range: [0, 0.9] },
    { type: 'Sharpness', magnitude_range: [0, 0.9] },
    { type: 'Shear', magnitude_range: [0, 0.3], direction: 'horizontal' },
    { type: 'Shear', magnitude_range: [0, 0.3], direction: 'vertical' },
    { type: 'Translate', magnitude_range: [0, 0.45], direction: 'horizontal' },
    { type: 'Translate', magnitude_range: [0, 0.45], direction: 'vertical' },
  ],
  simple_increasing: [
    { type: 'AutoContrast' },
    { type: 'Equalize' },
    { type: 'Rotate', magnitude_range: [0, 30] },
    { type: 'Shear', magnitude_range: [0, 0.3], direction: 'horizontal' },
    { type: 'Shear', magnitude_range: [0, 0.3], direction: 'vertical' },
  ],
};

/** The option names an op accepts (for `merge_hparams`). */
function opOptionNames(type: string): string[] {
  try {
    const probe = TRANSFORMS.build<BaseAugTransform>({ type, magnitude_range: [0, 1] });
    return Object.keys(probe.opts);
  } catch {
    return [];
  }
}

/** `merge_hparams`: adds each hparam the op accepts and the policy does not set. */
export function mergeHparams(policy: PolicyCfg, hparams: Record<string, unknown>): PolicyCfg {
  assert(TRANSFORMS.has(policy.type), () => `Invalid policy type "${policy.type}".`);
  const names = opOptionNames(policy.type);
  const out: PolicyCfg = { ...policy };
  for (const [k, v] of Object.entries(hparams)) if (names.includes(k) && !(k in policy)) out[k] = v;
  return out;
}

/** `AutoAugment(policies, hparams)`: applies one randomly chosen sub-policy (a list of ops). */
export class AutoAugment extends BaseTransform {
  readonly typeName = 'AutoAugment';
  readonly policies: PolicyCfg[][];
  private readonly subPipelines: BaseTransform[][];

  constructor(cfg?: TransformCfg) {
    super();
    const o = parseOptions('AutoAugment', cfg, { policies: 'imagenet' as string | PolicyCfg[][], hparams: { pad_val: 128 } as Record<string, unknown> }, ['policies']);
    let policies = o.policies;
    if (typeof policies === 'string') {
      assert(policies in AUTOAUG_POLICIES, () => `AutoAugment: Invalid policies '${policies}', please choose from ${Object.keys(AUTOAUG_POLICIES).join(', ')}.`);
      policies = AUTOAUG_POLICIES[policies];
    }
    assert(Array.isArray(policies) && policies.every(Array.isArray), () => 'AutoAugment: policies must be a preset name or a list of sub-policies (lists of dicts)');
    this.policies = policies.map((sub) => sub.map((t) => mergeHparams(t, o.hparams)));
    this.subPipelines = this.policies.map((sub) => sub.map((t) => TRANSFORMS.build<BaseTransform>(t)));
  }

  transform(results: Results): Results | null {
    const { policy } = this.drawParams(results, (rng) => ({ policy: rng.randint(0, this.subPipelines.length) }));
    assert(Number.isInteger(policy) && policy >= 0 && policy < this.subPipelines.length, () => `AutoAugment: replayed policy index ${policy} out of range`);
    let r: Results | null = results;
    for (const t of this.subPipelines[policy]) if (r) r = t.transform(r);
    return r;
  }
}

/** `RandAugment(policies, num_policies, magnitude_level, magnitude_std, total_level, hparams)`. */
export class RandAugment extends BaseTransform {
  readonly typeName = 'RandAugment';
  readonly opts: {
    /** a preset name (`timm_increasing`, `simple_increasing`) or a list of op dicts (required) */
    policies: string | PolicyCfg[];
    /** how many ops per image, drawn with replacement (required) */
    num_policies: number;
    /** magnitude level given to every op with a `magnitude_range` (required) */
    magnitude_level: number;
    /** Default: 0 */
    magnitude_std: number | 'inf';
    /** Default: 10 */
    total_level: number;
    /** extra options for ops that accept them; Default: dict(pad_val=128) */
    hparams: Record<string, unknown>;
  };
  readonly policies: PolicyCfg[];
  private readonly ops: BaseTransform[];

  constructor(cfg?: TransformCfg) {
    super();
    this.opts = parseOptions('RandAugment', cfg, { policies: '' as string | PolicyCfg[], num_policies: 0, magnitude_level: 0, magnitude_std: 0 as number | 'inf', total_level: 10, hparams: { pad_val: 128 } as Record<string, unknown> }, ['policies', 'num_policies', 'magnitude_level']);
    const o = this.opts;
    let policies = o.policies;
    if (typeof policies === 'string') {
      assert(policies in RANDAUG_POLICIES, () => `RandAugment: Invalid policies '${policies}', please choose from ${Object.keys(RANDAUG_POLICIES).join(', ')}.`);
      policies = RANDAUG_POLICIES[policies];
    }
    assert(Array.isArray(policies) && policies.every((p) => p && typeof p === 'object' && typeof p.type === 'string'), () => 'RandAugment: policies must be a list of dict.');
    assert(o.magnitude_std === 'inf' || typeof o.magnitude_std === 'number', () => `RandAugment: magnitude_std must be a number or "inf", got ${JSON.stringify(o.magnitude_std)}`);
    assert(o.num_policies > 0, () => 'RandAugment: num_policies must be greater than 0.');
    assert(o.magnitude_level >= 0, () => 'RandAugment: magnitude_level must be no less than 0.');
    assert(o.total_level > 0, () => 'RandAugment: total_level must be greater than 0.');
    this.policies = policies.map((p) => {
      const { magnitude_key: _ignored, ...merged } = mergeHparams(p, o.hparams) as PolicyCfg & { magnitude_key?: unknown };
      if ('magnitude_range' in merged) Object.assign(merged, { magnitude_level: o.magnitude_level, total_level: o.total_level, magnitude_std: o.magnitude_std });
      return merged as PolicyCfg;
    });
    this.ops = this.policies.map((p) => TRANSFORMS.build<BaseTransform>(p));
  }

  transform(results: Results): Results | null {
    const { indices } = this.drawParams(results, (rng) => ({ indices: Array.from({ length: this.opts.num_policies }, () => rng.randint(0, this.ops.length)) }));
    assert(Array.isArray(indices) && indices.every((i) => Number.isInteger(i) && i >= 0 && i < this.ops.length), () => `RandAugment: replayed indices ${JSON.stringify(indices)} out of range`);
    let r: Results | null = results;
    for (const i of indices) if (r) r = this.ops[i].transform(r);
    return r;
  }
}
