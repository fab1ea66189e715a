/**
 * A small module system on tfjs-core, shaped like `torch.nn.Module` / mmengine's `BaseModule`:
 * named parameters and buffers with PyTorch names, child modules, `stateDict` / `loadStateDict`,
 * `train()` / `eval()`, frozen parameters, forward hooks and `dispose()`.
 *
 * Parameters are `tf.Variable`s stored in PyTorch layouts (conv OIHW, linear [out, in]); layers compute in
 * tfjs's fastest layout (NHWC) internally — see `layout.ts`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { uploadNow, valuesWritten, writableValues } from '../../backends/in_place';
import { assert } from '../../utils/assert';
import {
  asStateDict,
  entryToFloat32,
  formatLoadReport,
  isCleanLoad,
  isStreamedEntry,
  sizeOf,
  type LoadReport,
  type StateDict,
  type StateDictEntry,
  type StreamedEntry,
} from './state_dict';

/** One state-dict entry to write into its slot (`target`: the float variable that receives it). */
interface LoadWrite {
  entry: StateDictEntry;
  write: (e: StateDictEntry) => void;
  target?: tf.Variable;
}

/** Writes `e` into `v`: into its own storage where the backend gives one (no second copy), else by `assign`. */
function writeVariable(v: tf.Variable, e: StateDictEntry): void {
  const values = writableValues(v);
  if (values) values.set(entryToFloat32(e));
  else {
    v.assign(tf.tensor(entryToFloat32(e), v.shape));
    uploadNow(v);
  }
}

/**
 * Reads a streamed entry from its file straight into `target`'s storage; false when it cannot (another dtype, a
 * GPU backend, a storage shared with other tensors) or when the WASM heap grew under the read and left its view
 * detached: then the entry is loaded and written as usual.
 */
async function readStraightInto(entry: StreamedEntry, target: tf.Variable | undefined): Promise<boolean> {
  const values = target && entry.loadInto ? writableValues(target) : null;
  if (!values) return false;
  const detached = () => values.length !== target!.size;
  try {
    return (await entry.loadInto!(values)) && !detached();
  } catch (e) {
    if (detached()) return false;
    throw e;
  }
}

/** A float buffer (running statistics) is a non-trainable variable; an int64 counter is a plain number. */
type BufferSlot = { kind: 'float'; variable: tf.Variable } | { kind: 'int64'; value: number };

/** Called after a module's `forward` with its input and output (as PyTorch's `register_forward_hook`). */
export type ForwardHook = (module: Module<unknown, unknown>, input: unknown, output: unknown) => void;

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Throw listing every missing / unexpected / mismatched key (as PyTorch `strict=True`). Default: true. */
  strict?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any, any>;

export abstract class Module<In = Tensor, Out = Tensor> {
  /** Training mode (BatchNorm batch statistics, Dropout active); `eval()` clears it. */
  training = true;
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, BufferSlot>();
  private readonly childModules = new Map<string, AnyModule>();
  private readonly hooks = new Set<ForwardHook>();

  /** Computes the output; call modules through `call()` so hooks run. */
  abstract forward(input: In): Out;

  /**
   * Class names this module answers to, most specific first (used by `init_cfg.layer` matching, e.g.
   * `['BatchNorm2d', '_BatchNorm']`). Layers name themselves explicitly so minified bundles still match.
   */
  typeNames(): string[] {
    return [this.constructor.name];
  }

  /** The module's class name as MMPretrain prints it. */
  get typeName(): string {
    return this.typeNames()[0];
  }

  /** Runs `forward` and then the forward hooks. */
  call(input: In): Out {
    const out = this.forward(input);
    for (const h of this.hooks) h(this as AnyModule, input, out);
    return out;
  }

  /** True when hooks watch this module's output (its caller must then not dispose the output early). */
  hasForwardHooks(): boolean {
    return this.hooks.size > 0;
  }

  /** Adds a forward hook; returns a function removing it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  // ---- registration -------------------------------------------------------------------------------

  /** Creates a parameter `name` of `shape` (zeros until initialised or loaded). */
  protected registerParameter(name: string, shape: number[], fill = 0, trainable = true): tf.Variable {
    assert(!this.ownParams.has(name) && !this.ownBuffers.has(name) && !this.childModules.has(name), () => `${this.typeName}: '${name}' is already defined`);
    const v = tf.tidy(() => tf.variable(tf.fill(shape, fill), trainable));
    this.ownParams.set(name, v);
    return v;
  }

  /** Creates a float buffer (not a parameter, never trained), e.g. `running_mean`. */
  protected registerBuffer(name: string, shape: number[], fill = 0): tf.Variable {
    const v = tf.tidy(() => tf.variable(tf.fill(shape, fill), false));
    this.ownBuffers.set(name, { kind: 'float', variable: v });
    return v;
  }

