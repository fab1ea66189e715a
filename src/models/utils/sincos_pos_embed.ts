/** `build_2d_sincos_position_embedding` (MMPretrain `models/utils/position_encoding.py`). */
import { assert } from '../../utils/assert';

/**
 * Fixed 2-D sin-cos position embedding [1, (cls ? 1 : 0) + h·w, embedDims] as a flat array: per token, sin/cos of
 * the first meshgrid coordinate times ω, then sin/cos of the second (ω_d = 1 / temperature^(d / (embedDims/4))).
 * MMPretrain builds the grid as `meshgrid(arange(w), arange(h), indexing='ij')` flattened, so token m has first
 * coordinate ⌊m / h⌋ and second m mod h; a class token gets zeros.
 */
export function build2dSincosPositionEmbedding(patchesResolution: number | [number, number], embedDims: number, temperature = 10000, clsToken = false): Float32Array {
  const [h, w] = typeof patchesResolution === 'number' ? [patchesResolution, patchesResolution] : patchesResolution;
  assert(embedDims % 4 === 0, () => 'Embed dimension must be divisible by 4.');
  const posDim = embedDims / 4;
  const omega = Array.from({ length: posDim }, (_, d) => Math.fround(1 / Math.fround(temperature ** Math.fround(d / posDim))));
  const extra = clsToken ? 1 : 0;
  const out = new Float32Array((extra + h * w) * embedDims);
  for (let m = 0; m < h * w; m++) {
    const gw = Math.floor(m / h);
    const gh = m % h;
    const row = (extra + m) * embedDims;
    for (let d = 0; d < posDim; d++) {
      const a = Math.fround(gw * omega[d]);
      const b = Math.fround(gh * omega[d]);
      out[row + d] = Math.sin(a);
      out[row + posDim + d] = Math.cos(a);
      out[row + 2 * posDim + d] = Math.sin(b);
      out[row + 3 * posDim + d] = Math.cos(b);
    }
  }
  return out;
}
