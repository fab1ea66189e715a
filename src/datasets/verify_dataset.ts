/**
 * MMPretrain `tools/misc/verify_dataset.py` as an engine function: builds a phase's dataset without its pipeline,
 * then runs only the pipeline's `LoadImageFromFile` on every sample and lists the files that do not decode.
 * Pure and asynchronous (progress through a callback), so it runs in Node, in the page or in a Web Worker.
 */
import { DATASETS, TRANSFORMS, type BuildConfig } from '../registry';
import type { DatasetContext } from './base_dataset';
import type { DataInfo, Dataset } from './types';
import { fileSystem as defaultFileSystem } from '../fileio/sources';
import { deepCopy } from './utils/copy';

/** One file that did not load. */
export interface BrokenFile {
  index: number;
  img_path: string;
  error: string;
}

/** Options of {@link verifyDataset}. */
export interface VerifyOptions {
  /** Services for the dataset (file system, …). */
  ctx?: DatasetContext;
  /** Called after each chunk with the counts so far. */
  onProgress?: (done: number, total: number, broken: number) => void;
  /** Called for each broken file as it is found (MMPretrain prints "… cannot be read correctly"). */
  onBroken?: (file: BrokenFile) => void;
  /** Samples decoded concurrently (asynchronous decoders overlap). Default: 8. */
  concurrency?: number;
  /** Stops early when aborted (the result lists what was checked). */
  signal?: AbortSignal;
}

/** What {@link verifyDataset} found. */
export interface VerifyResult {
  total: number;
  checked: number;
  broken: BrokenFile[];
}

/**
 * The phase's dataset config of a full config: `train_dataloader.dataset` (MMPretrain 1.x), or `data.train`
 * (MMClassification 0.x, as its verify_dataset read it).
 */
export function phaseDatasetConfig(cfg: Record<string, unknown>, phase: 'train' | 'val' | 'test'): BuildConfig {
  const loader = cfg[`${phase}_dataloader`] as { dataset?: BuildConfig } | null | undefined;
  const legacy = (cfg.data as Record<string, unknown> | undefined)?.[phase] as BuildConfig | undefined;
  if ((!loader || typeof loader !== 'object') && legacy && typeof legacy === 'object') return legacy;
  if (!loader || typeof loader !== 'object') throw new Error(`the config has no ${phase}_dataloader`);
  if (!loader.dataset || typeof loader.dataset !== 'object') throw new Error(`${phase}_dataloader has no dataset`);
  return loader.dataset;
}

interface Stripped {
  cfg: BuildConfig;
  load: BuildConfig | null;
}

/**
 * A copy of `cfg` with every `pipeline` emptied (wrappers' inner datasets included), and the first
 * `LoadImageFromFile` step found (mmpretrain `get_transform_idx`).
 */
export function stripPipelines(cfg: BuildConfig): Stripped {
  let load: BuildConfig | null = null;
  const visit = (c: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...c };
    if (Array.isArray(c.pipeline)) {
      load ??= (c.pipeline as BuildConfig[]).find((t) => t && typeof t === 'object' && t.type === 'LoadImageFromFile') ?? null;
      out.pipeline = [];
    }
    if (c.dataset && typeof c.dataset === 'object') out.dataset = visit(c.dataset as Record<string, unknown>);
    if (Array.isArray(c.datasets)) out.datasets = (c.datasets as Record<string, unknown>[]).map(visit);
    return out;
  };
  const stripped = visit(deepCopy(cfg) as Record<string, unknown>) as BuildConfig;
  return { cfg: stripped, load };
}

interface LoadTransform {
  transform(r: DataInfo): DataInfo | null;
  transformAsync?(r: DataInfo): Promise<DataInfo | null>;
}

/** Checks that every image of the dataset config decodes. */
export async function verifyDataset(datasetCfg: BuildConfig, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const { cfg, load } = stripPipelines(datasetCfg);
  if (!load) throw new Error('verify-dataset is only for datasets that load images from files: the pipeline has no LoadImageFromFile');
  const loader = TRANSFORMS.build<LoadTransform>(load);
  const ctx = opts.ctx ?? {};
  const fs = ctx.fileSystem ?? defaultFileSystem;
  const dataset = DATASETS.build<Dataset>(cfg, ctx);
  await dataset.fullInit();
  const total = dataset.length;
  const broken: BrokenFile[] = [];
  const chunk = Math.max(1, opts.concurrency ?? 8);
  let checked = 0;
  const check = async (index: number): Promise<void> => {
    const info = dataset.getDataInfo(index);
    const path = typeof info.img_path === 'string' ? info.img_path : '';
    try {
      if (!path) throw new Error('the sample has no img_path');
      const results: DataInfo = { img_path: path, img_bytes: await fs.get(path) };
      const out = loader.transformAsync ? await loader.transformAsync(results) : loader.transform(results);
      if (!out) throw new Error('LoadImageFromFile returned None');
    } catch (e) {
      const file: BrokenFile = { index, img_path: path, error: e instanceof Error ? e.message : String(e) };
      broken.push(file);
      opts.onBroken?.(file);
    }
  };
  for (let start = 0; start < total && !opts.signal?.aborted; start += chunk) {
    const end = Math.min(total, start + chunk);
    await Promise.all(Array.from({ length: end - start }, (_, k) => check(start + k)));
    checked = end;
    opts.onProgress?.(checked, total, broken.length);
  }
  broken.sort((a, b) => a.index - b.index);
  return { total, checked, broken };
}

/** The `brokenfiles.log` text: one path a line (empty when nothing is broken). */
export function brokenFilesLog(result: VerifyResult): string {
  return result.broken.map((b) => b.img_path + '\n').join('');
}
