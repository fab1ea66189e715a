/**
 * CAMs of a classifier for an NCHW batch, as pytorch-grad-cam's `BaseCAM.__call__` that vis_cam runs:
 * per target layer the raw map (formulas.ts), ReLU, min-max scaling at feature resolution, resize to the input;
 * layers averaged and rescaled; `aug_smooth` averages horizontal flips × intensity factors [0.9, 1, 1.1]
 * (ttach `HorizontalFlip` × `Multiply`), each CAM flipped back.
 *
 * One activation/gradient capture per layer serves every method asked for, so the panel's side-by-side view
 * costs one forward and one backward pass per layer.
 */
import { tf, type Tensor } from '../../backends/tf';
import type { AnyModule } from '../../models/nn/module';
import { captureLayer, type CamModel } from './activations';
import { camImage, minMaxScale, reluScale, type LayerMaps } from './formulas';
import { resizeBilinearF32 } from './image_ops';
import { parseCamMethod, usesGradients, type CamMethod } from './methods';
import { reshapeToMaps } from './reshape';
import { defaultTargetLayer, extraTokensOf, resolveTargetLayer, type TargetLayer } from './target_layers';

/** Options of {@link computeCams}; keys as vis_cam's arguments. */
export interface CamOptions {
  /** Target layer names (`backbone.layer4`, `backbone.layers[-1].ln1`); default: vis_cam's default layer. */
  targetLayers?: string[] | null;
  /** Category per image, or one for every image; default (null): each image's predicted class. */
  targetCategory?: number[] | number | null;
  /** Project the weighted activations on their first principal component. Default: false. */
  eigenSmooth?: boolean;
  /** Test-time augmentation: flips × intensity factors [0.9, 1, 1.1], averaged. Default: false. */
  augSmooth?: boolean;
  /** Token outputs (N, L, C) reshape to a square map. Default: false. */
  vitLike?: boolean;
  /** Extra tokens dropped before the patch tokens; default: the backbone's `num_extra_tokens` (else 1). */
  numExtraTokens?: number | null;
}

/** One target layer's maps at feature resolution, ReLU'd and min-max scaled per image (what `cam.npy` holds). */
export interface LayerCam {
  name: string;
  /** n × height × width values. */
  maps: Float32Array;
  height: number;
  width: number;
}

/** The CAM of one method for a batch. */
export interface CamResult {
  method: CamMethod;
  layers: LayerCam[];
  /** `grayscale_cam`: n × inputHeight × inputWidth, in [0, 1]. */
  grayscale: Float32Array;
  inputHeight: number;
  inputWidth: number;
  /** Target category per image (of the un-augmented pass). */
  categories: number[];
  /** Class scores of the un-augmented pass (n × numClasses). */
  logits: Float32Array;
  numClasses: number;
}

/** A classifier module that can also name its layers. */
export type CamClassifier = CamModel & AnyModule;

/** Resolves the target layers of `opts` on `model` (the default layer when none is given). */
export function targetLayersOf(model: AnyModule, opts: Pick<CamOptions, 'targetLayers' | 'vitLike' | 'numExtraTokens'> = {}): TargetLayer[] {
  if (opts.targetLayers && opts.targetLayers.length) return opts.targetLayers.map((n) => resolveTargetLayer(model, n));
  return [defaultTargetLayer(model, { vitLike: opts.vitLike, numExtraTokens: opts.numExtraTokens })];
}

interface PassResult {
  perMethod: Map<CamMethod, { layers: LayerCam[]; grayscale: Float32Array }>;
  categories: number[];
  logits: Float32Array;
  numClasses: number;
}

