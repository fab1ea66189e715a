/**
 * The panel's training client over a real MessageChannel (node:worker_threads), a stand-in worker serving a small
 * TrainService: events in order, a refused call and a crashed worker as error events, the e2e hook's warning, a
 * terminated worker quiet.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, transfer } from '../../../utils/rpc/rpc';
import { TRAIN_SERVE_OPTIONS, type TrainService } from '../../../engine/runner/train_service';
import { packScalars, unpackScalars, type LoopPosition, type TrainEvent } from '../../../engine/runner/worker_protocol';
import { TrainClient, type TrainWorker } from './trainClient';

const position: LoopPosition = { iter: 1, maxIters: 4, epoch: 0, maxEpochs: 1, innerIter: 1, epochLength: 4, byEpoch: true, secPerIter: 0.1, phase: 'train' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service that reports a start, one progress batch (transferred) and waits for `stop`. */
function fakeService(lose: string | null): TrainService {
  let running: (() => void) | null = null;
  return {
    async start(req, { onProgress = () => undefined } = {}) {
      if (running) throw new Error('a run is already going in this worker; stop it first');
      onProgress({ kind: 'started', backend: req.backend, workDir: `opfs:work_dirs/${req.workDirName}`, timestamp: 't', resumedFrom: null, position });
      const scalars = packScalars([{ loss: 2.5, iter: 1 }]);
      onProgress(transfer({ kind: 'progress', position, scalars, lines: ['Epoch(train) [1][1/4]'] }, [scalars.values.buffer]));
      await new Promise<void>((r) => (running = r));
      onProgress({ kind: 'done', stopped: true, position });
    },
    pause: () => undefined,
    resume: () => undefined,
    async stop() {
      running?.();
      running = null;
    },
    debugLoseBackend: () => lose,
  };
}

/** A Worker stand-in over a MessagePort; `crash` fires an error event as a failing worker does. */
class FakeWorker extends EventTarget implements TrainWorker {
  terminated = false;
  constructor(private readonly port: MessagePort) {
    super();
    port.addEventListener('message', (e) => this.dispatchEvent(Object.assign(new Event('message'), { data: (e as MessageEvent).data })));
    port.start();
  }
  postMessage(message: unknown, t: Transferable[]): void {
    this.port.postMessage(message, t as never);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
  crash(message: string): Event {
    const e = Object.assign(new Event('error', { cancelable: true }), { message });
    this.dispatchEvent(e);
    return e;
  }
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function client(lose: string | null = null): { client: TrainClient; worker: FakeWorker; events: TrainEvent[] } {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serve(port1, fakeService(lose), TRAIN_SERVE_OPTIONS);
  const worker = new FakeWorker(port2);
  const events: TrainEvent[] = [];
  return { client: new TrainClient((e) => events.push(e), () => worker), worker, events };
}

const req = { cfg: {}, cfgText: '', cfgFileName: 'lenet5_mnist.py', workDirName: 'lenet5_mnist', files: [], mounts: [], backend: 'wasm', resume: false };
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(5);
  expect(cond()).toBe(true);
};

describe('TrainClient over a MessageChannel', () => {
  it('forwards the run events in order (scalars intact); a refused start becomes an error event; stop ends the run', async () => {
    const { client: c, events } = client();
    c.start(req);
    await until(() => events.length === 2);
    expect(events.map((e) => e.kind)).toEqual(['started', 'progress']);
    expect(unpackScalars((events[1] as Extract<TrainEvent, { kind: 'progress' }>).scalars)).toEqual([{ loss: 2.5, iter: 1 }]);
    c.start(req);
    await until(() => events.length === 3);
    expect(events[2]).toEqual({ kind: 'error', message: 'a run is already going in this worker; stop it first', invalidLoss: null });
    c.pause();
    c.resume();
    c.stop();
    await until(() => events.length === 4);
    expect(events[3]).toMatchObject({ kind: 'done', stopped: true });
  });

  it("the e2e hook: the worker's refusal becomes a warning event; a backend lost adds nothing", async () => {
    const refusing = client('debug-lose-backend is accepted only in the e2e build');
    refusing.client.debugLoseBackend();
    await until(() => refusing.events.length === 1);
    expect(refusing.events).toEqual([{ kind: 'warning', message: 'debug-lose-backend is accepted only in the e2e build' }]);
    const losing = client(null);
    losing.client.debugLoseBackend();
    await sleep(30);
    expect(losing.events).toEqual([]);
  });

  it('a crashed worker becomes an error event (handled: not left to the console); a terminated one is quiet', async () => {
    const { client: c, worker, events } = client();
    c.start(req);
    await until(() => events.length === 2);
    const crash = worker.crash('out of memory');
    expect(crash.defaultPrevented).toBe(true);
    worker.crash('');
    expect(events.slice(2)).toEqual([
      { kind: 'error', message: 'the training worker failed: out of memory', invalidLoss: null },
      { kind: 'error', message: 'the training worker failed: it could not start (see the browser console)', invalidLoss: null },
    ]);
    c.terminate(); // the start still in flight rejects as the connection closes: no event for it
    expect(worker.terminated).toBe(true);
    await sleep(30);
    expect(events).toHaveLength(4);
    expect(() => c.stop()).toThrow('the training worker was closed');
  });
});
