/**
 * A small typed RPC between two ends of a message channel: a page and its Web Worker, the page and itself (an
 * inline fallback over a `MessageChannel`), or Node's `worker_threads`. No DOM: it needs `postMessage`,
 * `AbortController` and `MessageChannel`, which pages, workers and Node all have.
 *
 * One end {@link serve}s a service — a plain object of (async) methods, namespaces nested in it
 * (`{ inference: { load, predict }, cam: { ... } }`); the other {@link connect}s and calls it as
 * `RpcClient<typeof service>`: the same methods, each answering a promise of what the service's resolves to.
 *
 * - Transfers: `transfer(value, [buffers])` marks an argument, a return value or a progress value so that its
 *   buffers move instead of being copied (the caller's are detached, as with `postMessage`).
 * - Progress and cancellation: an argument that is a plain object with an `onProgress` function and/or a
 *   `signal` (AbortSignal) is the call's options. The function stays on the caller's side: the service's method
 *   gets one that posts progress messages back to it. Aborting the caller's signal posts a cancel message: the
 *   method's options carry an AbortSignal of their own that aborts then (a call still queued never starts), and
 *   the caller's promise rejects at once with an `AbortError`.
 * - Errors come back as `Error`s with the thrown message and name.
 * - Lanes: calls of one lane run one at a time, in the order sent (an image never meets a half-loaded model);
 *   by default every call of a service is in one lane, {@link ServeOptions.lanes} sets them per namespace.
 * - Fallback: {@link inlinePort} serves the same object on this thread; {@link connectWithFallback} starts on a
 *   worker and moves the calls it has not taken yet onto the inline service when the worker fails to start.
 */

/** One end of a channel: a `Worker`, a worker's `self`, a `MessagePort` (the page's or `node:worker_threads`'). */
export interface RpcPort {
  /** (The transfer list is untyped: Node's `Transferable` is not the DOM's, and a port of either must fit.) */
  postMessage(message: unknown, transfer: any[]): void;
  /** Listeners get `MessageEvent`s (typed `Event` here: Node's MessagePort types only EventTarget's listeners). */
  addEventListener(type: 'message', listener: (event: Event) => void): void;
  removeEventListener?(type: 'message', listener: (event: Event) => void): void;
  /** MessagePorts deliver nothing to `addEventListener` listeners before `start()`. */
  start?(): void;
}

/** A port that can fail to start and be stopped: a `Worker`. */
export interface WorkerLike extends RpcPort {
  addEventListener(type: 'message' | 'error', listener: (event: Event) => void): void;
  terminate(): void;
}

/** The options a method may take (as any one plain-object argument, usually its last). */
export interface RpcOptions<P extends unknown[] = never[]> {
  /** Called on the caller's side with what the method reports (each call is a progress message). */
  onProgress?: (...progress: P) => void;
  /** Aborting it cancels the call (the caller's promise rejects with an AbortError). */
  signal?: AbortSignal;
}

type AnyFn = (...args: never[]) => unknown;

