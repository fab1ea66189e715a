/**
 * MMPretrain `tools/visualization/browse_dataset.py` without matplotlib: every sample of a phase's dataset
 * through the config's pipeline, shown as the image loaded from disk (`original`), the pipeline's output
 * (`transformed`), both side by side (`concat`) or the image after every step (`pipeline`), with the ground-truth
 * label drawn as `UniversalVisualizer.visualize_cls` does. Frames are RGBA buffers (no DOM), so the same code
 * serves the CLI (PNG files), the Dataset panel and Node tests.
 *
 * Randomness: sample `i` draws its augmentations from a generator seeded by (seed, i, redraw), so a frame is
 * reproducible, `redraw + 1` shows new draws, and `params` pins what an earlier frame drew (`random_params`).
 */
import { DATASETS, TRANSFORMS, type BuildConfig } from '../../registry';
import { assert } from '../../utils/assert';
import { fileSystem as defaultFileSystem, type FileSystem } from '../../fileio/sources';
import type { Dataset, DataInfo } from '../../datasets/types';
import type { DatasetContext } from '../../datasets/base_dataset';
import { phaseDatasetConfig, stripPipelines } from '../../datasets/verify_dataset';
import { classHistogram, type ClassHistogram } from '../../datasets/analysis';
import { Compose, type TransformSpec } from '../../datasets/transforms/compose';
import { Generator, mixSeed } from '../../utils/random';
import type { Results } from '../../datasets/transforms/base';
import { imrescale, type ImageArray, type PixelData } from '../../image';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyphPixels, pixelTextWidth } from '../analysis_tools/pixel_font';

export const BROWSE_MODES = ['original', 'transformed', 'concat', 'pipeline'] as const;
export type BrowseMode = (typeof BROWSE_MODES)[number];
export const BROWSE_PHASES = ['train', 'val', 'test'] as const;
export type BrowsePhase = (typeof BROWSE_PHASES)[number];
export type ChannelOrder = 'BGR' | 'RGB';

/** An RGBA picture (canvas `ImageData` layout). */
export interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** How one sample is drawn. */
export interface BrowseOptions {
  /** Display mode (`--mode`). Default: 'transformed', as the tool. */
  mode?: BrowseMode;
  /** (`--rescale-factor`) scales the image with `mmcv.imrescale` (bilinear) in `original` mode; in the grid modes
   * it scales every cell (nearest). Default: null (original: as loaded; grids: see `minCellHeight`). */
  rescaleFactor?: number | null;
  /** (`--channel-order`) how the images' channels are stored: 'BGR' (after `LoadImageFromFile`, the default) or
   * 'RGB' (e.g. CIFAR's `img`). */
  channelOrder?: ChannelOrder;
  /** Seed of the per-sample generators (`randomness.seed`). Default: 0. */
  seed?: number;
  /** How many times the augmentations were re-drawn: 0 gives the first draws. Default: 0. */
  redraw?: number;
  /** Parameters to replay (a frame's `randomParams`), pinning the random transforms. Default: none. */
  params?: Record<string, unknown> | null;
  /** Draw "Ground truth: i (class)" above the image (`visualize_cls(draw_gt=True)`). Default: true. */
  drawLabel?: boolean;
  /** Grid modes without a rescale factor: cells are enlarged by a whole factor until the tallest is at least this
   * high (matplotlib enlarges them to its figure). Default: 128. */
  minCellHeight?: number;
}

/** The image after one pipeline step, ready to show. */
export interface StepView {
  /** 'Original' or the transform type. */
  name: string;
  /** `[H, W, C]` as the step left it (the first view's for MultiView). */
  shape: number[];
  /** What this step drew (random transforms only). */
  params?: unknown;
  /** The image(s) as RGB(A): one, or one per view after `MultiView`. */
  images: RgbaImage[];
}

