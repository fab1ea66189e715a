/**
 * `Config.fromfile` as mmengine does it, over a {@link VirtualFS}: predefined and environment variables, `{{_base_.x}}`
 * placeholders, bases loaded and merged first, the child evaluated with `_base_` bound to the merged base, then the
 * child merged into the base.
 */
import type { Stmt } from './ast';
import { ConfigError } from './errors';
import { evaluateExpression, evaluateModule } from './evaluator';
import { MergeError, mergeAIntoB } from './merge';
import { basenamePath, dirnamePath, joinPath, normalizePath } from './path';
import { parseModule } from './parser';
import { carryFloatMark, deepCopy, type ConfigDict } from './values';
import type { VirtualFS } from './vfs';

/** Options of {@link loadConfigFile}. */
export interface FromFileOptions {
  /** Environment variables for `{{$NAME:default}}` templates. Default: none (so defaults apply). */
  env?: Record<string, string | undefined>;
}

/** What loading one config (with its bases) gave. */
export interface FileLoadResult {
  /** The merged config. */
  cfg: ConfigDict;
  /** Every file read, bases first, in the order mmengine reads them (normalised paths). */
  filesRead: string[];
  /** mmengine's `cfg.text`: each file's name and text, bases first. */
  text: string;
}

const BASE_KEY = '_base_';
/** Top-level names mmengine's `Config` refuses (they are its own attributes). */
const RESERVED_KEYS = ['filename', 'text', 'pretty_text', 'env_variables'];
/** mmengine pops `_deprecation_ = dict(expected=..., reference=...)` and only warns. */
const DEPRECATION_KEY = '_deprecation_';

/** The `{{ fileDirname }}`-style templates mmengine replaces before parsing. */
function substitutePredefinedVars(text: string, path: string): string {
  const base = basenamePath(path);
  const dot = base.lastIndexOf('.');
  const templates: Record<string, string> = {
    fileDirname: dirnamePath(path),
    fileBasename: base,
    fileBasenameNoExtension: dot > 0 ? base.slice(0, dot) : base,
    fileExtname: dot > 0 ? base.slice(dot) : '',
  };
  for (const [k, v] of Object.entries(templates)) text = text.replace(new RegExp(`\\{\\{\\s*${k}\\s*\\}\\}`, 'g'), () => v);
  return text;
}

