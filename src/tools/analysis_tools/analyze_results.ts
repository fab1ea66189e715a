/**
 * MMPretrain `tools/analysis_tools/analyze_results.py`: splits the predictions of `test --out results.json` into
 * successes and failures, keeps the top-k of each by confidence (overall, or per ground-truth class), and draws
 * each with its image, ground truth and prediction (`UniversalVisualizer.visualize_cls`). Also the confusion
 * matrix of the same predictions with the samples behind each cell (the studio's heat map). No DOM.
 *
 * Differences from the script, on purpose: its `sorted(..., key=max(pred_score))` keeps the *least* confident
 * samples although the documentation promises the most confident ones; `order` picks ('most' by default).
 * Its `dump_infos.append` inside the key loop writes each sample once per key; here once.
 */
import { assert } from '../../utils/assert';
import { calculateConfusionMatrix, topkIndices } from '../../evaluation/metrics/single_label';
import { imrescale, type ImageArray, type PixelData } from '../../image';
import type { Dataset } from '../../datasets/types';
import type { FileSystem } from '../../fileio/sources';
import { imfrombytesAsync } from '../../image';
import { Canvas, gridFrame, groundTruthText, scaleNearest, toRgba, type ChannelOrder, type RgbaImage } from '../visualization/browse_dataset';

/** One prediction from a results file, normalised. */
export interface PredictedSample {
  /** Index into the test dataset (`sample_idx`, or the position in the file when it has none). */
  sample_idx: number;
  gt_label: number[];
  pred_label: number[];
  pred_score: number[];
  /** The top score (the confidence the samples are sorted by). */
  confidence: number;
  img_path?: string;
}

function labelList(v: unknown, key: string, where: string): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  throw new Error(`${where}: '${key}' must be a label or a list of labels, got ${JSON.stringify(v)}`);
}

/**
 * Reads the list that `test --out` writes (keys at the top level or under `metainfo`, as `DataSample` carries
 * them). Each sample needs `pred_score`, `gt_label`; `pred_label` defaults to the arg-max of the scores.
 */
export function parseResults(json: unknown, source = 'results.json'): PredictedSample[] {
  assert(Array.isArray(json) && json.length > 0, () => `${source}: expected a non-empty JSON list of predicted samples (test --out results.json)`);
  return (json as Record<string, unknown>[]).map((raw, i) => {
    const where = `${source}: sample ${i}`;
    assert(raw && typeof raw === 'object', () => `${where}: expected a dict, got ${JSON.stringify(raw)}`);
    const meta = (raw.metainfo && typeof raw.metainfo === 'object' ? raw.metainfo : {}) as Record<string, unknown>;
    const get = (k: string) => (raw[k] !== undefined ? raw[k] : meta[k]);
    const score = get('pred_score');
    assert(Array.isArray(score) && score.length > 0 && score.every((x) => typeof x === 'number'), () => `${where}: 'pred_score' (a list of class scores) is missing or not numeric`);
    const gt = get('gt_label');
    assert(gt !== undefined, () => `${where}: 'gt_label' is missing; analyze-results needs labelled test samples`);
    const scores = score as number[];
    const pred = get('pred_label') !== undefined ? labelList(get('pred_label'), 'pred_label', where) : [topkIndices(scores, 1)[0]];
    const idx = get('sample_idx');
    const path = get('img_path');
    return {
      sample_idx: typeof idx === 'number' ? idx : i,
      gt_label: labelList(gt, 'gt_label', where),
      pred_label: pred,
      pred_score: scores,
      confidence: Math.max(...scores),
      ...(typeof path === 'string' ? { img_path: path } : {}),
    };
  });
}

/** Success when every predicted label equals the ground truth (`(pred_label == gt_label).all()`). */
export function isSuccess(s: PredictedSample): boolean {
  return s.pred_label.length === s.gt_label.length && s.pred_label.every((p, i) => p === s.gt_label[i]);
}

/** Options of {@link selectResults}. */
export interface SelectOptions {
  /** How many of each (`--topk`). Default: 20. */
  topk?: number;
  /** 'most' confident first (default, what the tool documents) or 'least' (what its code sorts). */
  order?: 'most' | 'least';
  /** Keep the top-k per ground-truth class rather than overall. Default: false. */
  perClass?: boolean;
}

/** Successes and failures kept. */
export interface SelectedResults {
  success: PredictedSample[];
  fail: PredictedSample[];
}

