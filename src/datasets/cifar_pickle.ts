/**
 * The CIFAR "python version" (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`): pickled dicts read through the
 * safe unpickler of `src/fileio/pickle` (nothing is executed; only numpy's array rebuild is allowed), as MMPretrain
 * reads them with `pickle.loads(…, encoding='latin1')`. The official files are Python 2 pickles whose numpy data is
 * a `str`; it is taken as latin-1 bytes, as that encoding does.
 */
import { unpickle, SafeGlobal, PickleError } from '../fileio/pickle/unpickler';
import { createGlobalResolver } from '../fileio/pickle/globals';
import { NumpyArray, numpyGlobals } from '../fileio/pickle/numpy_globals';

/** numpy arrays whose raw data may come as a latin-1 decoded Python 2 `str`. */
class Py2NumpyArray extends NumpyArray {
  override pySetState(state: unknown): void {
    if (Array.isArray(state) && typeof state[4] === 'string') {
      const text = state[4] as string;
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      state = [...state.slice(0, 4), bytes, ...state.slice(5)];
    }
    super.pySetState(state);
  }
}

function resolver() {
  const table = numpyGlobals();
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    table[`${mod}._reconstruct`] = new SafeGlobal(mod, '_reconstruct', () => new Py2NumpyArray());
  }
  return createGlobalResolver(table, 'error', { placeholders: new Set(), forbidden: new Set() });
}

/** Unpickles a CIFAR file into a key → value map (keys as text whether pickled as str or bytes). */
export function loadCifarPickle(bytes: Uint8Array, file: string): Map<string, unknown> {
  let value: unknown;
  try {
    value = unpickle(bytes, { findGlobal: resolver() }).value;
  } catch (e) {
    const why = e instanceof PickleError || e instanceof Error ? e.message : String(e);
    throw new Error(`${file}: cannot read the CIFAR python pickle: ${why}`);
  }
  if (!(value instanceof Map)) throw new Error(`${file}: the pickle does not hold a dict`);
  const out = new Map<string, unknown>();
  for (const [k, v] of value) out.set(k instanceof Uint8Array ? new TextDecoder('latin1').decode(k) : String(k), v);
  return out;
}

/** A CIFAR batch: `data` (N × 3,072 uint8, R, G, B planes) and the labels (`labels`, or `fine_labels` for CIFAR-100). */
export function readCifarPickleBatch(bytes: Uint8Array, file: string): { data: Uint8Array; labels: number[] } {
  const entry = loadCifarPickle(bytes, file);
  const data = entry.get('data');
  if (!(data instanceof NumpyArray) || data.dtype !== 'uint8' || data.shape.length !== 2 || data.shape[1] !== 3072) {
    throw new Error(`${file}: 'data' should be a uint8 array of shape (N, 3072)`);
  }
  const labels = (entry.get('labels') ?? entry.get('fine_labels')) as unknown;
  if (!Array.isArray(labels)) throw new Error(`${file}: no 'labels' or 'fine_labels' list`);
  if (labels.length !== data.shape[0]) throw new Error(`${file}: ${labels.length} labels for ${data.shape[0]} images`);
  return { data: data.data as Uint8Array, labels: labels.map(Number) };
}

/** Class names from `batches.meta` (`label_names`) or `meta` (`fine_label_names`). */
export function readCifarPickleMeta(bytes: Uint8Array, file: string, key: string): string[] {
  const names = loadCifarPickle(bytes, file).get(key);
  if (!Array.isArray(names)) throw new Error(`${file}: no '${key}' list`);
  return names.map((n) => (n instanceof Uint8Array ? new TextDecoder('latin1').decode(n) : String(n)));
}
