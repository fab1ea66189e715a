/**
 * MMPretrain `tools/visualization/vis_cam.py` as reusable steps (no Node, no DOM: the CLI and the CAM panel's
 * worker share them): the config's test pipeline on an image (tracing how its resizes and crops map the model
 * input back onto the original image), the data preprocessor, and the heat-map blends.
 */
import { tf, type Tensor } from '../../backends/tf';
import { Compose, type TransformSpec } from '../../datasets/transforms/compose';
import type { PackedInput } from '../../datasets/transforms/formatting';
import { pyRound } from '../../datasets/transforms/processing';
import { registerTransforms } from '../../datasets/transforms/register_all';
import type { ImageArray, PixelData } from '../../image/image';
import type { ImageClassifier } from '../../models/classifiers/image';
import { resizeBilinearF32, showCamOnImage } from '../../visualization/cam/image_ops';
import { bgrToRgb, type InputGeometry } from '../../visualization/cam/overlay';

export { bgrToRgb, camOnOriginal, originalOverlayRGB, type InputGeometry } from '../../visualization/cam/overlay';
export { defaultInputShape, defaultInputSize, loadImageStep, testPipelineOf } from '../../apis/test_pipeline';

type Dict = Record<string, unknown>;

/** The image through the test pipeline, as vis_cam prepares it. */
export interface CamSample {
  /** `data['inputs']`: the packed CHW uint8 model input before the data preprocessor. */
  packed: PackedInput;
  /** The loaded image before any transform (BGR, as LoadImageFromFile gives). */
  original: ImageArray<PixelData>;
  geometry: InputGeometry | null;
  /** Transform names, with a note on each one that changed the geometry. */
  steps: string[];
}

const RESIZES = new Set(['Resize', 'ResizeEdge', 'Rescale', 'Scale']);
const CENTER_CROPS = new Set(['CenterCrop']);

function sizeOf(results: Dict): [number, number] | null {
  const img = results.img as ImageArray<PixelData> | undefined;
  return img && typeof img.width === 'number' ? [img.width, img.height] : null;
}

/** Runs `pipeline` on an image file's bytes, tracing the geometry; throws naming the step that failed. */
export async function prepareCamSample(pipeline: TransformSpec[], bytes: Uint8Array, name: string): Promise<CamSample> {
  registerTransforms();
  const compose = new Compose(pipeline, { seed: 0 });
  let results: Dict | null = { img_path: name, img_bytes: bytes, rng: compose.rng };
  let original: ImageArray<PixelData> | null = null;
  let geometry: InputGeometry | null = { ax: 1, bx: 0, ay: 1, by: 0 };
  const steps: string[] = [];
  for (const t of compose.transforms) {
    const before = sizeOf(results!);
    results = (await t.transformAsync(results!)) as Dict | null;
    if (!results) throw new Error(`the test pipeline dropped the image at ${t.typeName}`);
    const after = sizeOf(results);
    if (!original && after) original = results.img as ImageArray<PixelData>;
    let note = '';
    if (before && after && (before[0] !== after[0] || before[1] !== after[1])) {
      const [w0, h0] = before;
      const [w1, h1] = after;
      if (geometry && RESIZES.has(t.typeName)) {
        const sx = w0 / w1;
        const sy = h0 / h1;
        // x_prev = (x + 0.5)·s − 0.5
        geometry = { ax: geometry.ax * sx, bx: geometry.ax * (0.5 * sx - 0.5) + geometry.bx, ay: geometry.ay * sy, by: geometry.ay * (0.5 * sy - 0.5) + geometry.by };
        note = ` (resize ${w0}×${h0} → ${w1}×${h1})`;
      } else if (geometry && CENTER_CROPS.has(t.typeName) && w1 <= w0 && h1 <= h0) {
        const x1 = Math.max(0, pyRound((w0 - w1) / 2));
        const y1 = Math.max(0, pyRound((h0 - h1) / 2));
        geometry = { ax: geometry.ax, bx: geometry.ax * x1 + geometry.bx, ay: geometry.ay, by: geometry.ay * y1 + geometry.by };
        note = ` (crop ${w1}×${h1} at ${x1}, ${y1})`;
      } else {
        geometry = null;
        note = ` (changes the geometry: the heat map stays on the model input)`;
      }
    }
    steps.push(t.typeName + note);
  }
  const packed = results!.inputs as PackedInput | undefined;
  if (!packed || Array.isArray(packed)) throw new Error('the test pipeline must end with PackInputs (one input per image)');
  if (!original) throw new Error('the test pipeline has no LoadImageFromFile');
  return { packed, original, geometry, steps };
}

/** `model.data_preprocessor(default_collate([data]), False)['inputs']` for one packed sample. */
export function modelInputOf(model: ImageClassifier, packed: PackedInput): Tensor {
  const raw = tf.tensor(Float32Array.from(packed.data as ArrayLike<number>), [1, ...packed.shape], 'float32');
  try {
    return model.dataPreprocessor.forward({ inputs: raw }, false).inputs;
  } finally {
    raw.dispose();
  }
}

/** vis_cam's `src_img`: the packed CHW input as HWC float in [0, 1] with 3 channels (gray replicated), and its size. */
export function sourceImage(packed: PackedInput): { data: Float32Array; height: number; width: number } {
  const [c, h, w] = packed.shape;
  const src = packed.data as ArrayLike<number>;
  const out = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) out[(y * w + x) * 3 + k] = Math.fround(src[(c === 1 ? 0 : k) * h * w + y * w + x] / 255);
    }
  }
  return { data: out, height: h, width: w };
}

/**
 * `show_cam_grad`: the grayscale CAM (h × w, the model input's size) blended over the model input image
 * (`heatAlpha` = 1 − image_weight; vis_cam's 0.5 default). Returns RGB bytes (vis_cam writes the BGR twin).
 */
export function camOverlayRGB(packed: PackedInput, grayscale: Float32Array, heatAlpha = 0.5): Uint8Array {
  const src = sourceImage(packed);
  const bgr = showCamOnImage(src.data, grayscale, { imageWeight: 1 - heatAlpha, channelOrder: 'bgr' });
  return bgrToRgb(bgr);
}

/** Upsamples feature-resolution maps (n × h × w) to the input size as scale_cam_image's resize does. */
export function upsampleMaps(maps: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const n = maps.length / (h * w);
  const out = new Float32Array(n * H * W);
  for (let i = 0; i < n; i++) out.set(resizeBilinearF32(maps.subarray(i * h * w, (i + 1) * h * w), h, w, H, W), i * H * W);
  return out;
}
