/**
 * JSON as Python's `json.loads` reads it: standard JSON plus the bare constants `NaN`, `Infinity`
 * and `-Infinity`, which Python's `json.dumps` (and so mmengine's `scalars.json`) writes for
 * non-finite floats.
 */

const SENTINEL = '\u0000pyjson:';
const CONSTANTS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Rewrites bare NaN/Infinity tokens outside strings to sentinel strings; null if there are none. */
function quoteConstants(text: string): string | null {
  let out = '';
  let changed = false;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i] ?? '';
      } else if (c === '"') {
        inString = false;
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
    if (token) {
      out += JSON.stringify(SENTINEL + token);
      i += token.length - 1;
      changed = true;
    } else {
      out += c;
    }
  }
  return changed ? out : null;
}

function restoreConstants(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(SENTINEL)) return CONSTANTS[value.slice(SENTINEL.length)];
  if (Array.isArray(value)) return value.map(restoreConstants);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = restoreConstants(obj[k]);
  }
  return value;
}

/** Parses one JSON document as Python's `json.loads`; throws `SyntaxError` like `JSON.parse`. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const quoted = quoteConstants(text);
    if (quoted === null) throw e;
    return restoreConstants(JSON.parse(quoted));
  }
}
