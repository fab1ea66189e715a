/** MMPretrain `build_dataset`: builds a dataset config through `DATASETS` and loads it unless `lazy_init`. */
import { DATASETS, type BuildConfig } from '../registry';
import type { DatasetContext } from './base_dataset';
import type { Dataset } from './types';

/**
 * Builds `cfg` (`{type: 'CIFAR10', data_root: …}`), then `await fullInit()` unless the config says `lazy_init`
 * (a list of configs becomes a `ConcatDataset`, as in MMPretrain 0.x).
 */
export async function buildDataset(cfg: BuildConfig | BuildConfig[], ctx: DatasetContext = {}): Promise<Dataset> {
  const config: BuildConfig = Array.isArray(cfg) ? { type: 'ConcatDataset', datasets: cfg } : cfg;
  const ds = DATASETS.build<Dataset & { lazyInit?: boolean }>(config, ctx);
  if (!ds.lazyInit) await ds.fullInit();
  return ds;
}
