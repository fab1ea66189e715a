/**
 * pytorch-grad-cam's `get_2d_projection`: per image, the activations reshaped to (H·W, C), centred per
 * channel, projected on their first right singular vector (`U, S, VT = svd(M); M @ VT[0]`).
 *
 * The singular vector comes from the smaller Gram matrix (MᵀM or MMᵀ) by the cyclic Jacobi eigenvalue method in
 * float64: `M v = σ u`, so either side gives the same projection. Its sign is arbitrary (as with LAPACK).
 */

/** Projection of one image's NHWC-ordered activations `a` (length hw·c) → float64 map of length hw. */
export function firstComponentProjection(a: ArrayLike<number>, hw: number, c: number): Float64Array {
  const m = new Float64Array(hw * c);
  for (let i = 0; i < hw * c; i++) m[i] = Number.isNaN(a[i]) ? 0 : a[i];
  for (let j = 0; j < c; j++) {
    let mean = 0;
    for (let i = 0; i < hw; i++) mean += m[i * c + j];
    mean /= hw;
    for (let i = 0; i < hw; i++) m[i * c + j] -= mean;
  }
  const out = new Float64Array(hw);
  if (c <= hw) {
    // v = top eigenvector of MᵀM (c×c); projection = M v.
    const g = new Float64Array(c * c);
    for (let i = 0; i < hw; i++) {
      const row = i * c;
      for (let p = 0; p < c; p++) {
        const mp = m[row + p];
        if (mp === 0) continue;
        for (let q = p; q < c; q++) g[p * c + q] += mp * m[row + q];
      }
    }
    symmetrize(g, c);
    const { vector } = topEigenpair(g, c);
    for (let i = 0; i < hw; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += m[i * c + j] * vector[j];
      out[i] = s;
    }
  } else {
    // u = top eigenvector of MMᵀ (hw×hw), λ = σ²; projection = σ u.
    const k = new Float64Array(hw * hw);
    for (let p = 0; p < hw; p++) {
      for (let q = p; q < hw; q++) {
        let s = 0;
        for (let j = 0; j < c; j++) s += m[p * c + j] * m[q * c + j];
        k[p * hw + q] = s;
      }
    }
    symmetrize(k, hw);
    const { value, vector } = topEigenpair(k, hw);
    const sigma = Math.sqrt(Math.max(value, 0));
    for (let i = 0; i < hw; i++) out[i] = sigma * vector[i];
  }
  return out;
}

function symmetrize(a: Float64Array, n: number): void {
  for (let p = 0; p < n; p++) for (let q = 0; q < p; q++) a[p * n + q] = a[q * n + p];
}

/**
 * Largest eigenvalue and its unit eigenvector of the symmetric n×n matrix `a` (destroyed), by cyclic Jacobi
 * rotations until the off-diagonal mass is negligible.
 */
export function topEigenpair(a: Float64Array, n: number): { value: number; vector: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  const tol = 1e-30 * Math.max(total, 1e-300);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= tol) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = cs * akp - sn * akq;
          a[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = cs * apk - sn * aqk;
          a[q * n + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = cs * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i] > a[best * n + best]) best = i;
  const vector = new Float64Array(n);
  for (let k = 0; k < n; k++) vector[k] = v[k * n + best];
  return { value: a[best * n + best], vector };
}
