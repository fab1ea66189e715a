/** Python string formatting for configs: `str.format()` and f-string replacement fields (format spec, `!r`/`!s`). */
import { isDict } from './values';
import { isFloatValue, isNumber, load, normIndex, num, PyError, pyRepr, pyStr, typeName, type Value } from './py_values';

/** `format(v, spec)`: a value formatted by a format spec (`'>8'`, `'.3f'`, `'08,d'`, `'.2%'`, …). */
export function formatSpec(v: Value, spec: string): string {
  if (!spec) return pyStr(v);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new PyError(`invalid format specifier '${spec}'`);
  const [, fillCh, align, sign, , zero, widthS, group, precS, type] = m;
  const prec = precS === undefined ? undefined : Number(precS);
  let body: string;
  if (type && type !== 's') {
    if (!isNumber(v)) throw new PyError(`unknown format code '${type}' for object of type '${typeName(v)}'`);
    const x = num(v);
    switch (type) {
      case 'd': case 'n':
        if (isFloatValue(v)) throw new PyError(`unknown format code 'd' for object of type 'float'`);
        body = String(Math.abs(x));
        break;
      case 'f': case 'F': body = Math.abs(x).toFixed(prec ?? 6); break;
      case 'e': case 'E': body = Math.abs(x).toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
      case '%': body = (Math.abs(x) * 100).toFixed(prec ?? 6) + '%'; break;
      case 'g': case 'G': body = String(Number(Math.abs(x).toPrecision(prec || 6))); break;
      case 'x': case 'X': body = Math.abs(x).toString(16); break;
      case 'o': body = Math.abs(x).toString(8); break;
      case 'b': body = Math.abs(x).toString(2); break;
      default: body = pyStr(Math.abs(x));
    }
    if (type === 'E' || type === 'X' || type === 'G' || type === 'F') body = body.toUpperCase();
    if (group) body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, group));
    const neg = x < 0 || Object.is(x, -0);
    body = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + body;
  } else {
    body = isNumber(v) && !type && prec === undefined ? pyStr(v) : pyStr(v);
    if (prec !== undefined && typeof v === 'string') body = body.slice(0, prec);
  }
  const width = widthS ? Number(widthS) : 0;
  if (body.length >= width) return body;
  const fill = fillCh ?? (zero && !align ? '0' : ' ');
  const al = align ?? (zero ? '=' : isNumber(v) ? '>' : '<');
  const pad = width - body.length;
  if (al === '<') return body + fill.repeat(pad);
  if (al === '>') return fill.repeat(pad) + body;
  if (al === '^') return fill.repeat(Math.floor(pad / 2)) + body + fill.repeat(Math.ceil(pad / 2));
  const signCh = /^[+\- ]/.test(body) ? body[0] : '';
  return signCh + fill.repeat(pad) + body.slice(signCh.length);
}

/** A replacement field's `!r` / `!s` / `!a` conversion. */
export function convert(v: Value, conversion?: string): Value {
  if (conversion === 'r' || conversion === 'a') return pyRepr(v);
  if (conversion === 's') return pyStr(v);
  if (conversion) throw new PyError(`unknown conversion specifier '${conversion}'`);
  return v;
}

/** `template.format(*args, **kwargs)`, fields with indices, names, attribute and item lookups, and specs. */
export function strFormat(template: string, args: Value[], kwargs: [string, Value][]): string {
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const m = /^([^!:]*)(?:!(\w))?(?::(.*))?$/.exec(field ?? '')!;
    const [, ref, conversion, spec] = m;
    const path = /^([^.[]*)(.*)$/.exec(ref)!;
    let v: Value;
    if (path[1] === '') v = args[auto++];
    else if (/^\d+$/.test(path[1])) v = args[Number(path[1])];
    else {
      const kw = kwargs.find(([k]) => k === path[1]);
      if (!kw) throw new PyError(`str.format(): missing keyword argument '${path[1]}'`);
      v = kw[1];
    }
    if (v === undefined) throw new PyError('str.format(): replacement index out of range');
    for (const [, attr, key] of path[2].matchAll(/\.(\w+)|\[([^\]]+)\]/g)) {
      const k = attr ?? key;
      if (isDict(v) && k in v) v = load(v, k);
      else if (Array.isArray(v) && /^\d+$/.test(k)) v = load(v, normIndex(Number(k), v.length, 'list'));
      else throw new PyError(`str.format(): cannot look up '${k}' in a ${typeName(v)}`);
    }
    return formatSpec(convert(v, conversion), spec ?? '');
  });
}
