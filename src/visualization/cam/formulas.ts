/**
 * The CAM formulas of pytorch-grad-cam 1.4 (`get_cam_weights` / `get_cam_image` of each method), on one image's
 * target-layer activations A and gradients G stored channels-last (hw × c, the engine's NHWC order).
 * Plain numbers, no tfjs: the same code runs on every backend's downloaded maps.
 */
import { firstComponentProjection } from './projection';
import type { CamMethod } from './methods';

/** One image's activations (and gradients) of the target layer: `hw·c` values each, channels last. */
export interface LayerMaps {
  activations: Float32Array;
  gradients: Float32Array | null;
  height: number;
  width: number;
  channels: number;
}

/** `eps` of GradCAM++'s α denominator and XGradCAM's normaliser (1e-7, as the reference script). */
export const CAM_EPS = 1e-7;

/** Per-channel weights w_c of the weight-based methods (GradCAM, GradCAM++, XGradCAM). */
export function camWeights(method: 'GradCAM' | 'GradCAM++' | 'XGradCAM', maps: LayerMaps): Float64Array {
  const { activations: a, height, width, channels: c } = maps;
  const g = requireGradients(maps, method);
  const hw = height * width;
  const w = new Float64Array(c);
  if (method === 'GradCAM') {
    for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) w[j] += g[i * c + j];
    for (let j = 0; j < c; j++) w[j] /= hw;
    return w;
  }
  const sumA = new Float64Array(c);
  for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) sumA[j] += a[i * c + j];
  if (method === 'XGradCAM') {
    // Σ_hw g·A / (Σ_hw A + eps)
    for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) w[j] += (g[i * c + j] * a[i * c + j]) / (sumA[j] + CAM_EPS);
    return w;
  }
  // GradCAM++: α = g² / (2g² + ΣA·g³ + eps), zero where g = 0; w = Σ_hw relu(g)·α
  for (let i = 0; i < hw; i++) {
    for (let j = 0; j < c; j++) {
      const gi = g[i * c + j];
      if (gi === 0) continue;
      const g2 = gi * gi;
      const alpha = g2 / (2 * g2 + sumA[j] * g2 * gi + CAM_EPS);
      if (gi > 0) w[j] += gi * alpha;
    }
  }
  return w;
}

/**
 * The raw CAM of one image at feature resolution (before ReLU and scaling), as `get_cam_image`:
 * Σ_c w_c A_c for weight methods; Σ_c relu(g)·A for LayerCAM; the first principal component of A (EigenCAM),
 * of g·A (EigenGradCAM) — and with `eigenSmooth`, the first principal component of the weighted activations.
 */
export function camImage(method: CamMethod, maps: LayerMaps, eigenSmooth = false): Float64Array {
  const { activations: a, height, width, channels: c } = maps;
  const hw = height * width;
  if (method === 'EigenCAM') return firstComponentProjection(a, hw, c);
  const weighted = new Float64Array(hw * c);
  if (method === 'EigenGradCAM' || method === 'LayerCAM') {
    const g = requireGradients(maps, method);
    for (let k = 0; k < hw * c; k++) weighted[k] = (method === 'LayerCAM' ? Math.max(g[k], 0) : g[k]) * a[k];
    if (method === 'EigenGradCAM' || eigenSmooth) return firstComponentProjection(weighted, hw, c);
  } else {
    const w = camWeights(method, maps);
    for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) weighted[i * c + j] = w[j] * a[i * c + j];
    if (eigenSmooth) return firstComponentProjection(weighted, hw, c);
  }
  const cam = new Float64Array(hw);
  for (let i = 0; i < hw; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += weighted[i * c + j];
    cam[i] = s;
  }
  return cam;
}

/** `scale_cam_image` without resize: `cam -= min; cam /= 1e-7 + max`, in float32. */
export function minMaxScale(cam: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(cam);
  let min = Infinity;
  for (const v of out) if (v < min) min = v;
  let max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    out[i] = out[i] - min;
    if (out[i] > max) max = out[i];
  }
  const d = Math.fround(1e-7 + max);
  for (let i = 0; i < out.length; i++) out[i] = out[i] / d;
  return out;
}

/** relu then min-max scaling: the per-layer map at feature resolution that `cam.npy` holds. */
export function reluScale(cam: ArrayLike<number>): Float32Array {
  const r = new Float64Array(cam.length);
  for (let i = 0; i < cam.length; i++) r[i] = Math.max(cam[i], 0);
  return minMaxScale(r);
}

function requireGradients(maps: LayerMaps, method: CamMethod): Float32Array {
  if (!maps.gradients) throw new Error(`${method} needs the gradients of the target layer`);
  return maps.gradients;
}
