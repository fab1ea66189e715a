/**
 * The config a training run uses: the Config panel's current config or a file from the studio's config tree, with
 * the Train panel's own `--cfg-options` lines on top; returned as the plain data the worker takes, the Python text
 * the work dir keeps, and a work dir name (the config's stem, as MMPretrain's `tools/train.py` picks it).
 */
import { basenamePath, configToJSON, dumpConfig, mergeCfgOptions, parseCfgOptions, type ConfigDict, type VirtualFS } from '../../../config';
import { findPretrainedInits, withoutPretrainedInits, type PretrainedInitRef } from '../../../models/utils/pretrained';
import { evaluatePanelConfig, optionLines, type LocatedError } from '../config/evaluate';

export type ConfigChoice = { kind: 'current' } | { kind: 'file'; path: string };

export type RunConfig =
  | {
      ok: true;
      cfg: Record<string, unknown>;
      cfgText: string;
      cfgFileName: string;
      workDirName: string;
      source: string;
      /** The config's `Pretrained` init_cfgs (found before "train from scratch" takes them out). */
      pretrainedInits: PretrainedInitRef[];
    }
  | { ok: false; error: string };

/** `configs/lenet/lenet5_mnist.py` → `lenet5_mnist` (characters a folder name cannot hold replaced). */
export function workDirNameFor(path: string): string {
  return basenamePath(path).replace(/\.py$/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'run';
}

function describe(e: LocatedError): string {
  const at = e.line ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ''}` : e.file;
  return `${at}: ${e.message}${e.sourceLine ? `\n    ${e.sourceLine.trim()}` : ''}`;
}

/** Options of {@link resolveRunConfig}. */
export interface ResolveOptions {
  /** "Train from scratch": the `Pretrained` init_cfgs are taken out of the config (and its dumped text). Default: false. */
  withoutPretrained?: boolean;
}

/** Resolves the chosen config with `optionsText` (one `key=value` per line, `#` comments). Never throws. */
export function resolveRunConfig(
  choice: ConfigChoice,
  optionsText: string,
  current: { config: ConfigDict | null; configPath: string | null },
  fs: VirtualFS,
  { withoutPretrained = false }: ResolveOptions = {},
): RunConfig {
  let cfg: ConfigDict;
  let source: string;
  if (choice.kind === 'current') {
    if (!current.config) return { ok: false, error: 'No current config: choose one in the Config panel, or pick a config file here.' };
    source = current.configPath ?? 'config.py';
    try {
      const options = optionLines(optionsText).map((l) => l.option);
      cfg = options.length ? mergeCfgOptions(current.config, parseCfgOptions(options)) : current.config;
    } catch (e) {
      return { ok: false, error: `--cfg-options: ${e instanceof Error ? e.message : String(e)}` };
    }
  } else {
    const r = evaluatePanelConfig(fs, choice.path, optionsText);
    if (!r.ok) return { ok: false, error: describe(r.error) };
    cfg = r.cfg;
    source = choice.path;
  }
  try {
    const pretrainedInits = findPretrainedInits(cfg);
    if (withoutPretrained && pretrainedInits.length) cfg = withoutPretrainedInits(cfg);
    return {
      ok: true,
      pretrainedInits,
      cfg: configToJSON(cfg) as Record<string, unknown>,
      cfgText: dumpConfig(cfg),
      cfgFileName: basenamePath(source).endsWith('.py') ? basenamePath(source) : `${workDirNameFor(source)}.py`,
      // tools/train.py: the config's `work_dir` when set, else work_dirs/<config stem>.
      workDirName: typeof cfg.work_dir === 'string' && cfg.work_dir.replace(/\/+$/, '') ? workDirNameFor(cfg.work_dir.replace(/\/+$/, '')) : workDirNameFor(source),
      source,
    };
  } catch (e) {
    return { ok: false, error: `${source}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The config with MMPretrain's `ConfusionMatrix` added to `val_evaluator` (one dict or a list; kept if already there). */
export function withConfusionMatrix(cfg: Record<string, unknown>): Record<string, unknown> {
  const ev = cfg.val_evaluator;
  if (ev === null || ev === undefined) return cfg;
  const list = (Array.isArray(ev) ? ev : [ev]) as { type?: string }[];
  if (list.some((m) => m?.type === 'ConfusionMatrix')) return cfg;
  return { ...cfg, val_evaluator: [...list, { type: 'ConfusionMatrix' }] };
}
