/** The RPC over a real MessageChannel (node:worker_threads): typed calls, transfers, progress, cancel, errors, lanes, fallback. */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, connectWithFallback, inlinePort, serve, transfer, type RpcClient, type RpcOptions, type ServeOptions, type WorkerLike } from './rpc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the service's methods saw (the test reads it). */
const seen = { log: [] as string[], aborted: [] as string[], received: null as ArrayBuffer | null, returned: null as ArrayBuffer | null, started: [] as number[], progressed: [] as ArrayBuffer[] };

/** Resolves when the `slow` call has started (the test then cancels it). */
let started: () => void = () => undefined;

const service = {
  add: (a: number, b: number) => a + b,
  async concat(parts: string[], sep = '-') {
    await sleep(1);
    return parts.join(sep);
  },
  nested: {
    async shape(x: { w: number; h: number }) {
      return { area: x.w * x.h, label: `${x.w}×${x.h}` };
    },
  },
  /** Sums the bytes of a buffer the caller transferred. */
  sum(buf: ArrayBuffer) {
    seen.received = buf;
    return new Uint8Array(buf).reduce((s, v) => s + v, 0);
  },
  /** A buffer moved back (the service's copy detached). */
  makeBuffer(n: number) {
    const b = new Uint8Array(n).map((_, i) => i).buffer;
    seen.returned = b;
    return transfer(b, [b]);
  },
  async count(to: number, options: RpcOptions<[number, number]> & { step?: number } = {}) {
    for (let i = options.step ?? 1; i <= to; i += options.step ?? 1) {
      options.onProgress?.(i, to);
      await sleep(1);
    }
    return 'counted';
  },
  /** Reports `n` buffers through progress, each marked with transfer() (the service's copies detached). */
  async frames(n: number, options: RpcOptions<[{ i: number; data: Uint8Array }]> = {}) {
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array(4).fill(i);
      seen.progressed.push(data.buffer);
      options.onProgress?.(transfer({ i, data }, [data.buffer]));
    }
    return n;
  },
  /** Waits until aborted; records that its own signal fired. */
  slow(tag: string, options: RpcOptions = {}) {
    return new Promise<string>((resolve, reject) => {
      seen.started.push(Date.now());
      started();
      const timer = setTimeout(() => resolve(`${tag} done`), 5000);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        seen.aborted.push(tag);
        reject(options.signal!.reason);
      });
    });
  },
  async fail(kind: string) {
    await sleep(1);
    if (kind === 'type') throw new TypeError('a is not a number');
    if (kind === 'custom') throw Object.assign(new Error('x.pth: no weight fits this model (lenet5)'), { name: 'LoadError' });
    throw 'plain string';
  },
  a: {
    async step(id: string, ms: number) {
      seen.log.push(`${id} start`);
      await sleep(ms);
      seen.log.push(`${id} end`);
      return id;
    },
  },
  b: {
    async step(id: string, ms: number) {
      seen.log.push(`${id} start`);
      await sleep(ms);
      seen.log.push(`${id} end`);
      return id;
    },
  },
};

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
  seen.log = [];
  seen.aborted = [];
  seen.started = [];
  seen.progressed = [];
});

/** The service served on one end of a node:worker_threads MessageChannel, its client on the other. */
function channel(options?: ServeOptions): RpcClient<typeof service> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serve(port1, service, options);
  return connect<typeof service>(port2).api;
}

