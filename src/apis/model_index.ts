/**
 * MMPretrain's model index (`model-index.yml` → each algorithm's `metafile.yml`), as the `modelindex` package reads
 * it for `list_models` / `get_model`: one entry per model `Name` with its config, released weights, metadata
 * (FLOPs, parameters, training data…), results, and what its collection adds (paper, README, code). Turned into
 * plain JSON once (`mmpretrain-web model-index --write`, `configs/model-index.json`), which the engine reads as data.
 */
import { parse as parseYaml } from 'yaml';

/** One result of a model (`Results:` item). */
export interface ModelResult {
  task: string;
  dataset: string;
  /** `Top 1 Accuracy`, `Top 5 Accuracy`, `mAP`, … as the metafile names them. */
  metrics: Record<string, number>;
}

/** One model of the index. */
export interface ModelInfo {
  /** As listed (MMPretrain matches names case-insensitively). */
  name: string;
  /** Config path relative to the repository root (`configs/resnet/resnet50_8xb32_in1k.py`). */
  config: string | null;
  /** Released checkpoint URL. */
  weights: string | null;
  collection: string | null;
  /** Tasks of its results (`Image Classification`, …); empty when the metafile lists none. */
  tasks: string[];
  /** Model metadata merged over its collection's (FLOPs, Parameters, Training Data, Batch Size, Epochs…). */
  metadata: Record<string, unknown>;
  results: ModelResult[];
  paper: { title: string; url: string } | null;
  readme: string | null;
  code: { url: string; version?: string } | null;
  /** `Converted From` (third-party weights): their origin. */
  convertedFrom: { weights?: string; code?: string } | null;
  /** The metafile this entry came from. */
  metafile: string;
}

type Dict = Record<string, unknown>;

const asDict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});
const asString = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function results(v: unknown): ModelResult[] {
  if (!Array.isArray(v)) return [];
  return v.map((r) => {
    const d = asDict(r);
    const metrics = Object.fromEntries(Object.entries(asDict(d.Metrics)).filter(([, x]) => typeof x === 'number')) as Record<string, number>;
    return { task: asString(d.Task) ?? '', dataset: asString(d.Dataset) ?? '', metrics };
  });
}

/**
 * Reads the index at `indexPath` (its `Import:` list of metafiles) with `read(path)` (paths relative to the
 * repository root), in the index's order. A name listed twice (case-insensitively) is an error, as in MMPretrain's
 * `ModelHub.register_model_index`.
 */
export function readModelIndex(read: (path: string) => string, indexPath = 'configs/model-index.yml'): ModelInfo[] {
  const index = asDict(parseYaml(read(indexPath)));
  const imports = index.Import;
  if (!Array.isArray(imports)) throw new Error(`${indexPath}: no 'Import' list of metafiles`);
  const out: ModelInfo[] = [];
  const seen = new Map<string, string>();
  for (const metafile of imports.map(String)) {
    const meta = asDict(parseYaml(read(metafile)));
    const collections = new Map((Array.isArray(meta.Collections) ? meta.Collections : []).map((c) => [asString(asDict(c).Name), asDict(c)]));
    for (const m of Array.isArray(meta.Models) ? meta.Models : []) {
      const d = asDict(m);
      const name = asString(d.Name);
      if (!name) throw new Error(`${metafile}: a model without a Name`);
      const key = name.toLowerCase();
      if (seen.has(key)) throw new Error(`The model name ${name} is conflict in ${metafile} and ${seen.get(key)}.`);
      seen.set(key, metafile);
      const collectionName = asString(d['In Collection']);
      const coll = collections.get(collectionName) ?? {};
      const paper = asDict(coll.Paper);
      const code = asDict(coll.Code);
      const converted = asDict(d['Converted From']);
      const res = results(d.Results);
      out.push({
        name,
        config: asString(d.Config),
        weights: asString(d.Weights),
        collection: collectionName,
        tasks: [...new Set(res.map((r) => r.task).filter(Boolean))],
        metadata: { ...asDict(coll.Metadata), ...asDict(d.Metadata) },
        results: res,
        paper: asString(paper.URL) ? { title: asString(paper.Title) ?? '', url: asString(paper.URL)! } : null,
        readme: asString(coll.README),
        code: asString(code.URL) ? { url: asString(code.URL)!, ...(code.Version !== undefined ? { version: String(code.Version) } : {}) } : null,
        convertedFrom: Object.keys(converted).length ? { ...(asString(converted.Weights) ? { weights: asString(converted.Weights)! } : {}), ...(asString(converted.Code) ? { code: asString(converted.Code)! } : {}) } : null,
        metafile,
      });
    }
  }
  return out;
}
