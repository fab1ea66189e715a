/**
 * Winograd convolution for 3×3, stride-1 filters (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks"): F(m×m, 3×3) computes an m×m block of outputs from an α×α input tile (α = m + 2) with α² products per
 * channel pair instead of 9m², 2.25× fewer for F(2×2) and 4× fewer for F(4×4).
 *
 * One unit of work is a block of `block` tiles × a range of output-channel panels, done in three steps on a
 * thread-private scratch area so it stays in cache:
 *  1. input transform: V[ξ][tile][cin] = (Bᵀ d B)[ξ] for each tile's α×α patch d (padding read from a zero row),
 *  2. α² GEMMs, each [block × cin] · [cin × panel channels], with the direct path's 4×8 micro-kernel against the
 *     filter transformed once on the JavaScript side, U = G g Gᵀ, packed [ξ][panel][cin][8],
 *  3. output transform: Y = Aᵀ M A, plus bias, activation, stored where the block lies inside the output.
 * Units are claimed with an atomic counter (blocks vary fastest, so threads share filter panels); each thread takes
 * a scratch slot from a second counter.
 */
import { acc, activationLines, claimNext, descriptorLoads, get, linearCombination, microKernelLoop, microKernelVectorLocals, microRows, microVecs, MR, packedAddress, patchPointers, range, sandwich, stridedLoads, stridedStores } from './wat_helpers';

export interface WinogradTransform {
  name: 'F2' | 'F4';
  /** Outputs per tile side. */
  m: number;
  /** Input tile side, m + 2. */
  alpha: number;
  /** Input transform Bᵀ (α × α). */
  BT: number[][];
  /** Filter transform G (α × 3). */
  G: number[][];
  /** Output transform Aᵀ (m × α). */
  AT: number[][];
}

