import { closestNames } from '../utils/closest';

/** A config dict as read from an MMPretrain config: `type` names the registered class. */
export interface BuildConfig {
  type: string | Constructor | Factory;
  [key: string]: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = any> = new (cfg: any, ...extra: any[]) => T;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Factory<T = any> = (cfg: any, ...extra: any[]) => T;
type Entry = { kind: 'class'; ctor: Constructor } | { kind: 'function'; fn: Factory };

interface Alias {
  target: string;
  note: string;
}

/** Where deprecation notices go; tests and the UI may replace it. */
export const registryWarnings = {
  warn: (message: string): void => console.warn(message),
};

/**
 * A string-keyed registry like mmengine's `Registry`: `register(name, ctor)` then `build({type, ...kwargs})`.
 * A child registry falls back to its parent, as `MODELS` in MMPretrain falls back to mmengine's.
 */
export class Registry {
  private readonly entries = new Map<string, Entry>();
  private readonly aliases = new Map<string, Alias>();

  constructor(
    readonly name: string,
    private readonly parent?: Registry,
  ) {}

  /** Registers a class (built with `new`) under `name`; a second registration throws unless `force`. */
  registerClass(name: string, ctor: Constructor, force = false): void {
    this.put(name, { kind: 'class', ctor }, force);
  }

  /** Registers a builder function under `name` (called with the config's other keys). */
  registerFunction(name: string, fn: Factory, force = false): void {
    this.put(name, { kind: 'function', fn }, force);
  }

  /** Accepts an old (e.g. MMClassification 0.x) name, building `target` with a warning. */
  registerAlias(oldName: string, target: string, note = ''): void {
    this.aliases.set(oldName, { target, note });
  }

  has(name: string): boolean {
    return this.entries.has(name) || this.aliases.has(name) || (this.parent?.has(name) ?? false);
  }

  /** Every registered name (own and inherited), sorted. */
  names(): string[] {
    const own = [...this.entries.keys()];
    return [...new Set([...own, ...(this.parent?.names() ?? [])])].sort();
  }

  /** Looks `name` up; an unknown name throws with the closest registered names. */
  get(name: string): Entry {
    const entry = this.entries.get(name);
    if (entry) return entry;
    const alias = this.aliases.get(name);
    if (alias) {
      registryWarnings.warn(
        `'${name}' is a deprecated name in registry '${this.name}'; using '${alias.target}' instead.${alias.note ? ' ' + alias.note : ''}`,
      );
      return this.get(alias.target);
    }
    if (this.parent?.has(name)) return this.parent.get(name);
    const close = closestNames(name, [...this.names(), ...this.aliases.keys()]);
    const hint = close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : '';
    throw new Error(`Unknown type '${name}' in registry '${this.name}'${hint}`);
  }

  /** Builds `cfg.type` with the remaining keys as its options (extra arguments are passed through). */
  build<T = unknown>(cfg: BuildConfig, ...extra: unknown[]): T {
    if (cfg === null || typeof cfg !== 'object' || !('type' in cfg)) {
      throw new Error(`Registry '${this.name}': a config to build must be a dict with a 'type' key, got ${JSON.stringify(cfg)}`);
    }
    const { type, ...args } = cfg;
    if (typeof type === 'function') {
      return (isClass(type) ? new (type as Constructor)(args, ...extra) : (type as Factory)(args, ...extra)) as T;
    }
    const entry = this.get(type);
    return (entry.kind === 'class' ? new entry.ctor(args, ...extra) : entry.fn(args, ...extra)) as T;
  }

  private put(name: string, entry: Entry, force: boolean): void {
    if (this.entries.has(name) && !force) {
      throw new Error(`'${name}' is already registered in registry '${this.name}'`);
    }
    this.entries.set(name, entry);
  }
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
