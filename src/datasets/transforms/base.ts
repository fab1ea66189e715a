/**
 * The transform base (mmcv `transforms/base.py`): a results dict in, a results dict out (or `null` to drop
 * the sample). Random transforms draw through {@link BaseTransform.drawParams}, which takes the generator
 * from `results.rng`, records what was drawn in `results.random_params[<type>]` and, when
 * `results.replay_params[<type>]` is given, replays those values instead of drawing.
 */
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { ImageArray, PixelData } from '../../image/image';
import type { Generator } from '../../utils/random';

/** A pipeline's results dict, keys as in MMPretrain (`img` HWC BGR, `img_shape` (H, W), …). */
export interface Results {
  img?: ImageArray<PixelData>;
  img_path?: string;
  /** encoded image bytes, read by `LoadImageFromFile` instead of `img_path` when present */
  img_bytes?: Uint8Array;
  img_shape?: number[];
  ori_shape?: number[];
  gt_label?: number | number[];
  sample_idx?: number;
  /** the generator random transforms draw from (set by `Compose`) */
  rng?: Generator;
  /** what each random transform drew, keyed by its type (`RandomCrop`, `RandomCrop#2`, …) */
  random_params?: Record<string, unknown>;
  /** parameters to replay instead of drawing, same shape as `random_params` */
  replay_params?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A config dict as in a Python config, minus `type`. */
export type TransformCfg = Record<string, unknown>;

export abstract class BaseTransform {
  /** The registered type name (kept explicitly: class names do not survive minification). */
  abstract readonly typeName: string;

  /** Transforms `results` in place or into a new dict; `null` drops the sample. */
  abstract transform(results: Results): Results | null;

  /** Asynchronous form; only transforms that can use an async facility (image decoding) override it. */
  transformAsync(results: Results): Promise<Results | null> {
    return Promise.resolve(this.transform(results));
  }

  /** Alias of {@link transform}, as calling an mmcv transform object. */
  call(results: Results): Results | null {
    return this.transform(results);
  }

  /** A description like the Python `__repr__`: the type and its options. */
  toString(): string {
    const opts = (this as { opts?: Record<string, unknown> }).opts;
    if (!opts) return `${this.typeName}()`;
    const args = Object.entries(opts).map(([k, v]) => `${k}=${pyValue(v)}`);
    return `${this.typeName}(${args.join(', ')})`;
  }

  /**
   * Draws this transform's random parameters with `draw(rng)`, or replays `results.replay_params[key]`
   * (checked by `validate` when given); records them in `results.random_params[key]`.
   */
  protected drawParams<P>(results: Results, draw: (rng: Generator) => P, validate?: (replayed: unknown) => P): P {
    const recorded = (results.random_params ??= {});
    let key = this.typeName;
    for (let n = 2; key in recorded; n++) key = `${this.typeName}#${n}`;
    const replay = results.replay_params?.[key];
    let params: P;
    if (replay !== undefined) {
      params = validate ? validate(replay) : (replay as P);
    } else {
      assert(results.rng, () => `${this.typeName}: no random generator in results.rng — run it inside Compose (or set results.rng)`);
      params = draw(results.rng);
    }
    recorded[key] = params;
    return params;
  }
}

/** The uint8 image of `results`, with a clear message when there is none. */
export function requireImage(results: Results, who: string): ImageArray {
  const img = results.img;
  assert(img, () => `${who}: no 'img' in results (keys: ${Object.keys(results).join(', ')})`);
  assert(img.data instanceof Uint8Array, () => `${who}: expects a uint8 image; got ${img.data.constructor.name} (drop to_float32 before this transform)`);
  return img as ImageArray;
}

/** The image of `results`, uint8 or float32 (for transforms that only move pixels: crops, flips, pads). */
export function requireAnyImage(results: Results, who: string): ImageArray<PixelData> {
  const img = results.img;
  assert(img, () => `${who}: no 'img' in results (keys: ${Object.keys(results).join(', ')})`);
  assert(img.data instanceof Uint8Array || img.data instanceof Float32Array, () => `${who}: expects a uint8 or float32 image, got ${(img.data as object).constructor.name}`);
  return img;
}

/**
 * Merges a transform's config with its defaults, rejecting keys it does not know (with the closest names).
 * @param required keys that must be present
 */
export function parseOptions<T extends object>(typeName: string, cfg: TransformCfg | undefined, defaults: T, required: readonly string[] = []): T {
  const { _scope_: _scope, ...given } = (cfg ?? {}) as TransformCfg; // mmengine's registry scope key is not an option
  checkKeys(given, Object.keys(defaults), typeName);
  for (const key of required) assert(given[key] !== undefined && given[key] !== null, () => `${typeName}: option '${key}' is required`);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** `int` or `[a, b]` → a pair (as `to_2tuple`), with a message naming the option. */
export function pair(value: unknown, who: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  assert(Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number'), () => `${who}: expected a number or a pair of numbers, got ${JSON.stringify(value)}`);
  return [value[0], value[1]];
}

/** Asserts a number in a range, naming the option. */
export function checkNumber(value: unknown, who: string, min = -Infinity, max = Infinity): number {
  assert(typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max, () => `${who}: expected a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}

/** Asserts one of `choices`, naming the option. */
export function checkChoice<T extends string>(value: unknown, who: string, choices: readonly T[]): T {
  assert(typeof value === 'string' && (choices as readonly string[]).includes(value), () => `${who}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A value written as Python would print it in a repr (None, True, tuples for lists, quoted strings). */
function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `(${v.map(pyValue).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (typeof v === 'object') return `dict(${Object.entries(v as object).map(([k, x]) => `${k}=${pyValue(x)}`).join(', ')})`;
  return String(v);
}
