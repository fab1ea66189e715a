/**
 * MMPretrain's `mmpretrain/apis/model.py` on the studio's engine: `listModels` / `getModel` over the shipped
 * configs (a model's name is its config file's stem, as MMPretrain's model index names them), and `initModel`
 * (config + checkpoint → an eval-mode classifier with its `cfg` and `dataset_meta`). No DOM, no Node: the caller
 * passes the config file system (the studio's bundled `configs/`, or `NodeFS` in the CLI and tests).
 */
import { tf } from '../backends/tf';
import { basenamePath, configToJSON, listConfigFiles, loadConfig, type VirtualFS } from '../config';
import { loadCheckpoint, type Checkpoint, type CheckpointInput } from '../fileio';
import { buildClassifier, modelConfigOf } from '../models/builder';
import type { ImageClassifier } from '../models/classifiers/image';
import { formatLoadReport, isCleanLoad, type LoadReport } from '../models/nn/state_dict';
import { fuseConvBn } from '../models/utils/fuse_conv_bn';
import { closestNames } from '../utils/closest';
import { resolveClasses, type ClassesSource } from './class_names';
import { fnmatch } from './fnmatch';
import { hasModel, listIndexedModels, MODEL_INDEX, modelInfo, type ListIndexedOptions } from './model_hub';
import { checkpointFor, type CheckpointForOptions } from './hub';
export { fnmatch };

type Dict = Record<string, unknown>;

/** A file system that can list the shipped configs (`configs/**.py`). */
export type ListableFS = VirtualFS & { list(dir: string): string[] };

/** A checkpoint as the APIs accept it: already read, or bytes / a Blob / a byte source with its file name. */
export type CheckpointArg = Checkpoint | { data: CheckpointInput; name: string };

/** A classifier ready for inference, with what MMPretrain attaches to it (`model.cfg`, `model.dataset_meta`). */
export interface InferenceModel {
  model: ImageClassifier;
  /** The whole config (or model dict) it was built from, as plain JSON. */
  cfg: Dict;
  /** `{classes}` from the checkpoint meta or the config's dataset (null classes when neither has them). */
  dataset_meta: { classes: string[] | null };
  classesSource: ClassesSource;
  classesNote: string;
  /** Output count of the head (`head.num_classes`), null when the config does not say. */
  numClasses: number | null;
  /** How the checkpoint matched the model; null when no checkpoint was loaded (init_cfg weights, seed 0). */
  loadReport: LoadReport | null;
  /** File name and format of the loaded checkpoint. */
  checkpoint: { name: string; format: string } | null;
  /** Config name (`getModel`) or the config file name. */
  name: string;
}

/** Name → config path of every complete (non-`_base_`) config under `root`. */
export function modelIndex(fs: ListableFS, root = 'configs'): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of listConfigFiles(fs, root)) if (!e.isBase) out.set(basenamePath(e.path).replace(/\.py$/, ''), e.path);
  return out;
}

let shippedConfigs: ListableFS | null = null;

/**
 * Sets where `listModels` / `getModel` find the shipped configs by default: the page's bundled `configs/`
 * (the studio does this), or `shippedConfigsFS()` from `apis/node` in Node.
 */
export function setShippedConfigs(fs: ListableFS | null): void {
  shippedConfigs = fs;
}

function zoo(fs: ListableFS | undefined): ListableFS {
  const out = fs ?? shippedConfigs;
  if (!out) throw new Error("no shipped configs to list: call setShippedConfigs(fs) first (Node: setShippedConfigs(shippedConfigsFS()) from 'apis/node') or pass {fs}");
  return out;
}

/** Options of {@link listModels}. */
export type ListModelsOptions = ListIndexedOptions;

/**
 * MMPretrain `list_models(pattern, exclude_patterns, task)`: the sorted names of MMPretrain's model index (every
 * metafile's models). As there, a pattern matches names with any postfix (`'resnet18'` → `resnet18*`; `'*cifar'` →
 * every CIFAR model), case-insensitively, and so do the exclude patterns; `task` keeps models with a result of it.
 */
export function listModels(pattern: string | null = null, opts: ListModelsOptions = {}): string[] {
  return listIndexedModels(pattern, opts);
}

/** Options of {@link initModel} and {@link getModel}. */
export interface InitModelOptions {
  /** `--cfg-options` lines (`key=value`) applied to a config read from the file system. */
  cfgOptions?: string[];
  /** Fail unless the checkpoint matches the model exactly (missing, unexpected, mismatched keys). Default: false. */
  strict?: boolean;
  /** Fold BatchNorm into the convolutions (MMPretrain `--fuse-conv-bn`). Default: false. */
  fuse_conv_bn?: boolean;
  /** Checkpoint reading progress, `(loaded, total)` bytes. */
  onProgress?: (loaded: number, total: number) => void;
  /** Class names overriding the checkpoint's and the config's (MMPretrain's `dataset_meta`). */
  classes?: string[];
}

function isCheckpoint(c: CheckpointArg): c is Checkpoint {
  return 'stateDict' in c;
}

