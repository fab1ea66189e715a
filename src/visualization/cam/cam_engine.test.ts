/** CAM building blocks: layer names, default layers, vit-like reshape, projection, jet colour map, blends, ViT CAMs. */
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { buildClassifier } from '../../models/builder';
import { captureLayer } from './activations';
import { camImage, minMaxScale } from './formulas';
import { applyJet, JET_LUT_BGR, resizeBilinearF32, showCamOnImage } from './image_ops';
import { parseCamMethod } from './methods';
import { camOnOriginal } from './overlay';
import { firstComponentProjection } from './projection';
import { reshapeToMaps } from './reshape';
import { defaultTargetLayer, layerPathSegments, moduleTree, resolveTargetLayer } from './target_layers';
import { computeCams, CAM_METHODS } from './index';

const RESNET = {
  type: 'ImageClassifier',
  backbone: { type: 'ResNet_CIFAR', depth: 18, num_stages: 4, out_indices: [3], style: 'pytorch', stem_channels: 8, base_channels: 8 },
  neck: { type: 'GlobalAveragePooling' },
  head: { type: 'LinearClsHead', num_classes: 4, in_channels: 64, loss: { type: 'CrossEntropyLoss' } },
};
const VIT = {
  type: 'ImageClassifier',
  backbone: { type: 'VisionTransformer', arch: { embed_dims: 32, num_layers: 2, num_heads: 2, feedforward_channels: 64 }, img_size: 32, patch_size: 8 },
  neck: null,
  head: { type: 'VisionTransformerClsHead', num_classes: 5, in_channels: 32, loss: { type: 'CrossEntropyLoss' } },
};

