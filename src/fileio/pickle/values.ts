/**
 * JavaScript values the unpickler produces. Python → JS:
 * None → `null`; bool → `boolean`; int → `number` (or `bigint` beyond 2^53); float → `number`;
 * str → `string`; bytes/bytearray → `Uint8Array`; tuple and list → `Array`; dict (and OrderedDict) → `Map`
 * (key order kept); set/frozenset → `Set`. Globals that are not on the allowlist become {@link PickleGlobal}
 * references, and calling or instantiating them gives an inert {@link PickleObject}: nothing is ever executed.
 */

/** A reference to a Python global (class or function) that the unpickler does not implement. Inert. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** True for globals that can only serve to run code (`os.system`, `builtins.eval`, …). */
    readonly forbidden: boolean,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
  toString(): string {
    return `<global ${this.qualifiedName}${this.forbidden ? ' (forbidden)' : ''}>`;
  }
}

/**
 * What a pickle asked to build from a {@link PickleGlobal} (`REDUCE`, `NEWOBJ`, `INST`, `OBJ`): the callee,
 * its arguments and the state `BUILD` gave, recorded and never run. E.g. mmengine's `HistoryBuffer` in a
 * checkpoint's `message_hub` is a `PickleObject` whose `state` holds `_log_history` (a numpy array).
 */
export class PickleObject {
  /** State from `BUILD` (usually the instance `__dict__`: a `Map`, or a `[dict, slots]` pair). */
  state: unknown = undefined;
  /** Items added with `SETITEM(S)` (dict subclasses). */
  dictItems?: Map<unknown, unknown>;
  /** Items added with `APPEND(S)` (list subclasses). */
  listItems?: unknown[];
  constructor(
    readonly callee: PickleGlobal,
    readonly args: unknown[],
    /** How the pickle asked for it: `reduce` = `callee(*args)`, `newobj` = `callee.__new__(callee, *args)`. */
    readonly how: 'reduce' | 'newobj',
  ) {}
  get forbidden(): boolean {
    return this.callee.forbidden;
  }
  toString(): string {
    return `<${this.callee.qualifiedName} object (not executed)>`;
  }
}

/** Python attributes set by `BUILD` on a dict (e.g. the `_metadata` of a PyTorch state dict). */
export const PY_ATTRS: unique symbol = Symbol('python attributes');

/** A `Map` that may carry Python instance attributes. */
export type PyDict = Map<unknown, unknown> & { [PY_ATTRS]?: Map<unknown, unknown> };
