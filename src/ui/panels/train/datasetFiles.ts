/**
 * Which dataset files a config's loaders read, where dropped files are mounted for them, and how dropped paths are
 * placed. Pure (no DOM): the panel shows the expectations next to the drop zone and passes the mounts to the worker.
 */
import type { DatasetFile } from '../../../engine/runner/worker_protocol';

type Dict = Record<string, unknown>;

/** What one loader's dataset needs, in words a user can act on. */
export interface DatasetExpectation {
  /** `train_dataloader`, `val_dataloader`, `test_dataloader`. */
  loader: string;
  /** Dataset type (`MNIST`, `CIFAR10`…). */
  type: string;
  split: string;
  /** The folder the dataset reads from (`data/mnist`), where dropped files are mounted. */
  root: string;
  /** The files to drop. */
  files: string[];
}

const LOADERS = ['train_dataloader', 'val_dataloader', 'test_dataloader'] as const;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The leaf datasets of a dataset config (wrappers `RepeatDataset`, `ClassBalancedDataset`, `ConcatDataset` opened). */
function leafDatasets(ds: unknown): Dict[] {
  if (!isDict(ds)) return [];
  if (isDict(ds.dataset)) return leafDatasets(ds.dataset);
  if (Array.isArray(ds.datasets)) return ds.datasets.flatMap(leafDatasets);
  return [ds];
}

/** The folder a dataset's relative paths start from: `data_root`, else a string `data_prefix` (MNIST, CIFAR). */
export function datasetRoot(ds: Dict): string {
  if (typeof ds.data_root === 'string' && ds.data_root) return ds.data_root.replace(/\/+$/, '');
  if (typeof ds.data_prefix === 'string') return ds.data_prefix.replace(/\/+$/, '');
  return '';
}

function splitOf(ds: Dict): string {
  if (typeof ds.split === 'string') return ds.split;
  return ds.test_mode === true ? 'test' : 'train';
}

const MNIST_FILES: Record<string, string[]> = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
};

/** The files a dataset type reads, as MMPretrain's dataset classes look for them. */
export function expectedFiles(type: string, split: string, ds: Dict): string[] {
  switch (type) {
    case 'MNIST':
    case 'FashionMNIST':
      return (MNIST_FILES[split] ?? MNIST_FILES.test).map((f) => `${f} (or unzipped)`);
    case 'CIFAR10':
      return ['cifar-10-binary.tar.gz (or its cifar-10-batches-bin/ folder, or cifar-10-python.tar.gz)'];
    case 'CIFAR100':
      return ['cifar-100-binary.tar.gz (or its cifar-100-binary/ folder, or cifar-100-python.tar.gz)'];
    default: {
      const prefix = isDict(ds.data_prefix) ? Object.values(ds.data_prefix).find((v) => typeof v === 'string') : typeof ds.data_prefix === 'string' ? ds.data_prefix : '';
      const ann = typeof ds.ann_file === 'string' && ds.ann_file ? ` and the annotation file ${ds.ann_file}` : '';
      return [`images in class sub-folders under ${prefix || 'the dropped folder'}${ann} (a folder, a .zip or a .tar)`];
    }
  }
}

/** Every loader's dataset needs (loaders set to None are skipped). */
export function datasetExpectations(cfg: Dict): DatasetExpectation[] {
  const out: DatasetExpectation[] = [];
  for (const loader of LOADERS) {
    const l = cfg[loader];
    if (!isDict(l)) continue;
    if (loader !== 'train_dataloader' && (cfg[loader.replace('_dataloader', '_cfg')] === null || cfg[loader.replace('_dataloader', '_cfg')] === undefined)) continue;
    for (const ds of leafDatasets(l.dataset)) {
      const type = String(ds.type ?? '?');
      const split = splitOf(ds);
      out.push({ loader, type, split, root: datasetRoot(ds), files: expectedFiles(type, split, ds) });
    }
  }
  return out;
}

/** Where the dropped files are mounted: each distinct dataset root of the config. */
export function datasetMounts(cfg: Dict): string[] {
  return [...new Set(datasetExpectations(cfg).map((e) => e.root))];
}

/**
 * The dropped files' paths as seen from the dataset roots they are mounted at (`roots`, from {@link datasetMounts}):
 * - a dropped `data` folder (`data/mnist/t10k-…`) loses the root (`t10k-…`);
 * - a dropped folder named like a root's last folder (`mnist/t10k-…` for `data/mnist`) loses that folder;
 * - anything else keeps its path (loose files, `cifar-10-batches-bin/…`, class folders).
 * No path gets an alias, so folder listings (class sub-folders) see each file once.
 */
export function placeDatasetFiles(files: readonly DatasetFile[], roots: readonly string[]): DatasetFile[] {
  const rs = roots.filter(Boolean).sort((a, b) => b.length - a.length);
  const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.split('/')[0] : '')));
  const single = tops.size === 1 && !tops.has('') ? [...tops][0] : null;
  const stripTop = single !== null && rs.some((r) => r.split('/').pop() === single);
  return files.map((f) => {
    const root = rs.find((r) => f.path.startsWith(`${r}/`));
    if (root) return { ...f, path: f.path.slice(root.length + 1) };
    return stripTop ? { ...f, path: f.path.slice(single!.length + 1) } : f;
  });
}
