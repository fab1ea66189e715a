/**
 * The WebAssembly text of the convolution kernels (indirect GEMM, as XNNPACK's igemm): an output pixel is a row,
 * each filter tap reads its input pixel through an indirection buffer, and a 4-row × 8-channel micro-kernel keeps
 * its sums in eight SIMD registers. With relaxed SIMD the products are fused multiply-adds (f32x4.relaxed_madd,
 * one x86 FMA where the CPU has it), which tfjs 4.22's prebuilt XNNPACK does not use: that and the loop shape
 * give about twice its single-thread GEMM speed here.
 *
 * The module imports the tfjs WASM backend's own memory and never touches memory it was not given: no data
 * segment, no stack. Tiles are claimed with an atomic counter in the descriptor, so any number of threads can run
 * `run(desc)` on the same descriptor at once. A descriptor whose first word (its kind) is not 0 is a Winograd
 * convolution or filter transform (winograd_wat.ts), a step of a Winograd filter gradient (winograd_grad_wat.ts)
 * a depthwise convolution (depthwise_wat.ts), a per-channel affine map (affine_wat.ts), an element-wise function
 * (elementwise_wat.ts) or a LayerNorm (layer_norm_wat.ts), which `run` hands to that function.
 *
 * `scripts/build-wasm-conv.mjs` assembles the variants into `conv_binaries.ts`; a unit test checks they match.
 */

import { acc, activationLines, claimNext, descriptorLoads, microKernelLoop, microKernelVectorLocals, microRows as rows, microVecs as vecs, MR, NV, rowPointers } from './wat_helpers';
import { AFFINE_KIND, affineFunction } from './affine_wat';
import { DEPTHWISE_KIND, depthwiseFunction } from './depthwise_wat';
import { ELEMENTWISE_KIND, elementwiseFunction } from './elementwise_wat';
import { geluFunction } from './gelu_wat';
import { LAYER_NORM_KIND, layerNormFunction } from './layer_norm_wat';
import { meanRowsFunction } from './mean_wat';
import { siluFunction } from './silu_wat';
import { gradientFunctions, WGRAD_KINDS } from './winograd_grad_wat';
import { WINOGRAD_CONV_KIND, WINOGRAD_FILTER_KIND, WINOGRAD_TRANSFORMS, winogradFilterFunction, winogradFunction } from './winograd_wat';

/** Word offsets (i32) of the descriptor `run` reads. */
export const DESC = {
  kind: 0, // 0: this direct convolution; others: Winograd convolutions and filter transforms (winograd_wat.ts, their own layouts)
  input: 1, // byte address of the NHWC input
  indirection: 2, // per-image table [pixel][tap] of byte offsets into one image, -1 for padding
  zero: 3, // byte address of at least `cin` zero floats
  weights: 4, // packed filter: [panel][tap][cin][8]
  bias: 5, // packed bias [panel][8], or 0
  output: 6, // NHWC output
  rows: 7, // N · OH · OW
  pixels: 8, // OH · OW (rows of one image)
  imageBytes: 9, // H · W · Cin · 4
  taps: 10, // KH · KW
  cin: 11,
  cout: 12,
  panels: 13, // ceil(cout / 8)
  activation: 14, // 0 linear, 1 relu, 2 relu6
  tileRows: 15, // rows a tile covers (a multiple of 4)
  tilePanels: 16, // panels a tile covers
  rowTiles: 17, // ceil(rows / tileRows)
  tiles: 18, // rowTiles · ceil(panels / tilePanels)
  counter: 19, // next tile to claim (atomic)
  outStride: 20, // floats from one output row to the next (cout, or all groups' channels for one group of a grouped convolution)
  // Independent GEMMs of one shape in one descriptor (the groups of a grouped convolution, the products of a batched
  // matmul): `tiles` covers them all, group g's input / weights / bias / output start g times these bytes further.
  groups: 21, // 0 or 1: a single GEMM
  groupInput: 22,
  groupWeights: 23,
  groupBias: 24, // added only where there is a bias
  groupOutput: 25,
  residual: 26, // 0, or an NHWC tensor of the output's shape added before the activation (a single GEMM, cout a multiple of 8)
  words: 32, // room for the Winograd layout too
} as const;

