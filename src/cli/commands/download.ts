/**
 * `mmpretrain-web download NAME... [--cache DIR] [--hub URL] [--json]`: a model's released weights (its metafile's
 * `Weights:` URL) into the checkpoint cache, as `get_model(name, pretrained=True)` fills torch.hub's cache: progress
 * on stderr, resume of a partial file (HTTP Range), the sha256 checked against the `-{hash8}` of the file name;
 * prints the stored path and sha256. Ctrl-C keeps the partial file for the next run.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkpointFor, formatBytes, progressText, type CheckpointForOptions, type DownloadProgress, type ModelCheckpoint } from '../../apis/hub';
import { defaultCacheDir, NodeCheckpointStore } from '../../apis/hub/node_store';
import { hasModel, modelInfo, registerModels } from '../../apis/model_hub';
import type { ModelInfo } from '../../apis/model_index';
import { UsageError, type CliCommand, type CliIO } from '../command';

/** The options `download` and `inference` share, for `parseArgs`. */
export const HUB_OPTIONS = {
  cache: { type: 'string' },
  hub: { type: 'string' },
  'model-index': { type: 'string', multiple: true },
  retries: { type: 'string', default: '3' },
} as const;

export const HUB_USAGE = `  --cache DIR          checkpoint cache (default $MMPRETRAIN_WEB_CACHE or ~/.cache/mmpretrain-web/checkpoints)
  --hub URL            download from URL instead of the metafile's host: its scheme, host and port (and a path
                       prefix, if any) replace the weights URL's (default $MMPRETRAIN_HUB)
  --model-index F      also know the models of F (JSON list as configs/model-index.json; repeatable)
  --retries N          reconnections after a dropped connection (default 3)`;

interface HubValues {
  cache?: string;
  hub?: string;
  'model-index'?: string[];
  retries?: string;
}

/** Registers the models of `--model-index` files (MMPretrain's `ModelHub.register_model_index`). */
function registerIndexFiles(files: string[]): void {
  for (const f of files) {
    let models: (Partial<ModelInfo> & { name: string })[];
    try {
      models = JSON.parse(readFileSync(f, 'utf8')) as (Partial<ModelInfo> & { name: string })[];
    } catch (e) {
      throw new Error(`--model-index ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!Array.isArray(models)) throw new Error(`--model-index ${f}: expected a JSON list of models (as configs/model-index.json)`);
    // a model already known with the same weights (the file given again in this process) is not a conflict
    const fresh = models.filter((m) => !(hasModel(m.name) && modelInfo(m.name).weights === (m.weights ?? null)));
    registerModels(fresh.map((m) => ({ config: null, weights: null, collection: null, tasks: [], metadata: {}, results: [], paper: null, readme: null, code: null, convertedFrom: null, metafile: f, ...m })));
  }
}

/**
 * Progress lines on stderr: at most one per 2 s or per 10 % of the file (a log, not a redrawn bar, so that it reads
 * the same in a terminal, a CI log and a test).
 */
function progressPrinter(io: CliIO, label: string): (p: DownloadProgress) => void {
  let lastT = 0;
  let lastFrac = -1;
  return (p) => {
    const now = performance.now();
    const frac = p.total ? Math.floor((10 * p.received) / p.total) : -1;
    const first = lastT === 0;
    if (!first && now - lastT < 2000 && (frac === lastFrac || frac < 0)) return;
    lastT = now;
    lastFrac = frac;
    io.err(`${label}: ${progressText(p)}`);
  };
}

/** The store, hub and retries of `--cache`, `--hub` / `$MMPRETRAIN_HUB`, `--retries`; registers `--model-index`. */
export function hubOptions(values: HubValues, env: Record<string, string | undefined> = process.env): { store: NodeCheckpointStore; opts: CheckpointForOptions } {
  registerIndexFiles(values['model-index'] ?? []);
  const retries = Number(values.retries ?? '3');
  if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries must be a non-negative integer, got '${values.retries}'`);
  const store = new NodeCheckpointStore(values.cache ?? defaultCacheDir(env));
  return { store, opts: { store, hub: values.hub ?? env.MMPRETRAIN_HUB ?? null, maxRetries: retries } };
}

/**
 * A model's checkpoint through the cache, with progress on stderr and Ctrl-C (SIGINT) cancelling the download
 * (the partial file stays for the next run).
 */
export async function fetchCheckpoint(name: string, store: NodeCheckpointStore, opts: CheckpointForOptions, io: CliIO): Promise<ModelCheckpoint & { seconds: number }> {
  const ctrl = new AbortController();
  const onSigint = () => ctrl.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  const t0 = performance.now();
  try {
    const signal = opts.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal;
    const res = await checkpointFor(name, { ...opts, store, signal, onProgress: opts.onProgress ?? progressPrinter(io, name) });
    const seconds = (performance.now() - t0) / 1000;
    io.err(res.cached ? `${name}: ${res.key} from the cache (${store.dir})` : `${name}: ${formatBytes(res.bytes)} from ${res.url} in ${seconds.toFixed(2)} s (${(res.bytes / (1 << 20) / Math.max(seconds, 1e-6)).toFixed(1)} MB/s${res.resumedFrom ? `, resumed at ${formatBytes(res.resumedFrom)}` : ''}${res.retries ? `, ${res.retries} reconnection(s)` : ''})`);
    return { ...res, seconds };
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const command: CliCommand = {
  summary: "Download a model's released weights into the checkpoint cache (get_model(name, pretrained=True))",
  usage: `Usage: mmpretrain-web download NAME... [--cache DIR] [--hub URL] [--json]

Downloads each model's released checkpoint (its metafile's Weights: URL; list-models shows them) into the cache,
or finds it there. A partial file from an interrupted run is resumed (HTTP Range); the sha256 of the file must
start with the hash in its name (…_20210831-ea4938fc.pth), else it is discarded. Prints the stored path and sha256.

${HUB_USAGE}
  --json               one JSON list: model, url, path, bytes, sha256, cached, resumed_from, retries, seconds`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...HUB_OPTIONS, json: { type: 'boolean', default: false } } });
    if (positionals.length === 0) throw new UsageError('expected at least one model NAME (list-models lists them)');
    const { store, opts } = hubOptions(values);
    const rows = [];
    for (const name of positionals) {
      const r = await fetchCheckpoint(name, store, opts, io);
      rows.push({ model: r.model, url: r.url, path: store.path(r.key), bytes: r.bytes, sha256: r.sha256, cached: r.cached, resumed_from: r.resumedFrom ?? 0, retries: r.retries ?? 0, seconds: r.seconds });
    }
    if (values.json) io.out(JSON.stringify(rows, null, 1));
    else io.out(rows.map((r) => `${r.path}\n  sha256 ${r.sha256}  ${formatBytes(r.bytes)}${r.cached ? '  (cached)' : ''}`).join('\n'));
    return 0;
  },
};

export default command;