  /** Creates an int64 scalar buffer, e.g. BatchNorm's `num_batches_tracked`. */
  protected registerCounter(name: string, value = 0): void {
    this.ownBuffers.set(name, { kind: 'int64', value });
  }

  protected getCounter(name: string): number {
    const b = this.ownBuffers.get(name);
    assert(b?.kind === 'int64', () => `${this.typeName}: no counter '${name}'`);
    return b.value;
  }

  protected setCounter(name: string, value: number): void {
    const b = this.ownBuffers.get(name);
    assert(b?.kind === 'int64', () => `${this.typeName}: no counter '${name}'`);
    b.value = value;
  }

  /** Adds (or replaces) child module `name`; returns it. */
  addModule<M extends AnyModule>(name: string, module: M): M {
    assert(!name.includes('.') && name.length > 0, () => `${this.typeName}: bad child name '${name}'`);
    this.childModules.get(name)?.dispose();
    this.childModules.set(name, module);
    return module;
  }

  /** Removes child `name` (disposing it) — used by conv/BN folding. */
  removeModule(name: string): void {
    this.childModules.get(name)?.dispose();
    this.childModules.delete(name);
  }

  /** The child called `name`; throws if absent. */
  child<M extends AnyModule = AnyModule>(name: string): M {
    const m = this.childModules.get(name);
    assert(m, () => `${this.typeName}: no child module '${name}' (has ${[...this.childModules.keys()].join(', ')})`);
    return m as M;
  }

  /** Own parameter `name`. */
  param(name: string): tf.Variable {
    const p = this.ownParams.get(name);
    assert(p, () => `${this.typeName}: no parameter '${name}'`);
    return p;
  }

  hasParam(name: string): boolean {
    return this.ownParams.has(name);
  }

  /** Own float buffer `name`. */
  buffer(name: string): tf.Variable {
    const b = this.ownBuffers.get(name);
    assert(b?.kind === 'float', () => `${this.typeName}: no float buffer '${name}'`);
    return b.variable;
  }

  /** Replaces own parameter `name` with a new value (shape may change: used by folding and re-heading). */
  protected replaceParameter(name: string, value: Tensor, trainable = true): tf.Variable {
    this.ownParams.get(name)?.dispose();
    const v = tf.variable(value, trainable);
    this.ownParams.set(name, v);
    return v;
  }

