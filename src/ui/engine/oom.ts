/**
 * Out of memory in the engine worker (Inference, CAM and Model panels), said in the model's terms: a model that
 * cannot be built or loaded, or whose first forward does not fit, fails with `describeOutOfMemory`'s sentence
 * (its parameters, their bytes, the backend) instead of tfjs's words alone, and leaves nothing allocated, so the
 * next, smaller model loads.
 *
 * A build that failed is counted from its config without allocating: built again under the shapes-only backend
 * (PyTorch's meta device: exact, a millisecond); where that cannot build it, the model index's `Parameters` of
 * the config; else the tensors the failed build had made ("at least").
 */
import { basenamePath } from '../../config';
import { MODEL_INDEX } from '../../apis/model_hub';
import { describeOutOfMemory, estimateModelMemory, isOutOfMemory, type MemoryEstimate, type ModelShapesLike } from '../../backends/oom';
import { buildShapesOnly } from '../../backends/shapes_only';
import { tf } from '../../backends/tf';
import { getModelComplexityInfo } from '../../models/analysis/complexity';
import { buildClassifier, modelConfigOf } from '../../models/builder';
import type { ImageClassifier } from '../../models/classifiers/image';

type Dict = Record<string, unknown>;

/** The name of an error this module made (`isOutOfMemory` knows it: it is not described twice). */
export const OUT_OF_MEMORY = 'OutOfMemoryError';

/** `vit-giant-p14_dinov2-pre_headless (VisionTransformer arch 'dinov2-giant')`: the model as the messages name it. */
export function modelLabel(configName: string, dict: Dict): string {
  const name = configName.replace(/\.(py|json)$/, '');
  let model: { type?: string; backbone?: { type?: string; arch?: unknown } };
  try {
    model = modelConfigOf(dict);
  } catch {
    return name;
  }
  const bb = model.backbone;
  const arch = typeof bb?.arch === 'string' ? ` arch '${bb.arch}'` : '';
  const type = bb?.type ? `${bb.type}${arch}` : (model.type ?? '');
  return type ? `${name} (${type})` : name;
}

/** What a build that failed had made: the tf variables registered since `before` (disposed by {@link disposeCreated}). */
export function variablesSince(before: Set<string>): tf.Variable[] {
  return Object.entries(tf.engine().registeredVariables)
    .filter(([name]) => !before.has(name))
    .map(([, v]) => v);
}

/** The names of the tf variables registered now. */
export function variableNames(): Set<string> {
  return new Set(Object.keys(tf.engine().registeredVariables));
}

/** The model index's `Parameters` of the config named `configName` (its file stem), or null. */
export function indexedParameters(configName: string): number | null {
  const stem = basenamePath(configName).replace(/\.(py|json)$/, '');
  for (const m of MODEL_INDEX) {
    const p = m.metadata.Parameters;
    if (m.config && basenamePath(m.config).replace(/\.py$/, '') === stem && typeof p === 'number' && p > 0) return p;
  }
  return null;
}

/**
 * The inference memory of the model of `dict`, from its config alone: exact from a shapes-only build, else the
 * model index's count, else `created` (what the failed build allocated, a lower bound); null when none says.
 */
export async function estimateFromConfig(configName: string, dict: Dict, backend: string | null, created: Map<string, number[]> | null): Promise<MemoryEstimate | null> {
  const name = modelLabel(configName, dict);
  const opts = { name, training: false, backend };
  try {
    const shapes = await buildShapesOnly(
      () => buildClassifier(dict, { seed: null }),
      (m): { shapes: Map<string, number[]>; params: string[] } => ({ shapes: m.stateDictShapes(), params: m.namedParameters().map(([k]) => k) }),
    );
    return estimateModelMemory(shapes, opts);
  } catch {
    // a model that computes tensors while it is built: not countable there
  }
  const indexed = indexedParameters(configName);
  if (indexed !== null) return estimateModelMemory({ shapes: new Map([['(model index)', [indexed]]]) }, opts);
  if (created && created.size) return estimateModelMemory({ shapes: created }, { ...opts, partial: true });
  return null;
}

/** An out-of-memory error said in the model's terms (tfjs's error as `cause`). */
function outOfMemory(e: unknown, estimate: MemoryEstimate | null, doing: 'building' | 'running'): Error {
  return Object.assign(new Error(describeOutOfMemory(e, estimate, doing), { cause: e }), { name: OUT_OF_MEMORY });
}

/** Whether `e` was made here already. */
function described(e: unknown): boolean {
  return e instanceof Error && e.name === OUT_OF_MEMORY;
}

/**
 * A model build or checkpoint load that threw `e`: the tensors it made since `before` are disposed (whatever the
 * error), and an allocation that failed comes back as the sentence with the config's estimate; any other error as
 * it was.
 */
export async function failedLoad(e: unknown, before: Set<string>, config: { name: string; dict: Dict }, backend: string): Promise<unknown> {
  const created = variablesSince(before);
  const shapes = new Map(created.map((v) => [v.name, [...v.shape]]));
  for (const v of created) v.dispose();
  if (described(e) || !isOutOfMemory(e, backend)) return e;
  return outOfMemory(e, await estimateFromConfig(config.name, config.dict, backend, shapes), 'building');
}

/**
 * A forward of a loaded model that threw `e`: an allocation that failed comes back as the sentence with the
 * model's weights and, where the complexity analysis still fits, its activations on `inputShape` (C, H, W) at
 * batch 1; any other error as it was.
 */
export function failedForward(e: unknown, model: ImageClassifier & ModelShapesLike, label: string, backend: string, inputShape: [number, number, number] | null): unknown {
  if (described(e) || !isOutOfMemory(e, backend)) return e;
  let activations: number | null = null;
  if (inputShape) {
    try {
      activations = getModelComplexityInfo(model, inputShape).activations;
    } catch {
      activations = null; // the analysis is a forward too
    }
  }
  return outOfMemory(e, estimateModelMemory(model, { name: label, training: false, batchSize: activations === null ? null : 1, activationsPerSample: activations, backend }), 'running');
}
