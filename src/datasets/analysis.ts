/** Summaries of a dataset for the studio (the browse panel's class histogram, the dataset card). */
import type { Dataset } from './types';

/** Samples per class (multi-label samples count once for each of their classes), and the unlabelled ones. */
export interface ClassHistogram {
  classes: readonly string[];
  counts: number[];
  /** Samples with no category (e.g. a test split without labels). */
  unlabelled: number;
  total: number;
}

/** Counts `getCatIds` over the whole (initialised) dataset; ids beyond the class list extend the counts. */
export function classHistogram(dataset: Dataset): ClassHistogram {
  const classes = dataset.CLASSES ?? [];
  const counts = new Array<number>(classes.length).fill(0);
  let unlabelled = 0;
  for (let i = 0; i < dataset.length; i++) {
    let ids: number[];
    try {
      ids = dataset.getCatIds(i);
    } catch {
      ids = [];
    }
    ids = ids.filter((c) => Number.isInteger(c) && c >= 0);
    if (!ids.length) unlabelled++;
    for (const c of new Set(ids)) {
      while (counts.length <= c) counts.push(0);
      counts[c]++;
    }
  }
  return { classes, counts, unlabelled, total: dataset.length };
}
