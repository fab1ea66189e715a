/**
 * `--cfg-options` as mmengine's `DictAction` parses them and `Config.merge_from_dict(allow_list_keys=True)` applies
 * them: `a.b.c=1`, `pipeline.1.prob=0.0`, `l=[a,b]`, `t=(1,3)`, nested brackets, int/float/bool/None/str values.
 */
import { mergeAIntoB } from './merge';
import { isFloatAt, makeTuple, markFloat, type ConfigDict } from './values';

/** A parsed option value, with Python floats that are integral (`0.0`) boxed so the float type survives. */
type Parsed = { value: unknown; isFloat: boolean };

/** `DictAction._parse_int_float_bool`: int, then float, then true/false (any case), then None, else the string. */
function parseScalar(val: string): Parsed {
  const t = val.trim();
  if (/^[+-]?\d+(_\d+)*$/.test(t)) return { value: Number(t.replace(/_/g, '')), isFloat: false };
  if (/^[+-]?((\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?|\d[\d_]*\.)$/.test(t) && t !== '') {
    return { value: Number(t.replace(/_/g, '')), isFloat: true };
  }
  const lower = t.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return { value: lower.startsWith('-') ? -Infinity : Infinity, isFloat: true };
  if (/^[+-]?nan$/.test(lower)) return { value: NaN, isFloat: true };
  if (lower === 'true' || lower === 'false') return { value: lower === 'true', isFloat: false };
  if (val === 'None') return { value: null, isFloat: false };
  return { value: val, isFloat: false };
}

function findNextComma(s: string): number {
  let paren = 0;
  let bracket = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ',' && paren === 0 && bracket === 0) return i;
    if (c === '(') paren++;
    else if (c === ')') paren--;
    else if (c === '[') bracket++;
    else if (c === ']') bracket--;
  }
  return s.length;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** `DictAction._parse_iterable`: `[a,b]` → list, `(1,3)` → tuple, `1,2` → list, else a scalar. */
export function parseOptionValue(raw: string): Parsed {
  let val = raw.replace(/^['"]+|['"]+$/g, '').replace(/ /g, '');
  const input = val;
  let isTuple = false;
  if (val.startsWith('(') && val.endsWith(')')) {
    isTuple = true;
    val = val.slice(1, -1);
  } else if (val.startsWith('[') && val.endsWith(']')) {
    val = val.slice(1, -1);
  } else if (!val.includes(',')) {
    return parseScalar(val);
  }
  if (count(val, '(') !== count(val, ')') || count(val, '[') !== count(val, ']')) {
    throw new Error(`Imbalanced brackets exist in ${val}`);
  }
  const out: unknown[] = [];
  while (val.length > 0) {
    const comma = findNextComma(val);
    if (val.slice(0, comma) === input) {
      // An element that is the whole value again (a call such as dict(a=1,b=2)): mmengine recurses forever here.
      throw new Error(`cannot parse '${raw}' as a --cfg-options value: only numbers, strings, True/False/None, [lists] and (tuples) are allowed, not calls such as dict(...); set the keys one by one instead (e.g. val_evaluator.type=Accuracy)`);
    }
    const el = parseOptionValue(val.slice(0, comma));
    out.push(el.value);
    if (el.isFloat) markFloat(out, out.length - 1);
    val = val.slice(comma + 1);
  }
  return { value: isTuple ? makeTuple(out) : out, isFloat: false };
}

/**
 * Parses `["key=value", ...]` as `--cfg-options` (later keys win; a value may itself contain `=`).
 * @returns an ordered `{ 'a.b': value }` map; Python floats are marked so `x=1.0` dumps as `1.0`.
 */
export function parseCfgOptions(args: string[]): ConfigDict {
  const out: ConfigDict = {};
  for (const kv of args) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`bad --cfg-options item '${kv}': expected KEY=VALUE (e.g. model.head.num_classes=10)`);
    const key = kv.slice(0, eq);
    const parsed = parseOptionValue(kv.slice(eq + 1));
    out[key] = parsed.value;
    markFloat(out, key, parsed.isFloat);
  }
  return out;
}

/**
 * Applies parsed options to `cfg` as `Config.merge_from_dict(options, allow_list_keys=True)`: dotted keys become
 * nested dicts, digit parts index lists. Returns a new config; `cfg` is not changed.
 */
export function mergeCfgOptions(cfg: ConfigDict, options: ConfigDict): ConfigDict {
  const nested: ConfigDict = {};
  for (const fullKey of Object.keys(options)) {
    const parts = fullKey.split('.');
    let d = nested;
    for (const sub of parts.slice(0, -1)) {
      if (!(sub in d) || d[sub] === null || typeof d[sub] !== 'object') d[sub] = {};
      d = d[sub] as ConfigDict;
    }
    const last = parts[parts.length - 1];
    d[last] = options[fullKey];
    markFloat(d, last, isFloatAt(options, fullKey));
  }
  return mergeAIntoB(nested, cfg, true);
}

/**
 * Pulls `--cfg-options K=V [K=V ...]` out of command-line arguments as argparse's `nargs='+'` does (values run until
 * the next `-`-prefixed argument; the flag may repeat; `--cfg-options=K=V` works too).
 * @returns the remaining arguments and the collected `K=V` items, in order.
 */
export function extractCfgOptionsArgs(argv: string[], flag = '--cfg-options'): { rest: string[]; cfgOptions: string[] } {
  const rest: string[] = [];
  const cfgOptions: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith(`${flag}=`)) cfgOptions.push(a.slice(flag.length + 1));
    else if (a === flag) {
      const start = cfgOptions.length;
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) cfgOptions.push(argv[++i]);
      if (cfgOptions.length === start) throw new Error(`${flag} expects at least one KEY=VALUE`);
    } else rest.push(a);
  }
  return { rest, cfgOptions };
}