/** `{{$NAME:default}}` (optionally quoted) environment templates; a missing variable without default is an error. */
function substituteEnvVars(text: string, path: string, env: Record<string, string | undefined>): string {
  return text.replace(/\{\{['"]?\s*\$(\w+)\s*:\s*(.*?)\s*['"]?\}\}/g, (whole, name: string, dflt: string, offset: number) => {
    const v = env[name] ?? (dflt === '' ? undefined : dflt);
    if (v === undefined) {
      const { line, column } = lineCol(text, offset);
      throw new ConfigError(path, line, column, `environment variable ${name} is not set and ${whole} has no default`);
    }
    return v;
  });
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A short deterministic tag for placeholders (mmengine uses a random uuid; determinism keeps dumps stable). */
function tag(s: string): string {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 6);
}

/**
 * mmengine's `_pre_substitute_base_vars`: each `{{_base_.a.b}}` becomes the string literal `"_a.b_<tag>"`; after
 * evaluation, values equal to such a string are replaced by the base's value ({@link substituteBaseVars}).
 */
function preSubstituteBaseVars(text: string): { text: string; vars: Map<string, BaseVar>; shifts: ColumnShift[] } {
  const vars = new Map<string, BaseVar>();
  const shifts: ColumnShift[] = [];
  const re = /\{\{\s*_base_\.([\w.]+)\s*\}\}/g;
  let lineDelta = { line: 0, delta: 0 };
  const out = text.replace(re, (whole: string, name: string, offset: number) => {
    const placeholder = `_${name}_${tag(name)}`;
    const at = lineCol(text, offset);
    if (!vars.has(placeholder)) vars.set(placeholder, { name, ...at });
    if (lineDelta.line !== at.line) lineDelta = { line: at.line, delta: 0 };
    const replacement = `"${placeholder}"`;
    const delta = replacement.length - whole.length;
    // Columns after this replacement, in the substituted text, are `delta` further right than in the file.
    shifts.push({ line: at.line, fromColumn: at.column + lineDelta.delta + replacement.length, delta: lineDelta.delta + delta });
    lineDelta.delta += delta;
    return replacement;
  });
  return { text: out, vars, shifts };
}

/** Where text substitution moved columns: on `line`, columns ≥ `fromColumn` (substituted text) moved by `delta`. */
interface ColumnShift {
  line: number;
  fromColumn: number;
  delta: number;
}

/** Maps an error position in substituted text back to the file's own column. */
function unshift(e: ConfigError, shifts: ColumnShift[]): ConfigError {
  const s = shifts.filter((x) => x.line === e.line && e.column >= x.fromColumn).pop();
  return s ? new ConfigError(e.file, e.line, e.column - s.delta, e.detail) : e;
}

/** A `{{_base_.name}}` placeholder and where it first appears. */
interface BaseVar {
  name: string;
  line: number;
  column: number;
}

function resolveBaseVar(ref: BaseVar, base: ConfigDict, file: string): unknown {
  const { name } = ref;
  let v: unknown = base;
  for (const k of name.split('.')) {
    if (v === null || typeof v !== 'object' || !(k in (v as object))) {
      throw new ConfigError(file, ref.line, ref.column, `{{_base_.${name}}}: '${k}' is not defined in the base configs`);
    }
    v = (v as Record<string, unknown>)[k];
  }
  return deepCopy(v);
}

/** mmengine's `_substitute_base_vars`: replaces placeholder strings (values, list/tuple items) by base values. */
function substituteBaseVars(cfg: unknown, vars: Map<string, BaseVar>, base: ConfigDict, file: string): unknown {
  if (typeof cfg === 'string') return vars.has(cfg) ? resolveBaseVar(vars.get(cfg)!, base, file) : cfg;
  if (Array.isArray(cfg)) {
    for (let i = 0; i < cfg.length; i++) cfg[i] = substituteBaseVars(cfg[i], vars, base, file);
    return cfg;
  }
  if (cfg !== null && typeof cfg === 'object') {
    const d = cfg as ConfigDict;
    for (const k of Object.keys(d)) d[k] = substituteBaseVars(d[k], vars, base, file);
  }
  return cfg;
}

/** The `_base_ = ...` statement's value (evaluated on its own, as mmengine does), as a list of paths. */
function baseFiles(stmts: Stmt[], file: string): { paths: string[]; line: number; column: number } {
  const s = stmts.find((x) => x.kind === 'assign' && x.targets[0].kind === 'name' && x.targets[0].id === BASE_KEY);
  if (!s || s.kind !== 'assign') return { paths: [], line: 0, column: 0 };
  const v = evaluateExpression(s.value, file);
  const list = Array.isArray(v) ? v : [v];
  for (const p of list) {
    if (typeof p !== 'string') throw new ConfigError(file, s.value.pos.line, s.value.pos.column, `_base_ must be a path or a list of paths, found ${JSON.stringify(p)}`);
  }
  return { paths: list as string[], line: s.value.pos.line, column: s.value.pos.column };
}

/** Loads `path` and its bases from `fs` and merges them as mmengine's `Config.fromfile` does. */
export function loadConfigFile(path: string, fs: VirtualFS, opts: FromFileOptions = {}): FileLoadResult {
  const filesRead: string[] = [];
  const texts: string[] = [];
  const top = normalizePath(path);
  if (!fs.exists(top)) throw new ConfigError(top, 0, 0, 'config file not found');
  const cfg = fileToDict(top, fs, opts.env ?? {}, [], filesRead, texts);
  return { cfg: deepCopy(cfg), filesRead, text: texts.join('\n') };
}

/** Largest config text read (characters); a bigger file is refused before it is parsed. */
export const MAX_CONFIG_CHARS = 8 * 2 ** 20;

function fileToDict(
  path: string,
  fs: VirtualFS,
  env: Record<string, string | undefined>,
  chain: string[],
  filesRead: string[],
  texts: string[],
): ConfigDict {
  if (!path.endsWith('.py')) throw new ConfigError(path, 0, 0, 'only Python (.py) config files are supported');
  const raw = fs.read(path);
  if (raw.length > MAX_CONFIG_CHARS) {
    throw new ConfigError(path, 0, 0, `config file is ${(raw.length / 2 ** 20).toFixed(1)} MB, more than a config may be (${MAX_CONFIG_CHARS / 2 ** 20} MB; MMPretrain's are a few KB)`);
  }
  filesRead.push(path);
  let text = substitutePredefinedVars(raw, path);
  text = substituteEnvVars(text, path, env);
  const pre = preSubstituteBaseVars(text);
  const inFile = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof ConfigError && e.file === path ? unshift(e, pre.shifts) : e;
    }
  };
  const stmts = inFile(() => parseModule(pre.text, path));

  const bases = baseFiles(stmts, path);
  const base: ConfigDict = {};
  const owner = new Map<string, string>();
  for (const rel of bases.paths) {
    if (rel.includes('::')) {
      throw new ConfigError(path, bases.line, bases.column, `base '${rel}' names a config of another package (scope '${rel.split('::')[0]}'); only files in this tree can be loaded`);
    }
    const basePath = joinPath(dirnamePath(path), rel);
    if ([...chain, path].includes(basePath)) {
      const cycle = [...chain.slice(chain.indexOf(basePath)), path, basePath];
      throw new ConfigError(path, bases.line, bases.column, `cycle in _base_: ${cycle.join(' -> ')}`);
    }
    if (!fs.exists(basePath)) {
      throw new ConfigError(path, bases.line, bases.column, `base config '${rel}' not found (looked for ${basePath})`);
    }
    const child = fileToDict(basePath, fs, env, [...chain, path], filesRead, texts);
    const dup = Object.keys(child).filter((k) => k in base);
    if (dup.length) {
      const where = dup.map((k) => `'${k}' (in ${owner.get(k)} and ${basePath})`).join(', ');
      throw new ConfigError(path, bases.line, bases.column, `Duplicate key is not allowed among bases. Duplicate keys: ${where}`);
    }
    for (const k of Object.keys(child)) {
      owner.set(k, basePath);
      base[k] = child[k];
      carryFloatMark(child, k, base, k);
    }
  }

  let cfg = inFile(() => evaluateModule(stmts, { file: path, base }));
  for (const k of RESERVED_KEYS) {
    if (k in cfg) throw new ConfigError(path, 0, 0, `${k} is reserved for config, please change the key name`);
  }
  if (DEPRECATION_KEY in cfg) delete cfg[DEPRECATION_KEY];
  texts.push(`${path}\n${raw}`);
  cfg = substituteBaseVars(cfg, pre.vars, base, path) as ConfigDict;
  delete cfg[BASE_KEY];
  let merged: ConfigDict;
  try {
    merged = mergeAIntoB(cfg, base);
  } catch (e) {
    if (e instanceof MergeError) throw new ConfigError(path, 0, 0, e.message);
    throw e;
  }
  for (const k of Object.keys(merged)) if (k.startsWith('__')) delete merged[k];
  return merged;
}