/** Lavin & Gray's matrices (interpolation points 0, ±1 for F(2×2); 0, ±1, ±2 for F(4×4)). */
export const WINOGRAD_TRANSFORMS: readonly WinogradTransform[] = [
  {
    name: 'F2',
    m: 2,
    alpha: 4,
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [1 / 2, 1 / 2, 1 / 2],
      [1 / 2, -1 / 2, 1 / 2],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  {
    name: 'F4',
    m: 4,
    alpha: 6,
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
];

/** Descriptor kinds (word 0; 0 is the direct convolution): these plus the index in WINOGRAD_TRANSFORMS. */
export const WINOGRAD_CONV_KIND = 1;
export const WINOGRAD_FILTER_KIND = 3;

/** Word offsets (i32) of a Winograd convolution descriptor; word 0 is the kind, as in the direct layout (conv_wat.ts). */
export const WINO = {
  kind: 0,
  input: 1, // NHWC input
  indirection: 2, // per-image table [tile][α·α] of byte offsets into one image, -1 for padding
  zero: 3, // at least `cin` zero floats
  weights: 4, // transformed, packed filter [ξ][panel][cin][8]
  bias: 5, // [cout] floats, or 0
  output: 6, // NHWC output
  tiles: 7, // N · tilesPerImage
  tilesPerImage: 8,
  tilesW: 9, // tiles across one row of the output
  imageBytes: 10, // H · W · cin · 4
  cin: 11, // a multiple of 4
  cout: 12, // a multiple of 4
  panels: 13, // ceil(cout / 8)
  activation: 14,
  outH: 15,
  outW: 16,
  block: 17, // tiles a unit covers (a multiple of 4)
  blockPanels: 18, // panels a unit covers
  blockCount: 19, // ceil(tiles / block)
  work: 20, // blockCount · ceil(panels / blockPanels)
  counter: 21, // next unit to claim (atomic)
  slots: 22, // next scratch slot to take (atomic)
  scratch: 23, // byte address of the scratch slots
  slotBytes: 24, // α²·block·(cin + 8·blockPanels)·4
  words: 25,
} as const;

/** Word offsets of a filter-transform descriptor. */
export const WINO_FILTER = {
  kind: 0,
  src: 1, // HWIO 3×3 filter
  dst: 2, // [ξ][panel][cin][8], its padding channels already zero
  cin: 3,
  cout: 4, // a multiple of 4
  panels: 5,
  counter: 6, // next input channel to transform (atomic)
  words: 7,
} as const;

const FIELDS = ['input', 'indirection', 'zero', 'weights', 'bias', 'output', 'tiles', 'tilesPerImage', 'tilesW', 'imageBytes', 'cin', 'cout', 'panels', 'activation', 'outH', 'outW', 'block', 'blockPanels'] as const;


/** Step 1 for tile `$b` of the unit: its α² input pointers, then Bᵀ d B channel group by channel group into V. */
function inputTransform(t: WinogradTransform, fma: boolean): string[] {
  const a = t.alpha;
  const cells = range(a * a);
  const L: string[] = [];
  L.push(`(local.set $g (i32.add (local.get $blockStart) (local.get $b)))`);
  L.push(`(if (i32.lt_u (local.get $g) (local.get $tiles)) (then`);
  L.push(...patchPointers(a * a, '$tilesPerImage'));
  L.push(`) (else`); // tiles past the end read zeros (their sums are never stored)
  for (const x of cells) L.push(`(local.set $q${x} (local.get $zero))`);
  L.push(`))`);
  L.push(`(local.set $cb (i32.const 0))`);
  L.push(`(loop $in_c`);
  for (const x of cells) L.push(`(local.set $d${x} (v128.load (i32.add (local.get $q${x}) (local.get $cb))))`);
  // T = Bᵀ d, then V = T B, each V[ξ] to its own slab.
  const v = sandwich(t.BT, t.BT, (i, j) => get(`$d${i * a + j}`), (r, j) => `$t${r}_${j}`, fma);
  L.push(...v.lines);
  L.push(`(local.set $sp (i32.add (i32.add (local.get $v) (i32.mul (local.get $b) (local.get $cinBytes))) (local.get $cb)))`);
  L.push(...stridedStores('$sp', '$vStride', range(a).flatMap((r) => range(a).map((s) => linearCombination(v.terms(r, s), fma)))));
  L.push(`(br_if $in_c (i32.lt_u (local.tee $cb (i32.add (local.get $cb) (i32.const 16))) (local.get $cinBytes)))`);
  L.push(`)`);
  return L;
}

/** Step 2: for each ξ and panel of the unit, the [block × cin] rows of V[ξ] times the panel, into M[ξ]. */
function products(t: WinogradTransform, fma: boolean): string[] {
  const L: string[] = [];
  L.push(`(local.set $xi (i32.const 0))`);
  L.push(`(loop $xi_loop`);
  L.push(`(local.set $p (local.get $p0))`);
  L.push(`(loop $p_loop`);
  L.push(`(local.set $bp0 (i32.add (local.get $weights) (i32.shl (i32.mul (i32.add (i32.mul (local.get $xi) (local.get $panels)) (local.get $p)) (local.get $cin)) (i32.const 5))))`);
  L.push(`(local.set $r (i32.const 0))`);
  L.push(`(loop $r_loop`);
  L.push(`(local.set $a0 (i32.add (i32.add (local.get $v) (i32.mul (local.get $xi) (local.get $vStride))) (i32.mul (local.get $r) (local.get $cinBytes))))`);
  for (const i of microRows.slice(1)) L.push(`(local.set $a${i} (i32.add (local.get $a${i - 1}) (local.get $cinBytes)))`);
  for (const i of microRows) for (const v of microVecs) L.push(`(local.set ${acc(i, v)} (v128.const i32x4 0 0 0 0))`);
  L.push(`(local.set $bp (local.get $bp0))`);
  L.push(...microKernelLoop(fma));
  L.push(`(local.set $out (i32.add (i32.add (i32.add (local.get $mbuf) (i32.mul (local.get $xi) (local.get $mStride))) (i32.mul (local.get $r) (local.get $mRow))) (i32.shl (i32.sub (local.get $p) (local.get $p0)) (i32.const 5))))`);
  for (const i of microRows) {
    for (const v of microVecs) L.push(`(v128.store offset=${v * 16} (local.get $out) (local.get ${acc(i, v)}))`);
    if (i < MR - 1) L.push(`(local.set $out (i32.add (local.get $out) (local.get $mRow)))`);
  }
  L.push(`(br_if $r_loop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const ${MR}))) (local.get $block)))`);
  L.push(`)`);
  L.push(`(br_if $p_loop (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $p1)))`);
  L.push(`)`);
  L.push(`(br_if $xi_loop (i32.lt_u (local.tee $xi (i32.add (local.get $xi) (i32.const 1))) (i32.const ${t.alpha * t.alpha})))`);
  L.push(`)`);
  return L;
}

/** Step 3: for each tile of the unit inside the output and each 4 channels of its panels, Aᵀ M A + bias, activation. */
function outputTransform(t: WinogradTransform, fma: boolean): string[] {
  const { alpha: a, m } = t;
  const ys = range(m).flatMap((r) => range(m).map((s) => `$y${r}_${s}`));
  const L: string[] = [];
  L.push(`(local.set $c1 (i32.shl (local.get $p1) (i32.const 3)))`);
  L.push(`(if (i32.gt_u (local.get $c1) (local.get $cout)) (then (local.set $c1 (local.get $cout))))`);
  L.push(`(local.set $b (i32.const 0))`);
  L.push(`(block $out_done (loop $out_tiles`);
  L.push(`(local.set $g (i32.add (local.get $blockStart) (local.get $b)))`);
  L.push(`(br_if $out_done (i32.ge_u (local.get $b) (local.get $block)))`);
  L.push(`(br_if $out_done (i32.ge_u (local.get $g) (local.get $tiles)))`);
  L.push(`(local.set $img (i32.div_u (local.get $g) (local.get $tilesPerImage)))`);
  L.push(`(local.set $lt (i32.sub (local.get $g) (i32.mul (local.get $img) (local.get $tilesPerImage))))`);
  L.push(`(local.set $ty (i32.div_u (local.get $lt) (local.get $tilesW)))`);
  L.push(`(local.set $oy (i32.mul (local.get $ty) (i32.const ${m})))`);
  L.push(`(local.set $ox (i32.mul (i32.sub (local.get $lt) (i32.mul (local.get $ty) (local.get $tilesW))) (i32.const ${m})))`);
  L.push(`(local.set $vr (i32.sub (local.get $outH) (local.get $oy)))`); // rows of this tile inside the output (≥ 1)
  L.push(`(local.set $vc (i32.sub (local.get $outW) (local.get $ox)))`);
  L.push(`(local.set $pix (i32.add (local.get $output) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $outH)) (local.get $oy)) (local.get $outW)) (local.get $ox)) (local.get $coutBytes))))`);
  L.push(`(local.set $c (local.get $c0))`);
  L.push(`(loop $out_c`);
  L.push(`(local.set $mp (i32.add (i32.add (local.get $mbuf) (i32.mul (local.get $b) (local.get $mRow))) (i32.shl (i32.sub (local.get $c) (local.get $c0)) (i32.const 2))))`);
  L.push(...stridedLoads('$mp', '$mStride', range(a * a).map((x) => `$d${x}`)));
  // S = Aᵀ M, then Y = S A, plus the bias.
  const y = sandwich(t.AT, t.AT, (i, j) => get(`$d${i * a + j}`), (r, j) => `$t${r}_${j}`, fma);
  L.push(...y.lines);
  L.push(`(local.set $bv (if (result v128) (local.get $bias) (then (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))) (else (v128.const i32x4 0 0 0 0))))`);
  for (const r of range(m)) {
    for (const s of range(m)) L.push(`(local.set $y${r}_${s} ${linearCombination([[1, get('$bv')], ...y.terms(r, s)], fma)})`);
  }
  L.push(...activationLines(ys));
  L.push(`(local.set $px (i32.add (local.get $pix) (i32.shl (local.get $c) (i32.const 2))))`);
  for (const r of range(m)) {
    for (const s of range(m)) {
      const address = `(i32.add (local.get $px) (i32.mul (i32.const ${s}) (local.get $coutBytes)))`;
      const inside = r === 0 && s === 0 ? null : `(i32.and (i32.gt_u (local.get $vr) (i32.const ${r})) (i32.gt_u (local.get $vc) (i32.const ${s})))`;
      const store = `(v128.store ${address} (local.get $y${r}_${s}))`;
      L.push(inside ? `(if ${inside} (then ${store}))` : store);
    }
    if (r < m - 1) L.push(`(local.set $px (i32.add (local.get $px) (local.get $rowBytes)))`);
  }
  L.push(`(br_if $out_c (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $c1)))`);
  L.push(`)`);
  L.push(`(local.set $b (i32.add (local.get $b) (i32.const 1)))`);
  L.push(`(br $out_tiles)))`);
  return L;
}

/** `$winograd_F2` / `$winograd_F4 (desc)`, called by the module's `run` for descriptors of that kind. */
export function winogradFunction(t: WinogradTransform, fma: boolean): string[] {
  const a = t.alpha;
  const i32 = [
    ...FIELDS,
    ...['blockCount', 'work', 'w', 'blockStart', 'p0', 'p1', 'c0', 'c1', 'v', 'mbuf', 'vStride', 'mRow', 'mStride', 'cinBytes', 'coutBytes', 'rowBytes'],
    ...['b', 'g', 'img', 'lt', 'ty', 'oy', 'ox', 'vr', 'vc', 'pix', 'px', 'c', 'cb', 'sp', 'ind', 'off', 'base', 'mp', 'xi', 'p', 'r', 'k', 'bp', 'bp0', 'out'],
    ...range(a * a).map((x) => `q${x}`),
    ...microRows.map((i) => `a${i}`),
  ];
  const v128 = [...range(a * a).map((x) => `d${x}`), ...range(a).flatMap((r) => range(a).map((j) => `t${r}_${j}`)), ...range(t.m).flatMap((r) => range(t.m).map((s) => `y${r}_${s}`)), 'bv'];
  const L: string[] = [];
  L.push(`(func $winograd_${t.name} (param $desc i32)`);
  L.push(i32.map((n) => `(local $${n} i32)`).join(' '));
  L.push(v128.map((n) => `(local $${n} v128)`).join(' '), microKernelVectorLocals());
  L.push(...descriptorLoads([...FIELDS, 'blockCount', 'work'], WINO));
  L.push(`(local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))`);
  L.push(`(local.set $coutBytes (i32.shl (local.get $cout) (i32.const 2)))`);
  L.push(`(local.set $rowBytes (i32.mul (local.get $outW) (local.get $coutBytes)))`);
  L.push(`(local.set $vStride (i32.mul (local.get $block) (local.get $cinBytes)))`);
  L.push(`(local.set $mRow (i32.shl (local.get $blockPanels) (i32.const 5)))`);
  L.push(`(local.set $mStride (i32.mul (local.get $block) (local.get $mRow)))`);
  // This thread's scratch slot: V, then M.
  L.push(`(local.set $v (i32.add (i32.load offset=${WINO.scratch * 4} (local.get $desc)) (i32.mul (i32.atomic.rmw.add offset=${WINO.slots * 4} (local.get $desc) (i32.const 1)) (i32.load offset=${WINO.slotBytes * 4} (local.get $desc)))))`);
  L.push(`(local.set $mbuf (i32.add (local.get $v) (i32.mul (local.get $vStride) (i32.const ${a * a}))))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$w', WINO.counter, 1, '$work'));
  L.push(`(local.set $blockStart (i32.mul (i32.rem_u (local.get $w) (local.get $blockCount)) (local.get $block)))`);
  L.push(`(local.set $p0 (i32.mul (i32.div_u (local.get $w) (local.get $blockCount)) (local.get $blockPanels)))`);
  L.push(`(local.set $p1 (i32.add (local.get $p0) (local.get $blockPanels)))`);
  L.push(`(if (i32.gt_u (local.get $p1) (local.get $panels)) (then (local.set $p1 (local.get $panels))))`);
  L.push(`(local.set $c0 (i32.shl (local.get $p0) (i32.const 3)))`);
  L.push(`(local.set $b (i32.const 0))`);
  L.push(`(loop $in_tiles`);
  L.push(...inputTransform(t, fma));
  L.push(`(br_if $in_tiles (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $block)))`);
  L.push(`)`);
  L.push(...products(t, fma));
  L.push(...outputTransform(t, fma));
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}

/**
 * `$winograd_filter_F2` / `_F4 (desc)`: U = G g Gᵀ for every input channel (claimed one at a time, so threads
 * share the work) and every 4 output channels, stored where the micro-kernel reads it ([ξ][panel][cin][8]).
 */
export function winogradFilterFunction(t: WinogradTransform, fma: boolean): string[] {
  const a = t.alpha;
  const fields = ['src', 'dst', 'cin', 'cout', 'panels'] as const;
  const L: string[] = [];
  L.push(`(func $winograd_filter_${t.name} (param $desc i32)`);
  L.push([...fields, 'ci', 'co', 'plane', 'rowBytes', 'xiStride', 'sp', 'dp'].map((n) => `(local $${n} i32)`).join(' '));
  L.push([...range(9).map((k) => `(local $g${k} v128)`), ...range(a * 3).map((k) => `(local $h${k} v128)`)].join(' '));
  L.push(...descriptorLoads(fields, WINO_FILTER));
  L.push(`(local.set $rowBytes (i32.shl (local.get $cout) (i32.const 2)))`);
  L.push(`(local.set $plane (i32.mul (local.get $cin) (local.get $rowBytes)))`);
  L.push(`(local.set $xiStride (i32.shl (i32.mul (local.get $panels) (local.get $cin)) (i32.const 5)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$ci', WINO_FILTER.counter, 1, '$cin'));
  L.push(`(local.set $co (i32.const 0))`);
  L.push(`(loop $co_loop`);
  L.push(`(local.set $sp (i32.add (local.get $src) (i32.add (i32.mul (local.get $ci) (local.get $rowBytes)) (i32.shl (local.get $co) (i32.const 2)))))`);
  L.push(...stridedLoads('$sp', '$plane', range(9).map((k) => `$g${k}`)));
  // H = G g (α × 3), then U = H Gᵀ, packed.
  const u = sandwich(t.G, t.G, (ky, kx) => get(`$g${ky * 3 + kx}`), (i, kx) => `$h${i * 3 + kx}`, fma);
  L.push(...u.lines);
  L.push(`(local.set $dp ${packedAddress('$ci', '$cin')})`);
  L.push(...stridedStores('$dp', '$xiStride', range(a).flatMap((i) => range(a).map((j) => linearCombination(u.terms(i, j), fma)))));
  L.push(`(br_if $co_loop (i32.lt_u (local.tee $co (i32.add (local.get $co) (i32.const 4))) (local.get $cout)))`);
  L.push(`)`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}
