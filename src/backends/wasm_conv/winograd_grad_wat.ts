/**
 * The filter gradient of a 3×3 stride-1 convolution by Winograd's F(3×3, 2×2): dW[i][j] = Σ x[y+i][x+j]·dy[y][x]
 * is, for each 2×2 block of dy and the 4×4 patch of the (padded) input it meets, a 3×3 correlation, so
 *   dW = Aᵀ [ Σ_blocks (G dy_block Gᵀ) ⊙ (Bᵀ x_patch B) ] A,
 * the sum taken in the transformed domain: 16 products per channel pair and block instead of 36 (2.25× fewer).
 * The sums are 16 GEMMs, [cin × blocks] · [blocks × cout], which the direct path's kernel runs (one tap, k = the
 * blocks); these functions make their operands and the final transform:
 *  - `$wgrad_input`: X̃[ξ][cin][block] (rows contiguous over the blocks, as the micro-kernel reads its rows; the
 *    row stride padded off multiples of 4 KiB, whose 64 scattered stores per block would share one cache set),
 *  - `$wgrad_dy`: D̃ packed [ξ][panel][block][8] (the micro-kernel's filter layout; ξ apart by a padded stride),
 *  - `$wgrad_output`: dW [3][3][cin][cout] = Aᵀ M A from the 16 products M[ξ][cin][cout].
 * Blocks (16 at a time) or input channels are claimed with an atomic counter, so every thread takes part.
 */
import { claimNext, descriptorLoads, get, linearCombination, packedAddress, patchPointers, range, sandwich, stridedLoads, stridedStores } from './wat_helpers';

/** F(3×3, 2×2) with interpolation points 0, ±1 (checked against the definition by the unit tests). */
export const GRADIENT_TRANSFORM = {
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, -1, 0, 1],
  ],
  G: [
    [1, 0],
    [1 / 2, 1 / 2],
    [1 / 2, -1 / 2],
    [0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, 0],
    [0, 1, 1, 1],
  ],
} as const;

/** Descriptor kinds of the three steps (word 0; see conv_wat.ts and winograd_wat.ts for the others). */
export const WGRAD_KINDS = { input: 5, dy: 6, output: 7 } as const;

export const WGRAD_INPUT = {
  kind: 0,
  input: 1, // NHWC x
  indirection: 2, // per-image table [block][16] of byte offsets into one image, -1 for padding
  zero: 3, // at least cin zero floats
  blocks: 4, // N · blocksPerImage
  blocksPerImage: 5,
  imageBytes: 6,
  cin: 7, // a multiple of 4
  dst: 8, // X̃ [16][cin][rowFloats]
  rowFloats: 9, // blocks, padded so that rows do not fall 4 KiB apart (cache-set aliasing)
  counter: 10,
  words: 11,
} as const;

export const WGRAD_DY = {
  kind: 0,
  dy: 1, // NHWC output gradient
  zero: 2, // at least cout zero floats
  blocks: 3,
  blocksPerImage: 4,
  blocksW: 5,
  outH: 6,
  outW: 7,
  cout: 8, // a multiple of 4
  panels: 9,
  dst: 10, // D̃ [16][panel][blocks][8], the padding channels already zero
  xiBytes: 11, // from one ξ to the next: panels·blocks·32, padded off multiples of 4 KiB
  counter: 12,
  words: 13,
} as const;

export const WGRAD_OUTPUT = {
  kind: 0,
  products: 1, // M [16][cin][cout]
  dst: 2, // dW [3][3][cin][cout]
  cin: 3,
  cout: 4,
  counter: 5,
  words: 6,
} as const;

/** Blocks a thread claims at a time. */
const CLAIM = 16;


/** `(local.set $g0 claim) (br_if $done …) (local.set $g1 min(g0 + CLAIM, blocks))`: the next 16 blocks. */
function claimBlocks(counterWord: number): string[] {
  return [
    ...claimNext('$g', counterWord, CLAIM, '$blocks'),
    `(local.set $g1 (i32.add (local.get $g) (i32.const ${CLAIM})))`,
    `(if (i32.gt_u (local.get $g1) (local.get $blocks)) (then (local.set $g1 (local.get $blocks))))`,
  ];
}

/** The end of a function's block loop (to `$g1`), of its claim loop, and of the function. */
function nextBlockAndEnd(): string[] {
  return [`(br_if $blocks_loop (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $g1)))`, `)`, `(br $claim)))`, `)`];
}