/** One forward/backward pass per layer for the batch `x`, every method computed from it. */
async function camPass(model: CamClassifier, x: Tensor, methods: CamMethod[], layers: TargetLayer[], opts: CamOptions): Promise<PassResult> {
  const [n, , H, W] = x.shape;
  const needGrads = methods.some(usesGradients);
  const perLayer: { name: string; byMethod: Map<CamMethod, Float32Array>; h: number; w: number }[] = [];
  let first: Awaited<ReturnType<typeof captureLayer>> | null = null;
  for (const layer of layers) {
    const cap = await captureLayer(model, x, layer.module, { categories: opts.targetCategory ?? null, withGradients: needGrads });
    first ??= cap;
    const extra = extraTokensOf(model, opts.numExtraTokens);
    const a = reshapeToMaps(cap.activations, cap.shape, { vitLike: opts.vitLike, numExtraTokens: extra });
    const g = cap.gradients ? reshapeToMaps(cap.gradients, cap.shape, { vitLike: opts.vitLike, numExtraTokens: extra }) : null;
    const [, h, w, c] = a.shape;
    const byMethod = new Map<CamMethod, Float32Array>();
    for (const method of methods) {
      const maps = new Float32Array(n * h * w);
      for (let i = 0; i < n; i++) {
        const one: LayerMaps = { activations: a.data.subarray(i * h * w * c, (i + 1) * h * w * c), gradients: g ? g.data.subarray(i * h * w * c, (i + 1) * h * w * c) : null, height: h, width: w, channels: c };
        maps.set(reluScale(camImage(method, one, opts.eigenSmooth)), i * h * w);
      }
      byMethod.set(method, maps);
    }
    perLayer.push({ name: layer.name, byMethod, h, w });
  }
  const perMethod = new Map<CamMethod, { layers: LayerCam[]; grayscale: Float32Array }>();
  for (const method of methods) {
    const grayscale = new Float32Array(n * H * W);
    for (let i = 0; i < n; i++) {
      // scale_cam_image(cam, target_size) per layer, then aggregate_multi_layers: max(·, 0), mean, scale.
      const sum = new Float64Array(H * W);
      for (const l of perLayer) {
        const m = l.byMethod.get(method)!.subarray(i * l.h * l.w, (i + 1) * l.h * l.w);
        const up = resizeBilinearF32(m, l.h, l.w, H, W);
        for (let k = 0; k < H * W; k++) sum[k] += Math.max(up[k], 0);
      }
      for (let k = 0; k < H * W; k++) sum[k] /= perLayer.length;
      grayscale.set(minMaxScale(sum), i * H * W);
    }
    perMethod.set(method, { layers: perLayer.map((l) => ({ name: l.name, maps: l.byMethod.get(method)!, height: l.h, width: l.w })), grayscale });
  }
  return { perMethod, categories: first!.categories, logits: first!.logits, numClasses: first!.numClasses };
}

/** Flips each of `n` maps of h × w left-right (ttach's `deaugment_mask`). */
function flipMaps(maps: Float32Array, n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(maps.length);
  for (let i = 0; i < n * h; i++) for (let c = 0; c < w; c++) out[i * w + c] = maps[i * w + (w - 1 - c)];
  return out;
}

/** The augmentations of `forward_augmentation_smoothing`, in ttach's order. */
export const AUG_SMOOTH_TRANSFORMS: readonly { flip: boolean; factor: number }[] = [false, true].flatMap((flip) => [0.9, 1, 1.1].map((factor) => ({ flip, factor })));

/**
 * CAMs of every method in `methods` for the NCHW batch `x` (a model input, after the data preprocessor).
 * Methods are names as vis_cam accepts them (any case).
 */
export async function computeCams(model: CamClassifier, x: Tensor, methods: (CamMethod | string)[], opts: CamOptions = {}): Promise<CamResult[]> {
  if (x.rank !== 4) throw new Error(`CAM: expected an NCHW batch, got shape [${x.shape}]`);
  const ms = [...new Set(methods.map(parseCamMethod))];
  const layers = targetLayersOf(model, opts);
  const plain = await camPass(model, x, ms, layers, opts);
  const [n, , H, W] = x.shape;
  const grayscale = new Map<CamMethod, Float32Array>();
  if (opts.augSmooth) {
    const sums = new Map(ms.map((m) => [m, new Float64Array(n * H * W)]));
    for (const { flip, factor } of AUG_SMOOTH_TRANSFORMS) {
      let pass = plain;
      if (flip || factor !== 1) {
        const xa = tf.tidy(() => tf.mul(flip ? tf.reverse(x, 3) : x, factor));
        try {
          pass = await camPass(model, xa, ms, layers, opts);
        } finally {
          xa.dispose();
        }
      }
      for (const m of ms) {
        let g = pass.perMethod.get(m)!.grayscale;
        if (flip) g = flipMaps(g, n, H, W);
        const s = sums.get(m)!;
        for (let k = 0; k < s.length; k++) s[k] += g[k];
      }
    }
    for (const m of ms) grayscale.set(m, Float32Array.from(sums.get(m)!, (v) => v / AUG_SMOOTH_TRANSFORMS.length));
  }
  return ms.map((method) => {
    const p = plain.perMethod.get(method)!;
    return { method, layers: p.layers, grayscale: grayscale.get(method) ?? p.grayscale, inputHeight: H, inputWidth: W, categories: plain.categories, logits: plain.logits, numClasses: plain.numClasses };
  });
}

/** The CAM of one method (vis_cam's `cam(input, targets, eigen_smooth, aug_smooth)`). */
export async function computeCam(model: CamClassifier, x: Tensor, method: CamMethod | string, opts: CamOptions = {}): Promise<CamResult> {
  return (await computeCams(model, x, [method], opts))[0];
}
