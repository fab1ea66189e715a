/// <reference lib="webworker" />
/**
 * The Train panel's worker: the whole training loop off the UI thread, serving {@link TrainService}
 * (`train_service.ts`) through `utils/rpc` to the panel's `TrainClient`. The work dir lives in browser storage (OPFS,
 * else memory), so checkpoints survive a reload of the tab. A lost backend (WebGPU device, WebGL context) is
 * replaced by the next one and the run goes on (train_session.ts); the e2e build also accepts `debugLoseBackend()`,
 * which loses the backend on purpose.
 */
import { loseActiveBackend } from '../../backends/backend_loss';
import { initWorkerBackends } from '../../backends/worker.browser';
import { isBackendName } from '../../backends/names';
import { loadJpegTurbo } from '../../image/jpeg_turbo.browser';
import { serve, type RpcPort } from '../../utils/rpc/rpc';
import { openBrowserWorkDir } from './opfs_work_dir';
import { createTrainService, TRAIN_SERVE_OPTIONS } from './train_service';

/** Loses the backend for real (`loseContext()`, `device.destroy()`); a warning when nothing was lost. */
function loseBackendOnPurpose(): string | null {
  const r = loseActiveBackend();
  console.info(`[train worker] debug-lose-backend: ${r.done ? `${r.backend} lost through ${r.how}` : `nothing lost (${r.how})`}`);
  return r.done ? null : `debug-lose-backend: ${r.how}`;
}

const { service, notify } = createTrainService({
  openWorkDir: openBrowserWorkDir,
  initBackend: async (name) => {
    await loadJpegTurbo().catch(() => undefined);
    const report = await initWorkerBackends(isBackendName(name) ? name : 'wasm');
    return report.backend;
  },
  // The e2e build only (`vite build --mode e2e`): production builds leave the hook out.
  loseBackend: import.meta.env.MODE === 'e2e' ? loseBackendOnPurpose : undefined,
});

const scope = self as unknown as DedicatedWorkerGlobalScope;
// The worker's global scope is its port (typed as a Window where the DOM lib is loaded too).
serve(scope as unknown as RpcPort, service, TRAIN_SERVE_OPTIONS);

scope.onunhandledrejection = (e: PromiseRejectionEvent) => {
  notify({ kind: 'error', message: `worker: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`, invalidLoss: null });
};
