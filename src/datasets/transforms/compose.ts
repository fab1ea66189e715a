/**
 * mmcv `Compose`: builds each transform from its config dict through `TRANSFORMS` and runs them in order.
 * The pipeline owns the seeded generator its random transforms draw from (`seed`, as
 * `randomness=dict(seed=...)`), and can replay parameters recorded by an earlier run.
 */
import { assert } from '../../utils/assert';
import { TRANSFORMS } from '../../registry';
import { BaseTransform, type Results, type TransformCfg } from './base';
import { entropySeed, Generator } from '../../utils/random';

/** A transform config (`dict(type=..., ...)`) or a built transform. */
export type TransformSpec = (TransformCfg & { type: string }) | BaseTransform;

export interface ComposeOptions {
  /** seed of the pipeline's generator; null/undefined draws one from the platform's entropy */
  seed?: number | null;
}

export interface CallOptions {
  /** parameters to replay (the `random_params` shape), keyed by transform type */
  params?: Record<string, unknown>;
  /** called after every transform with its index, the transform and the results so far */
  trace?: (index: number, transform: BaseTransform, results: Results) => void;
}

/** Builds one transform from a spec, with the position in the message when it fails. */
export function buildTransform(spec: TransformSpec, where = 'pipeline'): BaseTransform {
  if (spec instanceof BaseTransform) return spec;
  assert(spec && typeof spec === 'object' && typeof spec.type === 'string', () => `${where}: each transform must be a dict with a 'type', got ${JSON.stringify(spec)}`);
  try {
    return TRANSFORMS.build<BaseTransform>(spec);
  } catch (e) {
    throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export class Compose extends BaseTransform {
  readonly typeName = 'Compose';
  readonly transforms: BaseTransform[];
  readonly rng: Generator;

  constructor(transforms: TransformSpec[] | { transforms: TransformSpec[] }, opts: ComposeOptions = {}) {
    super();
    const list = Array.isArray(transforms) ? transforms : transforms?.transforms;
    assert(Array.isArray(list), () => `Compose: transforms must be a list, got ${JSON.stringify(transforms)}`);
    this.transforms = list.map((t, i) => buildTransform(t, `pipeline[${i}] (${(t as { type?: string }).type ?? (t as BaseTransform).typeName})`));
    this.rng = new Generator(opts.seed ?? entropySeed());
  }

  private prepare(results: Results, opts: CallOptions): Results {
    results.rng ??= this.rng;
    if (opts.params) results.replay_params = opts.params;
    return results;
  }

  /** Runs every transform; `null` as soon as one drops the sample. */
  override transform(results: Results, opts: CallOptions = {}): Results | null {
    let r: Results | null = this.prepare(results, opts);
    for (let i = 0; i < this.transforms.length && r; i++) {
      r = this.transforms[i].transform(r);
      if (r) opts.trace?.(i, this.transforms[i], r);
    }
    return r;
  }

  /** Like {@link transform}, awaiting transforms that decode asynchronously (the browser's image decoder). */
  override async transformAsync(results: Results, opts: CallOptions = {}): Promise<Results | null> {
    let r: Results | null = this.prepare(results, opts);
    for (let i = 0; i < this.transforms.length && r; i++) {
      r = await this.transforms[i].transformAsync(r);
      if (r) opts.trace?.(i, this.transforms[i], r);
    }
    return r;
  }

  override toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${t.toString()}`).join('\n')}\n)`;
  }
}

/** One step of {@link runWithIntermediates}: what a transform produced (browse_dataset's `pipeline` mode). */
export interface IntermediateStep {
  /** the transform type, or 'Original' for the input */
  name: string;
  /** the image after this step (the views after MultiView), or null when the step left none (PackInputs) */
  img: Results['img'] | Results['img'][] | null;
  /** [H, W, C] of the image */
  shape: number[] | null;
  /** what this step drew, when it is random */
  params?: unknown;
}

/** Runs `pipeline` on `results`, keeping the image after every step (and the input first). */
export function runWithIntermediates(pipeline: Compose, results: Results, opts: Omit<CallOptions, 'trace'> = {}): { results: Results | null; steps: IntermediateStep[] } {
  const shapeOf = (img: unknown) => {
    const i = (Array.isArray(img) ? img[0] : img) as { height?: number; width?: number; channels?: number } | undefined;
    return i && typeof i.height === 'number' ? [i.height, i.width!, i.channels!] : null;
  };
  const steps: IntermediateStep[] = [{ name: 'Original', img: results.img ?? null, shape: shapeOf(results.img) }];
  const out = pipeline.transform(results, {
    ...opts,
    trace: (_i, t, r) => {
      const drawn = Object.keys(r.random_params ?? {}).filter((k) => k === t.typeName || k.startsWith(`${t.typeName}#`));
      steps.push({ name: t.typeName, img: r.img ?? null, shape: shapeOf(r.img), ...(drawn.length ? { params: r.random_params![drawn[drawn.length - 1]] } : {}) });
    },
  });
  return { results: out, steps };
}
