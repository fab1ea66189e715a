/**
 * Builds a dataset's `pipeline` (a list of transform configs or transform objects) through the `TRANSFORMS`
 * registry, like mmengine's `Compose`. Building is lazy — on the first sample — so a dataset can be constructed,
 * listed and counted before (or without) the transforms being registered.
 */
import { TRANSFORMS, type BuildConfig } from '../registry';
import type { DataInfo } from './types';

/** A transform as a function: results in, results (or null to drop the sample) out. */
export type TransformFn = (results: DataInfo) => DataInfo | null | undefined | Promise<DataInfo | null | undefined>;

/** A transform object: mmcv's `BaseTransform` shape (`transform(results)`), or anything callable via `call`. */
export interface TransformObject {
  transform?: TransformFn;
  call?: TransformFn;
}

/** One pipeline step as a config may give it. */
export type PipelineStep = BuildConfig | TransformFn | TransformObject;

/** A built step with a display name (the config `type`, or the class name). */
export interface BuiltStep {
  name: string;
  apply: TransformFn;
}

function stepName(step: PipelineStep): string {
  if (typeof step === 'function') return step.name || 'function';
  if ('type' in step && step.type !== undefined) return typeof step.type === 'string' ? step.type : (step.type as { name?: string }).name ?? 'transform';
  return (step as object).constructor?.name ?? 'transform';
}

/** Turns a built transform into a function. */
export function asTransformFn(t: unknown, name: string): TransformFn {
  if (typeof t === 'function') return t as TransformFn;
  const obj = t as TransformObject | null;
  if (obj && typeof obj.transform === 'function') return obj.transform.bind(obj);
  if (obj && typeof obj.call === 'function') return obj.call.bind(obj);
  throw new TypeError(`pipeline step '${name}' is not a transform: expected a function or an object with transform(results)`);
}

/** Builds one step (configs through `TRANSFORMS`). */
export function buildStep(step: PipelineStep): BuiltStep {
  const name = stepName(step);
  if (typeof step === 'function') return { name, apply: step };
  if ('type' in step && step.type !== undefined) return { name, apply: asTransformFn(TRANSFORMS.build(step as BuildConfig), name) };
  return { name, apply: asTransformFn(step, name) };
}

/** Options of a {@link Pipeline}. */
export interface PipelineOptions {
  /** Seed of the generator random transforms draw from (MMPretrain `randomness.seed`). Default: the Compose's own. */
  seed?: number;
}

interface ComposeLike {
  transform(results: DataInfo): DataInfo | null;
  transformAsync?(results: DataInfo): Promise<DataInfo | null>;
}

/**
 * A composed pipeline (mmengine's `Compose`): `run(results)` applies each step in turn and returns null as soon as
 * one returns null. Built on first use: when the transforms area has registered `Compose`, config steps run inside
 * it (it owns the seeded generator the random transforms draw from and awaits asynchronous decoding); plain
 * functions and objects run in order otherwise.
 */
export class Pipeline {
  private runner: ((results: DataInfo) => Promise<DataInfo | null>) | null = null;

  constructor(
    readonly steps: readonly PipelineStep[] = [],
    readonly options: PipelineOptions = {},
  ) {
    if (!Array.isArray(steps)) throw new TypeError(`pipeline must be a list of transforms, got ${JSON.stringify(steps)}`);
  }

  /** Builds the steps now (idempotent); configuration errors (unknown transform types, bad keys) throw here. */
  build(): void {
    if (this.runner) return;
    const viaCompose = this.steps.length > 0 && TRANSFORMS.has('Compose') && this.steps.every((s) => typeof s !== 'function');
    if (viaCompose) {
      const compose = TRANSFORMS.build<ComposeLike>({ type: 'Compose', transforms: [...this.steps] }, this.options.seed === undefined ? {} : { seed: this.options.seed });
      this.runner = async (r) => (compose.transformAsync ? compose.transformAsync(r) : compose.transform(r));
      return;
    }
    const built = this.steps.map(buildStep);
    this.runner = async (results) => {
      let data: DataInfo | null = results;
      for (const step of built) {
        data = (await step.apply(data)) ?? null;
        if (data === null) return null;
      }
      return data;
    };
  }

  get length(): number {
    return this.steps.length;
  }

  async run(results: DataInfo): Promise<DataInfo | null> {
    this.build();
    return (await this.runner!(results)) ?? null;
  }

  /** Whether the first step loads the image from `img_path` (`LoadImageFromFile` and its kin). */
  loadsImages(): boolean {
    return this.steps.length > 0 && /^LoadImage/.test(stepName(this.steps[0]));
  }

  /** The step names, for `repr` and the browse panel. */
  names(): string[] {
    return this.steps.map(stepName);
  }
}
