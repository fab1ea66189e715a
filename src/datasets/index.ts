/**
 * Datasets (MMPretrain `mmpretrain/datasets` + mmengine's `dataset`): built-in datasets, wrappers, samplers,
 * the batch iterator and verify-dataset. Everything reads files through `src/fileio/sources` (mount dropped files
 * there in the browser). Call `registerDatasets()` (or `registerAll()`) before building from configs.
 */
export type { DataInfo, Dataset, Metainfo, RawImage } from './types';
export { BaseDataset, BASE_DATASET_KEYS, subsetOf, type BaseDatasetOptions, type DatasetContext, type RefetchEvent } from './base_dataset';
export { CustomDataset, IMG_EXTENSIONS, type CustomDatasetOptions } from './custom';
export { ImageNet, ImageNet21k, type ImageNetOptions } from './imagenet';
export { CIFAR10, CIFAR100, parseCifarBinary, parseCifarPickle, planesToImages, type CifarOptions } from './cifar';
export { MNIST, FashionMNIST, parseIdx, type MnistOptions, type IdxArray } from './mnist';
export { MultiLabelDataset } from './multi_label';
export { VOC, parseVocObjects, type VOCOptions, type VocObject } from './voc';
export { CUB, type CUBOptions } from './cub';
export { Flowers102, DTD, StanfordCars, type MatDatasetOptions } from './mat_datasets';
export { loadMat, type MatValue } from './utils/matlab';
export { Food101, Caltech101, OxfordIIITPet, FGVCAircraft, SUN397, Places205, type SplitListOptions } from './fine_grained';
export {
  ConcatDataset,
  RepeatDataset,
  ClassBalancedDataset,
  KFoldDataset,
  classBalancedRepeatFactors,
  type ConcatDatasetOptions,
  type RepeatDatasetOptions,
  type ClassBalancedDatasetOptions,
  type KFoldDatasetOptions,
} from './dataset_wrappers';
export { DefaultSampler, InfiniteSampler, SequentialSampler, type DefaultSamplerOptions, type InfiniteSamplerOptions, type SequentialSamplerOptions } from './samplers/default_sampler';
export { RepeatAugSampler, type RepeatAugSamplerOptions } from './samplers/repeat_aug';
export type { Sampler, SamplerContext } from './samplers/sampler';
export { DataLoader, buildDataLoader, type Batch, type DataLoaderOptions, type DataLoaderConfig } from './data_loader';
export { pseudoCollate, defaultCollate, stackPacked, COLLATE_FUNCTIONS, type CollateFn, type PackedArray } from './collate';
export { Pipeline, type PipelineStep, type PipelineOptions, type TransformFn } from './pipeline';
export { buildDataset } from './builder';
export { classHistogram, type ClassHistogram } from './analysis';
export { WorkerDataLoader, serveDataLoader, transferables, LoaderCommands, type LoaderInit, type LoaderMount, type LoaderRequest, type LoaderEvent, type PortLike } from './data_loader_remote';
export { createVerifyHandler, VerifyCommands, type VerifyRequest, type VerifyEvent, type MountSpec } from './verify_dataset_remote';
export { verifyDataset, phaseDatasetConfig, stripPipelines, brokenFilesLog, type BrokenFile, type VerifyOptions, type VerifyResult } from './verify_dataset';
export { numpyShuffle, NumpyPCG64 } from './utils/numpy_random';
export * from './categories';
export { registerDatasets } from './register_all';