/** The client of a service: its methods (and namespaces of methods), each answering a promise. */
export type RpcClient<T> = {
  readonly [K in keyof T as T[K] extends AnyFn ? K : T[K] extends object ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : RpcClient<T[K]>;
};

type CallMessage = { rpc: 'call'; id: number; path: string; args: unknown[]; options?: { index: number; progress: boolean; signal: boolean } };
type ClientMessage = CallMessage | { rpc: 'cancel'; id: number };
type ErrorData = { name: string; message: string };
type HostMessage = { rpc: 'ready' } | { rpc: 'progress'; id: number; args: unknown[] } | { rpc: 'result'; id: number; value: unknown } | { rpc: 'error'; id: number; error: ErrorData };

const transferLists = new WeakMap<object, Transferable[]>();

/** Marks `value` (returned as is) so that `list` is transferred with it, not copied. */
export function transfer<T extends object>(value: T, list: Transferable[]): T {
  transferLists.set(value, list);
  return value;
}

function transfersOf(values: unknown[]): Transferable[] {
  return [...new Set(values.flatMap((v) => (v !== null && typeof v === 'object' && transferLists.get(v)) || []))];
}

function errorData(e: unknown): ErrorData {
  if (e !== null && typeof e === 'object' && 'message' in e) return { name: String((e as Error).name ?? 'Error'), message: String((e as Error).message) };
  return { name: 'Error', message: String(e) };
}

/** An AbortError: the signal's reason when it is one, else one carrying the reason's text. */
function abortError(signal?: AbortSignal): Error {
  const r: unknown = signal?.reason;
  if (r instanceof Error && r.name === 'AbortError') return r;
  return new DOMException(r instanceof Error ? r.message : typeof r === 'string' ? r : 'the call was cancelled', 'AbortError');
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** Options of {@link serve}. */
export interface ServeOptions {
  /**
   * The lane of each namespace (a method path's first part: `inference` of `inference.load`); null runs its calls
   * as they come (they interleave at their awaits). Namespaces not listed are in `defaultLane`.
   */
  lanes?: Record<string, string | null>;
  /** Default 'default': the calls of namespaces not in `lanes` run one at a time, in order. */
  defaultLane?: string | null;
}

/** The method at `path` of `root` and its owner (`this`); never one of Object.prototype's. */
function methodAt(root: unknown, path: string): { fn: (...args: unknown[]) => unknown; self: unknown } {
  let self: unknown;
  let target = root;
  for (const key of path.split('.')) {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function') || key in Object.prototype) throw new Error(`${path}: no such method`);
    self = target;
    target = (target as Record<string, unknown>)[key];
  }
  if (typeof target !== 'function') throw new Error(`${path}: no such method`);
  return { fn: target as (...args: unknown[]) => unknown, self };
}

/**
 * Answers the calls arriving on `port` with `service`'s methods (the service may still be a promise: calls wait
 * for it). Posts a 'ready' message first, so a client knows the port's end is alive. Returns a function that stops.
 */
export function serve(port: RpcPort, service: object | Promise<object>, options: ServeOptions = {}): () => void {
  const root = Promise.resolve(service);
  root.catch(() => undefined); // a service that failed to start fails each call with why, not the process
  const queues = new Map<string, Promise<unknown>>();
  const running = new Map<number, AbortController>();
  const { lanes = {}, defaultLane = 'default' } = options;
  const post = (m: HostMessage, transfer: Transferable[] = []) => {
    try {
      port.postMessage(m, transfer);
    } catch (e) {
      // A value that cannot be cloned (a function, a class with private state): the call fails with why.
      if (m.rpc !== 'ready' && m.rpc !== 'error') port.postMessage({ rpc: 'error', id: m.id, error: errorData(e) } satisfies HostMessage, []);
    }
  };
  const listener = (event: Event) => {
    const m = (event as MessageEvent).data as ClientMessage;
    if (m?.rpc === 'cancel') return running.get(m.id)?.abort(abortError());
    if (m?.rpc !== 'call') return;
    const controller = new AbortController();
    running.set(m.id, controller);
    const args = [...m.args];
    if (m.options) {
      const opts: Record<string, unknown> = { ...(args[m.options.index] as object) };
      if (m.options.progress) opts.onProgress = (...p: unknown[]) => running.has(m.id) && post({ rpc: 'progress', id: m.id, args: p }, transfersOf(p));
      if (m.options.signal) opts.signal = controller.signal;
      args[m.options.index] = opts;
    }
    const run = async () => {
      if (controller.signal.aborted) throw abortError(controller.signal);
      const { fn, self } = methodAt(await root, m.path);
      return fn.apply(self, args);
    };
    const name = m.path.split('.')[0];
    const lane = name in lanes ? lanes[name] : defaultLane;
    let result: Promise<unknown>;
    if (lane === null) result = run();
    else {
      result = (queues.get(lane) ?? Promise.resolve()).then(run);
      queues.set(lane, result.catch(() => undefined));
    }
    result
      .then(
        (value) => post({ rpc: 'result', id: m.id, value }, transfersOf([value])),
        (e) => post({ rpc: 'error', id: m.id, error: errorData(e) }),
      )
      .finally(() => running.delete(m.id));
  };
  port.addEventListener('message', listener);
  port.start?.();
  post({ rpc: 'ready' });
  return () => port.removeEventListener?.('message', listener);
}

/** A client's connection: the typed service, and the port it talks to. */
export interface RpcConnection<T> {
  readonly api: RpcClient<T>;
  /**
   * Moves the connection to `port`. Calls the old port's end had taken reject with `error`; calls it had not
   * (sent before it said 'ready') go to the new one once it is ready.
   */
  replace(port: RpcPort, error: Error): void;
  /** Rejects every call in flight; later calls reject too. */
  close(): void;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (...args: unknown[]) => void;
  /** The message, until the port's end is ready to take it. */
  held: { message: CallMessage; transfer: Transferable[] } | null;
  done(): void;
}

/** Splits a call's arguments: the options object (its `onProgress` and `signal` stay here) and what is sent. */
function splitOptions(args: unknown[]): { args: unknown[]; index: number; onProgress?: (...p: unknown[]) => void; signal?: AbortSignal } {
  for (let i = args.length - 1; i >= 0; i--) {
    const a = args[i];
    if (!isPlainObject(a)) continue;
    const { onProgress, signal, ...rest } = a;
    const hasProgress = typeof onProgress === 'function';
    const hasSignal = typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal;
    if (!hasProgress && !hasSignal) continue;
    return { args: args.map((x, j) => (j === i ? rest : x)), index: i, onProgress: hasProgress ? (onProgress as (...p: unknown[]) => void) : undefined, signal: hasSignal ? signal : undefined };
  }
  return { args, index: -1 };
}

/** Calls the service served at the other end of `port`. Calls wait for its 'ready' message before being sent. */
export function connect<T>(port: RpcPort): RpcConnection<T> {
  const calls = new Map<number, PendingCall>();
  let nextId = 1;
  let current: RpcPort | null = null;
  let ready = false;
  const send = (id: number, call: PendingCall) => {
    const { message, transfer } = call.held!;
    call.held = null;
    try {
      current!.postMessage(message, transfer);
    } catch (e) {
      settle(id, (c) => c.reject(e instanceof Error ? e : new Error(String(e))));
    }
  };
  const settle = (id: number, how: (c: PendingCall) => void) => {
    const c = calls.get(id);
    if (!c) return;
    calls.delete(id);
    c.done();
    how(c);
  };
  const attach = (p: RpcPort) => {
    current = p;
    ready = false;
    p.addEventListener('message', (event: Event) => {
      if (p !== current) return;
      const m = (event as MessageEvent).data as HostMessage;
      if (m?.rpc === 'ready') {
        ready = true;
        for (const [id, c] of calls) if (c.held) send(id, c);
      } else if (m?.rpc === 'progress') calls.get(m.id)?.onProgress?.(...m.args);
      else if (m?.rpc === 'result') settle(m.id, (c) => c.resolve(m.value));
      else if (m?.rpc === 'error') settle(m.id, (c) => c.reject(Object.assign(new Error(m.error.message), { name: m.error.name })));
    });
    p.start?.();
  };
  const call = (path: string, raw: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (!current) return reject(new Error(`${path}: the connection is closed`));
      const { args, index, onProgress, signal } = splitOptions(raw);
      if (signal?.aborted) return reject(abortError(signal));
      const id = nextId++;
      const message: CallMessage = { rpc: 'call', id, path, args, ...(index >= 0 ? { options: { index, progress: !!onProgress, signal: !!signal } } : {}) };
      const onAbort = () =>
        settle(id, (c) => {
          if (!c.held) current?.postMessage({ rpc: 'cancel', id } satisfies ClientMessage, []);
          reject(abortError(signal));
        });
      signal?.addEventListener('abort', onAbort, { once: true });
      const pending: PendingCall = { resolve, reject, onProgress, held: { message, transfer: transfersOf(args) }, done: () => signal?.removeEventListener('abort', onAbort) };
      calls.set(id, pending);
      if (ready) send(id, pending);
    });
  const proxy = (path: string[]): unknown =>
    new Proxy(() => undefined, {
      // `then` stays undefined: a namespace is not a promise (`await client.x` must not call `x.then`).
      get: (_t, key) => (typeof key === 'string' && key !== 'then' ? proxy([...path, key]) : undefined),
      apply: (_t, _self, args: unknown[]) => call(path.join('.'), args),
    });
  attach(port);
  return {
    api: proxy([]) as RpcClient<T>,
    replace(next, error) {
      for (const [id, c] of calls) if (!c.held) settle(id, (p) => p.reject(error));
      attach(next);
    },
    close() {
      current = null;
      for (const id of [...calls.keys()]) settle(id, (c) => c.reject(new Error('the connection is closed')));
    },
  };
}

/** Serves `service` on this thread (page or Node) through a MessageChannel; returns the client's end. */
export function inlinePort(service: object | Promise<object>, options?: ServeOptions): RpcPort & { close(): void } {
  const { port1, port2 } = new MessageChannel();
  serve(port1, service, options);
  return { postMessage: (m, t) => port2.postMessage(m, t), addEventListener: (type, l) => port2.addEventListener(type, l), start: () => port2.start(), close: () => (port1.close(), port2.close()) };
}

/** A connection that says where its service runs. */
export interface FallbackConnection<T> {
  readonly api: RpcClient<T>;
  /** 'worker', or 'inline' once the worker could not be created or failed. */
  readonly mode: 'worker' | 'inline';
}

/**
 * Calls the service of the worker `start()` creates; where it cannot be created, or fails, the service of
 * `inline()` (the same object on this thread). Calls the worker had not taken yet (it never said 'ready': it did
 * not start) go to the inline one; calls it had taken reject with "`what` failed …; retry (now running on the page)".
 */
export function connectWithFallback<T>(start: () => WorkerLike, inline: () => RpcPort, what = 'the worker'): FallbackConnection<T> {
  let worker: WorkerLike | null = null;
  try {
    worker = start();
  } catch {
    worker = null;
  }
  let mode: 'worker' | 'inline' = worker ? 'worker' : 'inline';
  const connection = connect<T>(worker ?? inline());
  worker?.addEventListener('error', (event: Event) => {
    if (mode === 'inline') return;
    mode = 'inline';
    worker!.terminate();
    const why = (event as { message?: unknown }).message;
    connection.replace(inline(), new Error(`${what} failed${typeof why === 'string' && why ? ` (${why})` : ''}; retry (now running on the page)`));
  });
  return {
    api: connection.api,
    get mode() {
      return mode;
    },
  };
}
