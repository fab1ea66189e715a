import { PickleError, SafeGlobal, describe } from './unpickler';
import { PickleGlobal, PickleObject } from './values';

/** Python 2 module names that protocol ≤ 2 pickles use, and their Python 3 names. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Modules whose globals can only serve to run code or touch the system when a pickle calls them. */
const FORBIDDEN_MODULES = [
  'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys', 'shutil', 'socket', 'pty', 'importlib', 'imp',
  'runpy', 'code', 'codeop', 'ctypes', 'pickle', '_pickle', 'cPickle', 'marshal', 'multiprocessing', 'webbrowser',
  'commands', 'popen2', 'platform', 'pdb', 'bdb', 'timeit', 'signal', 'asyncio', 'threading', '_thread', 'operator',
  'types', 'inspect', 'dill', 'cloudpickle', 'shelve', 'tempfile', 'pathlib', 'io', '_io', 'urllib', 'http', 'ftplib',
  'smtplib', 'telnetlib', 'xmlrpc', 'torch.hub', 'torch.load', 'torch.storage._load_from_bytes',
];

/** Builtins that run code, import modules, or reach into objects. */
const FORBIDDEN_BUILTINS = new Set([
  'eval', 'exec', 'execfile', 'compile', '__import__', 'open', 'file', 'input', 'raw_input', 'breakpoint', 'globals',
  'locals', 'vars', 'setattr', 'delattr', 'reload', 'apply', 'memoryview', 'help', 'exit', 'quit', 'print', 'type',
  'super', 'classmethod', 'staticmethod', 'property', 'dir', 'id', 'hasattr', 'callable', 'iter', 'next',
  'map', 'filter', 'zip', 'sorted', 'reversed', 'enumerate', 'issubclass', 'isinstance',
]);

/** True when `module.name` can only serve to execute code (reported as forbidden, never called). */
export function isForbiddenGlobal(module: string, name: string): boolean {
  const mod = PY2_MODULES[module] ?? module;
  if (mod === 'builtins') return FORBIDDEN_BUILTINS.has(name) || name.startsWith('_');
  const full = `${mod}.${name}`;
  return FORBIDDEN_MODULES.some((m) => mod === m || mod.startsWith(m + '.') || full === m);
}

/** What to do with a forbidden global: stop with an error (default) or keep an inert placeholder flagged `forbidden`. */
export type ForbiddenPolicy = 'error' | 'placeholder';

/** Raised for a forbidden global under the `error` policy. */
export class ForbiddenGlobalError extends PickleError {
  constructor(readonly qualifiedName: string) {
    super(`pickle uses the forbidden global '${qualifiedName}' (it would run code if unpickled by Python); nothing was executed`);
  }
}

/** Globals met while unpickling that the loader did not implement. */
export interface GlobalReport {
  /** Inert placeholders created (`module.name`), e.g. `mmengine.logging.history_buffer.HistoryBuffer`. */
  placeholders: Set<string>;
  /** Forbidden globals met (only filled under the `placeholder` policy; `error` stops at the first). */
  forbidden: Set<string>;
}

function toMap(arg: unknown, what: string): Map<unknown, unknown> {
  if (arg === undefined || arg === null) return new Map();
  if (arg instanceof Map) return new Map(arg);
  if (Array.isArray(arg)) {
    const m = new Map();
    for (const pair of arg) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new PickleError(`${what}: item ${describe(pair)} is not a (key, value) pair`);
      m.set(pair[0], pair[1]);
    }
    return m;
  }
  throw new PickleError(`${what}(${describe(arg)}) is not supported`);
}

function bytearray(args: unknown[]): Uint8Array {
  const [src, enc] = args;
  if (src === undefined) return new Uint8Array(0);
  if (src instanceof Uint8Array) return src.slice();
  if (Array.isArray(src)) return Uint8Array.from(src as number[]);
  if (typeof src === 'string' && (enc === 'latin-1' || enc === 'latin1')) return Uint8Array.from(src, (c) => c.charCodeAt(0));
  throw new PickleError(`bytearray(${args.map(describe).join(', ')}) is not supported`);
}

