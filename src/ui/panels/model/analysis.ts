/**
 * The Model panel's engine side (worker or inline; no DOM): builds the config's classifier without initialising
 * weights and describes it — PyTorch's `print(model)` (what `--preview-model` shows), the module tree with each
 * module's parameter and buffer shapes, and `get_flops.py`'s per-module parameters, FLOPs and activations.
 */
import { getModelComplexityInfo } from '../../../models/analysis/complexity';
import { buildClassifier } from '../../../models/builder';
import type { ImageClassifier } from '../../../models/classifiers/image';
export { defaultInputShape } from '../../../apis/test_pipeline';

/** One module of the tree. */
export interface ModuleRow {
  /** Dotted name ('' = the classifier). */
  name: string;
  type: string;
  depth: number;
  /** PyTorch's `extra_repr` (kernel sizes, channels…). */
  extra: string;
  /** This module's own parameters and buffers (not its children's), with shapes. */
  tensors: { name: string; shape: number[]; kind: 'param' | 'buffer' }[];
  /** Totals including descendants (FLOPs and activations null where the forward never reached it). */
  params: number;
  flops: number | null;
  activations: number | null;
}

export interface ModelAnalysis {
  /** `print(model)`. */
  repr: string;
  rows: ModuleRow[];
  inputShape: [number, number, number];
  flops: number;
  params: number;
  activations: number;
  flopsStr: string;
  paramsStr: string;
  activationsStr: string;
  /** The table `get_flops.py` prints. */
  table: string;
  ms: number;
}

/** Builds the model of `cfg` and analyses it on a (1, C, H, W) input. */
export function analyzeModel(cfg: Record<string, unknown>, inputShape: [number, number, number]): ModelAnalysis {
  const t0 = performance.now();
  const model = buildClassifier(cfg, { seed: null });
  try {
    return describeModel(model, inputShape, t0);
  } finally {
    model.dispose();
  }
}

/** Analyses a built model on a (1, C, H, W) input (its weights do not matter; the model is left as it was). */
export function describeModel(model: ImageClassifier, inputShape: [number, number, number], t0 = performance.now()): ModelAnalysis {
  const info = getModelComplexityInfo(model, inputShape);
  const shapes = model.stateDictShapes();
  const paramNames = new Set(model.namedParameters().map(([n]) => n));
  const rows: ModuleRow[] = model.namedModules().map(([name, m]) => {
    const prefix = name ? `${name}.` : '';
    const tensors = [...shapes]
      .filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'))
      .map(([k, shape]) => ({ name: k.slice(prefix.length), shape, kind: paramNames.has(k) ? ('param' as const) : ('buffer' as const) }));
    return {
      name,
      type: m.typeName,
      depth: name ? name.split('.').length : 0,
      extra: m.extraRepr(),
      tensors,
      params: info.stats.params.get(name) ?? 0,
      flops: info.stats.flops.get(name) ?? null,
      activations: info.stats.activations.get(name) ?? null,
    };
  });
  return {
    repr: model.toString(),
    rows,
    inputShape,
    flops: info.flops,
    params: info.params,
    activations: info.activations,
    flopsStr: info.flopsStr,
    paramsStr: info.paramsStr,
    activationsStr: info.activationsStr,
    table: info.outTable,
    ms: performance.now() - t0,
  };
}
