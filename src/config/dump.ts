/**
 * Dumps a config to Python text as mmengine's `Config.dump()` / `pretty_text` does: top-level keys sorted, nested
 * dicts as `dict(...)` calls with sorted keys, lists one item per line with a trailing comma, 1-tuples `(3, )`, and
 * the line breaking that yapf (pep8 style, column limit 79) applies to that text.
 *
 * The yapf rules are reproduced for the shapes mmengine writes: all 837 loadable configs of MMPretrain 1.2 dump
 * byte-identical to mmengine 0.11 + yapf 0.32 (`dump.test.ts` checks the shipped ones, real fixtures and the config.py
 * a real training run saved). yapf weighs penalties over a whole statement, so other shapes may still be laid out
 * differently; parsing a dump always gives back the same config.
 */
import { floatRepr, numberRepr, strRepr } from './pyrepr';
import { isDict, isFloatAt, isTuple, type ConfigDict } from './values';

const COLUMN_LIMIT = 79;
const INDENT = 4;

function isIdentifier(k: string): boolean {
  return /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00C0-\uFFFF]*$/.test(k);
}

function sortedKeys(d: ConfigDict): string[] {
  return Object.keys(d).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** mmengine writes a dict with any non-identifier key as `dict({'k': v})`. */
function usesMapping(d: ConfigDict): boolean {
  return Object.keys(d).some((k) => !isIdentifier(k));
}

function scalarRepr(v: unknown, container: object, key: string | number): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return numberRepr(v, isFloatAt(container, key));
  if (typeof v === 'string') return strRepr(v);
  return String(v);
}

/** True when yapf must break the value over lines: a non-empty list, a tuple of 2+ items (both end in a comma). */
function mustSplit(v: unknown): boolean {
  if (Array.isArray(v)) return isTuple(v) ? v.length > 1 || v.some(mustSplit) : v.length > 0;
  if (isDict(v)) return Object.values(v).some(mustSplit);
  return false;
}

/** The value on one line, as yapf measures it (a comma-terminated list keeps its `, ]`). */
function flat(v: unknown, container: object, key: string | number): string {
  if (Array.isArray(v)) {
    const items = v.map((item, i) => flat(item, v, i));
    const [open, close] = isTuple(v) ? ['(', ')'] : ['[', ']'];
    return items.length ? `${open}${items.join(', ')}, ${close}` : `${open}${close}`;
  }
  if (isDict(v)) return `dict(${flatArgs(v)})`;
  return scalarRepr(v, container, key);
}

function argPrefix(d: ConfigDict, k: string): string {
  return usesMapping(d) ? `${strRepr(k)}: ` : `${k}=`;
}

function flatArgs(d: ConfigDict): string {
  const body = sortedKeys(d).map((k) => argPrefix(d, k) + flat(d[k], d, k)).join(', ');
  return usesMapping(d) ? `{${body}}` : body;
}

function lastLineLength(s: string): number {
  return s.length - s.lastIndexOf('\n') - 1;
}

function firstLineLength(s: string): number {
  const i = s.indexOf('\n');
  return i < 0 ? s.length : i;
}

/**
 * Formats `v` (read from `container[key]`) starting at column `col` on a line indented by `indent`, with `suffix`
 * characters to follow its last line.
 */
function format(v: unknown, container: object, key: string | number, col: number, indent: number, suffix: number): string {
  if (Array.isArray(v)) return formatSequence(v, col, indent, suffix);
  if (isDict(v)) return formatDict(v, col, indent, suffix, isDict(container) && Object.keys(container).length === 1);
  return scalarRepr(v, container, key);
}

function formatSequence(v: unknown[], col: number, indent: number, suffix: number): string {
  const [open, close] = isTuple(v) ? ['(', ')'] : ['[', ']'];
  if (!mustSplit(v)) {
    if (v.length === 0) return open + close;
    // A 1-tuple of a simple value stays on its line: `(3, )`.
    return `${open}${format(v[0], v, 0, col + 1, indent, suffix + 3)}, ${close}`;
  }
  const inner = indent + INDENT;
  const lines = v.map((item, i) => ' '.repeat(inner) + format(item, v, i, inner, inner, 1) + ',');
  return `${open}\n${lines.join('\n')}\n${' '.repeat(indent)}${close}`;
}

