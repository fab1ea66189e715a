/** Registers every dataset, dataset wrapper and sampler of `src/datasets` (explicit lists, as MMPretrain's `__init__`). */
import { DATASETS } from '../registry';
import type { Constructor } from '../registry';
import { BaseDataset } from './base_dataset';
import { CIFAR10, CIFAR100 } from './cifar';
import { FashionMNIST, MNIST } from './mnist';
import { CustomDataset } from './custom';
import { ImageNet, ImageNet21k } from './imagenet';
import { ClassBalancedDataset, ConcatDataset, KFoldDataset, RepeatDataset } from './dataset_wrappers';
import { MultiLabelDataset } from './multi_label';
import { VOC } from './voc';
import { CUB } from './cub';
import { Caltech101, FGVCAircraft, Food101, OxfordIIITPet, Places205, SUN397 } from './fine_grained';
import { DTD, Flowers102, StanfordCars } from './mat_datasets';
import { registerSamplers } from './samplers/register_all';

const datasets: Array<[string, Constructor]> = [
  ['BaseDataset', BaseDataset],
  ['CIFAR10', CIFAR10],
  ['CIFAR100', CIFAR100],
  ['MNIST', MNIST],
  ['FashionMNIST', FashionMNIST],
  ['CustomDataset', CustomDataset],
  ['ImageNet', ImageNet],
  ['ImageNet21k', ImageNet21k],
  ['MultiLabelDataset', MultiLabelDataset],
  ['VOC', VOC],
  ['CUB', CUB],
  ['Food101', Food101],
  ['Caltech101', Caltech101],
  ['OxfordIIITPet', OxfordIIITPet],
  ['FGVCAircraft', FGVCAircraft],
  ['SUN397', SUN397],
  ['Places205', Places205],
  ['Flowers102', Flowers102],
  ['DTD', DTD],
  ['StanfordCars', StanfordCars],
  ['ConcatDataset', ConcatDataset],
  ['RepeatDataset', RepeatDataset],
  ['ClassBalancedDataset', ClassBalancedDataset],
  ['KFoldDataset', KFoldDataset],
];

let done = false;

/** Adds the datasets and wrappers to `DATASETS` and the samplers to `DATA_SAMPLERS` (idempotent). */
export function registerDatasets(): void {
  if (done) return;
  done = true;
  for (const [name, ctor] of datasets) DATASETS.registerClass(name, ctor);
  registerSamplers();
}
