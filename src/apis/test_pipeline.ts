/**
 * The pipeline an image goes through at test time for a config (MMPretrain's inferencer and vis_cam read
 * `test_dataloader.dataset.pipeline`), and the input size a bare model dict implies.
 */
import type { TransformSpec } from '../datasets/transforms/compose';
import { modelConfigOf } from '../models/builder';

type Dict = Record<string, unknown>;

/** The config's data preprocessor dict (the model's, else the top-level one), `{}` when it has none. */
export function dataPreprocessorOf(cfg: Dict): Dict {
  return (modelConfigOf(cfg).data_preprocessor ?? cfg.data_preprocessor ?? {}) as Dict;
}

/** `LoadImageFromFile`, grayscale where the preprocessor normalises one channel (MNIST's LeNet-5). */
export function loadImageStep(cfg: Dict): TransformSpec {
  const { mean } = dataPreprocessorOf(cfg);
  return { type: 'LoadImageFromFile', ...(Array.isArray(mean) && mean.length === 1 ? { color_type: 'grayscale' } : {}) };
}

/**
 * (H, W) of the model a config's model dict implies when it carries no pipeline (reference `_cfg.json`): the
 * backbone's `img_size` (a side or MMPretrain's `to_2tuple` pair; TinyViT, Swin and others fix their token grid to
 * it), 32 for the CIFAR / MNIST backbones, else 224.
 */
export function defaultInputSize(cfg: Dict): [number, number] {
  const bb = (modelConfigOf(cfg).backbone ?? {}) as Dict;
  if (bb.type === 'ResNet_CIFAR' || bb.type === 'LeNet5') return [32, 32];
  const size = bb.img_size;
  if (typeof size === 'number') return [size, size];
  if (Array.isArray(size) && size.length === 2 && size.every((v) => typeof v === 'number')) return [size[0] as number, size[1] as number];
  return [224, 224];
}

/** (C, H, W) of a probe input: the data preprocessor's channel count (its mean's length) and {@link defaultInputSize}. */
export function defaultInputShape(cfg: Dict): [number, number, number] {
  const { mean } = dataPreprocessorOf(cfg);
  return [Array.isArray(mean) ? mean.length : 3, ...defaultInputSize(cfg)];
}

/**
 * The pipeline vis_cam runs: `cfg.test_dataloader.dataset.pipeline` (else `test_pipeline`); a bare model dict gets
 * LoadImageFromFile (grayscale for one-channel preprocessors) → Resize to the backbone's input size → PackInputs.
 */
export function testPipelineOf(cfg: Dict): { pipeline: TransformSpec[]; fromConfig: boolean } {
  const loader = cfg.test_dataloader as Dict | undefined;
  const fromLoader = (loader?.dataset as Dict | undefined)?.pipeline;
  const list = (Array.isArray(fromLoader) ? fromLoader : Array.isArray(cfg.test_pipeline) ? cfg.test_pipeline : null) as TransformSpec[] | null;
  if (list) return { pipeline: list, fromConfig: true };
  const [h, w] = defaultInputSize(cfg);
  return {
    // Resize's scale is (w, h)
    pipeline: [loadImageStep(cfg), { type: 'Resize', scale: [w, h] }, { type: 'PackInputs' }],
    fromConfig: false,
  };
}
