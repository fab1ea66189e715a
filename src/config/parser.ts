import type { Arg, CompClause, DictEntry, Expr, Pos, Stmt } from './ast';
import { ConfigError } from './errors';
import { decodeEscapes, tokenize, type Token } from './lexer';

const KEYWORDS_UNSUPPORTED = new Set([
  'def', 'class', 'if', 'for', 'while', 'with', 'try', 'except', 'finally', 'return', 'yield', 'lambda', 'del',
  'global', 'nonlocal', 'raise', 'assert', 'async', 'await', 'elif', 'else', 'break', 'continue',
]);
const COMPARE_OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const AUG_OPS = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=']);

/** Parses config text into statements; never executes anything. Errors are {@link ConfigError}s with positions. */
export function parseModule(text: string, file = '<string>'): Stmt[] {
  const noBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return new Parser(tokenize(blankMainGuard(noBom), file), file).module();
}

/**
 * Blanks an `if __name__ == '__main__':` block (keeping line numbers): under mmengine's `eval`, `__name__` is
 * `'builtins'`, so such a block (found in real configs, e.g. replknet) never runs.
 */
function blankMainGuard(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^if\s+__name__\s*==\s*(['"])__main__\1\s*:\s*(#.*)?$/.test(lines[i])) continue;
    lines[i] = '';
    for (let j = i + 1; j < lines.length && (/^\s/.test(lines[j]) || lines[j] === ''); j++) lines[j] = '';
  }
  return lines.join('\n');
}

/** Parses one expression (used for f-string fields). */
export function parseExpression(text: string, file: string, at: Pos): Expr {
  let tokens: Token[];
  try {
    tokens = tokenize(text, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(file, at.line, at.column, `in f-string field: ${e.detail}`);
    throw e;
  }
  for (const t of tokens) {
    if (t.line === 1) t.column += at.column - 1;
    t.line += at.line - 1;
  }
  const p = new Parser(tokens, file);
  const e = p.expr();
  p.expectEndOfExpression();
  return e;
}

/**
 * Deepest nesting of brackets and operators an expression may have; CPython's tokenizer stops at 200 nested
 * parentheses ("too many nested parentheses"). Deeper input would overflow the parser's and the evaluator's stack.
 */
export const MAX_NESTING = 200;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private pos(t: Token = this.tok): Pos {
    return { line: t.line, column: t.column };
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'newline') return 'end of line';
    if (t.kind === 'string') return 'a string';
    return `'${t.value}'`;
  }

  fail(t: Token, msg: string): never {
    throw new ConfigError(this.file, t.line, t.column, msg);
  }

  private isOp(v: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.value === v;
  }

  private isName(v: string, t: Token = this.tok): boolean {
    return t.kind === 'name' && t.value === v;
  }

  private eatOp(v: string): boolean {
    if (this.isOp(v)) {
      this.i++;
      return true;
    }
    return false;
  }

  private expectOp(v: string, context: string): Token {
    const t = this.tok;
    if (!this.isOp(v)) this.fail(t, `expected '${v}' ${context}, found ${this.describe(t)}`);
    this.i++;
    return t;
  }

  expectEndOfExpression(): void {
    if (this.tok.kind === 'newline') this.i++;
    if (this.tok.kind !== 'eof') this.fail(this.tok, `unexpected ${this.describe(this.tok)} after the expression`);
  }

  module(): Stmt[] {
    const out: Stmt[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.tok.kind === 'newline') {
        this.i++;
        continue;
      }
      if (this.tok.kind === 'indent') {
        this.fail(this.tok, 'unexpected indent (config files are flat: blocks such as if/for/def are not supported)');
      }
      out.push(this.statement());
      while (this.eatOp(';')) if (!this.atLineEnd()) out.push(this.statement());
      if (!this.atLineEnd()) {
        this.fail(this.tok, `expected end of line after the statement, found ${this.describe(this.tok)}`);
      }
    }
    return out;
  }

  private atLineEnd(): boolean {
    const k = this.tok.kind;
    return k === 'newline' || k === 'eof';
  }

  private statement(): Stmt {
    const t = this.tok;
    const pos = this.pos();
    if (t.kind === 'name') {
      if (t.value === 'import') return this.importStmt();
      if (t.value === 'from') return this.fromImportStmt();
      if (t.value === 'pass') {
        this.i++;
        return { kind: 'pass', pos };
      }
      if (KEYWORDS_UNSUPPORTED.has(t.value)) this.fail(t, `'${t.value}' statements are not supported in configs (only assignments, calls and 'import copy')`);
    }
    const first = this.exprList();
    if (this.isOp('=')) {
      const targets = [first];
      let value: Expr = first;
      while (this.eatOp('=')) {
        value = this.exprList();
        targets.push(value);
      }
      targets.pop();
      for (const target of targets) this.checkTarget(target);
      return { kind: 'assign', targets, value, pos };
    }
    if (this.tok.kind === 'op' && AUG_OPS.has(this.tok.value)) {
      const op = this.tok.value.slice(0, -1);
      this.i++;
      this.checkTarget(first, false);
      return { kind: 'augassign', target: first, op, value: this.exprList(), pos };
    }
    if (this.tok.kind === 'op' && /=$/.test(this.tok.value) && !COMPARE_OPS.has(this.tok.value)) {
      this.fail(this.tok, `augmented assignment '${this.tok.value}' is not supported`);
    }
    return { kind: 'expr', value: first, pos };
  }

  private checkTarget(e: Expr, allowTuple = true): void {
    if (e.kind === 'name' || e.kind === 'attr' || e.kind === 'subscript') return;
    if (allowTuple && (e.kind === 'tuple' || e.kind === 'list')) {
      for (const item of e.items) this.checkTarget(item, true);
      return;
    }
    throw new ConfigError(this.file, e.pos.line, e.pos.column, `cannot assign to this expression (${e.kind})`);
  }

  private importStmt(): Stmt {
    const pos = this.pos();
    this.i++;
    const t = this.tok;
    if (t.kind !== 'name') this.fail(t, `expected a module name after 'import', found ${this.describe(t)}`);
    let module = t.value;
    this.i++;
    while (this.eatOp('.')) {
      const n = this.tok;
      if (n.kind !== 'name') this.fail(n, `expected a name after '.', found ${this.describe(n)}`);
      module += '.' + n.value;
      this.i++;
    }
    let asName = module.split('.')[0];
    if (this.isName('as')) {
      this.i++;
      const n = this.tok;
      if (n.kind !== 'name') this.fail(n, `expected a name after 'as', found ${this.describe(n)}`);
      asName = n.value;
      this.i++;
    }
    if (module !== 'copy' && module !== 'math') {
      throw new ConfigError(this.file, t.line, t.column, `'import ${module}' is not supported: configs may import only 'copy' and 'math'`);
    }
    if (this.isOp(',')) this.fail(this.tok, "import one module per line ('import copy')");
    return { kind: 'import', module, asName, pos };
  }

  /**
   * `from pkg.mod import a, b as c` (also parenthesised). Relative imports (`from .x import *`, `from ..base import …`)
   * are new-style (lazy-import) configs and are refused here; absolute ones are parsed and their names bound to
   * values that fail when used (MMPretrain's own configs import `build_classifier` for an `if __name__ == '__main__'`
   * block only).
   */
  private fromImportStmt(): Stmt {
    const pos = this.pos();
    const from = this.tok;
    this.i++;
    if (this.isOp('.') || this.isOp('...')) {
      this.fail(from, "relative 'from . import' is a new-style (lazy-import) config: only old-style configs (with `_base_`) are supported; new-style ones need Python");
    }
    const dotted = (): string => {
      const n = this.tok;
      if (n.kind !== 'name') this.fail(n, `expected a module name, found ${this.describe(n)}`);
      let name = n.value;
      this.i++;
      while (this.eatOp('.')) {
        const m = this.tok;
        if (m.kind !== 'name') this.fail(m, `expected a name after '.', found ${this.describe(m)}`);
        name += '.' + m.value;
        this.i++;
      }
      return name;
    };
    const module = dotted();
    if (!this.isName('import')) this.fail(this.tok, `expected 'import' after 'from ${module}', found ${this.describe(this.tok)}`);
    this.i++;
    const paren = this.eatOp('(');
    if (this.isOp('*')) this.fail(this.tok, `'from ${module} import *' is not supported in configs`);
    const names: [string, string][] = [];
    do {
      if (paren && this.isOp(')')) break;
      const n = this.tok;
      if (n.kind !== 'name') this.fail(n, `expected a name to import from '${module}', found ${this.describe(n)}`);
      this.i++;
      let asName = n.value;
      if (this.isName('as')) {
        this.i++;
        const a = this.tok;
        if (a.kind !== 'name') this.fail(a, `expected a name after 'as', found ${this.describe(a)}`);
        asName = a.value;
        this.i++;
      }
      names.push([n.value, asName]);
    } while (this.eatOp(','));
    if (paren && !this.eatOp(')')) this.fail(this.tok, `expected ')' to close 'from ${module} import (…'`);
    return { kind: 'fromimport', module, names, pos };
  }

  /** An expression or a bare tuple (`a, b`). */
  private exprList(): Expr {
    const pos = this.pos();
    const first = this.starOrExpr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.eatOp(',')) {
      if (this.atExprEnd()) break;
      items.push(this.starOrExpr());
    }
    return { kind: 'tuple', items, pos };
  }

  private atExprEnd(): boolean {
    const t = this.tok;
    return t.kind === 'newline' || t.kind === 'eof' || (t.kind === 'op' && [')', ']', '}', '=', ':', ';'].includes(t.value)) || (t.kind === 'op' && AUG_OPS.has(t.value));
  }

  private starOrExpr(): Expr {
    if (this.isOp('*')) {
      const pos = this.pos();
      this.i++;
      return { kind: 'starred', value: this.orExpr(), pos };
    }
    return this.expr();
  }

  /** Runs `parse` one nesting level deeper, failing at {@link MAX_NESTING}. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(this.tok, `too deeply nested: more than ${MAX_NESTING} levels of brackets or operators`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  expr(): Expr {
    return this.nested(() => this.exprAt());
  }

  private exprAt(): Expr {
    const t = this.tok;
    if (this.isName('lambda')) this.fail(t, "'lambda' is not supported in configs");
    const body = this.orExpr();
    if (this.isName('if')) {
      this.i++;
      const test = this.orExpr();
      if (!this.isName('else')) this.fail(this.tok, `expected 'else' in the conditional expression, found ${this.describe(this.tok)}`);
      this.i++;
      const orelse = this.expr();
      return { kind: 'ifexp', test, body, orelse, pos: body.pos };
    }
    return body;
  }

  private orExpr(): Expr {
    return this.boolChain('or', () => this.andExpr());
  }

  private andExpr(): Expr {
    return this.boolChain('and', () => this.notExpr());
  }

  private boolChain(op: 'and' | 'or', next: () => Expr): Expr {
    const first = next();
    if (!this.isName(op)) return first;
    const values = [first];
    while (this.isName(op)) {
      this.i++;
      values.push(next());
    }
    return { kind: 'boolop', op, values, pos: first.pos };
  }

  private notExpr(): Expr {
    if (this.isName('not')) {
      const pos = this.pos();
      this.i++;
      return { kind: 'unary', op: 'not', operand: this.notExpr(), pos };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.arith();
    const ops: string[] = [];
    const rights: Expr[] = [];
    for (;;) {
      const t = this.tok;
      let op: string | undefined;
      if (t.kind === 'op' && COMPARE_OPS.has(t.value)) op = t.value;
      else if (this.isName('in')) op = 'in';
      else if (this.isName('not') && this.isName('in', this.tokens[this.i + 1])) op = 'not in';
      else if (this.isName('is')) op = this.isName('not', this.tokens[this.i + 1]) ? 'is not' : 'is';
      if (!op) break;
      this.i += op.includes(' ') ? 2 : 1;
      ops.push(op);
      rights.push(this.arith());
    }
    return ops.length ? { kind: 'compare', left, ops, rights, pos: left.pos } : left;
  }

  private binaryLevel(ops: string[], next: () => Expr): Expr {
    let left = next();
    while (this.tok.kind === 'op' && ops.includes(this.tok.value)) {
      const t = this.tok;
      this.i++;
      left = { kind: 'binop', op: t.value, left, right: next(), pos: this.pos(t) };
    }
    return left;
  }

  private arith(): Expr {
    return this.binaryLevel(['|'], () => this.binaryLevel(['^'], () => this.binaryLevel(['&'], () => this.binaryLevel(['<<', '>>'], () => this.binaryLevel(['+', '-'], () => this.term())))));
  }

  private term(): Expr {
    return this.binaryLevel(['*', '/', '//', '%', '@'], () => this.factor());
  }

  private factor(): Expr {
    const t = this.tok;
    if (t.kind === 'op' && (t.value === '-' || t.value === '+' || t.value === '~')) {
      this.i++;
      return { kind: 'unary', op: t.value, operand: this.nested(() => this.factor()), pos: this.pos(t) };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    if (this.isOp('**')) {
      const t = this.tok;
      this.i++;
      return { kind: 'binop', op: '**', left: base, right: this.nested(() => this.factor()), pos: this.pos(t) };
    }
    return base;
  }

  private primary(): Expr {
    let e = this.atom();
    for (;;) {
      const t = this.tok;
      if (this.isOp('.')) {
        this.i++;
        const n = this.tok;
        if (n.kind !== 'name') this.fail(n, `expected an attribute name after '.', found ${this.describe(n)}`);
        this.i++;
        e = { kind: 'attr', obj: e, name: n.value, pos: this.pos(n) };
      } else if (this.isOp('(')) {
        this.i++;
        e = { kind: 'call', func: e, args: this.callArgs(), pos: this.pos(t) };
      } else if (this.isOp('[')) {
        this.i++;
        e = { kind: 'subscript', obj: e, index: this.subscriptIndex(), pos: this.pos(t) };
        this.expectOp(']', 'to close the subscript');
      } else return e;
    }
  }

  private subscriptIndex(): Expr {
    const pos = this.pos();
    const items: Expr[] = [];
    do {
      if (this.isOp(']')) break;
      items.push(this.sliceItem());
    } while (this.eatOp(','));
    if (items.length === 0) this.fail(this.tok, "expected an index inside '[ ]'");
    return items.length === 1 ? items[0] : { kind: 'tuple', items, pos };
  }

  private sliceItem(): Expr {
    const pos = this.pos();
    let lower: Expr | undefined;
    if (!this.isOp(':')) {
      lower = this.expr();
      if (!this.isOp(':')) return lower;
    }
    this.i++;
    const upper = this.isOp(':') || this.isOp(']') || this.isOp(',') ? undefined : this.expr();
    let step: Expr | undefined;
    if (this.eatOp(':')) step = this.isOp(']') || this.isOp(',') ? undefined : this.expr();
    return { kind: 'slice', lower, upper, step, pos };
  }

  private callArgs(): Arg[] {
    const args: Arg[] = [];
    const seen = new Set<string>();
    while (!this.isOp(')')) {
      const t = this.tok;
      if (this.isOp('*') || this.isOp('**')) {
        this.i++;
        args.push({ star: t.value as '*' | '**', value: this.expr() });
      } else if (t.kind === 'name' && this.isOp('=', this.tokens[this.i + 1])) {
        if (seen.has(t.value)) this.fail(t, `keyword argument repeated: '${t.value}'`);
        seen.add(t.value);
        this.i += 2;
        args.push({ name: t.value, value: this.expr() });
      } else {
        if (args.some((a) => a.name !== undefined || a.star === '**')) this.fail(t, 'positional argument follows keyword argument');
        const value = this.expr();
        if (this.isName('for')) {
          args.push({ value: this.comprehension('gen', value, undefined, value.pos) });
          if (!this.isOp(')')) this.fail(this.tok, `expected ')' after the generator expression, found ${this.describe(this.tok)}`);
          break;
        }
        args.push({ value });
      }
      if (!this.eatOp(',')) {
        if (!this.isOp(')')) this.fail(this.tok, `expected ',' or ')' in the argument list, found ${this.describe(this.tok)}`);
      }
    }
    this.i++;
    return args;
  }

  private comprehension(type: 'list' | 'set' | 'gen' | 'dict', elt: Expr, value: Expr | undefined, pos: Pos): Expr {
    const clauses: CompClause[] = [];
    while (this.isName('for')) {
      this.i++;
      const target = this.targetList();
      if (!this.isName('in')) this.fail(this.tok, `expected 'in' in the comprehension, found ${this.describe(this.tok)}`);
      this.i++;
      const iter = this.orExpr();
      const ifs: Expr[] = [];
      while (this.isName('if')) {
        this.i++;
        ifs.push(this.orExprNoCond());
      }
      clauses.push({ target, iter, ifs });
    }
    return { kind: 'comp', type, elt, value, clauses, pos };
  }

  private orExprNoCond(): Expr {
    return this.orExpr();
  }

  private targetList(): Expr {
    const pos = this.pos();
    const first = this.primaryTarget();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.eatOp(',')) {
      if (this.isName('in')) break;
      items.push(this.primaryTarget());
    }
    return { kind: 'tuple', items, pos };
  }

  private primaryTarget(): Expr {
    const e = this.primary();
    this.checkTarget(e);
    return e;
  }

  private atom(): Expr {
    const t = this.tok;
    const pos = this.pos(t);
    switch (t.kind) {
      case 'number':
        this.i++;
        return { kind: 'const', value: parseNumber(t.value), isFloat: t.isFloat, pos };
      case 'string':
        return this.strings();
      case 'name': {
        if (t.value === 'True' || t.value === 'False') {
          this.i++;
          return { kind: 'const', value: t.value === 'True', pos };
        }
        if (t.value === 'None') {
          this.i++;
          return { kind: 'const', value: null, pos };
        }
        if (KEYWORDS_UNSUPPORTED.has(t.value) || ['and', 'or', 'not', 'in', 'is', 'import', 'from', 'as', 'pass'].includes(t.value)) {
          this.fail(t, `expected an expression, found keyword '${t.value}'`);
        }
        this.i++;
        return { kind: 'name', id: t.value, pos };
      }
      case 'op':
        if (t.value === '(') return this.parenthesized();
        if (t.value === '[') return this.listDisplay();
        if (t.value === '{') return this.dictDisplay();
        if (t.value === '...') this.fail(t, "'...' (Ellipsis) is not supported in configs");
        break;
      default:
        break;
    }
    return this.fail(t, `expected an expression, found ${this.describe(t)}`);
  }

  private strings(): Expr {
    const first = this.tok;
    const parts: (string | { expr: Expr; conversion?: string; spec?: string })[] = [];
    let formatted = false;
    while (this.tok.kind === 'string') {
      const s = this.tok.str!;
      if (s.formatted) {
        formatted = true;
        parts.push(...this.fstringParts(this.tok));
      } else parts.push(s.text);
      this.i++;
    }
    const pos = this.pos(first);
    if (!formatted) return { kind: 'const', value: parts.join(''), pos };
    return { kind: 'fstring', parts, pos };
  }

  private fstringParts(t: Token): (string | { expr: Expr; conversion?: string; spec?: string })[] {
    const s = t.str!;
    const body = s.text;
    const parts: (string | { expr: Expr; conversion?: string; spec?: string })[] = [];
    let lit = '';
    const decode = (text: string): string => (s.raw ? text : decodeEscapes(text, (_, msg) => this.fail(t, msg)));
    for (let k = 0; k < body.length; k++) {
      const c = body[k];
      if (c === '{' && body[k + 1] === '{') {
        lit += '{';
        k++;
      } else if (c === '}' && body[k + 1] === '}') {
        lit += '}';
        k++;
      } else if (c === '}') {
        this.fail(t, "f-string: single '}' is not allowed");
      } else if (c === '{') {
        if (lit) parts.push(decode(lit));
        lit = '';
        let depth = 0;
        let end = k + 1;
        let quote = '';
        for (; end < body.length; end++) {
          const ch = body[end];
          if (quote) {
            if (ch === quote) quote = '';
          } else if (ch === "'" || ch === '"') quote = ch;
          else if ('([{'.includes(ch)) depth++;
          else if (')]}'.includes(ch)) {
            if (depth === 0) break;
            depth--;
          } else if ((ch === '!' && body[end + 1] !== '=') || ch === ':') {
            if (depth === 0) break;
          }
        }
        if (end >= body.length) this.fail(t, "f-string: expecting '}'");
        const exprText = body.slice(k + 1, end);
        let conversion: string | undefined;
        let spec: string | undefined;
        let close = end;
        if (body[close] === '!') {
          conversion = body[close + 1];
          close += 2;
        }
        if (body[close] === ':') {
          const specEnd = body.indexOf('}', close);
          if (specEnd < 0) this.fail(t, "f-string: expecting '}'");
          spec = body.slice(close + 1, specEnd);
          close = specEnd;
        }
        if (body[close] !== '}') this.fail(t, "f-string: expecting '}'");
        if (!exprText.trim()) this.fail(t, 'f-string: empty expression not allowed');
        const expr = parseExpression(exprText.trim(), this.file, { line: s.bodyLine, column: s.bodyColumn + k + 1 });
        parts.push({ expr, conversion, spec });
        k = close;
      } else lit += c;
    }
    if (lit) parts.push(decode(lit));
    return parts;
  }

  private parenthesized(): Expr {
    const pos = this.pos();
    this.i++;
    if (this.eatOp(')')) return { kind: 'tuple', items: [], pos };
    const first = this.starOrExpr();
    if (this.isName('for')) {
      const comp = this.comprehension('gen', first, undefined, pos);
      this.expectOp(')', 'to close the generator expression');
      return comp;
    }
    if (this.eatOp(')')) {
      if (first.kind === 'starred') this.fail(this.tok, 'cannot use starred expression here');
      return first;
    }
    const items = [first];
    while (this.eatOp(',')) {
      if (this.isOp(')')) break;
      items.push(this.starOrExpr());
    }
    this.expectOp(')', 'to close the tuple');
    return { kind: 'tuple', items, pos };
  }

  private listDisplay(): Expr {
    const pos = this.pos();
    this.i++;
    const items: Expr[] = [];
    if (this.eatOp(']')) return { kind: 'list', items, pos };
    const first = this.starOrExpr();
    if (this.isName('for')) {
      const comp = this.comprehension('list', first, undefined, pos);
      this.expectOp(']', 'to close the list comprehension');
      return comp;
    }
    items.push(first);
    while (this.eatOp(',')) {
      if (this.isOp(']')) break;
      items.push(this.starOrExpr());
    }
    this.expectOp(']', 'to close the list');
    return { kind: 'list', items, pos };
  }

  private dictDisplay(): Expr {
    const pos = this.pos();
    this.i++;
    const entries: DictEntry[] = [];
    if (this.eatOp('}')) return { kind: 'dict', entries, pos };
    if (!this.isOp('**')) {
      const firstKey = this.starOrExpr();
      if (!this.isOp(':')) {
        // A set display or set comprehension.
        if (this.isName('for')) {
          const comp = this.comprehension('set', firstKey, undefined, pos);
          this.expectOp('}', 'to close the set comprehension');
          return comp;
        }
        const items = [firstKey];
        while (this.eatOp(',')) {
          if (this.isOp('}')) break;
          items.push(this.starOrExpr());
        }
        this.expectOp('}', 'to close the set');
        return { kind: 'set', items, pos };
      }
      this.i++;
      const firstValue = this.expr();
      if (this.isName('for')) {
        const comp = this.comprehension('dict', firstKey, firstValue, pos);
        this.expectOp('}', 'to close the dict comprehension');
        return comp;
      }
      entries.push({ key: firstKey, value: firstValue });
      if (!this.eatOp(',')) {
        this.expectOp('}', 'to close the dict');
        return { kind: 'dict', entries, pos };
      }
    }
    while (!this.isOp('}')) {
      if (this.eatOp('**')) entries.push({ unpack: this.orExpr() });
      else {
        const key = this.expr();
        this.expectOp(':', 'after the dict key');
        entries.push({ key, value: this.expr() });
      }
      if (!this.eatOp(',')) break;
    }
    this.expectOp('}', 'to close the dict');
    return { kind: 'dict', entries, pos };
  }
}

function parseNumber(text: string): number {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  return Number(t);
}
