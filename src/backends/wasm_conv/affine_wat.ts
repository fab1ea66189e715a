/**
 * A per-channel affine map over the last axis, y = (x − m[c]) · s[c] + b[c]: inference BatchNorm on NHWC maps where
 * no convolution precedes it to fold into (DenseNet's and pre-activation networks' norm after a concatenation or a
 * sum), for the convolution module. tfjs's WASM FusedBatchNorm runs one element at a time on one thread (about
 * 2.5 ns an element here); this is 4 lanes at a time, tiles of rows claimed by every thread of the pool.
 */
import { claimNext, descriptorLoads, multiplyAdd } from './wat_helpers';

export const AFFINE_KIND = 9;

/** Word offsets (i32) of an affine descriptor; word 0 is the kind, as in the direct layout (conv_wat.ts). */
export const AFFINE = {
  kind: 0,
  input: 1, // [rows, channels]
  output: 2, // [rows, channels]
  mean: 3, // [channels]
  scale: 4, // [channels]
  shift: 5, // [channels]
  rows: 6,
  channels: 7, // a multiple of 4
  tileRows: 8,
  tiles: 9, // ceil(rows / tileRows)
  counter: 10, // next tile to claim (atomic)
  words: 11,
} as const;

const FIELDS = ['input', 'output', 'mean', 'scale', 'shift', 'rows', 'channels', 'tileRows', 'tiles'] as const;

/** `affine(desc)`: claims row tiles of the descriptor until none is left (any number of threads at once). */
export function affineFunction(fma: boolean): string[] {
  const L: string[] = [];
  L.push(`(func $affine (param $desc i32)`);
  L.push([...FIELDS, 'tile', 'p', 'end', 'c', 'rowBytes'].map((name) => `(local $${name} i32)`).join(' '));
  L.push(...descriptorLoads(FIELDS, AFFINE));
  L.push(`(local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))`);
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$tile', AFFINE.counter, 1, '$tiles'));
  // bytes [p, end) of the input: rows [tile·tileRows, min(rows, (tile + 1)·tileRows))
  L.push(`(local.set $p (i32.mul (i32.mul (local.get $tile) (local.get $tileRows)) (local.get $rowBytes)))`);
  L.push(`(local.set $end (i32.mul (i32.add (i32.mul (local.get $tile) (local.get $tileRows)) (local.get $tileRows)) (local.get $rowBytes)))`);
  L.push(`(if (i32.gt_u (local.get $end) (i32.mul (local.get $rows) (local.get $rowBytes))) (then (local.set $end (i32.mul (local.get $rows) (local.get $rowBytes)))))`);
  L.push(`(block $rows_done (loop $rows_loop`);
  L.push(`(br_if $rows_done (i32.ge_u (local.get $p) (local.get $end)))`);
  L.push(`(local.set $c (i32.const 0))`);
  L.push(`(loop $c_loop`);
  const at = (base: string) => `(i32.add (local.get ${base}) (local.get $c))`;
  const x = `(f32x4.sub (v128.load (i32.add (local.get $input) (i32.add (local.get $p) (local.get $c)))) (v128.load ${at('$mean')}))`;
  L.push(`(v128.store (i32.add (local.get $output) (i32.add (local.get $p) (local.get $c))) ${multiplyAdd(fma, x, `(v128.load ${at('$scale')})`, `(v128.load ${at('$shift')})`)})`);
  L.push(`(br_if $c_loop (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $rowBytes)))`);
  L.push(`)`);
  L.push(`(local.set $p (i32.add (local.get $p) (local.get $rowBytes)))`);
  L.push(`(br $rows_loop)))`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}
