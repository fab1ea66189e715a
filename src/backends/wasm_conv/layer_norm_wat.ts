/**
 * LayerNorm over the last axis, y = (x − mean) / √(var + eps) · weight + bias (biased variance, as `nn.LayerNorm`),
 * for rows of `d` floats (a multiple of 4): the mean and then the variance about it in four SIMD lanes each, then one
 * pass out. Tiles of rows are claimed with the descriptor's atomic counter by every thread of the pool.
 */
import { claimNext, descriptorLoads } from './wat_helpers';

export const LAYER_NORM_KIND = 11;

/** Word offsets (i32) of a LayerNorm descriptor; word 0 is the kind, as in the direct layout (conv_wat.ts). */
export const LAYER_NORM_DESC = {
  kind: 0,
  input: 1, // [rows, d]
  output: 2, // [rows, d]
  weight: 3, // [d], or 0
  bias: 4, // [d], or 0
  rows: 5,
  d: 6, // a multiple of 4
  eps: 7, // float32 bits
  tileRows: 8,
  tiles: 9, // ceil(rows / tileRows)
  counter: 10, // next tile to claim (atomic)
  words: 11,
} as const;

const FIELDS = ['input', 'output', 'weight', 'bias', 'rows', 'd', 'eps', 'tileRows', 'tiles'] as const;

/** The four lanes of v128 `v` summed, as f32. */
const horizontalSum = (v: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

export function layerNormFunction(): string[] {
  const L: string[] = [];
  L.push(`(func $layer_norm (param $desc i32)`);
  L.push([...FIELDS, 'tile', 'row', 'end', 'p', 'c', 'rowBytes'].map((name) => `(local $${name} i32)`).join(' '));
  L.push(`(local $acc v128) (local $mean v128) (local $r v128) (local $t v128) (local $w v128) (local $b v128)`);
  L.push(...descriptorLoads(FIELDS, LAYER_NORM_DESC));
  L.push(`(local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$tile', LAYER_NORM_DESC.counter, 1, '$tiles'));
  L.push(`(local.set $row (i32.mul (local.get $tile) (local.get $tileRows)))`);
  L.push(`(local.set $end (i32.add (local.get $row) (local.get $tileRows)))`);
  L.push(`(if (i32.gt_u (local.get $end) (local.get $rows)) (then (local.set $end (local.get $rows))))`);
  L.push(`(block $rows_done (loop $rows_loop`);
  L.push(`(br_if $rows_done (i32.ge_u (local.get $row) (local.get $end)))`);
  L.push(`(local.set $p (i32.add (local.get $input) (i32.mul (local.get $row) (local.get $rowBytes))))`);
  const over = (body: string[]) => [`(local.set $c (i32.const 0))`, `(loop $c_loop`, ...body, `(br_if $c_loop (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $rowBytes)))`, `)`];
  const x = `(v128.load (i32.add (local.get $p) (local.get $c)))`;
  // mean
  L.push(`(local.set $acc (v128.const i32x4 0 0 0 0))`);
  L.push(...over([`(local.set $acc (f32x4.add (local.get $acc) ${x}))`]));
  L.push(`(local.set $mean (f32x4.splat (f32.div ${horizontalSum('(local.get $acc)')} (f32.convert_i32_u (local.get $d)))))`);
  // variance about the mean, then r = 1/√(var + eps)
  L.push(`(local.set $acc (v128.const i32x4 0 0 0 0))`);
  L.push(...over([`(local.set $t (f32x4.sub ${x} (local.get $mean)))`, `(local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))`]));
  L.push(`(local.set $r (f32x4.splat (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div ${horizontalSum('(local.get $acc)')} (f32.convert_i32_u (local.get $d))) (f32.reinterpret_i32 (local.get $eps)))))))`);
  // out = (x − mean)·r·w + b
  const param = (name: string, fallback: string) => `(if (result v128) (local.get $${name}) (then (v128.load (i32.add (local.get $${name}) (local.get $c)))) (else ${fallback}))`;
  L.push(
    ...over([
      `(local.set $w ${param('weight', '(f32x4.splat (f32.const 1))')})`,
      `(local.set $b ${param('bias', '(v128.const i32x4 0 0 0 0)')})`,
      `(v128.store (i32.add (i32.add (local.get $output) (i32.mul (local.get $row) (local.get $rowBytes))) (local.get $c)) (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub ${x} (local.get $mean)) (local.get $r)) (local.get $w)) (local.get $b)))`,
    ]),
  );
  L.push(`(local.set $row (i32.add (local.get $row) (i32.const 1)))`);
  L.push(`(br $rows_loop)))`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}