/** One browsed sample. */
export interface BrowsedSample {
  index: number;
  /** `basename(img_path)`, or `${index}.jpg` when the dataset has no paths, as the tool names its files. */
  filename: string;
  gtLabel: number[] | null;
  /** "Ground truth: 3 (cat)" (several labels one a line), or '' when unlabelled. */
  labelText: string;
  /** Every step that left an image: `steps[0]` is the loaded image, the last is the pipeline's output. */
  steps: StepView[];
  /** What the random transforms drew (`random_params`), to show or to pin with `params`. */
  randomParams: Record<string, unknown>;
  /** The composed picture for the mode, label included. */
  frame: RgbaImage;
}

/** A dataset config's pipeline: its own, or its wrapped dataset's (`RepeatDataset`, `ConcatDataset`…). */
export function pipelineOf(datasetCfg: BuildConfig): TransformSpec[] {
  const c = datasetCfg as Record<string, unknown>;
  if (Array.isArray(c.pipeline) && c.pipeline.length) return c.pipeline as TransformSpec[];
  if (c.dataset && typeof c.dataset === 'object') return pipelineOf(c.dataset as BuildConfig);
  if (Array.isArray(c.datasets) && c.datasets.length) return pipelineOf(c.datasets[0] as BuildConfig);
  return [];
}

/** Options of {@link DatasetBrowser.create}. */
export interface DatasetBrowserContext extends Omit<DatasetContext, 'seed'> {
  /** Where files are read (mounted drops, archives). Default: the shared `fileSystem`. */
  fileSystem?: FileSystem;
}

/** A dataset (built without its pipeline) and the pipeline, run step by step per sample. */
export class DatasetBrowser {
  private constructor(
    readonly dataset: Dataset,
    readonly pipeline: Compose,
    private readonly fs: FileSystem,
    private readonly loadsFiles: boolean,
  ) {}

  /** Builds `datasetCfg` (registries must be filled: `registerAll()`) and its pipeline. */
  static async create(datasetCfg: BuildConfig, ctx: DatasetBrowserContext = {}): Promise<DatasetBrowser> {
    const spec = pipelineOf(datasetCfg);
    const pipeline = new Compose(spec, { seed: 0 });
    const fs = ctx.fileSystem ?? defaultFileSystem;
    const dataset = DATASETS.build<Dataset>(stripPipelines(datasetCfg).cfg, { ...ctx, fileSystem: fs });
    await dataset.fullInit();
    const loadsFiles = pipeline.transforms.some((t) => t.typeName === 'LoadImageFromFile');
    return new DatasetBrowser(dataset, pipeline, fs, loadsFiles);
  }

  get length(): number {
    return this.dataset.length;
  }

  get classes(): readonly string[] | null {
    return this.dataset.CLASSES;
  }

  /** Samples per class over the whole dataset (the panel's histogram). */
  histogram(): ClassHistogram {
    return classHistogram(this.dataset);
  }

  /** Runs sample `index` through the pipeline, keeping every step's image, and draws its frame. */
  async browse(index: number, opts: BrowseOptions = {}): Promise<BrowsedSample> {
    const info = this.dataset.getDataInfo(index);
    const results: Results = { ...info } as Results;
    let traced: Awaited<ReturnType<typeof traceSteps>>;
    try {
      if (this.loadsFiles && typeof info.img_path === 'string' && info.img === undefined && info.img_bytes === undefined) {
        results.img_bytes = await this.fs.get(info.img_path);
      }
      results.rng = new Generator(mixSeed(opts.seed ?? 0, index, opts.redraw ?? 0));
      traced = await traceSteps(this.pipeline, results, opts.params ?? undefined);
    } catch (e) {
      // name the sample and where it was listed (the annotation file's line), as the dataset's __getitem__ does
      const where = (this.dataset as { describeSample?: (i: number) => string }).describeSample?.(index) ?? '';
      throw new Error(`sample ${index}${where}: ${(e as Error).message}`, { cause: e });
    }
    const order = opts.channelOrder ?? 'BGR';
    const steps: StepView[] = traced.map((s) => ({ name: s.name, shape: s.shape, ...(s.params !== undefined ? { params: s.params } : {}), images: s.imgs.map((im) => toRgba(im, order)) }));
    assert(steps.length > 0, () => `browse_dataset: sample ${index} has no image (no 'img' and no LoadImageFromFile in the pipeline)`);
    const gtLabel = labelsOf(info.gt_label);
    const labelText = groundTruthText(gtLabel, this.classes);
    const filename = typeof info.img_path === 'string' ? basenameOf(info.img_path) : `${index}.jpg`;
    const randomParams = (traced.randomParams ?? {}) as Record<string, unknown>;
    const frame = composeFrame(traced, steps, { ...opts, channelOrder: order }, opts.drawLabel === false ? '' : labelText);
    return { index, filename, gtLabel, labelText, steps, randomParams, frame };
  }
}