/** Seeded values in [-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerTrainingKernels('wasm');
});

describe('target layers', () => {
  it('index forms [-1] and .N are equivalent; names come back canonical', () => {
    const model = buildClassifier(RESNET);
    expect(layerPathSegments('backbone.layers[-1].ln1')).toEqual(['backbone', 'layers', '-1', 'ln1']);
    expect(resolveTargetLayer(model, 'backbone.layer4[-1]').name).toBe('backbone.layer4.1');
    expect(resolveTargetLayer(model, 'backbone.layer4.-1.conv1').name).toBe('backbone.layer4.1.conv1');
    expect(resolveTargetLayer(model, 'backbone.layer4.1.conv1').module).toBe(resolveTargetLayer(model, 'backbone.layer4[1].conv1').module);
    expect(() => resolveTargetLayer(model, 'backbone.layer4.1.bn3')).toThrow(/Cannot get the layer "backbone.layer4.1.bn3".*children: conv1, bn1, conv2, bn2, relu.*Did you mean: backbone.layer4.1.bn1/s);
    expect(() => resolveTargetLayer(model, 'backbone.layer9')).toThrow(/has no child "layer9"/);
    expect(defaultTargetLayer(model).name).toBe('backbone.layer4.1.bn2');
    const tree = moduleTree(model);
    expect(tree.find((r) => r.name === 'backbone.layer4.1.bn2')).toMatchObject({ depth: 3, type: 'BatchNorm2d', isNorm: true });
    model.dispose();
  });

  it('ViT: the default target is backbone.layers[-1].ln1 with --vit-like (the norm before the last attention)', () => {
    const model = buildClassifier(VIT);
    expect(defaultTargetLayer(model, { vitLike: true }).name).toBe('backbone.layers.1.ln1');
    expect(defaultTargetLayer(model).name).toBe('backbone.ln1');
    model.dispose();
  });

  it('method names are case-insensitive; unknown ones list the supported names', () => {
    expect(parseCamMethod('gradcam++')).toBe('GradCAM++');
    expect(parseCamMethod('EIGENGRADCAM')).toBe('EigenGradCAM');
    expect(() => parseCamMethod('ScoreCAM')).toThrow('invalid CAM type ScoreCAM, supports gradcam, gradcam++, xgradcam, eigencam, eigengradcam, layercam');
  });
});

describe('reshape_transform', () => {
  it('drops the extra tokens and makes a square map (batch kept apart)', () => {
    const data = Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => i);
    const { data: out, shape } = reshapeToMaps(data, [2, 5, 3], { vitLike: true, numExtraTokens: 1 });
    expect(shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(out.subarray(0, 3))).toEqual([3, 4, 5]);
    expect(Array.from(out.subarray(12, 15))).toEqual([18, 19, 20]);
    expect(() => reshapeToMaps(data, [2, 5, 3], { numExtraTokens: 1 })).toThrow("if it's a vit-like backbone, please specify `--vit-like`");
    expect(() => reshapeToMaps(data, [2, 5, 3], { vitLike: true, numExtraTokens: 2 })).toThrow('minus num-extra-tokens (2) is 3, which is not a perfect square');
    expect(() => reshapeToMaps(data, [30], { numExtraTokens: 0 })).toThrow('Unsupported tensor shape [30]');
  });
});

describe('first principal component', () => {
  it('equals the power-iterated top right singular vector projection, whichever Gram side is smaller', () => {
    for (const [hw, c] of [[12, 5], [6, 20]]) {
      const a = seeded(hw * c, hw + c);
      const p = firstComponentProjection(a, hw, c);
      // reference: power iteration on the centred matrix
      const m = Float64Array.from(a);
      for (let j = 0; j < c; j++) {
        let mean = 0;
        for (let i = 0; i < hw; i++) mean += m[i * c + j] / hw;
        for (let i = 0; i < hw; i++) m[i * c + j] -= mean;
      }
      let v = new Float64Array(c).fill(1);
      for (let it = 0; it < 2000; it++) {
        const mv = new Float64Array(hw);
        for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) mv[i] += m[i * c + j] * v[j];
        const next = new Float64Array(c);
        for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) next[j] += m[i * c + j] * mv[i];
        const norm = Math.hypot(...next);
        v = next.map((x) => x / norm);
      }
      const q = new Float64Array(hw);
      for (let i = 0; i < hw; i++) for (let j = 0; j < c; j++) q[i] += m[i * c + j] * v[j];
      const sign = Math.sign(q[0]) * Math.sign(p[0]);
      for (let i = 0; i < hw; i++) expect(p[i] * sign).toBeCloseTo(q[i], 6);
    }
  });
});

describe('colour map and blends (OpenCV / pytorch-grad-cam semantics)', () => {
  it("COLORMAP_JET's ends and midpoints", () => {
    const bgr = (i: number) => Array.from(JET_LUT_BGR.subarray(i * 3, i * 3 + 3));
    expect(bgr(0)).toEqual([128, 0, 0]);
    expect(bgr(255)).toEqual([0, 0, 128]);
    expect(bgr(32)).toEqual([255, 0, 0]);
    expect(bgr(128)[1]).toBe(255);
    expect(Array.from(applyJet([0, 1], 'rgb'))).toEqual([0, 0, 128, 128, 0, 0]);
  });

  it('show_cam_on_image: (1 − w)·heat + w·img, divided by its max, truncated to uint8', () => {
    const img = new Float32Array([0.2, 0.4, 0.6]);
    const out = showCamOnImage(img, [0], { imageWeight: 0.5 });
    // heat = (128, 0, 0)/255; cam = 0.5·heat + 0.5·img = (0.35098, 0.2, 0.3); / max → ×255
    const cam = [0.5 * (128 / 255) + 0.1, 0.2, 0.3];
    const max = Math.max(...cam);
    expect(Array.from(out)).toEqual(cam.map((v) => Math.trunc((255 * v) / max)));
    expect(() => showCamOnImage(new Float32Array([2, 0, 0]), [0])).toThrow('range [0, 1]');
  });

  it('cv2 INTER_LINEAR resize of a float map: half-pixel centres, replicated border', () => {
    const up = resizeBilinearF32(new Float32Array([0, 1]), 1, 2, 1, 4);
    expect(Array.from(up)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('a map carried back through resize + centre crop lands where the crop was', () => {
    // input 4×4 was cropped at (x=2, y=0) from an 8×4 image
    const gray = Float32Array.from({ length: 16 }, (_, i) => (i % 4) / 3);
    const mapped = camOnOriginal(gray, 4, 4, { ax: 1, bx: 2, ay: 1, by: 0 }, 4, 8);
    expect(Array.from(mapped.subarray(0, 8)).map((v) => Math.round(v * 3))).toEqual([-3, -3, 0, 1, 2, 3, -3, -3]);
  });
});

describe('CAMs end to end', () => {
  it('GradCAM maps follow the formulas from captured activations/gradients; eigen smooth and aug smooth run leak-free', async () => {
    const model = buildClassifier(RESNET, { seed: 3 });
    model.eval();
    const x = tf.tensor4d(seeded(2 * 3 * 16 * 16, 7), [2, 3, 16, 16]);
    await computeCams(model, x, ['GradCAM']);
    const before = tf.memory().numTensors;
    const plain = await computeCams(model, x, [...CAM_METHODS], { targetLayers: ['backbone.layer3'] });
    const smooth = await computeCams(model, x, ['GradCAM', 'LayerCAM'], { targetLayers: ['backbone.layer3'], eigenSmooth: true, augSmooth: true });
    expect(tf.memory().numTensors).toBe(before);
    const cap = await captureLayer(model, x, resolveTargetLayer(model, 'backbone.layer3').module);
    const [, h, w, c] = cap.shape;
    const one = { activations: cap.activations.subarray(0, h * w * c), gradients: cap.gradients!.subarray(0, h * w * c), height: h, width: w, channels: c };
    const want = minMaxScale(camImage('GradCAM', one).map((v) => Math.max(v, 0)));
    expect(Array.from(plain[0].layers[0].maps.subarray(0, h * w))).toEqual(Array.from(want));
    for (const r of [...plain, ...smooth]) {
      expect(r.grayscale.length).toBe(2 * 16 * 16);
      expect(Math.max(...r.grayscale)).toBeLessThanOrEqual(1);
      expect(Math.min(...r.grayscale)).toBeGreaterThanOrEqual(0);
    }
    expect(smooth[0].grayscale).not.toEqual(plain[0].grayscale);
    x.dispose();
    model.dispose();
  });

  it('ViT (vit-like, default layer): gradients through attention agree with finite differences; 4×4 maps', async () => {
    const model = buildClassifier(VIT, { seed: 5 });
    model.eval();
    const x = tf.tensor4d(seeded(3 * 32 * 32, 11), [1, 3, 32, 32]);
    const [r] = await computeCams(model, x, ['GradCAM'], { vitLike: true });
    expect(r.layers[0].name).toBe('backbone.layers.1.ln1');
    expect([r.layers[0].height, r.layers[0].width]).toEqual([4, 4]);
    const layer = resolveTargetLayer(model, 'backbone.layers[-1].ln1').module;
    const cap = await captureLayer(model, x, layer, { categories: 2 });
    expect(cap.shape).toEqual([1, 17, 32]);
    // finite difference of logit 2 along the gradient's largest entries, by re-running with a perturbed token
    const logitWith = (delta: Float32Array) =>
      tf.tidy(() => {
        const a = tf.tensor(cap.activations.map((v, i) => v + delta[i]), cap.shape);
        const own = layer as unknown as { forward: unknown };
        own.forward = () => a;
        try {
          return (tf.slice(model.call(x) as tf.Tensor, [0, 2], [1, 1]).dataSync() as Float32Array)[0];
        } finally {
          delete (own as { forward?: unknown }).forward;
        }
      });
    const g = cap.gradients!;
    const k = g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]) ? i : best), 0);
    const eps = 1e-2;
    const d = new Float32Array(g.length);
    d[k] = eps;
    const up = logitWith(d);
    d[k] = -eps;
    const down = logitWith(d);
    expect((up - down) / (2 * eps)).toBeCloseTo(g[k], 2);
    x.dispose();
    model.dispose();
  });
});
