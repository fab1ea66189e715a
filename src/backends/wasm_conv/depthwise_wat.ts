/**
 * Depthwise convolution (one filter per channel, channel multiplier 1: MobileNet, EfficientNet, ConvNeXt's 7×7,
 * MobileOne), NHWC, for the convolution module. A unit of work is 4 output pixels × 8 channels: for each tap the
 * 8 filter values are loaded once and multiplied into the 4 pixels' inputs, which the same indirection table as the
 * direct kernel locates (padding reads a zero row). Tiles of rows × channel blocks are claimed with the
 * descriptor's atomic counter, as in conv_wat.ts. The filter needs no packing: tfjs's [kh, kw, c, 1] is [tap][c].
 */
import { activationLines, claimNext, descriptorLoads, multiplyAdd, range, rowPointers } from './wat_helpers';

export const DEPTHWISE_KIND = 8;

/** Word offsets (i32) of a depthwise descriptor; word 0 is the kind, as in the direct layout (conv_wat.ts). */
export const DEPTHWISE = {
  kind: 0,
  input: 1, // NHWC input
  indirection: 2, // per-image table [pixel][tap] of byte offsets into one image, -1 for padding
  zero: 3, // at least `channels` zero floats
  weights: 4, // [tap][channels]
  bias: 5, // [channels], or 0
  output: 6, // NHWC output
  rows: 7, // N · OH · OW
  pixels: 8, // OH · OW
  imageBytes: 9, // H · W · channels · 4
  taps: 10,
  channels: 11, // a multiple of 4
  blocks: 12, // ceil(channels / 8)
  activation: 13,
  tileRows: 14, // a multiple of 4
  tileBlocks: 15,
  rowTiles: 16,
  tiles: 17,
  counter: 18, // next tile to claim (atomic)
  words: 19,
} as const;

const PIXELS = range(4);

const FIELDS = ['input', 'indirection', 'zero', 'weights', 'bias', 'output', 'rows', 'pixels', 'imageBytes', 'taps', 'channels', 'blocks', 'activation', 'tileRows', 'tileBlocks', 'rowTiles', 'tiles'] as const;

const accumulator = (i: number, v: number) => `$d${i}_${v}`;

/** The tap loop, bias, activation and stores of one 4-pixel × (4·vectors)-channel unit at channel byte `$cb`. */
function unit(vectors: number, fma: boolean): string[] {
  const vecs = range(vectors);
  const L: string[] = [];
  for (const v of vecs) L.push(`(local.set $w${v} (if (result v128) (local.get $bias) (then (v128.load offset=${16 * v} (i32.add (local.get $bias) (local.get $cb)))) (else (v128.const i32x4 0 0 0 0))))`);
  for (const i of PIXELS) for (const v of vecs) L.push(`(local.set ${accumulator(i, v)} (local.get $w${v}))`);
  L.push(`(local.set $wp (i32.add (local.get $weights) (local.get $cb)))`);
  L.push(`(local.set $t (i32.const 0))`);
  L.push(`(loop $taps_${vectors}`);
  for (const v of vecs) L.push(`(local.set $w${v} (v128.load offset=${16 * v} (local.get $wp)))`);
  for (const i of PIXELS) {
    L.push(`(local.set $off (i32.load (i32.add (local.get $ind${i}) (i32.shl (local.get $t) (i32.const 2)))))`);
    L.push(`(local.set $a (i32.add (select (local.get $zero) (i32.add (local.get $base${i}) (local.get $off)) (i32.eq (local.get $off) (i32.const -1))) (local.get $cb)))`);
    for (const v of vecs) L.push(`(local.set ${accumulator(i, v)} ${multiplyAdd(fma, `(v128.load offset=${16 * v} (local.get $a))`, `(local.get $w${v})`, `(local.get ${accumulator(i, v)})`)})`);
  }
  L.push(`(local.set $wp (i32.add (local.get $wp) (local.get $rowBytes)))`);
  L.push(`(br_if $taps_${vectors} (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $taps)))`);
  L.push(`)`);
  L.push(...activationLines(PIXELS.flatMap((i) => vecs.map((v) => accumulator(i, v)))));
  for (const i of PIXELS) {
    L.push(`(if (i32.lt_u (i32.add (local.get $r) (i32.const ${i})) (local.get $m1)) (then`);
    L.push(`(local.set $out (i32.add (i32.add (local.get $output) (i32.mul (i32.add (local.get $r) (i32.const ${i})) (local.get $rowBytes))) (local.get $cb)))`);
    for (const v of vecs) L.push(`(v128.store offset=${16 * v} (local.get $out) (local.get ${accumulator(i, v)}))`);
    L.push(`))`);
  }
  return L;
}

