/**
 * The pipeline an image goes through at test time for a config (MMPretrain's inferencer and vis_cam read
 * `test_dataloader.dataset.pipeline`), and the input size a bare model dict implies.
 */
import type { TransformSpec } from '../datasets/transforms/compose';
import { modelConfigOf } from '../models/builder';

type Dict = Record<string, unknown>;

/** Input side of the model a config's model dict implies when it carries no pipeline (reference `_cfg.json`). */
export function defaultInputSize(cfg: Dict): number {
  const bb = (modelConfigOf(cfg).backbone ?? {}) as Dict;
  if (bb.type === 'ResNet_CIFAR' || bb.type === 'LeNet5') return 32;
  if (typeof bb.img_size === 'number') return bb.img_size;
  return 224;
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
  const pre = (modelConfigOf(cfg).data_preprocessor ?? cfg.data_preprocessor ?? {}) as Dict;
  const gray = Array.isArray(pre.mean) && pre.mean.length === 1;
  const s = defaultInputSize(cfg);
  return {
    pipeline: [{ type: 'LoadImageFromFile', ...(gray ? { color_type: 'grayscale' } : {}) }, { type: 'Resize', scale: [s, s] }, { type: 'PackInputs' }],
    fromConfig: false,
  };
}