/** The script's selection: sort by confidence, split by success, keep `topk` of each (optionally per class). */
export function selectResults(samples: PredictedSample[], opts: SelectOptions = {}): SelectedResults {
  const topk = opts.topk ?? 20;
  assert(Number.isInteger(topk) && topk > 0, () => `analyze_results: topk must be a positive integer, got ${topk}`);
  const sign = (opts.order ?? 'most') === 'most' ? -1 : 1;
  // stable: equal confidences keep the file's order (Python's sorted)
  const sorted = samples.map((s, i) => [s, i] as const).sort((a, b) => sign * (a[0].confidence - b[0].confidence) || a[1] - b[1]).map(([s]) => s);
  const keep = (list: PredictedSample[]): PredictedSample[] => {
    if (!opts.perClass) return list.slice(0, topk);
    const taken = new Map<number, number>();
    return list.filter((s) => {
      const c = s.gt_label[0];
      const n = taken.get(c) ?? 0;
      taken.set(c, n + 1);
      return n < topk;
    });
  };
  return { success: keep(sorted.filter(isSuccess)), fail: keep(sorted.filter((s) => !isSuccess(s))) };
}

/** `visualize_cls`'s prediction text: `Prediction: 3, 0.92 (cat)`. */
export function predictionText(s: PredictedSample, classes: readonly string[] | null): string {
  const prefix = 'Prediction: ';
  const parts = s.pred_label.map((i) => `${i}, ${(s.pred_score[i] ?? NaN).toFixed(2)}${classes && classes[i] !== undefined ? ` (${classes[i]})` : ''}`);
  return prefix + parts.join('\n' + ' '.repeat(prefix.length));
}

/** A confusion matrix (rows: truth, columns: prediction) with the samples behind every cell. */
export interface ConfusionAnalysis {
  numClasses: number;
  /** counts[t][p] */
  counts: number[][];
  /** Sample positions (into the parsed list) of each cell, most confident first. */
  cells: number[][][];
}

/** The confusion matrix of single-label predictions (top-1 label against the first ground-truth label). */
export function confusionAnalysis(samples: PredictedSample[], numClasses?: number): ConfusionAnalysis {
  const n = numClasses ?? samples[0]?.pred_score.length ?? 0;
  const pred = samples.map((s) => s.pred_label[0]);
  const target = samples.map((s) => s.gt_label[0]);
  const counts = calculateConfusionMatrix(pred, target, n);
  const cells = Array.from({ length: n }, () => Array.from({ length: n }, () => [] as number[]));
  samples.forEach((s, i) => cells[s.gt_label[0]][s.pred_label[0]].push(i));
  for (const row of cells) for (const cell of row) cell.sort((a, b) => samples[b].confidence - samples[a].confidence || a - b);
  return { numClasses: n, counts, cells };
}

/** Each row divided by its sum (recall per class on the diagonal); empty rows stay zero. */
export function normalizeRows(counts: number[][]): number[][] {
  return counts.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum ? v / sum : 0));
  });
}

/** Where images come from for {@link drawResult}. */
export interface ResultImageSource {
  /** The test dataset built without its pipeline. */
  dataset: Dataset;
  /** Reads `img_path` files. */
  fileSystem: FileSystem;
}

/**
 * The sample's image as the script loads it: the dataset's `img` (stored as MMPretrain gives it: RGB for CIFAR,
 * grey for MNIST), else `img_path` decoded as RGB; and its name (`sample_idx`, or the file name).
 */
export async function loadResultImage(src: ResultImageSource, s: PredictedSample): Promise<{ img: ImageArray<PixelData>; name: string; order: ChannelOrder }> {
  const info = src.dataset.getDataInfo(s.sample_idx);
  if (info.img && typeof info.img === 'object') return { img: info.img as ImageArray, name: String(s.sample_idx), order: 'RGB' };
  const path = typeof info.img_path === 'string' ? info.img_path : s.img_path;
  if (typeof path === 'string') {
    const img = await imfrombytesAsync(await src.fileSystem.get(path), 'color', 'bgr');
    return { img, name: path.split(/[\\/]/).pop()!, order: 'BGR' };
  }
  throw new Error(`analyze_results: sample ${s.sample_idx}: cannot load images from the dataset infos (no 'img', no 'img_path')`);
}

/**
 * The picture `visualize_cls` saves: the image (rescaled by `rescaleFactor`), ground truth and prediction.
 * @param minHeight without a rescale factor, images lower than this are enlarged by a whole factor (nearest) so
 *   that thumbnails of 28 px digits stay legible. Default: 0 (as loaded, like the tool).
 */
export async function drawResult(src: ResultImageSource, s: PredictedSample, rescaleFactor?: number | null, minHeight = 0): Promise<{ frame: RgbaImage; name: string }> {
  const { img, name, order } = await loadResultImage(src, s);
  let picture = toRgba(rescaleFactor != null ? imrescale(img, rescaleFactor).img : img, order);
  if (rescaleFactor == null && picture.height < minHeight) picture = scaleNearest(picture, Math.ceil(minHeight / picture.height));
  const classes = src.dataset.CLASSES;
  const caption = [...groundTruthText(s.gt_label, classes).split('\n'), ...predictionText(s, classes).split('\n')];
  return { frame: gridFrame([{ title: [], images: [picture] }], caption), name };
}

export { Canvas };
