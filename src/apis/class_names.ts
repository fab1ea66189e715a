/**
 * Where an inference model's class names come from, in MMPretrain's order (`apis/model.py` `init_model` /
 * `get_model`): the checkpoint's `meta` (`dataset_meta.classes`, or MMClassification 0.x `CLASSES`), then the
 * config's test dataset (`classes`, `metainfo.classes`, or the dataset type's `METAINFO`). A bare model dict (as the
 * reference `*_cfg.json`) names no dataset: for the common class counts the names are then guessed, and marked so.
 */
import { CIFAR10_CATEGORIES, CIFAR100_CATEGORIES, FASHIONMNIST_CATEGORIES, IMAGENET_CATEGORIES, MNIST_CATEGORIES } from '../datasets/categories';
import { registerDatasets } from '../datasets/register_all';
import { DATASETS } from '../registry';

type Dict = Record<string, unknown>;

/** Where the names came from (shown next to them in the studio). */
export type ClassesSource = 'checkpoint' | 'config' | 'guessed' | 'none';

export interface ResolvedClasses {
  classes: string[] | null;
  source: ClassesSource;
  /** A human-readable note: which dataset or file gave the names. */
  note: string;
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string') ? (v as string[]) : null;
}

/** The test dataset dict of a config: `test_dataloader.dataset` (through wrappers' inner `dataset`), else `val_dataloader.dataset`. */
export function testDatasetOf(cfg: Dict): Dict | null {
  for (const key of ['test_dataloader', 'val_dataloader']) {
    let ds = (cfg[key] as Dict | undefined)?.dataset as Dict | undefined;
    while (ds && typeof ds === 'object' && ds.dataset && typeof ds.dataset === 'object') ds = ds.dataset as Dict;
    if (ds && typeof ds === 'object') return ds;
  }
  return null;
}

/** Class names the config's test dataset declares: explicit `metainfo.classes` / `classes`, else its type's `METAINFO`. */
export function datasetClassesOf(cfg: Dict): { classes: string[]; dataset: string } | null {
  const ds = testDatasetOf(cfg);
  if (!ds) return null;
  const type = typeof ds.type === 'string' ? ds.type : 'dataset';
  const explicit = stringList((ds.metainfo as Dict | undefined)?.classes) ?? stringList(ds.classes);
  if (explicit) return { classes: explicit, dataset: type };
  registerDatasets();
  if (!DATASETS.has(type)) return null;
  const entry = DATASETS.get(type);
  const meta = entry.kind === 'class' ? ((entry.ctor as unknown as { METAINFO?: Dict }).METAINFO ?? {}) : {};
  const classes = stringList(meta.classes);
  return classes ? { classes: [...classes], dataset: type } : null;
}

/** Known class lists by count, for a bare model dict; the hint text (model config) picks between same-sized sets. */
function guessByCount(numClasses: number, hint: string): { classes: readonly string[]; dataset: string } | null {
  if (numClasses === 1000) return { classes: IMAGENET_CATEGORIES, dataset: 'ImageNet' };
  if (numClasses === 100) return { classes: CIFAR100_CATEGORIES, dataset: 'CIFAR-100' };
  if (numClasses === 10) {
    if (/cifar/i.test(hint)) return { classes: CIFAR10_CATEGORIES, dataset: 'CIFAR-10' };
    if (/fashion/i.test(hint)) return { classes: FASHIONMNIST_CATEGORIES, dataset: 'Fashion-MNIST' };
    if (/mnist|lenet/i.test(hint)) return { classes: MNIST_CATEGORIES, dataset: 'MNIST' };
  }
  return null;
}

/**
 * Class names for a model with `numClasses` outputs. Lists of another length are skipped (a checkpoint's meta from
 * another dataset would mislabel every prediction).
 */
export function resolveClasses(checkpointClasses: readonly string[] | undefined | null, cfg: Dict, numClasses: number | null, checkpointName = 'checkpoint'): ResolvedClasses {
  const fits = (c: readonly string[]) => numClasses === null || c.length === numClasses;
  if (checkpointClasses?.length && fits(checkpointClasses)) return { classes: [...checkpointClasses], source: 'checkpoint', note: `from ${checkpointName} meta` };
  const fromCfg = datasetClassesOf(cfg);
  if (fromCfg && fits(fromCfg.classes)) return { classes: fromCfg.classes, source: 'config', note: `from the config's ${fromCfg.dataset}` };
  if (numClasses !== null && !testDatasetOf(cfg)) {
    const guess = guessByCount(numClasses, JSON.stringify(cfg));
    if (guess) return { classes: [...guess.classes], source: 'guessed', note: `guessed: ${guess.dataset} (${numClasses} classes; the config names no dataset)` };
  }
  return { classes: null, source: 'none', note: 'no class names (checkpoint meta and config have none)' };
}

/**
 * Class names from a text file, one per line, as mmengine's `list_from_file` reads the `classes='classes.txt'` of
 * MMPretrain's `CustomDataset` (line ends stripped; trailing empty lines ignored). Throws naming the file when empty.
 */
export function classNamesFromText(text: string, fileName: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  if (!lines.length) throw new Error(`${fileName}: no class names (one per line expected)`);
  return lines;
}