/** `depthwise(desc)`: claims tiles of the descriptor until none is left (any number of threads at once). */
export function depthwiseFunction(fma: boolean): string[] {
  const locals = [...FIELDS, 'tile', 'm0', 'm1', 'q', 'q1', 'r', 't', 'row', 'img', 'off', 'a', 'wp', 'out', 'cb', 'rowBytes', ...PIXELS.flatMap((i) => [`base${i}`, `ind${i}`])];
  const L: string[] = [];
  L.push(`(func $depthwise (param $desc i32)`);
  L.push(locals.map((name) => `(local $${name} i32)`).join(' '));
  L.push([...range(2).map((v) => `(local $w${v} v128)`), ...PIXELS.flatMap((i) => range(2).map((v) => `(local ${accumulator(i, v)} v128)`))].join(' '));
  L.push(...descriptorLoads(FIELDS, DEPTHWISE));
  L.push(`(local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$tile', DEPTHWISE.counter, 1, '$tiles'));
  // Row tiles vary fastest, so threads working at once read the same filter columns.
  L.push(`(local.set $m0 (i32.mul (i32.rem_u (local.get $tile) (local.get $rowTiles)) (local.get $tileRows)))`);
  L.push(`(local.set $m1 (i32.add (local.get $m0) (local.get $tileRows)))`);
  L.push(`(if (i32.gt_u (local.get $m1) (local.get $rows)) (then (local.set $m1 (local.get $rows))))`);
  L.push(`(local.set $q (i32.mul (i32.div_u (local.get $tile) (local.get $rowTiles)) (local.get $tileBlocks)))`);
  L.push(`(local.set $q1 (i32.add (local.get $q) (local.get $tileBlocks)))`);
  L.push(`(if (i32.gt_u (local.get $q1) (local.get $blocks)) (then (local.set $q1 (local.get $blocks))))`);
  L.push(`(local.set $r (local.get $m0))`);
  L.push(`(block $rows_done (loop $rows_loop`);
  L.push(`(br_if $rows_done (i32.ge_u (local.get $r) (local.get $m1)))`);
  L.push(...rowPointers(PIXELS.length));
  L.push(`(local.set $cb (i32.shl (local.get $q) (i32.const 5)))`);
  L.push(`(block $blocks_done (loop $blocks_loop`);
  L.push(`(br_if $blocks_done (i32.ge_u (local.get $cb) (i32.shl (local.get $q1) (i32.const 5))))`);
  // Eight channels where there are eight left, else the last four (channels is a multiple of 4).
  L.push(`(if (i32.le_u (i32.add (local.get $cb) (i32.const 32)) (local.get $rowBytes)) (then`);
  L.push(...unit(2, fma));
  L.push(`) (else`);
  L.push(...unit(1, fma));
  L.push(`))`);
  L.push(`(local.set $cb (i32.add (local.get $cb) (i32.const 32)))`);
  L.push(`(br $blocks_loop)))`);
  L.push(`(local.set $r (i32.add (local.get $r) (i32.const 4)))`);
  L.push(`(br $rows_loop)))`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}