export const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2 } as const;

export interface ConvWatOptions {
  /** f32x4.relaxed_madd (fused where the CPU can) instead of f32x4.mul + f32x4.add. */
  fma: boolean;
  /** Import a shared memory (the threaded tfjs build) rather than an unshared one. */
  shared: boolean;
}

/** Stores lane by lane the first `$left` (1–7) channels of row `r`'s eight at `$out`. */
function partialStore(r: number): string[] {
  const lines: string[] = [];
  for (let lane = 0; lane < 4 * NV; lane++) {
    const v = Math.floor(lane / 4);
    lines.push(`(if (i32.gt_u (local.get $left) (i32.const ${lane})) (then (f32.store offset=${lane * 4} (local.get $out) (f32x4.extract_lane ${lane % 4} (local.get ${acc(r, v)})))))`);
  }
  return lines;
}

/** The computation of one tile: rows [m0, m1) × panels [p0, p1). */
function tileBody(fma: boolean): string[] {
  const L: string[] = [];
  L.push(`(local.set $r (local.get $m0))`);
  L.push(`(block $rows_done (loop $rows_loop`);
  L.push(`(br_if $rows_done (i32.ge_u (local.get $r) (local.get $m1)))`);
  L.push(...rowPointers(MR));
  L.push(`(local.set $p (local.get $p0))`);
  L.push(`(block $panels_done (loop $panels_loop`);
  L.push(`(br_if $panels_done (i32.ge_u (local.get $p) (local.get $p1)))`);
  // Sums start at the bias (or zero).
  for (const v of vecs) {
    L.push(`(local.set $b${v} (if (result v128) (local.get $bias) (then (v128.load offset=${v * 16} (i32.add (local.get $bias) (i32.shl (local.get $p) (i32.const 5))))) (else (v128.const i32x4 0 0 0 0))))`);
  }
  for (const i of rows) for (const v of vecs) L.push(`(local.set ${acc(i, v)} (local.get $b${v}))`);
  L.push(`(local.set $bp (i32.add (local.get $weights) (i32.mul (local.get $p) (local.get $panelBytes))))`);
  L.push(`(local.set $t (i32.const 0))`);
  L.push(`(loop $taps_loop`);
  for (const i of rows) {
    L.push(`(local.set $off (i32.load (i32.add (local.get $ind${i}) (i32.shl (local.get $t) (i32.const 2)))))`);
    L.push(`(local.set $a${i} (select (local.get $zero) (i32.add (local.get $base${i}) (local.get $off)) (i32.eq (local.get $off) (i32.const -1))))`);
  }
  L.push(...microKernelLoop(fma));
  L.push(`(br_if $taps_loop (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $taps)))`);
  L.push(`)`); // taps
  // Per row: the residual added (whole panels only: the caller asks for it where cout is a multiple of 8), the
  // activation, then the stores: whole panels as vectors, the last partial panel lane by lane; rows past the tile
  // are skipped.
  L.push(`(local.set $left (i32.sub (local.get $cout) (i32.shl (local.get $p) (i32.const 3))))`);
  for (const i of rows) {
    L.push(`(if (i32.lt_u (i32.add (local.get $r) (i32.const ${i})) (local.get $m1)) (then`);
    L.push(`(local.set $out (i32.add (local.get $output) (i32.shl (i32.add (i32.mul (i32.add (local.get $r) (i32.const ${i})) (local.get $outStride)) (i32.shl (local.get $p) (i32.const 3))) (i32.const 2))))`);
    L.push(`(if (local.get $residual) (then`);
    for (const v of vecs) L.push(`(local.set ${acc(i, v)} (f32x4.add (local.get ${acc(i, v)}) (v128.load offset=${v * 16} (i32.add (local.get $residual) (i32.sub (local.get $out) (local.get $output0))))))`);
    L.push(`))`);
    L.push(...activationLines(vecs.map((v) => acc(i, v))));
    L.push(`(if (i32.ge_u (local.get $left) (i32.const 8)) (then`);
    for (const v of vecs) L.push(`(v128.store offset=${v * 16} (local.get $out) (local.get ${acc(i, v)}))`);
    L.push(`) (else`);
    L.push(...partialStore(i));
    L.push(`))))`);
  }
  L.push(`(local.set $p (i32.add (local.get $p) (i32.const 1)))`);
  L.push(`(br $panels_loop)))`);
  L.push(`(local.set $r (i32.add (local.get $r) (i32.const ${MR})))`);
  L.push(`(br $rows_loop)))`);
  return L;
}