interface TracedStep {
  name: string;
  shape: number[];
  params?: unknown;
  imgs: ImageArray<PixelData>[];
}

/** `InspectCompose`: the image before the first transform (when there is one) and after each that leaves one. */
async function traceSteps(pipeline: Compose, results: Results, params?: Record<string, unknown>): Promise<TracedStep[] & { randomParams?: unknown }> {
  const steps: TracedStep[] & { randomParams?: unknown } = [];
  const push = (name: string, img: unknown, p?: unknown) => {
    const imgs = (Array.isArray(img) ? img : img ? [img] : []) as ImageArray<PixelData>[];
    if (!imgs.length || typeof imgs[0].height !== 'number') return;
    steps.push({ name, shape: [imgs[0].height, imgs[0].width, imgs[0].channels], imgs: imgs.map(cloneView), ...(p !== undefined ? { params: p } : {}) });
  };
  push('Original', results.img);
  const out = await pipeline.transformAsync(results, {
    ...(params ? { params } : {}),
    trace: (_i, t, r) => {
      const drawn = Object.keys(r.random_params ?? {}).filter((k) => k === t.typeName || k.startsWith(`${t.typeName}#`));
      push(t.typeName, r.img, drawn.length ? r.random_params![drawn[drawn.length - 1]] : undefined);
    },
  });
  steps.randomParams = out?.random_params ?? results.random_params ?? {};
  return steps;
}

/** Transforms may work in place: keep each step's pixels. */
function cloneView(img: ImageArray<PixelData>): ImageArray<PixelData> {
  return { data: img.data.slice(), height: img.height, width: img.width, channels: img.channels };
}

function labelsOf(gt: unknown): number[] | null {
  if (gt === undefined || gt === null) return null;
  if (typeof gt === 'number') return gt >= 0 ? [gt] : null;
  if (Array.isArray(gt) || ArrayBuffer.isView(gt)) return Array.from(gt as ArrayLike<number>, Number);
  return null;
}

/** `visualize_cls`'s ground-truth text: `Ground truth: 3 (cat)`, further labels aligned under the first. */
export function groundTruthText(labels: number[] | null, classes: readonly string[] | null): string {
  if (!labels || !labels.length) return '';
  const prefix = 'Ground truth: ';
  const parts = labels.map((i) => `${i}${classes && classes[i] !== undefined ? ` (${classes[i]})` : ''}`);
  return prefix + parts.join('\n' + ' '.repeat(prefix.length));
}

function basenameOf(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/**
 * An HWC image as RGBA for display. `order` is how its channels are stored; grey images are replicated; float
 * images (after `Normalize`) are stretched to 0–255 over their own range.
 */
export function toRgba(img: ImageArray<PixelData>, order: ChannelOrder = 'BGR'): RgbaImage {
  const n = img.width * img.height;
  const cn = img.channels;
  const out = new Uint8ClampedArray(n * 4);
  let scale = 1;
  let offset = 0;
  if (img.data instanceof Float32Array) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of img.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const uint8Range = lo >= 0 && hi <= 255 && hi > 1;
    if (!uint8Range) {
      offset = -lo;
      scale = hi > lo ? 255 / (hi - lo) : 0;
    }
  }
  const [ri, bi] = order === 'BGR' ? [2, 0] : [0, 2];
  const at = (k: number) => (img.data[k] + offset) * scale;
  for (let i = 0; i < n; i++) {
    const s = i * cn;
    if (cn >= 3) {
      out[i * 4] = at(s + ri);
      out[i * 4 + 1] = at(s + 1);
      out[i * 4 + 2] = at(s + bi);
    } else {
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = at(s);
    }
    out[i * 4 + 3] = 255;
  }
  return { data: out, width: img.width, height: img.height };
}