/** Builtin and standard-library globals that are pure data constructors. */
function standardGlobals(resolveAttr: (obj: unknown, attr: string) => unknown): Record<string, unknown> {
  const dict = (name: string) => (args: unknown[]) => toMap(args[0], name);
  return {
    'collections.OrderedDict': new SafeGlobal('collections', 'OrderedDict', dict('OrderedDict')),
    'collections.Counter': new SafeGlobal('collections', 'Counter', dict('Counter')),
    'collections.defaultdict': new SafeGlobal('collections', 'defaultdict', (args) => toMap(args[1], 'defaultdict')),
    'builtins.set': new SafeGlobal('builtins', 'set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])),
    'builtins.frozenset': new SafeGlobal('builtins', 'frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])),
    'builtins.bytearray': new SafeGlobal('builtins', 'bytearray', bytearray),
    'builtins.bytes': new SafeGlobal('builtins', 'bytes', bytearray),
    'builtins.getattr': new SafeGlobal('builtins', 'getattr', (args) => {
      if (args.length !== 2 || typeof args[1] !== 'string') throw new PickleError(`getattr(${args.map(describe).join(', ')}) is not supported`);
      return resolveAttr(args[0], args[1]);
    }),
    // `copyreg._reconstructor(cls, object, None)`: how protocols 0–1 pickle plain instances
    'builtins.object': new PickleGlobal('builtins', 'object', false),
    'copyreg._reconstructor': new SafeGlobal('copyreg', '_reconstructor', (args) => {
      const [cls, , state] = args;
      if (!(cls instanceof PickleGlobal)) throw new PickleError(`copyreg._reconstructor of ${describe(cls)}`);
      return new PickleObject(cls, state === null || state === undefined ? [] : [state], 'newobj');
    }),
  };
}

/**
 * Builds the `findGlobal` hook: implemented globals from `allowed` (keyed `module.name`) and the standard ones;
 * forbidden globals per `policy`; every other global an inert {@link PickleGlobal}. `report` collects what was met.
 */
export function createGlobalResolver(allowed: Record<string, unknown>, policy: ForbiddenPolicy, report: GlobalReport): (module: string, name: string) => unknown {
  const forbidden = (qualifiedName: string, module: string, name: string): PickleGlobal => {
    if (policy === 'error') throw new ForbiddenGlobalError(qualifiedName);
    report.forbidden.add(qualifiedName);
    return new PickleGlobal(module, name, true);
  };
  /** `getattr(cls, 'attr')` as torch and mmengine pickles use it (a method of a class): an inert reference. */
  const resolveAttr = (obj: unknown, attr: string): unknown => {
    let owner: PickleGlobal;
    if (obj instanceof PickleGlobal) owner = obj;
    else if (obj instanceof SafeGlobal) owner = new PickleGlobal(obj.module, obj.name, false);
    else if (obj instanceof PickleObject) owner = new PickleGlobal(obj.callee.module, `${obj.callee.name}()`, obj.forbidden);
    else throw new PickleError(`getattr(${describe(obj)}, '${attr}') is not allowed: only attributes of classes are read`);
    const name = `${owner.name}.${attr}`;
    if (attr.startsWith('__') || owner.forbidden) return forbidden(`getattr(${owner.qualifiedName}, '${attr}')`, owner.module, name);
    report.placeholders.add(`${owner.module}.${name}`);
    return new PickleGlobal(owner.module, name, false);
  };
  const table = { ...standardGlobals(resolveAttr), ...allowed };
  return (module, name) => {
    const mod = PY2_MODULES[module] ?? module;
    const qualifiedName = `${mod}.${name}`;
    if (qualifiedName in table) return table[qualifiedName];
    if (isForbiddenGlobal(mod, name)) return forbidden(qualifiedName, mod, name);
    report.placeholders.add(qualifiedName);
    return new PickleGlobal(mod, name, false);
  };
}
