/**
 * Target layers by MMPretrain module name (`backbone.layer4`, `backbone.layer4.2.conv1`,
 * `backbone.layers[-1].ln1`; `[-1]` and `.2` index forms are equivalent), vis_cam's default target layer, and the
 * module tree its `--preview-model` prints.
 */
import { tf, type Tensor } from '../../backends/tf';
import type { AnyModule } from '../../models/nn/module';
import { closestNames } from '../../utils/closest';

/** Class names mmengine's `is_norm` accepts (`_BatchNorm`, `_InstanceNorm`, `GroupNorm`, `LayerNorm` and subclasses). */
const NORM_BASES = new Set(['_BatchNorm', '_InstanceNorm', 'GroupNorm', 'LayerNorm']);

/** Dropouts (identities at test time) and Identity: their output is another module's. */
const DROPOUTS = new Set(['Dropout', 'DropPath', 'Identity']);

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
  const bb = model.namedChildren().find(([n]) => n === 'backbone')?.[1];
  // A wrapper such as LoRAModel holds the backbone as its `module`.
  const inner = bb?.namedChildren().find(([n]) => n === 'module')?.[1];
  for (const m of [bb, inner] as ({ numExtraTokens?: unknown } | undefined)[]) if (typeof m?.numExtraTokens === 'number') return m.numExtraTokens;
  return null;
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

/**
 * vis_cam's `args.num_extra_tokens or getattr(model.backbone, 'num_extra_tokens', 1)`, except that an explicit 0 means
 * no extra token (the CLI maps `--num-extra-tokens 0` to null to keep vis_cam's `or`).
 */
export function extraTokensOf(model: AnyModule, override: number | null | undefined): number {
  return override ?? backboneExtraTokens(model) ?? 1;
}

/** A target layer the studio proposes, with how its output is read. */
export interface SuggestedLayer extends TargetLayer {
  /** Its output is tokens (N, L, C) to reshape as a square map. */
  vitLike: boolean;
  /** Tokens to drop before the patch tokens. */
  numExtraTokens: number;
  /** Why this layer, in a few words. */
  reason: string;
}

/**
 * A target layer that gives a usable CAM on any backbone family. One probing forward pass of an input of
 * `inputShape` (NCHW) records what every backbone module outputs. vis_cam's own default (the last norm layer; for
 * class-token models the norm before the final attention block) is kept when it runs once and gives a map. It does
 * not on every family: it can be a norm after global pooling (ConvNeXt, EdgeNeXt), a module run twice, or nothing at
 * all (RepVGG deploy, LeNet-5). Then: the backbone module that finishes last among those that run once (dropouts and
 * identities aside) and output a spatial map (NCHW with more than one position) or tokens whose count minus the
 * extra tokens is a square: usually the last stage. A token-only backbone's last norm (MLP-Mixer, RevViT,
 * EfficientFormer's last stage) is read as such a grid, with no token to drop.
 */
export function suggestTargetLayer(model: AnyModule & { call(x: Tensor): unknown }, inputShape: number[]): SuggestedLayer {
  const bb = model.namedChildren().find(([n]) => n === 'backbone')?.[1];
  if (!bb) throw new Error('the model has no backbone: pass the target layers explicitly');
  const extra = backboneExtraTokens(model) ?? 0;
  const modules = bb.namedModules('backbone').filter(([n]) => n !== 'backbone');
  const seen = new Map<string, { calls: number; shape: number[] | null; order: number }>();
  let order = 0;
  const removers = modules.map(([name, m]) =>
    m.registerForwardHook((_m, _in, out) => {
      const r = seen.get(name) ?? { calls: 0, shape: null, order: 0 };
      r.calls++;
      r.shape = out instanceof tf.Tensor ? [...out.shape] : null;
      r.order = order++;
      seen.set(name, r);
    }),
  );
  try {
    tf.tidy(() => {
      model.call(tf.zeros(inputShape));
    });
  } finally {
    for (const remove of removers) remove();
  }
  const square = (n: number) => n > 1 && Math.round(Math.sqrt(n)) ** 2 === n;
  const isMap = (shape: number[]) => shape.length === 4 && shape[1] * shape[2] > 1;
  const isGrid = (shape: number[], drop: number) => shape.length === 3 && square(shape[1] - drop);
  try {
    const vitLike = extra > 0;
    const own = defaultTargetLayer(model, { vitLike, numExtraTokens: extra || null });
    const r = seen.get(own.name);
    if (r?.calls === 1 && r.shape && (isMap(r.shape) || isGrid(r.shape, extra))) {
      // a token-only backbone's last norm (MLP-Mixer's ln1) is read as a grid of tokens with none to drop
      const tokens = vitLike || r.shape.length === 3;
      return { ...own, vitLike: tokens, numExtraTokens: extra, reason: vitLike ? 'the norm before the final attention block (vis_cam default for class-token models)' : 'the last norm layer (vis_cam default)' };
    }
  } catch {
    // no norm layer: choose below
  }
  const byName = new Map(modules);
  if (extra > 0) {
    // vis_cam's rule among the norms that run once and give a token grid: the third last.
    const norms = modules.filter(([n, m]) => isNorm(m) && seen.get(n)?.calls === 1 && isGrid(seen.get(n)!.shape ?? [], extra));
    if (norms.length >= 3) {
      const [name, module] = norms[norms.length - 3];
      return { name, module, vitLike: true, numExtraTokens: extra, reason: 'the norm before the final attention block among those that run once' };
    }
    // A block that runs one norm twice (DeiT3's layers use ln1 before the attention and the FFN, as in MMPretrain):
    // the input of the final block, i.e. the output of the one before it.
    const blocks = modules.filter(([n]) => /^backbone\.layers\.\d+$/.test(n));
    const before = blocks.length >= 2 ? blocks[blocks.length - 2] : null;
    const r = before && seen.get(before[0]);
    if (before && r?.calls === 1 && isGrid(r.shape ?? [], extra)) {
      return { name: before[0], module: before[1], vitLike: true, numExtraTokens: extra, reason: 'the input of the final attention block (its norms run more than once)' };
    }
  }
  // Dropouts are identities here, and an attention's dropout passes on its (N, heads, L, L) weights, no map.
  const ranked = [...seen]
    .filter(([n, r]) => r.calls === 1 && r.shape && !byName.get(n)!.typeNames().some((t) => DROPOUTS.has(t)))
    .sort((a, b) => b[1].order - a[1].order);
  // the one that finishes last, a spatial map or a square grid of tokens (XCiT's last patch-token block, not the
  // patch embedding of MLP-Mixer or RevViT)
  const last = ranked.find(([, r]) => isMap(r.shape!) || isGrid(r.shape!, extra));
  if (last && isMap(last[1].shape!)) return { name: last[0], module: byName.get(last[0])!, vitLike: false, numExtraTokens: 0, reason: 'the last backbone layer with a spatial feature map' };
  if (last) return { name: last[0], module: byName.get(last[0])!, vitLike: true, numExtraTokens: extra, reason: 'the last backbone layer with a square grid of tokens' };
  throw new Error('no backbone layer gives a spatial map or a square grid of tokens: pass the target layers explicitly');
}
