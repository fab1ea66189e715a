/**
 * Target layers by MMPretrain module name (`backbone.layer4`, `backbone.layer4.2.conv1`,
 * `backbone.layers[-1].ln1`; `[-1]` and `.2` index forms are equivalent), vis_cam's default target layer, and the
 * module tree its `--preview-model` prints.
 */
import type { AnyModule } from '../../models/nn/module';
import { closestNames } from '../../utils/closest';

/** Class names mmengine's `is_norm` accepts (`_BatchNorm`, `_InstanceNorm`, `GroupNorm`, `LayerNorm` and subclasses). */
const NORM_BASES = new Set(['_BatchNorm', '_InstanceNorm', 'GroupNorm', 'LayerNorm']);

/** mmengine `is_norm(layer)`. */
export function isNorm(m: AnyModule): boolean {
  return m.typeNames().some((t) => NORM_BASES.has(t));
}

/** A resolved target layer: its canonical dotted name and the module. */
export interface TargetLayer {
  name: string;
  module: AnyModule;
}

/** Splits `layers[-1].ln1` / `layers.-1.ln1` into path segments `['layers', '-1', 'ln1']`. */
export function layerPathSegments(name: string): string[] {
  const segs: string[] = [];
  for (const part of name.trim().split('.')) {
    const m = /^([^[\]]*)((?:\[-?\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad layer name "${name}": cannot read "${part}"`);
    if (m[1]) segs.push(m[1]);
    for (const idx of m[2].matchAll(/\[(-?\d+)\]/g)) segs.push(idx[1]);
    if (!m[1] && !m[2]) throw new Error(`bad layer name "${name}": empty segment`);
  }
  return segs;
}

/** Resolves `name` under `root` (the classifier); unknown names fail listing the closest module names. */
export function resolveTargetLayer(root: AnyModule, name: string): TargetLayer {
  let module = root;
  const canonical: string[] = [];
  for (const seg of layerPathSegments(name)) {
    const children = module.namedChildren();
    let found = children.find(([n]) => n === seg);
    if (!found && /^-\d+$/.test(seg)) {
      const numeric = children.filter(([n]) => /^\d+$/.test(n));
      const i = numeric.length + Number(seg);
      if (i >= 0 && i < numeric.length) found = numeric[i];
    }
    if (!found) {
      const all = root.namedModules().map(([n]) => n).filter(Boolean);
      const close = closestNames(name, all, 5);
      const here = children.map(([n]) => n);
      throw new Error(
        `Cannot get the layer "${name}": ${canonical.length ? `"${canonical.join('.')}"` : 'the model'} has no child "${seg}"` +
          (here.length ? ` (children: ${here.join(', ')})` : ' (it has no children)') +
          (close.length ? `. Did you mean: ${close.join(', ')}?` : '') +
          ` Use --preview-model (the layer picker) to see every module.`,
      );
    }
    canonical.push(found[0]);
    module = found[1];
  }
  if (!canonical.length) throw new Error(`bad layer name "${name}"`);
  return { name: canonical.join('.'), module };
}

/** Options of {@link defaultTargetLayer}. */
export interface DefaultLayerOptions {
  /** `--vit-like`. Default: false. */
  vitLike?: boolean;
  /** `--num-extra-tokens`; default: the backbone's `num_extra_tokens` (1 when it has none). */
  numExtraTokens?: number | null;
}

/** The backbone's `num_extra_tokens` (ViT: class token and distillation tokens), or null when it has none. */
export function backboneExtraTokens(model: AnyModule): number | null {
  const bb = model.namedChildren().find(([n]) => n === 'backbone')?.[1] as { numExtraTokens?: unknown } | undefined;
  return typeof bb?.numExtraTokens === 'number' ? bb.numExtraTokens : null;
}

/**
 * vis_cam's `get_default_target_layers`: the last norm layer of the backbone; for ViT-like models whose feature
 * is the class token (`out_type == 'cls_token'` or extra tokens > 0), the norm before the final attention block
 * (the third last norm layer, `backbone.layers[-1].ln1` for ViT).
 */
export function defaultTargetLayer(model: AnyModule, { vitLike = false, numExtraTokens = null }: DefaultLayerOptions = {}): TargetLayer {
  const bb = model.namedChildren().find(([n]) => n === 'backbone')?.[1];
  if (!bb) throw new Error('the model has no backbone: pass the target layers explicitly');
  const norms = bb.namedModules('backbone').filter(([, m]) => isNorm(m));
  if (!norms.length) throw new Error('the backbone has no norm layer to choose by default: pass the target layers explicitly');
  if (vitLike) {
    const extra = extraTokensOf(model, numExtraTokens);
    const outType = (bb as { outType?: string }).outType ?? 'avg_featmap';
    if (outType === 'cls_token' || extra > 0) {
      if (norms.length < 3) throw new Error('vit-like: the backbone has fewer than 3 norm layers: pass the target layers explicitly');
      const [name, module] = norms[norms.length - 3];
      return { name, module };
    }
  }
  const [name, module] = norms[norms.length - 1];
  return { name, module };
}

/** One row of the module tree: dotted name, depth, class name and parameter count. */
export interface ModuleRow {
  name: string;
  depth: number;
  type: string;
  numParams: number;
  isNorm: boolean;
}

/** Every module below `model` (not the root), depth first, for the layer picker and `--preview-model`. */
export function moduleTree(model: AnyModule): ModuleRow[] {
  return model
    .namedModules()
    .filter(([n]) => n)
    .map(([name, m]) => ({ name, depth: name.split('.').length - 1, type: m.typeName, numParams: m.numParameters(), isNorm: isNorm(m) }));
}

/** vis_cam's `args.num_extra_tokens or getattr(model.backbone, 'num_extra_tokens', 1)`. */
export function extraTokensOf(model: AnyModule, override: number | null | undefined): number {
  return override || (backboneExtraTokens(model) ?? 1);
}