function formatDict(d: ConfigDict, col: number, indent: number, suffix: number, onlyChild = false): string {
  const keys = sortedKeys(d);
  if (keys.length === 0) return 'dict()';
  const split = mustSplit(d);
  const args = flatArgs(d);
  if (usesMapping(d)) {
    if (!split && col + 'dict('.length + args.length + 1 + suffix <= COLUMN_LIMIT) return `dict(${args})`;
    return formatMapping(d, indent);
  }
  if (!split && col + 'dict('.length + args.length + 1 + suffix <= COLUMN_LIMIT) return `dict(${args})`;
  // The only argument of its parent, and the call fits but for what follows its `)`: yapf keeps it on the line,
  // wrapping under the opening bracket.
  if (!split && onlyChild && indent > 0 && col + 'dict('.length + args.length + 1 <= COLUMN_LIMIT) {
    return `dict(${packArgs(d, keys, col + 'dict('.length, indent, suffix, col + 'dict('.length)})`;
  }
  // Arguments packed after `dict(` on the same line when a comma-terminated container forces breaks anyway.
  const only = d[keys[0]];
  const onlyArgSplits = keys.length === 1 && mustSplit(only) && !(isDict(only) && usesMapping(only));
  if (split && indent > 0 && (onlyArgSplits || col + 'dict('.length + args.length + 1 + suffix <= COLUMN_LIMIT)) {
    return `dict(${packArgs(d, keys, col + 'dict('.length, indent, suffix)})`;
  }
  const inner = indent + INDENT;
  const head = `dict(\n${' '.repeat(inner)}`;
  if (inner + args.length + 1 + (split ? 0 : suffix) <= COLUMN_LIMIT) {
    return head + (split ? packArgs(d, keys, inner, inner, suffix) : args) + ')';
  }
  // The arguments and their `)` fit, but not what follows: yapf keeps them packed and wraps the last one(s).
  if (!split && inner + args.length + 1 <= COLUMN_LIMIT) return head + packArgs(d, keys, inner, inner, suffix) + ')';
  // One argument per line (yapf's split_before_named_assigns).
  const parts = keys.map((k, i) => {
    const last = i === keys.length - 1;
    const prefix = argPrefix(d, k);
    const text = format(d[k], d, k, inner + prefix.length, inner, last ? 1 + suffix : 1);
    // A scalar too long for its line moves below its `key=` (when only the `)` does not fit, the `)` moves instead).
    if (!text.includes('\n') && inner + prefix.length + text.length > COLUMN_LIMIT) {
      return `${prefix}\n${' '.repeat(inner)}${text}`;
    }
    return prefix + text;
  });
  const lastPart = parts[parts.length - 1];
  const lastIsScalar = !Array.isArray(d[keys[keys.length - 1]]) && !isDict(d[keys[keys.length - 1]]);
  const lastLine = lastPart.includes('\n') ? lastLineLength(lastPart) : inner + lastPart.length;
  const closeOwnLine = lastIsScalar && lastLine + 1 + suffix > COLUMN_LIMIT;
  return head + parts.join(`,\n${' '.repeat(inner)}`) + (closeOwnLine ? `\n${' '.repeat(indent)})` : ')');
}

/** Arguments bin-packed from column `col`, wrapping to `indent` + 4 when the next one does not fit. */
function packArgs(d: ConfigDict, keys: string[], col: number, indent: number, suffix: number, wrapAt?: number): string {
  let out = '';
  let c = col;
  keys.forEach((k, i) => {
    const last = i === keys.length - 1;
    const tail = last ? 1 + suffix : 1;
    const prefix = argPrefix(d, k);
    let text = prefix + format(d[k], d, k, c + (i ? 2 : 0) + prefix.length, indent, tail);
    if (i > 0) {
      const needed = text.includes('\n') ? firstLineLength(text) : text.length + tail;
      if (c + 2 + needed > COLUMN_LIMIT) {
        const wrap = wrapAt ?? indent + (col > indent + INDENT ? INDENT : 0);
        text = prefix + format(d[k], d, k, wrap + prefix.length, indent, tail);
        out += `,\n${' '.repeat(wrap)}`;
        c = wrap;
      } else {
        out += ', ';
        c += 2;
      }
    }
    out += text;
    c = text.includes('\n') ? lastLineLength(text) : c + text.length;
  });
  return out;
}

/** `dict({'k': v, ...})`, one entry per line, as yapf lays out the mapping form mmengine writes. */
function formatMapping(d: ConfigDict, indent: number): string {
  const inner = indent + INDENT;
  const keys = sortedKeys(d);
  // When one entry is too long for its line, every value moves below its key (yapf splits the dict uniformly).
  const below = keys.some((k) => inner + strRepr(k).length + 2 + flat(d[k], d, k).length + 1 > COLUMN_LIMIT);
  const entries = keys.map((k) => {
    if (!below) return `${' '.repeat(inner)}${strRepr(k)}: ${format(d[k], d, k, inner + strRepr(k).length + 2, inner, 1)}`;
    return `${' '.repeat(inner)}${strRepr(k)}:\n${' '.repeat(inner)}${format(d[k], d, k, inner, inner, 1)}`;
  });
  return `dict({\n${entries.join(',\n')}\n${' '.repeat(indent)}})`;
}

/** The config as Python text in mmengine's style (`Config.dump()`); top-level keys sorted. */
export function dumpConfig(cfg: ConfigDict): string {
  const lines: string[] = [];
  for (const k of sortedKeys(cfg)) {
    const prefix = `${k} = `;
    lines.push(prefix + format(cfg[k], cfg, k, prefix.length, 0, 0));
  }
  return lines.join('\n') + '\n';
}

/** `Config.to_dict()` as JSON data: tuples become lists, key order kept (integral floats become plain numbers). */
export function configToJSON(cfg: ConfigDict): ConfigDict {
  const conv = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(conv);
    if (isDict(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, conv(v[k])]));
    return v;
  };
  return conv(cfg) as ConfigDict;
}

/** JSON text of {@link configToJSON}, as `json.dumps(cfg.to_dict(), indent=4)` (floats keep their `.0`). */
export function configToJSONText(cfg: ConfigDict, indent = 4): string {
  const pad = (n: number): string => ' '.repeat(n);
  const enc = (v: unknown, container: object, key: string | number, level: number): string => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      return isFloatAt(container, key) ? floatRepr(v) : String(v);
    }
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      const items = v.map((item, i) => pad((level + 1) * indent) + enc(item, v, i, level + 1));
      return `[\n${items.join(',\n')}\n${pad(level * indent)}]`;
    }
    if (isDict(v)) {
      const keys = Object.keys(v);
      if (!keys.length) return '{}';
      const items = keys.map((k) => `${pad((level + 1) * indent)}${JSON.stringify(k)}: ${enc(v[k], v, k, level + 1)}`);
      return `{\n${items.join(',\n')}\n${pad(level * indent)}}`;
    }
    return JSON.stringify(v ?? null);
  };
  return enc(cfg, {}, '', 0);
}