describe('rpc over a node:worker_threads MessageChannel', () => {
  it('typed calls: methods and nested namespaces answer promises of what the service returns', async () => {
    const api = channel();
    const sum: number = await api.add(2, 3);
    expect(sum).toBe(5);
    expect(await api.concat(['a', 'b', 'c'])).toBe('a-b-c');
    expect(await api.concat(['a', 'b'], '+')).toBe('a+b');
    const shape: { area: number; label: string } = await api.nested.shape({ w: 3, h: 4 });
    expect(shape).toEqual({ area: 12, label: '3×4' });
    // @ts-expect-error the client keeps the service's parameter types
    await expect(api.add('2', 3)).resolves.toBe('23');
    // an unknown path is an error, not a hang (and not one of Object.prototype's)
    await expect((api as unknown as { nope(): Promise<void> }).nope()).rejects.toThrow('nope: no such method');
    await expect((api as unknown as { constructor: { name(): Promise<string> } }).constructor.name()).rejects.toThrow('no such method');
    // a namespace is not a thenable
    expect((api.nested as unknown as { then?: unknown }).then).toBeUndefined();
  });

  it('transfers: an argument marked with transfer() moves (the caller detached), so does a return value', async () => {
    const api = channel();
    const buf = new Uint8Array([1, 2, 3, 250]).buffer;
    expect(await api.sum(transfer(buf, [buf]))).toBe(256);
    expect(buf.byteLength).toBe(0); // moved, not copied
    expect(seen.received!.byteLength).toBe(4);
    const kept = new Uint8Array([5, 5]).buffer;
    expect(await api.sum(kept)).toBe(10);
    expect(kept.byteLength).toBe(2); // unmarked: copied
    const back = await api.makeBuffer(6);
    expect([...new Uint8Array(back)]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.returned!.byteLength).toBe(0); // the service's buffer moved to the caller
  });

  it('progress: onProgress stays on the caller, the service calls one that posts progress messages, all before the result', async () => {
    const api = channel();
    const events: string[] = [];
    const result = await api.count(6, { step: 2, onProgress: (done, total) => events.push(`${done}/${total}`) });
    events.push(result);
    expect(events).toEqual(['2/6', '4/6', '6/6', 'counted']);
  });

  it('progress values marked with transfer() move too, in order', async () => {
    const api = channel();
    const got: { i: number; data: Uint8Array }[] = [];
    expect(await api.frames(3, { onProgress: (f) => got.push(f) })).toBe(3);
    expect(got.map((f) => [f.i, [...f.data]])).toEqual([
      [0, [0, 0, 0, 0]],
      [1, [1, 1, 1, 1]],
      [2, [2, 2, 2, 2]],
    ]);
    expect(seen.progressed.map((b) => b.byteLength)).toEqual([0, 0, 0]); // moved, not copied
  });

  it('cancel: the caller rejects with an AbortError at once, the running handler sees its signal abort, a queued call never starts', async () => {
    const api = channel();
    const controller = new AbortController();
    const running = new Promise<void>((r) => (started = r));
    const call = api.slow('first', { signal: controller.signal });
    const queued = new AbortController();
    const second = api.slow('second', { signal: queued.signal }); // same lane: waits behind the first
    await running;
    queued.abort('superseded'); // cancelled while it waits in the lane
    controller.abort(); // cancelled while it runs
    await expect(second).rejects.toMatchObject({ name: 'AbortError', message: 'superseded' });
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(await api.add(1, 1)).toBe(2); // the lane goes on
    expect(seen.aborted).toEqual(['first']);
    expect(seen.started).toHaveLength(1); // the queued one never ran
    // an already-aborted signal: rejected without a message sent
    await expect(api.slow('never', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.started).toHaveLength(1);
  });

  it('errors come back as Errors with their message and name', async () => {
    const api = channel();
    const e = await api.fail('type').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'TypeError', message: 'a is not a number' });
    await expect(api.fail('custom')).rejects.toMatchObject({ name: 'LoadError', message: 'x.pth: no weight fits this model (lenet5)' });
    await expect(api.fail('other')).rejects.toMatchObject({ name: 'Error', message: 'plain string' });
    // a value that cannot be cloned fails the call with why
    await expect((api.add as unknown as (f: () => void) => Promise<number>)(() => undefined)).rejects.toThrow();
  });

  it('order: a lane runs its calls one at a time in the order sent; a null lane lets them interleave', async () => {
    const api = channel({ lanes: { b: null } });
    const inOrder = await Promise.all([api.a.step('a1', 30), api.a.step('a2', 1), api.a.step('a3', 5)]);
    expect(inOrder).toEqual(['a1', 'a2', 'a3']);
    expect(seen.log).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3 start', 'a3 end']);
    seen.log = [];
    await Promise.all([api.b.step('b1', 30), api.b.step('b2', 1)]);
    expect(seen.log).toEqual(['b1 start', 'b2 start', 'b2 end', 'b1 end']);
  });
});

/** A Worker stand-in: takes messages, never answers them, fails on demand (as a module worker that cannot load). */
class FakeWorker extends EventTarget implements WorkerLike {
  posted = 0;
  terminated = false;
  constructor(private readonly port: MessagePort | null = null) {
    super();
    port?.addEventListener('message', (e) => this.dispatchEvent(Object.assign(new Event('message'), { data: (e as MessageEvent).data })));
    port?.start();
  }
  postMessage(message: unknown, t: Transferable[]): void {
    this.posted++;
    this.port?.postMessage(message, t as never);
  }
  terminate(): void {
    this.terminated = true;
    this.port?.close();
  }
  fail(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}

describe('connectWithFallback: the same service inline when the worker cannot start', () => {
  it('a worker that fails before it is ready: the calls made meanwhile run inline, transfers and progress included', async () => {
    const worker = new FakeWorker();
    const inline = inlinePort(service);
    const engine = connectWithFallback<typeof service>(() => worker, () => inline, 'the test worker');
    expect(engine.mode).toBe('worker');
    const buf = new Uint8Array([7, 8]).buffer;
    const sum = engine.api.sum(transfer(buf, [buf]));
    const events: number[] = [];
    const counted = engine.api.count(2, { onProgress: (d) => events.push(d) });
    await sleep(5);
    expect(worker.posted).toBe(0); // held until the worker says it is ready
    worker.fail('Failed to fetch a module script');
    expect(engine.mode).toBe('inline');
    expect(worker.terminated).toBe(true);
    expect(await sum).toBe(15);
    expect(await counted).toBe('counted');
    expect(events).toEqual([1, 2]);
    expect(await engine.api.nested.shape({ w: 2, h: 2 })).toEqual({ area: 4, label: '2×2' });
    inline.close();
  });

  it('a worker that cannot be created: inline from the start', async () => {
    const inline = inlinePort(service);
    const engine = connectWithFallback<typeof service>(
      () => {
        throw new ReferenceError('Worker is not defined');
      },
      () => inline,
    );
    expect(engine.mode).toBe('inline');
    expect(await engine.api.add(4, 5)).toBe(9);
    inline.close();
  });

  it('a worker that fails after it started: the calls it had taken reject saying so, later calls run inline', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serve(port1, service);
    const worker = new FakeWorker(port2);
    const inline = inlinePort(service);
    const engine = connectWithFallback<typeof service>(() => worker, () => inline, 'the test worker');
    expect(await engine.api.add(1, 2)).toBe(3); // the worker is up
    const running = new Promise<void>((r) => (started = r));
    const taken = engine.api.slow('taken');
    await running;
    worker.fail('out of memory');
    await expect(taken).rejects.toThrow('the test worker failed (out of memory); retry (now running on the page)');
    expect(engine.mode).toBe('inline');
    expect(await engine.api.add(2, 2)).toBe(4);
    inline.close();
  });
});
