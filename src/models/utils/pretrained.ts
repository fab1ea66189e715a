/**
 * Fine-tuning configs name their starting weights with `init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)`
 * (or `ImageClassifier(pretrained=...)`). `initWeights` is synchronous and has no file system in the browser, so the
 * checkpoints are read first and served through `pretrainedSource` while the model is built; the helpers here find
 * those init_cfgs in a config, read the given files, build with them, and report what each load matched as mmengine's
 * `PretrainedInit` does (`load_checkpoint(..., strict=False)`, with a prefix `_load_checkpoint_with_prefix`: only the
 * keys starting with `prefix.`, the prefix removed). No DOM: the Train panel, its worker and Node tests share them.
 */
import { deepCopy, isDict, type ConfigDict } from '../../config';
import { loadCheckpoint } from '../../fileio';
import { pretrainedSource, type PretrainedLoaded } from '../nn/init';
import { formatLoadReport, type LoadReport, type StateDict } from '../nn/state_dict';

/** One `Pretrained` init_cfg found in a config. */
export interface PretrainedInitRef {
  /** Where it is: `model.backbone.init_cfg`, `model.backbone.init_cfg[1]`, `model.pretrained`. */
  key: string;
  /** The `checkpoint` (a URL, a path, or a file name) as the config writes it. */
  checkpoint: string;
  /** `prefix` (e.g. `backbone`), or null to load the whole checkpoint into the module. */
  prefix: string | null;
}

const isUrlText = (s: string) => /^https?:\/\//i.test(s);

/** True when the checkpoint is an `http(s)://` URL (MMPretrain's configs name `download.openmmlab.com` ones). */
export function isCheckpointUrl(checkpoint: string): boolean {
  return isUrlText(checkpoint);
}

