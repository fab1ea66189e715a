/** Data transforms with MMPretrain's names and semantics: the public API of `src/datasets/transforms`. */
export { BaseTransform, parseOptions, requireImage, type Results, type TransformCfg } from './base';
export { Compose, buildTransform, runWithIntermediates, type TransformSpec, type ComposeOptions, type CallOptions, type IntermediateStep } from './compose';
export * from './processing';
export * from './auto_augment';
export { SimMIMMaskGenerator, BEiTMaskGenerator, type MaskGrid } from './processing_masks';
export { PackInputs, Collect, Transpose, NumpyToPIL, PILToNumpy, hwcToChw, DEFAULT_META_KEYS, type PackedInput, type PackedResults } from './formatting';
export { LoadImageFromFile, setFileReader, type FileReader } from './loading';
export { MultiView, RandomApply, RandomChoice } from './wrappers';
export { getTransformIdx, removeTransform } from './utils';
export { registerTransforms } from './register_all';
