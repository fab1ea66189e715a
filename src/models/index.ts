/**
 * MMPretrain models on tfjs: the module system (`nn`), classifiers, backbones, necks, heads, losses and the
 * data preprocessor, registered in `MODELS` by `registerModels()`.
 */
export * as nn from './nn';
export { Module, Identity, type AnyModule, type ForwardHook } from './nn/module';
export type { StateDict, StateDictEntry, LoadReport } from './nn/state_dict';
export { formatLoadReport, isCleanLoad } from './nn/state_dict';
export { initWeights, pretrainedSource, type InitCfg } from './nn/init';
export { toNCHW, toNHWC } from './nn/layout';
export { ImageClassifier, type FeatStage, type ForwardMode } from './classifiers/image';
export { ClsDataPreprocessor, type PreprocessorInput, type PreprocessorOutput } from './utils/data_preprocessor';
export { fuseConvBn, foldBatchNorm } from './utils/fuse_conv_bn';
export { buildClassifier, modelConfigOf } from './builder';
export { registerModels } from './register_all';
export type { DataSample } from './structures';
export * from './backbones';
export * from './losses';