/** The file name a checkpoint reference ends in (`…/resnet18_8xb16_cifar10_20210528-bd6371c8.pth?x=1` → that name). */
export function checkpointFileName(checkpoint: string): string {
  const path = isUrlText(checkpoint) ? checkpoint.replace(/[?#].*$/, '') : checkpoint;
  return path.split(/[/\\]/).filter(Boolean).pop() ?? checkpoint;
}

/**
 * Every `Pretrained` init_cfg in `cfg` (a whole config, or a model dict): `init_cfg` as one dict or in a list, on any
 * module (`model.backbone.init_cfg`, `model.head.init_cfg`, nested ones), and a classifier's `pretrained=`. In
 * config order.
 */
export function findPretrainedInits(cfg: unknown): PretrainedInitRef[] {
  const out: PretrainedInitRef[] = [];
  const visit = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${key}[${i}]`));
      return;
    }
    if (!isDict(v)) return;
    if (v.type === 'Pretrained') {
      if (typeof v.checkpoint !== 'string' || !v.checkpoint) throw new Error(`${key}: init_cfg of type 'Pretrained' needs a 'checkpoint' (a file path or URL)`);
      const prefix = v.prefix === undefined || v.prefix === null || v.prefix === '' ? null : String(v.prefix);
      out.push({ key, checkpoint: v.checkpoint, prefix });
      return;
    }
    if (typeof v.pretrained === 'string' && v.pretrained && typeof v.type === 'string' && v.backbone !== undefined) {
      out.push({ key: `${key ? `${key}.` : ''}pretrained`, checkpoint: v.pretrained, prefix: null });
    }
    for (const [k, child] of Object.entries(v)) visit(child, key ? `${key}.${k}` : k);
  };
  visit(cfg, '');
  return out;
}

/** The distinct checkpoints a config needs, each with every init_cfg that names it. */
export function neededCheckpoints(refs: readonly PretrainedInitRef[]): { checkpoint: string; refs: PretrainedInitRef[] }[] {
  const by = new Map<string, PretrainedInitRef[]>();
  for (const r of refs) by.set(r.checkpoint, [...(by.get(r.checkpoint) ?? []), r]);
  return [...by].map(([checkpoint, list]) => ({ checkpoint, refs: list }));
}

/**
 * A copy of `cfg` without its `Pretrained` init_cfgs ("train from scratch"): a `Pretrained` dict is taken out of an
 * `init_cfg` list, a lone one removes the `init_cfg` key (the module's default initialisation applies, as when the
 * config did not set it), and a classifier's `pretrained=` goes. Tuple and float marks are kept (the dump is exact).
 */
export function withoutPretrainedInits<T extends ConfigDict>(cfg: T): T {
  const copy = deepCopy(cfg);
  const strip = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(strip);
    if (!isDict(v)) return;
    const init = v.init_cfg;
    if (isDict(init) && init.type === 'Pretrained') delete v.init_cfg;
    else if (Array.isArray(init)) {
      const kept = init.filter((c) => !(isDict(c) && c.type === 'Pretrained'));
      if (!kept.length) delete v.init_cfg;
      else if (kept.length !== init.length) v.init_cfg = kept;
    }
    if (typeof v.pretrained === 'string' && v.backbone !== undefined) delete v.pretrained;
    Object.values(v).forEach(strip);
  };
  strip(copy);
  return copy;
}

/** A checkpoint file handed over for a `Pretrained` init_cfg. */
export interface PretrainedFile {
  /** The init_cfg's `checkpoint` string it stands for. */
  checkpoint: string;
  /** The file's own name (`resnet18.pth`, `model.safetensors`): picks the reader. */
  name: string;
  data: Blob | Uint8Array;
}

/** A read checkpoint: its file name and state dict. */
export interface ReadPretrained {
  file: string;
  stateDict: StateDict;
}

/** Reads each given file (`.pth` or `.safetensors`) once; keyed by the init_cfg `checkpoint` it stands for. */
export async function readPretrainedFiles(files: readonly PretrainedFile[]): Promise<Map<string, ReadPretrained>> {
  const out = new Map<string, ReadPretrained>();
  for (const f of files) {
    if (out.has(f.checkpoint)) continue;
    const ckpt = await loadCheckpoint(f.data, f.name);
    out.set(f.checkpoint, { file: f.name, stateDict: ckpt.stateDict });
  }
  return out;
}

/** One `Pretrained` load with its keys as the model names them (`backbone.layer1.0.conv1.weight`). */
export interface PretrainedLoad {
  checkpoint: string;
  /** The file that was read for it. */
  file: string;
  prefix: string | null;
  /** The module it initialised (`backbone`), '' for the whole model. */
  module: string;
  /** Model keys whose values now come from the checkpoint. */
  loaded: number;
  /**
   * Missing / unexpected / shape-mismatched keys as mmengine's `load_state_dict` logs them: relative to `module` (the
   * checkpoint's keys after the prefix is removed), so a wrong prefix shows as the same names with and without it.
   */
  report: LoadReport;
}

/** Every `Pretrained` load of a model build, and the model keys none of them filled (a new head). */
export interface PretrainedReport {
  loads: PretrainedLoad[];
  /** Model keys no checkpoint gave a value: they keep their initialisation. */
  notLoaded: string[];
}

const qualify = (module: string, key: string) => (module ? `${module}.${key}` : key);

/** The model-level report of the loads `initWeights` made (`modelKeys`: the model's state-dict keys). */
export function pretrainedReport(modelKeys: Iterable<string>, loaded: readonly PretrainedLoaded[], files: ReadonlyMap<string, ReadPretrained>): PretrainedReport {
  const keys = [...modelKeys];
  const filled = new Set<string>();
  const loads = loaded.map((l): PretrainedLoad => {
    const inModule = keys.filter((k) => !l.module || k.startsWith(`${l.module}.`));
    const bad = new Set([...l.report.missingKeys, ...l.report.shapeMismatches.map((m) => m.key)].map((k) => qualify(l.module, k)));
    const ok = inModule.filter((k) => !bad.has(k));
    ok.forEach((k) => filled.add(k));
    return {
      checkpoint: l.checkpoint,
      file: files.get(l.checkpoint)?.file ?? checkpointFileName(l.checkpoint),
      prefix: l.prefix,
      module: l.module,
      loaded: ok.length,
      report: l.report,
    };
  });
  return { loads, notLoaded: keys.filter((k) => !filled.has(k)) };
}

/** mmengine's log lines for the loads (`load backbone in model from: …`), then what did not match (as `load_state_dict` logs it). */
export function formatPretrainedReport(r: PretrainedReport): string[] {
  const lines: string[] = [];
  for (const l of r.loads) {
    lines.push(l.prefix ? `load ${l.prefix} in model from: ${l.checkpoint}` : `load model from: ${l.checkpoint}`);
    lines.push(`  ${l.loaded} tensors of ${l.module || 'the model'} loaded from ${l.file}`);
    const problems = formatLoadReport(l.report);
    if (problems) lines.push(...problems.split('\n').map((line) => `  ${line}`));
  }
  if (r.loads.length && r.notLoaded.length) lines.push(`not in any pretrained checkpoint (keep their initialisation): ${r.notLoaded.join(', ')}`);
  return lines;
}

/**
 * Runs `build` (which builds the model: `buildClassifier`, `buildRunner`) with `files` served to the `Pretrained`
 * init_cfgs, and collects what each load matched. A checkpoint the config names but `files` lacks fails with a
 * message that says how to give it. `pretrainedSource` is restored afterwards.
 */
export async function buildWithPretrained<T>(
  files: ReadonlyMap<string, ReadPretrained>,
  build: () => Promise<T> | T,
  missing: (checkpoint: string) => string = (c) => `init_cfg Pretrained '${c}': no checkpoint file was given for it`,
): Promise<{ result: T; loaded: PretrainedLoaded[] }> {
  const previous = { load: pretrainedSource.load, onLoaded: pretrainedSource.onLoaded };
  const loaded: PretrainedLoaded[] = [];
  pretrainedSource.load = (checkpoint) => {
    const f = files.get(checkpoint);
    if (!f) throw new Error(missing(checkpoint));
    return f.stateDict;
  };
  pretrainedSource.onLoaded = (l) => loaded.push(l);
  try {
    return { result: await build(), loaded };
  } finally {
    pretrainedSource.load = previous.load;
    pretrainedSource.onLoaded = previous.onLoaded;
  }
}
