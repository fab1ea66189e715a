/** Python's `repr()`/`str()` of config values, so that dumps and f-strings read exactly as Python writes them. */
import { isDict, isFloatAt, isTuple } from './values';

/** `repr(float)` as Python writes it: shortest round-trip digits, `1e-05`, `1.0`, `1e+16`, `inf`, `nan`. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** `repr(str)` as Python writes it: single quotes unless the text holds `'` and no `"`. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code >= 0x80 && code < 0xa0) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** `repr()` of an int or float number (`float` forces the float form for integral values). */
export function numberRepr(x: number, float: boolean): string {
  if (float || !Number.isInteger(x)) return floatRepr(x);
  if (Math.abs(x) >= 1e21) return BigInt(x).toString();
  return String(x);
}

/**
 * `repr()` of plain config data read from `container[key]` (so float marks apply). Dicts print `{'k': v}`,
 * tuples `(1,)`, lists `[1, 2]`, None/True/False by name.
 */
export function valueRepr(v: unknown, container?: object, key?: string | number): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return numberRepr(v, container !== undefined && key !== undefined && isFloatAt(container, key));
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) {
    const items = v.map((item, i) => valueRepr(item, v, i));
    if (isTuple(v)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (isDict(v)) return `{${Object.keys(v).map((k) => `${strRepr(k)}: ${valueRepr(v[k], v, k)}`).join(', ')}}`;
  return String(v);
}
