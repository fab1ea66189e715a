/**
 * The Model Zoo panel's search, filters and sort, as pure functions on the model index (`ModelInfo`, from the
 * metafiles). A query with a wildcard (`*`, `?`, `[`) is MMPretrain's `list_models` pattern (fnmatch with any
 * postfix, case-insensitive), so the table shows exactly what `listModels(pattern)` names; plain text is a
 * case-insensitive substring of the name.
 */
import { fnmatch } from '../../../apis/fnmatch';
import type { ModelInfo } from '../../../apis/model_index';

/** One table row: what the table shows and sorts by, with the entry it came from. */
export interface ZooRow {
  name: string;
  /** Parameters (metafile `Parameters`), or null. */
  params: number | null;
  /** FLOPs (metafile `FLOPs`), or null. */
  flops: number | null;
  /** Top-1 / Top-5 accuracy (%) of the first result that has it. */
  top1: number | null;
  top5: number | null;
  /** Dataset of that result (else of the first result), or null. */
  dataset: string | null;
  /** `Training Data` (a metafile gives one name or a list). */
  trainingData: string[];
  info: ModelInfo;
}

export type SortKey = 'name' | 'params' | 'flops' | 'top1' | 'top5' | 'dataset';

export interface ZooFilters {
  query: string;
  /** A task of the model's results (`Image Classification`); `''`: any. */
  task: string;
  /** The metafile collection (the family: `ResNet`, `ConvNeXt`…); `''`: any. */
  collection: string;
  /** One of the `Training Data`; `''`: any. */
  trainingData: string;
  /** The results' dataset; `''`: any. */
  dataset: string;
  /** Parameters in millions; null: no bound. */
  paramsMinM: number | null;
  paramsMaxM: number | null;
  /** FLOPs in G; null: no bound. */
  flopsMinG: number | null;
  flopsMaxG: number | null;
  /** Top-1 ≥ this (%); null: no bound (models without a top-1 are then kept). */
  top1Min: number | null;
}

export const NO_FILTERS: ZooFilters = {
  query: '',
  task: '',
  collection: '',
  trainingData: '',
  dataset: '',
  paramsMinM: null,
  paramsMaxM: null,
  flopsMinG: null,
  flopsMaxG: null,
  top1Min: null,
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The row of an index entry. */
export function zooRow(info: ModelInfo): ZooRow {
  const withTop1 = info.results.find((r) => num(r.metrics['Top 1 Accuracy']) !== null);
  const withTop5 = info.results.find((r) => num(r.metrics['Top 5 Accuracy']) !== null);
  const td = info.metadata['Training Data'];
  return {
    name: info.name,
    params: num(info.metadata.Parameters),
    flops: num(info.metadata.FLOPs),
    top1: withTop1 ? withTop1.metrics['Top 1 Accuracy'] : null,
    top5: withTop5 ? withTop5.metrics['Top 5 Accuracy'] : null,
    dataset: (withTop1 ?? info.results[0])?.dataset || null,
    trainingData: (Array.isArray(td) ? td : td === undefined || td === null ? [] : [td]).map(String),
    info,
  };
}

/** Does `query` use fnmatch wildcards? */
export const isPattern = (query: string) => /[*?[]/.test(query);

/** Whether a model name matches the search box (see the module comment); an empty query matches all. */
export function matchesQuery(name: string, query: string): boolean {
  const q = query.trim();
  if (!q) return true;
  return isPattern(q) ? fnmatch(name, `${q}*`) : name.toLowerCase().includes(q.toLowerCase());
}

const inRange = (v: number | null, min: number | null, max: number | null, scale: number) =>
  (min === null && max === null) || (v !== null && (min === null || v >= min * scale) && (max === null || v <= max * scale));

/** The rows passing every filter, in the order given. */
export function filterRows(rows: readonly ZooRow[], f: ZooFilters): ZooRow[] {
  return rows.filter(
    (r) =>
      matchesQuery(r.name, f.query) &&
      (!f.task || r.info.tasks.includes(f.task)) &&
      (!f.collection || r.info.collection === f.collection) &&
      (!f.trainingData || r.trainingData.includes(f.trainingData)) &&
      (!f.dataset || r.info.results.some((res) => res.dataset === f.dataset)) &&
      inRange(r.params, f.paramsMinM, f.paramsMaxM, 1e6) &&
      inRange(r.flops, f.flopsMinG, f.flopsMaxG, 1e9) &&
      (f.top1Min === null || (r.top1 !== null && r.top1 >= f.top1Min)),
  );
}

const byName = (a: ZooRow, b: ZooRow) => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Rows sorted by `key` (`asc` or not); a missing value goes last either way, ties by name (as `list_models`
 * sorts). A new array.
 */
export function sortRows(rows: readonly ZooRow[], key: SortKey, asc: boolean): ZooRow[] {
  const dir = asc ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (key === 'name') return dir * byName(a, b);
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c ? dir * c : byName(a, b);
  });
}

/** The values each select filter offers, sorted: tasks, collections, training data, result datasets. */
export function facets(rows: readonly ZooRow[]): { tasks: string[]; collections: string[]; trainingData: string[]; datasets: string[] } {
  const sorted = (s: Iterable<string>) => [...new Set(s)].filter(Boolean).sort((a, b) => a.localeCompare(b));
  return {
    tasks: sorted(rows.flatMap((r) => r.info.tasks)),
    collections: sorted(rows.flatMap((r) => (r.info.collection ? [r.info.collection] : []))),
    trainingData: sorted(rows.flatMap((r) => r.trainingData)),
    datasets: sorted(rows.flatMap((r) => r.info.results.map((res) => res.dataset))),
  };
}

/** `25.6M`, `4.11G`: parameters and FLOPs as MMPretrain's READMEs write them. */
export function formatCount(n: number | null): string {
  if (n === null) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** The checkpoint file name of a weights URL (its last path segment). */
export function weightsFileName(url: string): string {
  return decodeURIComponent(url.replace(/[?#].*$/, '').replace(/^.*\//, ''));
}

/** The `-{hash8}` sha256 prefix a checkpoint file name carries (`…_20210831-ea4938fc.pth` → `ea4938fc`), or null. */
export function hashPrefixOf(fileName: string): string | null {
  return /-([0-9a-f]{8,64})\.[A-Za-z0-9]+$/.exec(fileName)?.[1] ?? null;
}
