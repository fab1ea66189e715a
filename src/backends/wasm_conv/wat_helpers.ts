/**
 * WebAssembly-text pieces both convolution paths share (direct indirect GEMM in conv_wat.ts, Winograd in
 * winograd_wat.ts): the 4-row × 8-channel micro-kernel's inner loop, multiply-adds, linear combinations of SIMD
 * values, and the fused activations.
 */

export const MR = 4; // rows of the micro-kernel
export const NV = 2; // SIMD vectors of 4 channels: 8 output channels

export const microRows = [...Array(MR).keys()];
export const microVecs = [...Array(NV).keys()];

/** The accumulator local of micro-kernel row `r`, vector `v`. */
export const acc = (r: number, v: number) => `$c${r}_${v}`;

/** Locals the micro-kernel needs besides its i32 counters: accumulators, the filter vectors, the splat input. */
export function microKernelVectorLocals(): string {
  return [...microVecs.map((v) => `(local $b${v} v128)`), '(local $av v128)', ...microRows.flatMap((i) => microVecs.map((v) => `(local ${acc(i, v)} v128)`))].join(' ');
}

export function multiplyAdd(fma: boolean, a: string, b: string, c: string): string {
  return fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;
}

/**
 * The k loop: for `$cin` steps, rows $a0…$a3 (byte pointers, one float each step) times the packed panel at $bp
 * (8 floats each step) into the accumulators. Uses $k, $b0, $b1, $av; leaves $a* and $bp past the panel.
 */
export function microKernelLoop(fma: boolean): string[] {
  const L: string[] = [];
  L.push(`(local.set $k (local.get $cin))`);
  L.push(`(loop $k_loop`);
  for (const v of microVecs) L.push(`(local.set $b${v} (v128.load offset=${v * 16} (local.get $bp)))`);
  for (const i of microRows) {
    L.push(`(local.set $av (v128.load32_splat (local.get $a${i})))`);
    for (const v of microVecs) L.push(`(local.set ${acc(i, v)} ${multiplyAdd(fma, '(local.get $av)', `(local.get $b${v})`, `(local.get ${acc(i, v)})`)})`);
    L.push(`(local.set $a${i} (i32.add (local.get $a${i}) (i32.const 4)))`);
  }
  L.push(`(local.set $bp (i32.add (local.get $bp) (i32.const ${16 * NV})))`);
  L.push(`(br_if $k_loop (local.tee $k (i32.sub (local.get $k) (i32.const 1))))`);
  L.push(`)`);
  return L;
}

/** `$activation` (0 linear, 1 ReLU, 2 ReLU6) applied to the v128 locals `names`. */
export function activationLines(names: string[]): string[] {
  const L: string[] = [];
  L.push(`(if (local.get $activation) (then`);
  for (const n of names) L.push(`(local.set ${n} (f32x4.max (local.get ${n}) (v128.const f32x4 0 0 0 0)))`);
  L.push(`(if (i32.eq (local.get $activation) (i32.const 2)) (then`);
  for (const n of names) L.push(`(local.set ${n} (f32x4.min (local.get ${n}) (v128.const f32x4 6 6 6 6)))`);
  L.push(`))))`);
  return L;
}

const splat = (c: number) => `(v128.const f32x4 ${c} ${c} ${c} ${c})`;

/** Σ coefficient · expression over SIMD values, skipping zero coefficients and multiplying only where |c| ≠ 1. */
export function linearCombination(terms: Array<[number, string]>, fma: boolean): string {
  const used = terms.filter(([c]) => c !== 0);
  if (used.length === 0) return '(v128.const i32x4 0 0 0 0)';
  const [[c0, e0], ...rest] = used as [[number, string], ...Array<[number, string]>];
  let expr = c0 === 1 ? e0 : c0 === -1 ? `(f32x4.neg ${e0})` : `(f32x4.mul ${e0} ${splat(c0)})`;
  for (const [c, e] of rest) {
    expr = c === 1 ? `(f32x4.add ${expr} ${e})` : c === -1 ? `(f32x4.sub ${expr} ${e})` : multiplyAdd(fma, e, splat(c), expr);
  }
  return expr;
}

/** The i32 words of a descriptor as locals, loaded at a function's start. */
export function descriptorLoads(fields: readonly string[], offsets: Record<string, number>): string[] {
  return fields.map((f) => `(local.set $${f} (i32.load offset=${offsets[f]! * 4} (local.get $desc)))`);
}
