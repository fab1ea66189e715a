/** Syntax tree of the Python subset that config files use (see `parser.ts`). Every node knows its position. */

export interface Pos {
  line: number;
  column: number;
}

export type Expr =
  | { kind: 'const'; value: string | number | boolean | null; isFloat?: boolean; pos: Pos }
  | { kind: 'fstring'; parts: (string | { expr: Expr; conversion?: string; spec?: string })[]; pos: Pos }
  | { kind: 'name'; id: string; pos: Pos }
  | { kind: 'attr'; obj: Expr; name: string; pos: Pos }
  | { kind: 'subscript'; obj: Expr; index: Expr; pos: Pos }
  | { kind: 'slice'; lower?: Expr; upper?: Expr; step?: Expr; pos: Pos }
  | { kind: 'call'; func: Expr; args: Arg[]; pos: Pos }
  | { kind: 'list' | 'tuple' | 'set'; items: Expr[]; pos: Pos }
  | { kind: 'starred'; value: Expr; pos: Pos }
  | { kind: 'dict'; entries: DictEntry[]; pos: Pos }
  | { kind: 'binop'; op: string; left: Expr; right: Expr; pos: Pos }
  | { kind: 'unary'; op: string; operand: Expr; pos: Pos }
  | { kind: 'boolop'; op: 'and' | 'or'; values: Expr[]; pos: Pos }
  | { kind: 'compare'; left: Expr; ops: string[]; rights: Expr[]; pos: Pos }
  | { kind: 'ifexp'; test: Expr; body: Expr; orelse: Expr; pos: Pos }
  | { kind: 'comp'; type: 'list' | 'set' | 'gen' | 'dict'; elt: Expr; value?: Expr; clauses: CompClause[]; pos: Pos };

export interface Arg {
  /** keyword name, `*` for `*args`, `**` for `**kwargs`, undefined for positional. */
  name?: string;
  star?: '*' | '**';
  value: Expr;
}

export type DictEntry = { key: Expr; value: Expr } | { unpack: Expr };

export interface CompClause {
  target: Expr;
  iter: Expr;
  ifs: Expr[];
}

export type Stmt =
  | { kind: 'assign'; targets: Expr[]; value: Expr; pos: Pos }
  | { kind: 'augassign'; target: Expr; op: string; value: Expr; pos: Pos }
  | { kind: 'expr'; value: Expr; pos: Pos }
  | { kind: 'import'; module: string; asName: string; pos: Pos }
  /** `from module import name [as alias], …`: names bound to Python objects a config may not use (see the evaluator). */
  | { kind: 'fromimport'; module: string; names: [name: string, asName: string][]; pos: Pos }
  | { kind: 'pass'; pos: Pos };