/** Nearest-neighbour scaling of an RGBA picture by `factor` (sizes as `mmcv._scale_size`). */
export function scaleNearest(img: RgbaImage, factor: number): RgbaImage {
  if (factor === 1) return img;
  const width = Math.max(1, Math.trunc(img.width * factor + 0.5));
  const height = Math.max(1, Math.trunc(img.height * factor + 0.5));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y * img.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x * img.width) / width));
      data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

// ---- frames: a white canvas with pictures and pixel-font text ----

const TEXT_SCALE = 2;
const LINE_H = (GLYPH_HEIGHT + 2) * TEXT_SCALE;
const GAP = 8;
const INK = [38, 38, 38] as const;

/** A white RGBA canvas to paste pictures and write text on (no DOM). */
export class Canvas implements RgbaImage {
  readonly data: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4).fill(255);
  }
  paste(img: RgbaImage, x0: number, y0: number): void {
    for (let y = 0; y < img.height; y++) {
      const ty = y0 + y;
      if (ty < 0 || ty >= this.height) continue;
      const w = Math.min(img.width, this.width - x0);
      if (w <= 0) continue;
      this.data.set(img.data.subarray(y * img.width * 4, (y * img.width + w) * 4), (ty * this.width + x0) * 4);
    }
  }
  /** One line of text, top-left at (x, y), in the 3 × 5 pixel font (upper case). */
  text(line: string, x: number, y: number, color: readonly number[] = INK, scale = TEXT_SCALE): void {
    [...line].forEach((ch, i) => {
      for (const [gx, gy] of glyphPixels(ch)) {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (i * GLYPH_ADVANCE + gx) * scale + dx;
            const py = y + gy * scale + dy;
            if (px < 0 || py < 0 || px >= this.width || py >= this.height) continue;
            const k = (py * this.width + px) * 4;
            this.data[k] = color[0];
            this.data[k + 1] = color[1];
            this.data[k + 2] = color[2];
            this.data[k + 3] = 255;
          }
        }
      }
    });
  }
}

/** Width of the widest line of `text` in pixels. */
export function textWidth(lines: string[], scale = TEXT_SCALE): number {
  return Math.max(0, ...lines.map((l) => pixelTextWidth(l, scale)));
}

/** A cell of a grid frame: a title above pictures stacked vertically. */
export interface GridColumn {
  title: string[];
  images: RgbaImage[];
}

/**
 * Lays columns side by side under a caption (`make_grid` + the label `visualize_cls` writes): each column has
 * its title lines (name, shape) and its pictures stacked (MultiView).
 */
export function gridFrame(columns: GridColumn[], caption: string[]): RgbaImage {
  const titleRows = Math.max(0, ...columns.map((c) => c.title.length));
  const colW = columns.map((c) => Math.max(textWidth(c.title), ...c.images.map((i) => i.width)));
  const colH = columns.map((c) => c.images.reduce((h, i) => h + i.height, 0) + GAP * Math.max(0, c.images.length - 1));
  const captionH = caption.length ? caption.length * LINE_H + GAP : 0;
  const width = Math.max(colW.reduce((a, b) => a + b, 0) + GAP * (columns.length + 1), textWidth(caption) + 2 * GAP);
  const height = GAP + captionH + titleRows * LINE_H + Math.max(0, ...colH) + GAP;
  const canvas = new Canvas(width, height);
  caption.forEach((line, i) => canvas.text(line, GAP, GAP + i * LINE_H));
  let x = GAP;
  columns.forEach((c, k) => {
    const top = GAP + captionH;
    c.title.forEach((line, i) => canvas.text(line, x + Math.floor((colW[k] - pixelTextWidth(line, TEXT_SCALE)) / 2), top + i * LINE_H));
    let y = top + titleRows * LINE_H;
    for (const img of c.images) {
      canvas.paste(img, x + Math.floor((colW[k] - img.width) / 2), y);
      y += img.height + GAP;
    }
    x += colW[k] + GAP;
  });
  return canvas;
}

