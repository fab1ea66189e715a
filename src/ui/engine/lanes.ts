/** The engine's lanes (imported by the worker and by the page's inline fallback without loading the services). */
import type { ServeOptions } from '../../utils/rpc/rpc';

/**
 * The services that run tfjs (`inference`, `cam`, `model`, `memory`) share one lane: their calls run one at a
 * time, in the order sent (an image never meets a half-loaded model, no call switches the backend under another);
 * dataset browsing and log parsing run as they come (a newer page cancels an older one).
 */
export const ENGINE_LANES: ServeOptions = { lanes: { inference: 'tfjs', cam: 'tfjs', model: 'tfjs', memory: 'tfjs', browse: null, logs: null } };
