/**
 * The MMPretrain / mmengine config language, parsed and evaluated (never executed): `loadConfig` is mmengine's
 * `Config.fromfile` (+ `--cfg-options`), `dumpConfig` its `Config.dump()`, `configToJSON` its `to_dict()`.
 * Browser-safe: the Node file system lives in `./node_fs` (import it from Node code only).
 */
import { loadConfigFile, type FromFileOptions } from './loader';
import { MergeError } from './merge';
import { mergeCfgOptions, parseCfgOptions } from './options';
import { parseModule } from './parser';
import { evaluateModule } from './evaluator';
import { ConfigError } from './errors';
import type { ConfigDict } from './values';
import type { VirtualFS } from './vfs';

export { ConfigError } from './errors';
export { MemoryFS, listConfigFiles, type ConfigFileEntry, type VirtualFS } from './vfs';
export { dumpConfig, configToJSON, configToJSONText } from './dump';
export { parseCfgOptions, mergeCfgOptions, parseOptionValue, extractCfgOptionsArgs } from './options';
export { mergeAIntoB, DELETE_KEY, MergeError } from './merge';
export { deepCopy, isTuple, makeTuple, isFloatAt, markFloat, isDict, type ConfigDict } from './values';
export { explainName, type NameExplanation } from './naming';
export { normalizePath, joinPath, dirnamePath, basenamePath } from './path';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions extends FromFileOptions {
  /** `--cfg-options` overrides: `["a.b=1", "x.1.prob=0.0"]` or an already parsed `{ 'a.b': 1 }` map. */
  cfgOptions?: string[] | ConfigDict;
}

/** A loaded config. */
export interface LoadedConfig {
  /** The merged config (plain data; tuples and integral floats are marked, see `values.ts`). */
  cfg: ConfigDict;
  /** Files read, the config's bases first (normalised paths). */
  filesRead: string[];
  /** mmengine's `cfg.text`: each file's path and text. */
  text: string;
}

/**
 * Loads a config file with its `_base_` files from `fs` and applies `cfgOptions`, as
 * `Config.fromfile(path)` + `cfg.merge_from_dict(options)`.
 * @throws ConfigError naming file, line and column.
 */
export function loadConfig(path: string, fs: VirtualFS, opts: LoadConfigOptions = {}): LoadedConfig {
  const loaded = loadConfigFile(path, fs, opts);
  if (!opts.cfgOptions) return loaded;
  const options = Array.isArray(opts.cfgOptions) ? wrapOptionError(() => parseCfgOptions(opts.cfgOptions as string[])) : opts.cfgOptions;
  const cfg = wrapOptionError(() => mergeCfgOptions(loaded.cfg, options));
  return { ...loaded, cfg };
}

function wrapOptionError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('--cfg-options', 0, 0, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Parses and evaluates one config text without bases (a `_base_` assignment stays an ordinary variable).
 * @param filename used in error messages. Default `<string>`.
 */
export function parseConfigText(text: string, filename = '<string>'): ConfigDict {
  return evaluateModule(parseModule(text, filename), { file: filename });
}

export { MergeError as ConfigMergeError };
