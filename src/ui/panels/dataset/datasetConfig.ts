/**
 * The Dataset panel's dataset config, free of React: what kind of dataset the dropped files hold (MNIST IDX files,
 * CIFAR batches, class folders of images), and the phase's dataset config of the current config re-pointed at
 * them (its pipeline kept; type, data_root and split from the drop).
 */
import type { BuildConfig } from '../../../registry';
import { IMG_EXTENSIONS } from '../../../datasets/custom';
import { pipelineOf, type BrowsePhase, type ChannelOrder } from '../../../tools/visualization/browse_dataset';

/** Where dropped files are mounted in the panel's file system. */
export const DROP_MOUNT = 'drop';

export type DroppedKind = 'MNIST' | 'CIFAR10' | 'CIFAR100' | 'CustomDataset';

/** What the drop looks like. */
export interface DatasetGuess {
  kind: DroppedKind;
  /** `data_root` for the dataset (under {@link DROP_MOUNT}). */
  data_root: string;
  /** Set when the drop only holds one split (MNIST / CIFAR test files only). */
  split?: 'train' | 'test';
  /** How the dataset's `img` channels are stored (CIFAR gives RGB; loaded files are BGR). */
  channelOrder: ChannelOrder;
  /** A line for the user: what was recognised. */
  description: string;
}

/** The shipped `_base_` dataset config whose pipelines serve when no config is chosen. */
export const DEFAULT_BASE_CONFIG: Record<DroppedKind, string> = {
  MNIST: 'configs/_base_/datasets/mnist_bs128.py',
  CIFAR10: 'configs/_base_/datasets/cifar10_bs16.py',
  CIFAR100: 'configs/_base_/datasets/cifar100_bs16.py',
  CustomDataset: 'configs/_base_/datasets/imagenet_bs32.py',
};

/** Dataset types that read the same files as each kind (a config's type among them is kept). */
const FAMILIES: Record<DroppedKind, string[]> = {
  MNIST: ['MNIST', 'FashionMNIST'],
  CIFAR10: ['CIFAR10'],
  CIFAR100: ['CIFAR100'],
  // a dropped folder defines its own classes: ImageNet & co. would insist on their 1000 / 21k / 205
  CustomDataset: ['CustomDataset'],
};

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function join(...parts: string[]): string {
  return parts.filter(Boolean).join('/');
}

function isImage(path: string): boolean {
  const lower = path.toLowerCase();
  return IMG_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Longest common folder of several folders ('' when none). */
export function commonFolder(dirs: string[]): string {
  if (!dirs.length) return '';
  let parts = dirs[0].split('/').filter(Boolean);
  for (const d of dirs.slice(1)) {
    const q = d.split('/').filter(Boolean);
    let k = 0;
    while (k < parts.length && k < q.length && parts[k] === q[k]) k++;
    parts = parts.slice(0, k);
  }
  return parts.join('/');
}

/**
 * Recognises a dataset among dropped file paths (relative to the drop; archive members as `a.zip/inner/path`).
 * Null when nothing is recognised.
 */
export function detectDataset(paths: readonly string[], mount = DROP_MOUNT): DatasetGuess | null {
  const mnist = paths.filter((p) => /(^|\/)(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/.test(p));
  if (mnist.some((p) => /images-idx3/.test(p))) {
    const root = dirOf(mnist.find((p) => /images-idx3/.test(p))!);
    const hasTrain = mnist.some((p) => /(^|\/)train-images/.test(p));
    return { kind: 'MNIST', data_root: join(mount, root), ...(hasTrain ? {} : { split: 'test' as const }), channelOrder: 'BGR', description: `MNIST-style IDX files${hasTrain ? '' : ' (test split only)'} in ${join(mount, root)}` };
  }
  const cifar10 = paths.filter((p) => /(^|\/)(data_batch_[1-5]|test_batch)(\.bin)?$/.test(p) || /(^|\/)cifar-10-(binary|python)\.tar\.gz$/.test(p));
  if (cifar10.length) {
    const hasTrain = cifar10.some((p) => /data_batch|\.tar\.gz$/.test(p));
    let root = dirOf(cifar10[0]);
    if (/(^|\/)cifar-10-batches-(bin|py)$/.test(root)) root = dirOf(root);
    return { kind: 'CIFAR10', data_root: join(mount, root), ...(hasTrain ? {} : { split: 'test' as const }), channelOrder: 'RGB', description: `CIFAR-10 batches${hasTrain ? '' : ' (test split only)'} in ${join(mount, root)}` };
  }
  const cifar100 = paths.filter((p) => /(^|\/)cifar-100-binary\/(train|test)\.bin$/.test(p) || /(^|\/)cifar-100-(python\/(train|test)|binary\.tar\.gz|python\.tar\.gz)$/.test(p));
  if (cifar100.length) {
    const hasTrain = cifar100.some((p) => /train|\.tar\.gz$/.test(p));
    const first = cifar100[0];
    const root = /\.tar\.gz$/.test(first) ? dirOf(first) : dirOf(dirOf(first));
    return { kind: 'CIFAR100', data_root: join(mount, root), ...(hasTrain ? {} : { split: 'test' as const }), channelOrder: 'RGB', description: `CIFAR-100 files${hasTrain ? '' : ' (test split only)'} in ${join(mount, root)}` };
  }
  const images = paths.filter(isImage);
  if (images.length) {
    // class folders are the images' parents: the dataset root is their common parent
    const classDirs = [...new Set(images.map(dirOf))];
    const root = classDirs.length === 1 ? dirOf(classDirs[0]) : commonFolder(classDirs.map(dirOf));
    return { kind: 'CustomDataset', data_root: join(mount, root), channelOrder: 'BGR', description: `${images.length} images in ${classDirs.length} folder(s) under ${join(mount, root) || mount}` };
  }
  return null;
}

type Dict = Record<string, unknown>;

/** The dataset config of `${phase}_dataloader` (or the legacy `data.${phase}`), or null. */
export function phaseDataset(cfg: Dict | null, phase: BrowsePhase): Dict | null {
  if (!cfg) return null;
  const loader = cfg[`${phase}_dataloader`] as Dict | null | undefined;
  if (loader && typeof loader === 'object' && loader.dataset && typeof loader.dataset === 'object') return loader.dataset as Dict;
  const legacy = (cfg.data as Dict | undefined)?.[phase];
  return legacy && typeof legacy === 'object' ? (legacy as Dict) : null;
}

/**
 * The dataset config to browse: the guess's type (or the config's when it reads the same files), data_root and
 * split, with the pipeline of the config's phase dataset (`[]` when it has none).
 */
export function browseDatasetConfig(cfg: Dict | null, phase: BrowsePhase, guess: DatasetGuess): Dict {
  const base = phaseDataset(cfg, phase);
  const baseType = typeof base?.type === 'string' ? base.type : null;
  const type = baseType && FAMILIES[guess.kind].includes(baseType) ? baseType : guess.kind;
  const pipeline = base ? pipelineOf(base as BuildConfig) : [];
  const out: Dict = { type, data_root: guess.data_root, pipeline };
  if (guess.kind === 'CustomDataset') {
    out.data_prefix = '';
  } else {
    out.split = guess.split ?? (phase === 'train' ? 'train' : 'test');
  }
  return out;
}