/** The functions `run` hands descriptors of other kinds to, by kind. */
const HANDLERS: Array<[number, string]> = [
  ...WINOGRAD_TRANSFORMS.flatMap((t, i): Array<[number, string]> => [
    [WINOGRAD_CONV_KIND + i, `winograd_${t.name}`],
    [WINOGRAD_FILTER_KIND + i, `winograd_filter_${t.name}`],
  ]),
  ...Object.entries(WGRAD_KINDS).map(([step, kind]): [number, string] => [kind, `wgrad_${step}`]),
  [DEPTHWISE_KIND, 'depthwise'],
  [AFFINE_KIND, 'affine'],
  [ELEMENTWISE_KIND, 'elementwise'],
  [LAYER_NORM_KIND, 'layer_norm'],
];

function runFunction(fma: boolean): string[] {
  const fields = ['input', 'indirection', 'zero', 'weights', 'bias', 'output', 'rows', 'pixels', 'imageBytes', 'taps', 'cin', 'cout', 'panels', 'activation', 'tileRows', 'tilePanels', 'rowTiles', 'tiles', 'outStride', 'groups', 'groupInput', 'groupWeights', 'groupBias', 'groupOutput', 'residual'] as const;
  const perGroup = ['input', 'weights', 'bias', 'output'] as const;
  const locals = [...fields, ...perGroup.map((f) => `${f}0`), 'g', 'groupTiles', 'kind', 'tile', 'm0', 'm1', 'p0', 'p1', 'r', 'p', 't', 'k', 'row', 'img', 'off', 'bp', 'out', 'left', 'panelBytes', ...rows.flatMap((i) => [`base${i}`, `ind${i}`, `a${i}`])];
  const L: string[] = [];
  L.push(`(func (export "run") (param $desc i32)`);
  L.push(locals.map((name) => `(local $${name} i32)`).join(' '));
  L.push(microKernelVectorLocals());
  // Other kinds of descriptor go to their own function.
  L.push(...descriptorLoads(['kind'], DESC));
  for (const [kind, name] of HANDLERS) L.push(`(if (i32.eq (local.get $kind) (i32.const ${kind})) (then (call $${name} (local.get $desc)) (return)))`);
  L.push(...descriptorLoads(fields, DESC));
  L.push(`(local.set $panelBytes (i32.shl (i32.mul (local.get $taps) (local.get $cin)) (i32.const 5)))`);
  L.push(`(if (i32.eqz (local.get $groups)) (then (local.set $groups (i32.const 1))))`);
  L.push(`(local.set $groupTiles (i32.div_u (local.get $tiles) (local.get $groups)))`);
  for (const f of perGroup) L.push(`(local.set $${f}0 (local.get $${f}))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$tile', DESC.counter, 1, '$tiles'));
  // Group g's tiles are consecutive: threads working at once share its filter panels.
  L.push(`(local.set $g (i32.div_u (local.get $tile) (local.get $groupTiles)))`);
  L.push(`(local.set $tile (i32.sub (local.get $tile) (i32.mul (local.get $g) (local.get $groupTiles))))`);
  L.push(`(local.set $input (i32.add (local.get $input0) (i32.mul (local.get $g) (local.get $groupInput))))`);
  L.push(`(local.set $weights (i32.add (local.get $weights0) (i32.mul (local.get $g) (local.get $groupWeights))))`);
  L.push(`(local.set $bias (select (i32.add (local.get $bias0) (i32.mul (local.get $g) (local.get $groupBias))) (i32.const 0) (local.get $bias0)))`);
  L.push(`(local.set $output (i32.add (local.get $output0) (i32.mul (local.get $g) (local.get $groupOutput))))`);
  // Row tiles vary fastest, so threads working at once share the same filter panels.
  L.push(`(local.set $m0 (i32.mul (i32.rem_u (local.get $tile) (local.get $rowTiles)) (local.get $tileRows)))`);
  L.push(`(local.set $m1 (i32.add (local.get $m0) (local.get $tileRows)))`);
  L.push(`(if (i32.gt_u (local.get $m1) (local.get $rows)) (then (local.set $m1 (local.get $rows))))`);
  L.push(`(local.set $p0 (i32.mul (i32.div_u (local.get $tile) (local.get $rowTiles)) (local.get $tilePanels)))`);
  L.push(`(local.set $p1 (i32.add (local.get $p0) (local.get $tilePanels)))`);
  L.push(`(if (i32.gt_u (local.get $p1) (local.get $panels)) (then (local.set $p1 (local.get $panels))))`);
  L.push(...tileBody(fma));
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}

/**
 * `pack(src, dst, k, cout)`: a [k, cout] matrix (an HWIO filter is [kh·kw·cin, cout]) as [panel][k][8], the
 * channels past `cout` zero. With k = 1 it pads a bias to whole panels.
 */
function packFunction(): string[] {
  return [
    `(func (export "pack") (param $src i32) (param $dst i32) (param $k i32) (param $cout i32)`,
    `(local $p i32) (local $panels i32) (local $i i32) (local $j i32) (local $col i32) (local $s i32)`,
    `(local.set $panels (i32.shr_u (i32.add (local.get $cout) (i32.const 7)) (i32.const 3)))`,
    `(block $p_done (loop $p_loop`,
    `(br_if $p_done (i32.ge_u (local.get $p) (local.get $panels)))`,
    `(local.set $col (i32.shl (local.get $p) (i32.const 3)))`,
    `(local.set $i (i32.const 0))`,
    `(block $i_done (loop $i_loop`,
    `(br_if $i_done (i32.ge_u (local.get $i) (local.get $k)))`,
    `(local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cout)) (local.get $col)) (i32.const 2))))`,
    `(if (i32.le_u (i32.add (local.get $col) (i32.const 8)) (local.get $cout)) (then`,
    `(v128.store (local.get $dst) (v128.load (local.get $s)))`,
    `(v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $s)))`,
    `) (else`,
    `(local.set $j (i32.const 0))`,
    `(loop $j_loop`,
    `(f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))) (if (result f32) (i32.lt_u (i32.add (local.get $col) (local.get $j)) (local.get $cout)) (then (f32.load (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))) (else (f32.const 0))))`,
    `(br_if $j_loop (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8)))`,
    `)))`,
    `(local.set $dst (i32.add (local.get $dst) (i32.const 32)))`,
    `(local.set $i (i32.add (local.get $i) (i32.const 1)))`,
    `(br $i_loop)))`,
    `(local.set $p (i32.add (local.get $p) (i32.const 1)))`,
    `(br $p_loop)))`,
    `)`,
  ];
}

/** The module's text for one variant. */
export function convWat({ fma, shared }: ConvWatOptions): string {
  // A shared import must state a maximum; an unshared one must not (emscripten's memory has none to match).
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return ['(module', `(import "env" "memory" ${memory})`, ...runFunction(fma), ...WINOGRAD_TRANSFORMS.flatMap((t) => [...winogradFunction(t, fma), ...winogradFilterFunction(t, fma)]), ...gradientFunctions(fma), ...depthwiseFunction(fma), ...affineFunction(fma), ...packFunction(), ...geluFunction(fma), ...siluFunction(fma), ...elementwiseFunction(), ...layerNormFunction(), ...meanRowsFunction(), ')'].join('\n');
}

/** The variants `conv_binaries.ts` holds, by name. */
export const VARIANTS: Record<string, ConvWatOptions> = {
  fma_shared: { fma: true, shared: true },
  fma_unshared: { fma: true, shared: false },
  simd_shared: { fma: false, shared: true },
  simd_unshared: { fma: false, shared: false },
};
