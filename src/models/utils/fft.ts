/**
 * Two-dimensional real FFTs on the last two axes, as `torch.fft.rfft2` / `torch.fft.irfft2` (norm 'backward', 'ortho'
 * or 'forward'), computed as products with DFT matrices: exact to float32 rounding, differentiable through tfjs's
 * matMul, and available on every backend (tfjs's own `rfft` works on the last axis only and has no WASM kernel).
 * Meant for the small grids of spectral filters (HorNet's `GlobalLocalFilter`): the cost is O(H·W·(H + W)) per map.
 *
 * A complex tensor is a `{ re, im }` pair of real tensors of the same shape.
 */
import { tf, type Tensor, type Tensor2D } from '../../backends/tf';
import { assert } from '../../utils/assert';

export type FFTNorm = 'backward' | 'ortho' | 'forward';

export interface Complex {
  re: Tensor;
  im: Tensor;
}

/** Scale of a transform of length n in direction `inverse` under `norm` (numpy / PyTorch convention). */
function scaleOf(n: number, norm: FFTNorm, inverse: boolean): number {
  if (norm === 'ortho') return 1 / Math.sqrt(n);
  if (norm === 'backward') return inverse ? 1 / n : 1;
  return inverse ? 1 : 1 / n;
}

const cache = new Map<string, Float32Array>();

function cached(key: string, make: () => Float32Array): Float32Array {
  let m = cache.get(key);
  if (!m) {
    m = make();
    cache.set(key, m);
  }
  return m;
}

/** θ = 2π·(j·k mod n)/n, reduced first so large products stay accurate. */
const angle = (j: number, k: number, n: number) => (2 * Math.PI * ((j * k) % n)) / n;

/**
 * [2n, 2n] real matrix of the complex DFT of length n acting on row vectors [re | im]: the forward transform uses
 * e^(−iθ), the inverse e^(+iθ); `s` scales it.
 */
function complexDftMatrix(n: number, inverse: boolean, s: number): Float32Array {
  return cached(`c${n}:${inverse}:${s}`, () => {
    const m = new Float32Array(4 * n * n);
    const sign = inverse ? 1 : -1;
    for (let h = 0; h < n; h++) {
      for (let k = 0; k < n; k++) {
        const t = angle(h, k, n);
        const c = Math.cos(t) * s;
        const si = sign * Math.sin(t) * s; // imaginary part of the kernel
        // [zr, zi] · [[Mr, Mi], [−Mi, Mr]] = [zr·Mr − zi·Mi, zr·Mi + zi·Mr]
        m[h * 2 * n + k] = c;
        m[h * 2 * n + n + k] = si;
        m[(n + h) * 2 * n + k] = -si;
        m[(n + h) * 2 * n + n + k] = c;
      }
    }
    return m;
  });
}

/** [w, 2·wf] matrix of the real-to-half-complex DFT of length w (wf = ⌊w/2⌋ + 1): columns [re | im]. */
function rfftMatrix(w: number, s: number): Float32Array {
  const wf = Math.floor(w / 2) + 1;
  return cached(`r${w}:${s}`, () => {
    const m = new Float32Array(w * 2 * wf);
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < wf; k++) {
        const t = angle(x, k, w);
        m[x * 2 * wf + k] = Math.cos(t) * s;
        m[x * 2 * wf + wf + k] = -Math.sin(t) * s;
      }
    }
    return m;
  });
}

/**
 * [2·wf, w] matrix of the half-complex-to-real inverse DFT of length w: bins 1 … ⌈w/2⌉−1 count twice (their conjugate
 * mirror), the DC bin and (w even) the Nyquist bin once with their imaginary parts ignored, as pocketfft's c2r.
 */
function irfftMatrix(w: number, s: number): Float32Array {
  const wf = Math.floor(w / 2) + 1;
  return cached(`i${w}:${s}`, () => {
    const m = new Float32Array(2 * wf * w);
    for (let k = 0; k < wf; k++) {
      const a = k === 0 || (w % 2 === 0 && k === w / 2) ? 1 : 2;
      for (let x = 0; x < w; x++) {
        const t = angle(x, k, w);
        m[k * w + x] = a * Math.cos(t) * s;
        m[(wf + k) * w + x] = a === 1 ? 0 : -a * Math.sin(t) * s;
      }
    }
    return m;
  });
}

/** `torch.fft.rfft2(x, dim=(-2, -1), norm)`: x [..., H, W] real → [..., H, ⌊W/2⌋ + 1] complex. */
export function rfft2(x: Tensor, norm: FFTNorm = 'backward'): Complex {
  assert(x.rank >= 2, () => `rfft2: need at least 2 dimensions, got shape [${x.shape}]`);
  const lead = x.shape.slice(0, -2);
  const [h, w] = x.shape.slice(-2) as [number, number];
  const wf = Math.floor(w / 2) + 1;
  const n = lead.reduce((a, b) => a * b, 1);
  const [re, im] = tf.tidy(() => {
    const rows = tf.matMul(tf.reshape(x, [n * h, w]) as Tensor2D, tf.tensor2d(rfftMatrix(w, scaleOf(w, norm, false)), [w, 2 * wf])); // [n·h, 2wf]
    const cols = tf.reshape(tf.transpose(tf.reshape(rows, [n, h, 2, wf]), [0, 3, 2, 1]), [n * wf, 2 * h]);
    const y = tf.matMul(cols as Tensor2D, tf.tensor2d(complexDftMatrix(h, false, scaleOf(h, norm, false)), [2 * h, 2 * h]));
    const parts = tf.transpose(tf.reshape(y, [n, wf, 2, h]), [2, 0, 3, 1]); // [2, n, h, wf]
    return tf.unstack(parts).map((p) => tf.reshape(p, [...lead, h, wf]));
  });
  return { re, im };
}

/**
 * `torch.fft.irfft2(z, s=(H, W), dim=(-2, -1), norm)`: z [..., H, ⌊W/2⌋ + 1] complex → [..., H, W] real (a complex
 * inverse DFT over H, then the half-complex-to-real one over W).
 */
export function irfft2(z: Complex, size: [number, number], norm: FFTNorm = 'backward'): Tensor {
  const [h, w] = size;
  const wf = Math.floor(w / 2) + 1;
  assert(z.re.shape.join() === z.im.shape.join(), () => `irfft2: re [${z.re.shape}] and im [${z.im.shape}] differ`);
  const [zh, zw] = z.re.shape.slice(-2);
  assert(zh === h && zw === wf, () => `irfft2: expected [..., ${h}, ${wf}] for s=(${h}, ${w}), got [${z.re.shape}]`);
  const lead = z.re.shape.slice(0, -2);
  const n = lead.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const both = tf.stack([tf.reshape(z.re, [n, h, wf]), tf.reshape(z.im, [n, h, wf])], 1); // [n, 2, h, wf]
    const cols = tf.reshape(tf.transpose(both, [0, 3, 1, 2]), [n * wf, 2 * h]);
    const y = tf.matMul(cols as Tensor2D, tf.tensor2d(complexDftMatrix(h, true, scaleOf(h, norm, true)), [2 * h, 2 * h])); // [n·wf, 2h]
    const rows = tf.reshape(tf.transpose(tf.reshape(y, [n, wf, 2, h]), [0, 3, 2, 1]), [n * h, 2 * wf]);
    const x = tf.matMul(rows as Tensor2D, tf.tensor2d(irfftMatrix(w, scaleOf(w, norm, true)), [2 * wf, w]));
    return tf.reshape(x, [...lead, h, w]);
  });
}
