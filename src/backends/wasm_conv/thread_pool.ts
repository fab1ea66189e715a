/**
 * Threads for the convolution module: each worker instantiates it on the tfjs WASM backend's shared memory and,
 * when woken, claims tiles of the current descriptor until none is left. The calling thread claims tiles too, then
 * waits (blocking where the platform allows it, spinning on a page's main thread) until every worker is done.
 *
 * Between descriptors a worker spins on the generation word for a while before it sleeps, and the caller on the
 * pending count before it blocks ({@link DEFAULT_SPIN}), as XNNPACK's pthreadpool does (its own spin is milliseconds:
 * the reason XNNPACK keeps one thread here, `XNNPACK_THREADS`).
 *
 * Control block (i32 words in that memory): [generation, descriptor, pending workers, error flag, spin checks].
 */

const GENERATION = 0;
const DESCRIPTOR = 1;
const PENDING = 2;
const ERROR = 3;
/** Checks of a control word a waiting thread makes before it sleeps (see {@link DEFAULT_SPIN}). */
const SPIN = 4;
export const CONTROL_WORDS = 5;

/**
 * Checks by default: about 50–100 µs. Waking a sleeping thread takes about as long as a small convolution (on this
 * virtual machine more); a forward pass dispatches every few hundred microseconds, so a short spin keeps the thread
 * awake between convolutions and costs nothing when none follows.
 */
export const DEFAULT_SPIN = 1 << 14;

/** What a worker receives once, in its first message. */
export interface ConvWorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  generation: number;
}

/**
 * A worker's whole program (self-contained: its source text is what the worker runs). `post` tells the creator
 * the worker is ready; then it serves descriptors until the generation word turns negative.
 */
export function convWorkerMain(start: ConvWorkerStart, post: (message: string) => void): void {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  const run = instance.exports.run as (desc: number) => void;
  const ctl = new Int32Array(start.memory.buffer, start.control, 5);
  let seen = start.generation;
  post('ready');
  for (;;) {
    for (let i = Atomics.load(ctl, 4); i > 0 && Atomics.load(ctl, 0) === seen; i--);
    Atomics.wait(ctl, 0, seen);
    const now = Atomics.load(ctl, 0);
    if (now === seen) continue; // woken without a new descriptor: running the old one again would count it twice
    seen = now;
    if (seen < 0) return;
    try {
      run(Atomics.load(ctl, 1));
    } catch {
      Atomics.store(ctl, 3, 1);
    }
    if (Atomics.sub(ctl, 2, 1) === 1) Atomics.notify(ctl, 2);
  }
}

/** Starts one worker running `convWorkerMain` with `start`; resolves once it is ready. */
export type ConvWorkerSpawner = (start: ConvWorkerStart) => Promise<{ terminate(): void }>;

/** The worker's source for a given message wiring (`receive` and `post` are expressions over `main`). */
export function workerSource(wiring: (main: string) => string): string {
  return `${wiring(`(${convWorkerMain.toString()})`)}\n`;
}

let blockingWaitAllowed: boolean | null = null;

/** Whether this thread may block in Atomics.wait (not on a page's main thread). */
function canBlock(ctl: Int32Array): boolean {
  if (blockingWaitAllowed === null) {
    try {
      Atomics.wait(ctl, ERROR, 12345, 0);
      blockingWaitAllowed = true;
    } catch {
      blockingWaitAllowed = false;
    }
  }
  return blockingWaitAllowed;
}

export class ConvThreadPool {
  private readonly workers: { terminate(): void }[] = [];

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly control: number,
  ) {}

  /** Starts `count` workers (the calling thread makes one more). */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, count: number, spawn: ConvWorkerSpawner): Promise<ConvThreadPool> {
    const pool = new ConvThreadPool(memory, control);
    const ctl = pool.view();
    ctl.fill(0);
    ctl[SPIN] = DEFAULT_SPIN;
    const started = await Promise.allSettled(Array.from({ length: count }, () => spawn({ module, memory, control, generation: 0 })));
    for (const s of started) if (s.status === 'fulfilled') pool.workers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      pool.dispose();
      throw (failed as PromiseRejectedResult).reason;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  private view(): Int32Array {
    return new Int32Array(this.memory.buffer, this.control, CONTROL_WORDS);
  }

  /** Checks a waiting thread makes before it sleeps (0: sleep at once). */
  get spin(): number {
    return this.view()[SPIN]!;
  }

  set spin(checks: number) {
    Atomics.store(this.view(), SPIN, Math.max(0, Math.floor(checks)));
  }

  /** Runs `run(desc)` on every thread at once and returns when all are done; throws if any trapped. */
  run(desc: number, run: (desc: number) => void): void {
    const ctl = this.view();
    Atomics.store(ctl, DESCRIPTOR, desc);
    Atomics.store(ctl, ERROR, 0);
    Atomics.store(ctl, PENDING, this.workers.length);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    let own: unknown = null;
    try {
      run(desc);
    } catch (e) {
      own = e;
    }
    const block = canBlock(ctl);
    for (let i = ctl[SPIN]!; i > 0 && Atomics.load(ctl, PENDING) !== 0; i--);
    for (let pending = Atomics.load(ctl, PENDING); pending !== 0; pending = Atomics.load(ctl, PENDING)) {
      if (block) Atomics.wait(ctl, PENDING, pending, 50);
    }
    if (own) throw own;
    if (Atomics.load(ctl, ERROR)) throw new Error('a convolution worker thread trapped');
  }

  dispose(): void {
    const ctl = this.view();
    Atomics.store(ctl, GENERATION, -1);
    Atomics.notify(ctl, GENERATION);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
