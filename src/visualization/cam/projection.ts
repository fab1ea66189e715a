/**
 * pytorch-grad-cam's `get_2d_projection`: per image, the activations reshaped to (H·W, C), centred per
 * channel, projected on their first right singular vector (`U, S, VT = svd(M); M @ VT[0]`).
 *
 * The singular vector is the top eigenvector of the smaller Gram operator (MᵀM or MMᵀ, applied through M, never
 * formed), found by Lanczos iteration in float64: `M v = σ u`, so either side gives the same projection. Its sign
 * is arbitrary (as with LAPACK).
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
  const mv = (v: Float64Array) => {
    const out = new Float64Array(hw);
    for (let i = 0; i < hw; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += m[i * c + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const mtu = (u: Float64Array) => {
    const out = new Float64Array(c);
    for (let i = 0; i < hw; i++) {
      const ui = u[i];
      if (ui !== 0) for (let j = 0; j < c; j++) out[j] += m[i * c + j] * ui;
    }
    return out;
  };
  if (c <= hw) {
    // v = top eigenvector of MᵀM (c×c); projection = M v.
    const { vector } = topEigenpairOf((v) => mtu(mv(v)), c);
    return mv(vector);
  }
  // u = top eigenvector of MMᵀ (hw×hw), λ = σ²; projection = σ u.
  const { value, vector } = topEigenpairOf((u) => mv(mtu(u)), hw);
  const sigma = Math.sqrt(Math.max(value, 0));
  return vector.map((x) => sigma * x);
}

/**
 * Largest eigenpair of the symmetric positive semi-definite operator `apply` on R^n, by Lanczos iteration with
 * full reorthogonalisation (the Ritz pair from the tridiagonal matrix through {@link topEigenpair}), stopped
 * when its residual is below 1e-12 of the eigenvalue or the Krylov space is exhausted (then it is exact).
 */
export function topEigenpairOf(apply: (v: Float64Array) => Float64Array, n: number): { value: number; vector: Float64Array } {
  const qs: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  // a fixed start vector with every component non-zero (deterministic, never orthogonal by symmetry)
  let q: Float64Array = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 0.6180339887498949) % 1));
  let norm = Math.sqrt(dot(q, q));
  q = q.map((x) => x / norm);
  let best = { value: 0, vector: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    qs.push(q);
    const w = apply(q);
    const a = dot(w, q);
    alpha.push(a);
    for (let pass = 0; pass < 2; pass++) {
      for (const p of qs) {
        const d = dot(w, p);
        for (let i = 0; i < n; i++) w[i] -= d * p[i];
      }
    }
    const b = Math.sqrt(dot(w, w));
    const size = k + 1;
    const last = size === n || b <= 1e-14 * Math.max(Math.abs(a), 1e-300);
    if (last || size % 4 === 0 || size < 4) {
      const t = new Float64Array(size * size);
      for (let i = 0; i < size; i++) {
        t[i * size + i] = alpha[i];
        if (i + 1 < size) t[i * size + i + 1] = t[(i + 1) * size + i] = beta[i];
      }
      const { value, vector: s } = topEigenpair(t, size);
      const ritz = new Float64Array(n);
      for (let j = 0; j < size; j++) for (let i = 0; i < n; i++) ritz[i] += s[j] * qs[j][i];
      best = { value, vector: ritz };
      if (last || Math.abs(b * s[size - 1]) <= 1e-12 * Math.abs(value)) break;
    }
    beta.push(b);
    norm = b;
    q = w.map((x) => x / norm);
  }
  return best;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
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
