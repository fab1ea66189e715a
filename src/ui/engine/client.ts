/**
 * The panels' engine: one Web Worker (`engine.worker.ts`), created on first use and shared by the Inference, CAM,
 * Model, Dataset and Logs panels, called through one typed client (`engine().inference.load(…)`): what a panel
 * loaded there stays while another panel is shown, and the CAM panel explains the Inference panel's model without
 * a second copy. Where the worker cannot start, the same services run on the page (inline; tfjs is then loaded
 * there). This module loads no engine code itself: the initial bundle stays small.
 */
import { connectWithFallback, inlinePort, type FallbackConnection, type RpcClient } from '../../utils/rpc/rpc';
import { ENGINE_LANES } from './lanes';
import type { EngineServices } from './services';

let connection: FallbackConnection<EngineServices> | null = null;

function open(): FallbackConnection<EngineServices> {
  return connectWithFallback<EngineServices>(
    () => new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' }),
    () => inlinePort(import('./services').then((m) => m.createEngineServices()), ENGINE_LANES),
    'the engine worker',
  );
}

/** The engine's services (the worker starts on the first call). */
export function engine(): RpcClient<EngineServices> {
  return (connection ??= open()).api;
}

/** Where the engine runs: 'worker', or 'inline' (on the page) when its worker could not start. */
export function engineMode(): 'worker' | 'inline' {
  return (connection ??= open()).mode;
}
