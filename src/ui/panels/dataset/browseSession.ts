/**
 * The Dataset panel's engine side, free of React: the dropped files mounted in a file system of their own, the
 * dataset built from the current config's phase dataset re-pointed at them, and pages of samples drawn one at a
 * time with a yield to the event loop between them (the page stays responsive; a newer request cancels an older).
 */
import type { BuildConfig } from '../../../registry';
import { registerAll } from '../../../engine/setup_env';
import { FileSystem, type FileSource } from '../../../fileio/sources';
import type { ClassHistogram } from '../../../datasets/analysis';
import { DatasetBrowser, type BrowsedSample, type BrowseOptions, type BrowsePhase } from '../../../tools/visualization/browse_dataset';
import type { ResultImageSource } from '../../../tools/analysis_tools/analyze_results';
import { browseDatasetConfig, detectDataset, DROP_MOUNT, type DatasetGuess } from './datasetConfig';

type Dict = Record<string, unknown>;

/** Every file path of a source, with archive members listed as `<archive>/<member>`. */
export async function listWithArchives(fs: FileSystem, source: FileSource, mount = DROP_MOUNT): Promise<string[]> {
  const paths = await source.list('');
  const out = [...paths];
  for (const p of paths) {
    if (!/\.(zip|tar|tar\.gz|tgz)$/i.test(p)) continue;
    try {
      // FileSystem.list answers full paths (`drop/a.zip/x/y.jpg`): keep them relative to the drop
      for (const member of await fs.list(`${mount}/${p}`)) out.push(member.startsWith(`${mount}/`) ? member.slice(mount.length + 1) : `${p}/${member}`);
    } catch {
      // an unreadable archive: its own path is still listed
    }
  }
  return out;
}

/** What the panel shows about the opened dataset. */
export interface OpenedDataset {
  guess: DatasetGuess;
  datasetCfg: Dict;
  length: number;
  classes: readonly string[] | null;
  histogram: ClassHistogram;
  /** The pipeline's transform types. */
  pipeline: string[];
}

const yieldToPage = () => new Promise<void>((r) => setTimeout(r, 0));

export class BrowseSession {
  readonly fs = new FileSystem(null);
  private paths: string[] = [];
  private browser: DatasetBrowser | null = null;
  private generation = 0;

  /** Mounts the drop (replacing an earlier one); returns what was recognised (null: nothing). */
  async setDrop(source: FileSource): Promise<DatasetGuess | null> {
    this.generation++;
    this.fs.unmount(DROP_MOUNT);
    this.fs.mount(DROP_MOUNT, source);
    this.paths = await listWithArchives(this.fs, source);
    this.browser = null;
    return detectDataset(this.paths);
  }

  get hasDrop(): boolean {
    return this.paths.length > 0;
  }

  /** Builds the dataset for `phase` of `cfg` (the studio's config, or a shipped default's). */
  async open(cfg: Dict | null, phase: BrowsePhase): Promise<OpenedDataset> {
    registerAll();
    const guess = detectDataset(this.paths);
    if (!guess) throw new Error('nothing recognised in the drop: MNIST IDX files, CIFAR batches or class folders of images are expected');
    const datasetCfg = browseDatasetConfig(cfg, phase, guess);
    this.generation++;
    this.browser = await DatasetBrowser.create(datasetCfg as BuildConfig, { fileSystem: this.fs });
    await yieldToPage();
    return {
      guess,
      datasetCfg,
      length: this.browser.length,
      classes: this.browser.classes,
      histogram: this.browser.histogram(),
      pipeline: this.browser.pipeline.transforms.map((t) => t.typeName),
    };
  }

  /** Images for the results analysis: the opened dataset (built without pipeline) and the drop's files. */
  imageSource(): ResultImageSource | null {
    return this.browser ? { dataset: this.browser.dataset, fileSystem: this.fs } : null;
  }

  /**
   * Draws `indices` one by one, calling `onSample` as each is ready; stops early when another `page` or `open`
   * starts. `paramsFor(i)` pins a sample's parameters.
   */
  async page(indices: number[], opts: BrowseOptions, onSample: (s: BrowsedSample) => void, paramsFor?: (index: number) => Record<string, unknown> | undefined): Promise<boolean> {
    const browser = this.browser;
    if (!browser) throw new Error('open a dataset first');
    const gen = ++this.generation;
    for (const i of indices) {
      await yieldToPage();
      if (gen !== this.generation) return false;
      const params = paramsFor?.(i);
      const sample = await browser.browse(i, { ...opts, ...(params ? { params } : {}) });
      if (gen !== this.generation) return false;
      onSample(sample);
    }
    return true;
  }
}

