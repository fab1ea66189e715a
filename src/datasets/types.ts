/** Types shared by the datasets, wrappers, samplers and the loader. */

/** An image as plain typed data, HWC, as the transforms use it (`{data, height, width, channels}`). */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** One sample's information (`data_info` in mmengine): `img_path` or `img`, `gt_label`, `sample_idx`, … */
export type DataInfo = Record<string, unknown>;

/** Dataset meta information (`classes`, …). */
export type Metainfo = Record<string, unknown> & { classes?: readonly string[] };

/**
 * What samplers, wrappers and the loader need from a dataset (mmengine `BaseDataset` and its wrappers).
 * Method names are the camelCase forms of mmengine's (`get_data_info` → `getDataInfo`, `__getitem__` → `getItem`).
 */
export interface Dataset {
  /** Number of samples (`len(dataset)`); the dataset must be fully initialised. */
  readonly length: number;
  /** Copy of the dataset's meta information. */
  readonly metainfo: Metainfo;
  /** Class names (`CLASSES`), or null when unknown. */
  readonly CLASSES: readonly string[] | null;
  /** Loads the annotations (idempotent). */
  fullInit(): Promise<void>;
  /** A copy of sample `idx`'s information, with `sample_idx`. */
  getDataInfo(idx: number): DataInfo;
  /** Category ids of sample `idx` (one for single-label, several for multi-label). */
  getCatIds(idx: number): number[];
  /** Sample `idx` through the pipeline (`__getitem__`), refetching another sample on failure in training. */
  getItem(idx: number): Promise<DataInfo>;
}