function inputFunction(fma: boolean): string[] {
  const { BT } = GRADIENT_TRANSFORM;
  const fields = ['input', 'indirection', 'zero', 'blocks', 'blocksPerImage', 'imageBytes', 'cin', 'dst', 'rowFloats'] as const;
  const L: string[] = [];
  L.push(`(func $wgrad_input (param $desc i32)`);
  L.push([...fields, 'g', 'g1', 'img', 'base', 'ind', 'off', 'cb', 'p', 'kBytes', 'xiStride', ...range(16).map((x) => `q${x}`)].map((n) => `(local $${n} i32)`).join(' '));
  L.push([...range(16).map((x) => `(local $d${x} v128)`), ...range(16).map((x) => `(local $t${x} v128)`), '(local $v v128)'].join(' '));
  L.push(...descriptorLoads(fields, WGRAD_INPUT));
  L.push(`(local.set $kBytes (i32.shl (local.get $rowFloats) (i32.const 2)))`);
  L.push(`(local.set $xiStride (i32.mul (local.get $cin) (local.get $kBytes)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimBlocks(WGRAD_INPUT.counter));
  L.push(`(loop $blocks_loop`);
  L.push(...patchPointers(16, '$blocksPerImage'));
  L.push(`(local.set $cb (i32.const 0))`);
  L.push(`(loop $c_loop`);
  for (const x of range(16)) L.push(`(local.set $d${x} (v128.load (i32.add (local.get $q${x}) (local.get $cb))))`);
  const v = sandwich(BT, BT, (i, j) => get(`$d${i * 4 + j}`), (r, j) => `$t${r * 4 + j}`, fma);
  L.push(...v.lines);
  // X̃[ξ][c + lane][g]: rows of blocks, so each lane goes to its own row.
  L.push(`(local.set $p (i32.add (i32.add (local.get $dst) (i32.shl (local.get $g) (i32.const 2))) (i32.mul (i32.shr_u (local.get $cb) (i32.const 2)) (local.get $kBytes))))`);
  for (const r of range(4)) {
    for (const s of range(4)) {
      L.push(`(local.set $v ${linearCombination(v.terms(r, s), fma)})`);
      for (const lane of range(4)) {
        const at = lane === 0 ? '(local.get $p)' : `(i32.add (local.get $p) (i32.mul (local.get $kBytes) (i32.const ${lane})))`;
        L.push(`(f32.store ${at} (f32x4.extract_lane ${lane} (local.get $v)))`);
      }
      L.push(`(local.set $p (i32.add (local.get $p) (local.get $xiStride)))`);
    }
  }
  L.push(`(br_if $c_loop (i32.lt_u (local.tee $cb (i32.add (local.get $cb) (i32.const 16))) (i32.shl (local.get $cin) (i32.const 2))))`);
  L.push(`)`);
  L.push(...nextBlockAndEnd());
  return L;
}

function dyFunction(fma: boolean): string[] {
  const { G } = GRADIENT_TRANSFORM;
  const fields = ['dy', 'zero', 'blocks', 'blocksPerImage', 'blocksW', 'outH', 'outW', 'cout', 'panels', 'dst', 'xiBytes'] as const;
  const L: string[] = [];
  L.push(`(func $wgrad_dy (param $desc i32)`);
  L.push([...fields, 'g', 'g1', 'img', 'lt', 'ty', 'y0', 'x0', 'co', 'p', 'pix', ...range(4).map((x) => `q${x}`)].map((n) => `(local $${n} i32)`).join(' '));
  L.push([...range(4).map((x) => `(local $e${x} v128)`), ...range(8).map((x) => `(local $h${x} v128)`)].join(' '));
  L.push(...descriptorLoads(fields, WGRAD_DY));
  L.push(`(block $done (loop $claim`);
  L.push(...claimBlocks(WGRAD_DY.counter));
  L.push(`(loop $blocks_loop`);
  L.push(`(local.set $img (i32.div_u (local.get $g) (local.get $blocksPerImage)))`);
  L.push(`(local.set $lt (i32.sub (local.get $g) (i32.mul (local.get $img) (local.get $blocksPerImage))))`);
  L.push(`(local.set $ty (i32.div_u (local.get $lt) (local.get $blocksW)))`);
  L.push(`(local.set $y0 (i32.shl (local.get $ty) (i32.const 1)))`);
  L.push(`(local.set $x0 (i32.shl (i32.sub (local.get $lt) (i32.mul (local.get $ty) (local.get $blocksW))) (i32.const 1)))`);
  L.push(`(local.set $pix (i32.add (local.get $dy) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $outH)) (local.get $y0)) (local.get $outW)) (local.get $x0)) (i32.shl (local.get $cout) (i32.const 2)))))`);
  // The block's four dy pixels, zeros past dy's edge.
  for (const u of range(2)) {
    for (const v of range(2)) {
      const inside = `(i32.and (i32.lt_u (i32.add (local.get $y0) (i32.const ${u})) (local.get $outH)) (i32.lt_u (i32.add (local.get $x0) (i32.const ${v})) (local.get $outW)))`;
      const address = `(i32.add (local.get $pix) (i32.shl (i32.mul (i32.add (i32.mul (i32.const ${u}) (local.get $outW)) (i32.const ${v})) (local.get $cout)) (i32.const 2)))`;
      L.push(`(local.set $q${u * 2 + v} (select ${address} (local.get $zero) ${inside}))`);
    }
  }
  L.push(`(local.set $co (i32.const 0))`);
  L.push(`(loop $co_loop`);
  for (const x of range(4)) L.push(`(local.set $e${x} (v128.load (i32.add (local.get $q${x}) (i32.shl (local.get $co) (i32.const 2)))))`);
  // H = G e (4 × 2), then D̃ = H Gᵀ, packed.
  const d = sandwich(G, G, (u, v) => get(`$e${u * 2 + v}`), (i, v) => `$h${i * 2 + v}`, fma);
  L.push(...d.lines);
  L.push(`(local.set $p ${packedAddress('$g', '$blocks')})`);
  L.push(...stridedStores('$p', '$xiBytes', range(4).flatMap((i) => range(4).map((j) => linearCombination(d.terms(i, j), fma)))));
  L.push(`(br_if $co_loop (i32.lt_u (local.tee $co (i32.add (local.get $co) (i32.const 4))) (local.get $cout)))`);
  L.push(`)`);
  L.push(...nextBlockAndEnd());
  return L;
}

function outputFunction(fma: boolean): string[] {
  const { AT } = GRADIENT_TRANSFORM;
  const fields = ['products', 'dst', 'cin', 'cout'] as const;
  const L: string[] = [];
  L.push(`(func $wgrad_output (param $desc i32)`);
  L.push([...fields, 'ci', 'co', 'plane', 'mp', 'dp'].map((n) => `(local $${n} i32)`).join(' '));
  L.push([...range(16).map((x) => `(local $m${x} v128)`), ...range(12).map((x) => `(local $s${x} v128)`)].join(' '));
  L.push(...descriptorLoads(fields, WGRAD_OUTPUT));
  L.push(`(local.set $plane (i32.shl (i32.mul (local.get $cin) (local.get $cout)) (i32.const 2)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$ci', WGRAD_OUTPUT.counter, 1, '$cin'));
  L.push(`(local.set $co (i32.const 0))`);
  L.push(`(loop $co_loop`);
  L.push(`(local.set $mp (i32.add (local.get $products) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $cout)) (local.get $co)) (i32.const 2))))`);
  L.push(...stridedLoads('$mp', '$plane', range(16).map((x) => `$m${x}`)));
  // S = Aᵀ M (3 × 4), then dW = S A (3 × 3).
  const w = sandwich(AT, AT, (i, j) => get(`$m${i * 4 + j}`), (r, j) => `$s${r * 4 + j}`, fma);
  L.push(...w.lines);
  L.push(`(local.set $dp (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $cout)) (local.get $co)) (i32.const 2))))`);
  L.push(...stridedStores('$dp', '$plane', range(3).flatMap((r) => range(3).map((s) => linearCombination(w.terms(r, s), fma)))));
  L.push(`(br_if $co_loop (i32.lt_u (local.tee $co (i32.add (local.get $co) (i32.const 4))) (local.get $cout)))`);
  L.push(`)`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}

/** The three functions, `$wgrad_input`, `$wgrad_dy` and `$wgrad_output` (reached through WGRAD_KINDS). */
export function gradientFunctions(fma: boolean): string[] {
  return [...inputFunction(fma), ...dyFunction(fma), ...outputFunction(fma)];
}