/** The config dict of a path in `fs` (config language, `_base_` resolved) or a dict given as is. */
export function readConfig(config: string | Dict, fs: VirtualFS | null, cfgOptions?: string[]): Dict {
  if (typeof config !== 'string') return config;
  if (!fs) throw new Error(`config '${config}': no file system to read it from`);
  if (config.endsWith('.json')) {
    try {
      return JSON.parse(fs.read(config)) as Dict;
    } catch (e) {
      throw new Error(`${config}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return configToJSON(loadConfig(config, fs, { cfgOptions }).cfg) as Dict;
}

/**
 * The model's output count from its config: `head.num_classes`, else the backbone's (LeNet-5 classifies in the
 * backbone under a plain `ClsHead`), else the data preprocessor's; null when none says.
 */
export function numClassesOf(cfg: Dict): number | null {
  const model = modelConfigOf(cfg);
  for (const part of [model.head, model.backbone, model.data_preprocessor]) {
    const n = (part as Dict | null | undefined)?.num_classes;
    if (typeof n === 'number') return n;
  }
  return null;
}

/** Every key of the model missing from the checkpoint: it holds weights for another architecture. */
function matchesNothing(model: ImageClassifier, report: LoadReport): boolean {
  return report.missingKeys.length + report.shapeMismatches.length >= model.stateDictShapes().size;
}

/**
 * MMPretrain `init_model(config, checkpoint)`: builds the classifier, loads the checkpoint (non-strict: the
 * report says what did not match), sets eval mode and attaches `cfg` and `dataset_meta`. A checkpoint that matches
 * no key of the model (another architecture) fails with the report.
 */
export async function initModel(config: string | Dict, checkpoint: CheckpointArg | null, opts: InitModelOptions & { fs?: VirtualFS | null; name?: string } = {}): Promise<InferenceModel> {
  const cfg = readConfig(config, opts.fs ?? null, opts.cfgOptions);
  const name = opts.name ?? (typeof config === 'string' ? basenamePath(config).replace(/\.(py|json)$/, '') : String(modelConfigOf(cfg).type));
  // a file is streamed into the model tensor by tensor; a checkpoint already read is loaded as it is
  const ckpt = checkpoint && (isCheckpoint(checkpoint) ? checkpoint : await loadCheckpoint(checkpoint.data, checkpoint.name, { onProgress: opts.onProgress, lazy: true }));
  // the backend tfjs picks when none was set (an async one such as WASM) starts before the first tensor
  await tf.ready();
  const model = buildClassifier(cfg, { seed: ckpt ? null : 0 });
  let report: LoadReport | null = null;
  try {
    if (ckpt) {
      report = isCheckpoint(checkpoint) ? model.loadStateDict(ckpt.stateDict, { strict: false }) : await model.loadStateDictStreaming(ckpt.stateDict, { strict: false });
      if (matchesNothing(model, report)) throw new Error(`${ckpt.name}: no weight fits this model (${name}): a checkpoint for another architecture?\n${formatLoadReport(report)}`);
      if (opts.strict && !isCleanLoad(report)) throw new Error(`${ckpt.name}: does not match ${name} exactly:\n${formatLoadReport(report)}`);
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  if (opts.fuse_conv_bn) fuseConvBn(model);
  const numClasses = numClassesOf(cfg);
  const resolved = opts.classes ? { classes: opts.classes, source: 'config' as const, note: 'given' } : resolveClasses(ckpt?.classes, cfg, numClasses, ckpt?.name);
  return {
    model,
    cfg,
    dataset_meta: { classes: resolved.classes },
    classesSource: resolved.source,
    classesNote: resolved.note,
    numClasses,
    loadReport: report,
    checkpoint: ckpt ? { name: ckpt.name, format: ckpt.format } : null,
    name,
  };
}

/** Options of {@link getModel}. */
export interface GetModelOptions extends InitModelOptions {
  /**
   * The model's weights (a dropped file or the offline cache); `true`: its released weights from the model index,
   * downloaded through the hub into the checkpoint store (or read from it: `download`); null / false: init_cfg
   * weights (seed 0). Default: null.
   */
  pretrained?: CheckpointArg | boolean | null;
  /** With `pretrained: true`: the store, host (`hub`), progress and cancel of the download (`checkpointFor`). */
  download?: CheckpointForOptions;
  /** Where the configs are. Default: 'configs'. */
  root?: string;
  /** The file system holding them. Default: the one given to {@link setShippedConfigs}. */
  fs?: ListableFS;
}

/**
 * MMPretrain `get_model(name, pretrained)`: a model of the index by name (case-insensitive; its config), or else a
 * shipped config by its file stem (this project's own configs, e.g. the LeNet-5 ones), built and loaded.
 */
export async function getModel(name: string, { pretrained = null, download, root = 'configs', fs: given, ...opts }: GetModelOptions = {}): Promise<InferenceModel> {
  const fs = zoo(given);
  const info = hasModel(name) ? modelInfo(name) : null;
  const stems = info ? null : modelIndex(fs, root);
  const path = info?.config ?? stems?.get(name);
  if (!path) {
    const close = closestNames(name.toLowerCase(), [...new Set([...MODEL_INDEX.map((m) => m.name.toLowerCase()), ...stems!.keys()])], 5);
    throw new Error(`getModel: no model named '${name}'${close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''} (listModels() lists them)`);
  }
  if (pretrained === true && !info) throw new Error(`getModel: '${name}' is not in the model index, so it has no released weights to download: pass pretrained: {data, name}`);
  const checkpoint = pretrained === true ? (await checkpointFor(info!.name, download)).checkpoint : pretrained || null;
  return initModel(path, checkpoint, { ...opts, fs, name: info?.name ?? name });
}
