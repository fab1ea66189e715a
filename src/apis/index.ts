/**
 * MMPretrain's `mmpretrain/apis` for image classification: list, get and initialise models, and run inference on
 * images (no DOM, no Node: page, worker and tests share it).
 */
export { listModels, getModel, initModel, setShippedConfigs, readConfig, modelIndex, numClassesOf, fnmatch, type InferenceModel, type ListableFS, type CheckpointArg, type InitModelOptions, type GetModelOptions, type ListModelsOptions } from './model';
export { ImageClassificationInferencer, inferenceModel, topk, type ClassificationResult, type ImageInput, type InferencerOptions, type InferencerCallOptions, type TopKEntry } from './image_classification';
export { resolveClasses, classNamesFromText, datasetClassesOf, testDatasetOf, type ClassesSource, type ResolvedClasses } from './class_names';
export { imageSizeFromHeader, checkImageSize, MAX_IMAGE_PIXELS } from './image_size';
export { RELEASED_WEIGHTS, DEFAULT_MODEL, releasedWeightsOf, type ReleasedWeights } from './released';
export { hasModel, modelInfo, listIndexedModels, MODEL_INDEX, type ListIndexedOptions } from './model_hub';
export type { ModelInfo, ModelResult } from './model_index';
export { FeatureExtractor, type Feature, type ImageFeatures, type FeatureCallOptions, type FeatureExtractorOptions } from './feature_extractor';
export { registerModels } from './model_hub';
export { checkpointFor, setCheckpointStore, checkpointStore, downloadCheckpoint, hubUrl, keyOf, hashPrefixOf, progressText, type CheckpointStore, type CheckpointForOptions, type ModelCheckpoint, type DownloadOptions, type DownloadProgress, type DownloadResult } from './hub';