  // ---- traversal ----------------------------------------------------------------------------------

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, AnyModule][] {
    return [...this.childModules.entries()];
  }

  /** This module and every descendant, with dotted names ('' for this one), depth first. */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [[prefix, this as AnyModule]];
    for (const [name, m] of this.childModules) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its PyTorch name (own first, then children), as `named_parameters()`. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [mname, m] of this.namedModules(prefix)) {
      for (const [pname, v] of m.ownParams) out.push([mname ? `${mname}.${pname}` : pname, v]);
    }
    return out;
  }

  /** Parameters only (trainable and frozen). */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Total number of parameter elements. */
  numParameters(trainableOnly = false): number {
    return this.parameters()
      .filter((v) => !trainableOnly || v.trainable)
      .reduce((a, v) => a + v.size, 0);
  }

  /** Sets `requires_grad` of every parameter below (frozen parameters are skipped by optimizers). */
  requiresGrad(flag: boolean): this {
    for (const v of this.parameters()) v.trainable = flag;
    return this;
  }

  /** Sets training mode recursively; subclasses override to keep frozen stages / `norm_eval` in eval. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.childModules.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  // ---- state dict ---------------------------------------------------------------------------------

  /** Every tensor as PyTorch's `state_dict()`: per module its parameters, then buffers; then children. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [mname, m] of this.namedModules()) {
      const key = (n: string) => (mname ? `${mname}.${n}` : n);
      for (const [n, v] of m.ownParams) out.set(key(n), { dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array });
      for (const [n, b] of m.ownBuffers) {
        out.set(
          key(n),
          b.kind === 'float'
            ? { dtype: 'float32', shape: [...b.variable.shape], data: b.variable.dataSync() as Float32Array }
            : { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(b.value)) },
        );
      }
    }
    this.applyStateKeyFilters(out);
    return out;
  }

  /**
   * State-dict save hook (PyTorch's `_register_state_dict_hook`), for modules that save only part of their subtree
   * (LoRA): whether the entry `key` (relative to this module) is kept. Absent: every entry is kept.
   */
  protected keepStateKey?(key: string): boolean;

  /**
   * Load-state-dict post hook: whether a missing or unexpected `key` (relative to this module) is reported.
   * Absent: every key is reported.
   */
  protected reportLoadKey?(key: string): boolean;

  /** Drops the entries that a module's {@link keepStateKey} rejects (keys of its subtree only). */
  private applyStateKeyFilters<V>(out: Map<string, V>): void {
    for (const [mname, m] of this.namedModules()) {
      if (!m.keepStateKey) continue;
      const prefix = mname ? `${mname}.` : '';
      for (const k of [...out.keys()]) if (k.startsWith(prefix) && !m.keepStateKey(k.slice(prefix.length))) out.delete(k);
    }
  }

  /**
   * {@link stateDict} after reading every tensor asynchronously first: the backends keep what they read on the CPU,
   * so the synchronous reads that follow do not touch the GPU (tfjs's WebGPU backend reads synchronously through a
   * canvas, which loses the device on some adapters).
   */
  async stateDictAsync(): Promise<StateDict> {
    const tensors: tf.Variable[] = [];
    for (const [, m] of this.namedModules()) {
      tensors.push(...m.ownParams.values());
      for (const b of m.ownBuffers.values()) if (b.kind === 'float') tensors.push(b.variable);
    }
    await Promise.all(tensors.map((t) => t.data()));
    return this.stateDict();
  }

  /** Names and shapes of every state-dict entry, without reading data. */
  stateDictShapes(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [mname, m] of this.namedModules()) {
      const key = (n: string) => (mname ? `${mname}.${n}` : n);
      for (const [n, v] of m.ownParams) out.set(key(n), [...v.shape]);
      for (const [n, b] of m.ownBuffers) out.set(key(n), b.kind === 'float' ? [...b.variable.shape] : []);
    }
    this.applyStateKeyFilters(out);
    return out;
  }

  /**
   * Copies matching entries of `sd` into this module, as PyTorch's `load_state_dict`. Returns the report of
   * missing / unexpected / shape-mismatched keys; with `strict` (default) any problem throws listing them all.
   */
  loadStateDict(sdIn: StateDict | Record<string, StateDictEntry>, { strict = true }: LoadStateDictOptions = {}): LoadReport {
    const sd = new Map(asStateDict(sdIn));
    this.prepareAll(sd);
    const { report, writes } = this.planLoad(sd, strict);
    try {
      for (const w of writes) tf.tidy(() => w.write(w.entry));
    } finally {
      this.weightsWritten(writes);
    }
    return report;
  }

  /**
   * {@link loadStateDict} for entries that stream from their file ({@link StreamedEntry}): each is read, written
   * into its variable and released before the next, so the checkpoint is never in memory whole beside the model.
   * Entries a pre-hook needs (a `pos_embed` to resize) are read first; plain entries load as usual.
   */
  async loadStateDictStreaming(sdIn: StateDict, { strict = true }: LoadStateDictOptions = {}): Promise<LoadReport> {
    const sd = await this.prepareStreamed(sdIn);
    const { report, writes } = this.planLoad(sd, strict);
    try {
      for (const w of writes) {
        if (isStreamedEntry(w.entry)) {
          // straight from the file into the variable's storage where it can, else read, then written
          if (!(await readStraightInto(w.entry, w.target))) {
            await w.entry.load();
            tf.tidy(() => w.write(w.entry));
          }
          w.entry.release();
        } else tf.tidy(() => w.write(w.entry));
      }
    } finally {
      for (const e of [...sdIn.values(), ...sd.values()]) if (isStreamedEntry(e)) e.release();
      this.weightsWritten(writes);
    }
    return report;
  }

  /** After a load: caches derived from the old values go (kernels' packings of storage written in place too). */
  private weightsWritten(writes: LoadWrite[]): void {
    const written = writes.find((w) => w.target)?.target;
    if (written) valuesWritten(written);
    this.onWeightsChanged();
  }

  private prepareAll(sd: StateDict): void {
    for (const [mname, m] of this.namedModules()) m.prepareStateDict(sd, mname ? `${mname}.` : '');
  }

  /**
   * Runs the pre-hooks on a copy of `sd`; when one reads an entry not loaded yet, that entry is read and the
   * hooks run again from the start on a fresh copy (hooks edit their copy, so a rerun is clean).
   */
  private async prepareStreamed(sdIn: StateDict): Promise<StateDict> {
    const streamed = [...sdIn.values()].filter(isStreamedEntry);
    for (;;) {
      const sd = new Map(sdIn);
      try {
        this.prepareAll(sd);
        return sd;
      } catch (e) {
        const needed = streamed.filter((s) => s.requested && !s.loaded);
        if (!needed.length) throw e;
        for (const s of needed) {
          s.requested = false;
          await s.load();
        }
      }
    }
  }

  /** Matches `sd` to this module's slots: the report (thrown when `strict` and unclean) and the writes to make. */
  private planLoad(sd: StateDict, strict: boolean): { report: LoadReport; writes: LoadWrite[] } {
    const report: LoadReport = { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] };
    const seen = new Set<string>();
    const writes: LoadWrite[] = [];
    for (const [mname, m] of this.namedModules()) {
      const key = (n: string) => (mname ? `${mname}.${n}` : n);
      const slots: [string, number[], (e: StateDictEntry) => void, tf.Variable?][] = [];
      for (const [n, v] of m.ownParams) slots.push([n, [...v.shape], (e) => writeVariable(v, e), v]);
      for (const [n, b] of m.ownBuffers) {
        if (b.kind === 'float') slots.push([n, [...b.variable.shape], (e) => writeVariable(b.variable, e), b.variable]);
        else slots.push([n, [], (e) => (b.value = Number(e.data[0]))]);
      }
      for (const [n, shape, write, target] of slots) {
        const k = key(n);
        const e = sd.get(k);
        if (!e) {
          report.missingKeys.push(k);
          continue;
        }
        seen.add(k);
        const same = e.shape.length === shape.length ? e.shape.every((d, i) => d === shape[i]) : sizeOf(e.shape) === 1 && sizeOf(shape) === 1;
        if (!same) report.shapeMismatches.push({ key: k, expected: shape, got: [...e.shape] });
        else writes.push({ entry: e, write, target });
      }
    }
    for (const k of sd.keys()) if (!seen.has(k)) report.unexpectedKeys.push(k);
    for (const [mname, m] of this.namedModules()) {
      if (!m.reportLoadKey) continue;
      const prefix = mname ? `${mname}.` : '';
      const reported = (k: string) => !k.startsWith(prefix) || m.reportLoadKey!(k.slice(prefix.length));
      report.missingKeys = report.missingKeys.filter(reported);
      report.unexpectedKeys = report.unexpectedKeys.filter(reported);
    }
    if (strict && !isCleanLoad(report)) {
      throw new Error(`Error(s) in loading state_dict for ${this.typeName}:\n${formatLoadReport(report)}`);
    }
    return { report, writes };
  }

  /**
   * Adapts incoming entries under `prefix` before loading (PyTorch's load-state-dict pre-hook), e.g. ViT
   * resizing `pos_embed` to this model's patch grid. `sd` is a private copy and may be edited.
   */
  prepareStateDict(sd: StateDict, prefix: string): void {
    void sd;
    void prefix;
  }

  /** Drops caches derived from weights (e.g. transposed kernels); called after loading or folding. */
  onWeightsChanged(): void {
    for (const m of this.childModules.values()) m.onWeightsChanged();
  }

  /** Frees every variable of this module and its children. */
  dispose(): void {
    for (const v of this.ownParams.values()) v.dispose();
    for (const b of this.ownBuffers.values()) if (b.kind === 'float') b.variable.dispose();
    for (const m of this.childModules.values()) m.dispose();
    this.ownParams.clear();
    this.ownBuffers.clear();
    this.childModules.clear();
  }

  /** A one-line description of this module's own settings (as PyTorch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  /** Non-module members PyTorch would list as children (a head's `loss_module`, the data preprocessor). */
  protected reprExtras(): [string, string][] {
    return [];
  }

  /** The module tree as PyTorch prints it (`print(model)`). */
  toString(indent = ''): string {
    const head = `${this.typeName}(${this.extraRepr()}`;
    const extras = this.reprExtras();
    if (!this.childModules.size && !extras.length) return `${head})`;
    const inner = [
      ...extras.filter(([n]) => n === 'data_preprocessor').map(([n, r]) => `${indent}  (${n}): ${r}`),
      ...[...this.childModules].map(([n, m]) => `${indent}  (${n}): ${m.toString(indent + '  ')}`),
      ...extras.filter(([n]) => n !== 'data_preprocessor').map(([n, r]) => `${indent}  (${n}): ${r}`),
    ];
    return `${head}\n${inner.join('\n')}\n${indent})`;
  }
}

/**
 * Runs modules one after another, each inside its own `tf.tidy`, freeing each intermediate output as soon as
 * the next one exists — unless a forward hook watches it (CAM and feature extraction keep those alive).
 * The first input is never disposed.
 */
export function runChain<T extends Tensor | Tensor[]>(modules: AnyModule[], x: T): T {
  let y = x;
  let disposable = false;
  for (const m of modules) {
    const next = tf.tidy(() => m.call(y) as T);
    if (next !== y) {
      // A tuple step (a list of necks) may pass some of its inputs through: free only what it dropped.
      if (disposable) tf.dispose([y].flat().filter((t) => ![next].flat().includes(t)));
      disposable = !m.hasForwardHooks();
    }
    y = next;
  }
  return y;
}

/** A module without computation that only groups children (e.g. a BasicBlock's container). */
export class Identity extends Module<Tensor, Tensor> {
  override typeNames(): string[] {
    return ['Identity'];
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}
