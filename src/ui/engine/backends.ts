/**
 * How the engine's services start the backend a panel asks for (no DOM). The engine worker passes a starter that
 * brings up WebGPU / WebGL / WASM there with its fallbacks; inline and in Node, {@link setBackendDirectly}.
 */
import { ensureRegistered } from '../../backends/register';
import { tf } from '../../backends/tf';

/** The backend a starter got: its name, and why it is not the one asked for (empty when it is). */
export interface StartedBackend {
  backend: string;
  note: string;
}

/** Starts a backend by name and returns the one actually running (a name, or the name with a note). */
export type BackendStarter = (name: string) => Promise<string | StartedBackend>;

/** Plain-Node / inline default: registers the backend's package and `tf.setBackend`s it. */
export const setBackendDirectly: BackendStarter = async (name) => {
  if (!tf.findBackendFactory(name) && !(await ensureRegistered(name as Parameters<typeof ensureRegistered>[0]))) throw new Error(`the ${name} backend is not available here`);
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to start here`);
  await tf.ready();
  return tf.getBackend();
};

/**
 * `start` once per backend name: asked again while what it started is still the active backend, the same answer
 * at once (the services ask before every model call: another panel may have moved tfjs to another backend).
 */
export function startOnce(start: BackendStarter): (name: string) => Promise<StartedBackend> {
  const started = new Map<string, StartedBackend>();
  return async (name) => {
    const known = started.get(name);
    if (known && tf.getBackend() === known.backend) return known;
    const got = await start(name);
    const running = typeof got === 'string' ? { backend: got, note: got === name ? '' : `the ${name} backend is not available here` } : got;
    started.set(name, running);
    return running;
  };
}
