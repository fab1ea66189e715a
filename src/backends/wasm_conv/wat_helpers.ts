/**
 * WebAssembly-text pieces both convolution paths share (direct indirect GEMM in conv_wat.ts, Winograd in
 * winograd_wat.ts): the 4-row × 8-channel micro-kernel's inner loop, multiply-adds, linear combinations of SIMD
 * values, and the fused activations.
 */

export const range = (n: number) => [...Array(n).keys()];
export const get = (name: string) => `(local.get ${name})`;

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

/**
 * `$activation` (0 linear, 1 ReLU, 2 ReLU6) applied to the v128 locals `names`, by pmax / pmin (one instruction each;
 * min / max's NaN and signed-zero rules cost V8 seven). A NaN stays NaN, as in PyTorch.
 */
export function activationLines(names: string[]): string[] {
  const L: string[] = [];
  L.push(`(if (local.get $activation) (then`);
  for (const n of names) L.push(`(local.set ${n} (f32x4.pmax (local.get ${n}) (v128.const f32x4 0 0 0 0)))`);
  L.push(`(if (i32.eq (local.get $activation) (i32.const 2)) (then`);
  for (const n of names) L.push(`(local.set ${n} (f32x4.pmin (local.get ${n}) (v128.const f32x4 6 6 6 6)))`);
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

/**
 * L · D · Rᵀ over SIMD values, the shape of every Winograd transform (Bᵀ d B, G g Gᵀ, Aᵀ M A): `lines` set the
 * locals `temp(r, j)` to (L · D)[r][j], D[i][j] being `input(i, j)`; `terms(r, s)` are the terms of the result's
 * entry (r, s), for linearCombination.
 */
export function sandwich(
  left: readonly (readonly number[])[],
  right: readonly (readonly number[])[],
  input: (i: number, j: number) => string,
  temp: (r: number, j: number) => string,
  fma: boolean,
): { lines: string[]; terms: (r: number, s: number) => Array<[number, string]> } {
  const inner = range(left[0]!.length);
  const cols = range(right[0]!.length);
  const lines = range(left.length).flatMap((r) => cols.map((j) => `(local.set ${temp(r, j)} ${linearCombination(inner.map((i) => [left[r]![i]!, input(i, j)]), fma)})`));
  return { lines, terms: (r, s) => cols.map((j): [number, string] => [right[s]![j]!, get(temp(r, j))]) };
}

/** `(v128.store pointer value)` for each value, the pointer stepped by `stride` (a local) between them. */
export function stridedStores(pointer: string, stride: string, values: string[]): string[] {
  return values.flatMap((value, i) => [`(v128.store (local.get ${pointer}) ${value})`, ...(i < values.length - 1 ? [`(local.set ${pointer} (i32.add (local.get ${pointer}) (local.get ${stride})))`] : [])]);
}

/** Each of the v128 locals `names` loaded from `pointer`, stepped by `stride` (a local) between them. */
export function stridedLoads(pointer: string, stride: string, names: string[]): string[] {
  return names.flatMap((name, i) => [`(local.set ${name} (v128.load (local.get ${pointer})))`, ...(i < names.length - 1 ? [`(local.set ${pointer} (i32.add (local.get ${pointer}) (local.get ${stride})))`] : [])]);
}

/** Claims the next `step` units into `local` from the descriptor's atomic counter, leaving `$done` once past `limit`. */
export function claimNext(local: string, counterWord: number, step: number, limit: string): string[] {
  return [`(local.set ${local} (i32.atomic.rmw.add offset=${counterWord * 4} (local.get $desc) (i32.const ${step})))`, `(br_if $done (i32.ge_u (local.get ${local}) (local.get ${limit})))`];
}

/** `$dst` plus the byte offset of row `row`, channels `$co`… of a matrix packed [panel][rows][8] as the micro-kernel reads it. */
export function packedAddress(row: string, rows: string): string {
  return `(i32.add (local.get $dst) (i32.shl (i32.add (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $co) (i32.const 3)) (local.get ${rows})) (local.get ${row})) (i32.const 3)) (i32.and (local.get $co) (i32.const 7))) (i32.const 2)))`;
}

/**
 * The `cells` input pointers `$q0…` of patch `$g` (per image, `perImage` patches): the image's base plus each
 * indirection offset, or `$zero` for padding (-1).
 */
export function patchPointers(cells: number, perImage: string): string[] {
  return [
    `(local.set $img (i32.div_u (local.get $g) (local.get ${perImage})))`,
    `(local.set $base (i32.add (local.get $input) (i32.mul (local.get $img) (local.get $imageBytes))))`,
    `(local.set $ind (i32.add (local.get $indirection) (i32.mul (i32.sub (local.get $g) (i32.mul (local.get $img) (local.get ${perImage}))) (i32.const ${4 * cells}))))`,
    ...range(cells).flatMap((x) => [
      `(local.set $off (i32.load offset=${4 * x} (local.get $ind)))`,
      `(local.set $q${x} (select (local.get $zero) (i32.add (local.get $base) (local.get $off)) (i32.eq (local.get $off) (i32.const -1))))`,
    ]),
  ];
}

/**
 * For output rows `$r`…`$r`+count-1 of a tile ending at `$m1` (rows past it repeat its last row; their results are
 * not stored): each row's image base `$base{i}` and indirection row `$ind{i}` (`taps` entries per row).
 */
export function rowPointers(count: number): string[] {
  return range(count).flatMap((i) => [
    `(local.set $row (select (i32.add (local.get $r) (i32.const ${i})) (i32.sub (local.get $m1) (i32.const 1)) (i32.lt_u (i32.add (local.get $r) (i32.const ${i})) (local.get $m1))))`,
    `(local.set $img (i32.div_u (local.get $row) (local.get $pixels)))`,
    `(local.set $base${i} (i32.add (local.get $input) (i32.mul (local.get $img) (local.get $imageBytes))))`,
    `(local.set $ind${i} (i32.add (local.get $indirection) (i32.shl (i32.mul (i32.sub (local.get $row) (i32.mul (local.get $img) (local.get $pixels))) (local.get $taps)) (i32.const 2))))`,
  ]);
}

/**
 * f32x4 constants read from a table in memory (`$table`, each value in all four lanes, 16 bytes apart, in the order
 * given; the caller writes it once): V8 rebuilds an `f32x4.splat` of a constant on every pass of the loop it is in
 * (three instructions), even from a local set before the loop, where a load from L1 is one, or none when it folds
 * into the arithmetic. `get(v)` reads v.
 */
export function constantTable(values: readonly number[]): { get(v: number): string } {
  return {
    get: (v) => {
      const i = values.indexOf(v);
      if (i < 0) throw new Error(`constantTable: ${v} is not in the table`);
      return `(v128.load offset=${16 * i} (local.get $table))`;
    },
  };
}