function shapeText(shape: number[]): string {
  return `(${shape.slice(0, 2).join(', ')})`;
}

function composeFrame(traced: TracedStep[], steps: StepView[], opts: BrowseOptions, label: string): RgbaImage {
  const mode = opts.mode ?? 'transformed';
  assert((BROWSE_MODES as readonly string[]).includes(mode), () => `browse_dataset: mode must be one of ${BROWSE_MODES.join(', ')}, got '${mode}'`);
  const caption = label ? label.split('\n') : [];
  if (mode === 'original') {
    // As the tool: only this mode rescales, with mmcv.imrescale (bilinear) on the image itself.
    let first = steps[0].images[0];
    if (opts.rescaleFactor != null) {
      const src = traced[0].imgs[0];
      first = toRgba(imrescale(src, opts.rescaleFactor).img, opts.channelOrder);
    }
    return gridFrame([{ title: [], images: [first] }], caption);
  }
  const picked: { step: StepView; name: string }[] =
    mode === 'transformed'
      ? [{ step: steps[steps.length - 1], name: 'transformed' }]
      : mode === 'concat'
        ? [
            { step: steps[0], name: 'original' },
            { step: steps[steps.length - 1], name: 'transformed' },
          ]
        : steps.map((s) => ({ step: s, name: s.name }));
  const tallest = Math.max(...picked.flatMap((p) => p.step.images.map((i) => i.height)));
  const factor = opts.rescaleFactor ?? Math.max(1, Math.ceil((opts.minCellHeight ?? 128) / tallest));
  const columns = picked.map(({ step, name }) => ({
    title: [name, shapeText(step.shape)],
    images: step.images.map((i) => scaleNearest(i, factor)),
  }));
  return gridFrame(columns, caption);
}

/** Options of {@link browseDataset}. */
export interface BrowseDatasetOptions extends BrowseOptions {
  /** `--phase`. Default: 'train'. */
  phase?: BrowsePhase;
  /** `--show-number`: how many samples (all when larger than the dataset). Default: all. */
  showNumber?: number;
  /** First index (paging). Default: 0. */
  start?: number;
  /** Build context (file system…). */
  ctx?: DatasetBrowserContext;
}

/** The tool's loop: the phase's dataset of a full config, `showNumber` samples from `start`. */
export async function* browseDataset(cfg: Record<string, unknown>, opts: BrowseDatasetOptions = {}): AsyncGenerator<BrowsedSample> {
  const phase = opts.phase ?? 'train';
  assert((BROWSE_PHASES as readonly string[]).includes(phase), () => `browse_dataset: phase must be train, val or test, got '${phase}'`);
  assert(TRANSFORMS.has('Compose'), () => 'browse_dataset: register the transforms first (registerAll())');
  const browser = await DatasetBrowser.create(phaseDatasetConfig(cfg, phase), opts.ctx);
  const start = opts.start ?? 0;
  const n = opts.showNumber ?? Number.MAX_SAFE_INTEGER;
  assert(n > 0, () => `browse_dataset: --show-number must be bigger than 0, got ${n}`);
  const end = Math.min(browser.length, start + n);
  for (let i = start; i < end; i++) yield await browser.browse(i, opts);
}

export type { DataInfo };

/** Frames tiled row by row, `columns` per row, each centred in a cell as wide/high as the largest (the panel's export). */
export function tileFrames(frames: RgbaImage[], columns: number): RgbaImage {
  assert(frames.length > 0, () => 'tileFrames: nothing to tile');
  const cols = Math.max(1, Math.min(columns, frames.length));
  const rows = Math.ceil(frames.length / cols);
  const cw = Math.max(...frames.map((f) => f.width));
  const ch = Math.max(...frames.map((f) => f.height));
  const canvas = new Canvas(cols * cw, rows * ch);
  frames.forEach((f, i) => canvas.paste(f, (i % cols) * cw + Math.floor((cw - f.width) / 2), Math.floor(i / cols) * ch + Math.floor((ch - f.height) / 2)));
  return canvas;
}
