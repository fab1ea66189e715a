/**
 * The Train panel's worker as a typed service (`utils/rpc`): what `train.worker.ts` serves and the panel's
 * `TrainClient` calls. No DOM: it runs in the worker and in Node tests, over any message port.
 *
 * - `start(req, { onProgress, signal })` runs one training session; its {@link TrainEvent}s (progress with the
 *   scalars packed in a transferred buffer, validations, checkpoints, survival checkpoints, lost backends, warnings,
 *   the end or the failure) come through `onProgress` in order, and the call resolves when the run has ended
 *   (after its `done` or `error` event; a failure is an event, not a rejection). Aborting `signal` stops the run.
 * - `pause()`, `resume()`, `stop()` act on the run going on (nothing when none); `stop()` resolves once it has ended.
 * - `debugLoseBackend()` loses the backend on purpose where the host gave a way to (the e2e build's worker only).
 *
 * The worker keeps to training alone (a long run never holds up the engine worker's inference queue, and a stop
 * that does not come can terminate it), and its calls run as they come: `pause` and `stop` reach the loop while
 * `start` is still running (`TRAIN_SERVE_OPTIONS`).
 */
import { transfer, type RpcOptions, type ServeOptions } from '../../utils/rpc/rpc';
import { startTrainSession, type SessionEnv, type TrainSession } from './train_session';
import type { StartRequest, TrainEvent } from './worker_protocol';

/** No lanes: every call runs as it comes (a `pause` must not wait for the `start` that is training). */
export const TRAIN_SERVE_OPTIONS: ServeOptions = { defaultLane: null };

/** The worker's service. */
export interface TrainService {
  /** Runs `req` to its end; its events come through `options.onProgress`. Rejects only when a run is already going. */
  start(req: StartRequest, options?: RpcOptions<[TrainEvent]>): Promise<void>;
  /** Holds the loop before its next iteration (the session writes the survival checkpoint there). */
  pause(): void;
  resume(): void;
  /** Ends the run after the current iteration (mmengine's `stop_training`); resolves once it has ended. */
  stop(): Promise<void>;
  /** Loses the backend on purpose (e2e build only); answers a warning for the panel, or null when it was lost. */
  debugLoseBackend(): string | null;
}

/** What the service runs on: the session's environment (its events go to the caller), and the e2e hook. */
export interface TrainServiceEnv extends Omit<SessionEnv, 'post'> {
  /** Loses the active backend; a warning when nothing was lost. Absent: `debugLoseBackend` refuses. */
  loseBackend?: () => string | null;
}

/** The service, and `notify`: an event for the run going on from outside a call (the worker's unhandled rejections). */
export interface TrainServiceHost {
  service: TrainService;
  notify(event: TrainEvent): void;
}

export function createTrainService(env: TrainServiceEnv): TrainServiceHost {
  const { loseBackend, ...sessionEnv } = env;
  let session: TrainSession | null = null;
  let emit: ((event: TrainEvent) => void) | null = null;
  const service: TrainService = {
    async start(req, options = {}) {
      if (session) throw new Error('a run is already going in this worker; stop it first');
      const onProgress = options.onProgress ?? (() => undefined);
      emit = onProgress;
      const run = startTrainSession(req, {
        ...sessionEnv,
        // Scalars go as a transferred buffer (the session names the buffers to move).
        post: (event, buffers = []) => onProgress(buffers.length ? transfer(event, buffers) : event),
      });
      session = run;
      const stop = () => run.control.stop();
      options.signal?.addEventListener('abort', stop, { once: true });
      try {
        await run.done;
      } finally {
        options.signal?.removeEventListener('abort', stop);
        session = null;
        emit = null;
      }
    },
    pause: () => session?.control.pause(),
    resume: () => session?.control.resume(),
    async stop() {
      if (!session) return;
      session.control.stop();
      await session.done;
    },
    debugLoseBackend: () => (loseBackend ? loseBackend() : 'debug-lose-backend is accepted only in the e2e build'),
  };
  return { service, notify: (event) => emit?.(event) };
}
