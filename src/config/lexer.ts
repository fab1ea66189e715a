import { ConfigError } from './errors';

/** Token kinds of the Python subset that config files use. */
export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings: the decoded value, see {@link Token.str}). */
  value: string;
  /** 1-based position of the token's first character. */
  line: number;
  column: number;
  /** For numbers: true when the literal is a float (`1.0`, `1e-4`, `.5`). */
  isFloat?: boolean;
  /** For strings: decoding details. */
  str?: StringToken;
}

export interface StringToken {
  /** The decoded text (for f-strings: the raw body, decoded later by the parser). */
  text: string;
  /** An f-string (`f'...'`). */
  formatted: boolean;
  /** A raw string (`r'...'`): no escape processing. */
  raw: boolean;
  /** Line and column of the body's first character (for errors inside f-string fields). */
  bodyLine: number;
  bodyColumn: number;
}

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...',
  '**', '//', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '->', ':=', '<<', '>>',
  '+', '-', '*', '/', '%', '@', '<', '>', '=', '.', ',', ':', ';', '(', ')', '[', ']', '{', '}', '&', '|', '^', '~',
];

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Decodes the escapes of a non-raw Python string body. */
export function decodeEscapes(body: string, fail: (offset: number, msg: string) => never): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': case 'u': case 'U': {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail(i - 1, `invalid \\${n} escape in string`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += len;
        break;
      }
      default:
        if (n !== undefined && /[0-7]/.test(n)) {
          let oct = n;
          while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) oct += body[++i];
          out += String.fromCharCode(parseInt(oct, 8));
        } else {
          out += '\\' + (n ?? ''); // Python keeps unknown escapes as they are
        }
    }
  }
  return out;
}

/** Splits config text into tokens; logical lines end with `newline` tokens (none inside brackets). */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  const brackets: { ch: string; line: number; column: number }[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  const col = (pos: number): number => pos - lineStart + 1;
  const err = (pos: number, msg: string, ln = line, ls = lineStart): never => {
    throw new ConfigError(file, ln, pos - ls + 1, msg);
  };
  const newline = (pos: number): void => {
    line++;
    lineStart = pos + 1;
  };

  while (i < text.length) {
    const c = text[i];
    if (atLineStart && brackets.length === 0) {
      // Leading whitespace of a logical line: only allowed before blank or comment lines.
      let j = i;
      while (text[j] === ' ' || text[j] === '\t' || text[j] === '\f') j++;
      const next = text[j];
      if (j > i && next !== undefined && next !== '\n' && next !== '\r' && next !== '#' && !(next === '\\' && text[j + 1] === '\n')) {
        tokens.push({ kind: 'indent', value: text.slice(i, j), line, column: col(j) });
      }
      atLineStart = false;
      i = j;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) {
        i += text[i + 1] === '\r' ? 2 : 1;
        newline(i);
        i++;
        continue;
      }
      err(i, "unexpected character after line continuation character '\\'");
    }
    if (c === '\n') {
      if (brackets.length === 0) {
        const last = tokens[tokens.length - 1];
        if (last && last.kind !== 'newline') tokens.push({ kind: 'newline', value: '\n', line, column: col(i) });
        atLineStart = true;
      }
      newline(i);
      i++;
      continue;
    }
    const startLine = line;
    const startCol = col(i);

    // Strings, with optional prefixes.
    const prefixMatch = /^([rRbBuUfF]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (prefixMatch && (prefixMatch[1] === '' || /^(r|u|b|f|rb|br|fr|rf)$/i.test(prefixMatch[1]))) {
      const prefix = prefixMatch[1].toLowerCase();
      if (prefix.includes('b')) err(i, 'bytes literals are not supported in configs');
      const q = prefixMatch[2];
      let j = i + prefix.length;
      const triple = text.startsWith(q.repeat(3), j);
      const delim = triple ? q.repeat(3) : q;
      j += delim.length;
      const bodyStart = j;
      const bodyLine = line;
      const bodyColumn = col(j);
      const tokLineStart = lineStart;
      for (;;) {
        if (j >= text.length) err(i, `unterminated string literal (started at line ${startLine})`, startLine, tokLineStart);
        const ch = text[j];
        if (ch === '\\') {
          if (text[j + 1] === '\n') newline(j + 1);
          j += 2;
          continue;
        }
        if (ch === '\n') {
          if (!triple) err(i, 'unterminated string literal (missing closing quote)', startLine, tokLineStart);
          newline(j);
        }
        if (text.startsWith(delim, j)) break;
        j++;
      }
      const body = text.slice(bodyStart, j);
      const raw = prefix.includes('r');
      const formatted = prefix.includes('f');
      const decoded = raw || formatted ? body : decodeEscapes(body, (off, msg) => err(bodyStart + off, msg, bodyLine, tokLineStart));
      tokens.push({
        kind: 'string', value: decoded, line: startLine, column: startCol,
        str: { text: decoded, formatted, raw, bodyLine, bodyColumn },
      });
      i = j + delim.length;
      continue;
    }
    // Names.
    const nameMatch = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00C0-\uFFFF]*/.exec(text.slice(i, i + 256));
    if (nameMatch) {
      tokens.push({ kind: 'name', value: nameMatch[0], line, column: startCol });
      i += nameMatch[0].length;
      continue;
    }
    // Numbers.
    const numMatch = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?/.exec(
      text.slice(i, i + 64),
    );
    if (numMatch && numMatch[0] !== '.') {
      const v = numMatch[0];
      if (/[jJ]$/.test(v)) err(i, `complex number literal '${v}' is not supported in configs`);
      const isFloat = !/^0[xXoObB]/.test(v) && /[.eE]/.test(v);
      if (!isFloat && /^0\d/.test(v.replace(/_/g, '')) && /[1-9]/.test(v)) err(i, `invalid decimal literal '${v}' (leading zeros are not allowed in Python 3)`);
      tokens.push({ kind: 'number', value: v, line, column: startCol, isFloat });
      i += v.length;
      continue;
    }
    // Operators and brackets.
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      if (OPENERS[op]) brackets.push({ ch: op, line, column: startCol });
      else if (op === ')' || op === ']' || op === '}') {
        const open = brackets.pop();
        if (!open) err(i, `unmatched '${op}'`);
        else if (OPENERS[open.ch] !== op) {
          err(i, `closing bracket '${op}' does not match opening bracket '${open.ch}' at line ${open.line}, column ${open.column}`);
        }
      }
      tokens.push({ kind: 'op', value: op, line, column: startCol });
      i += op.length;
      continue;
    }
    err(i, `invalid character '${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  }
  if (brackets.length) {
    const open = brackets[brackets.length - 1];
    throw new ConfigError(file, open.line, open.column, `'${open.ch}' was never closed (expected '${OPENERS[open.ch]}' before the end of the file)`);
  }
  const last = tokens[tokens.length - 1];
  if (last && last.kind !== 'newline') tokens.push({ kind: 'newline', value: '\n', line, column: col(i) });
  tokens.push({ kind: 'eof', value: '', line, column: col(i) });
  return tokens;
}
