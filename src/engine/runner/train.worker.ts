/// <reference lib="webworker" />
/**
 * The Train panel's worker: the whole training loop off the UI thread. Commands (`start`, `pause`, `resume`,
 * `stop`) come in as {@link TrainRequest}s; {@link TrainEvent}s go out, scalars batched in transferred buffers.
 * The work dir lives in browser storage (OPFS, else memory), so checkpoints survive a reload of the tab.
 */
import { initWorkerBackends } from '../../backends/worker.browser';
import { isBackendName } from '../../backends/names';
import { loadJpegTurbo } from '../../image/jpeg_turbo.browser';
import { openBrowserWorkDir } from './opfs_work_dir';
import { startTrainSession, type TrainSession } from './train_session';
import type { TrainEvent, TrainRequest } from './worker_protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let session: TrainSession | null = null;

function post(event: TrainEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

scope.onmessage = (e: MessageEvent<TrainRequest>) => {
  const req = e.data;
  switch (req.kind) {
    case 'start': {
      if (session) {
        post({ kind: 'error', message: 'a run is already going in this worker; stop it first', invalidLoss: null });
        return;
      }
      session = startTrainSession(req, {
        post,
        openWorkDir: openBrowserWorkDir,
        initBackend: async (name) => {
          await loadJpegTurbo().catch(() => undefined);
          const report = await initWorkerBackends(isBackendName(name) ? name : 'wasm');
          return report.backend;
        },
      });
      void session.done.finally(() => (session = null));
      return;
    }
    case 'pause':
      session?.control.pause();
      return;
    case 'resume':
      session?.control.resume();
      return;
    case 'stop':
      session?.control.stop();
      return;
  }
};

scope.onunhandledrejection = (e: PromiseRejectionEvent) => {
  post({ kind: 'error', message: `worker: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`, invalidLoss: null });
};
