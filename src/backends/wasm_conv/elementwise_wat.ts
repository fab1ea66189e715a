/**
 * An element-wise function (GELU, SiLU) over a long float32 array on every thread of the pool: tiles of
 * `tileFloats` (a multiple of 4) claimed with the descriptor's atomic counter, each run by the function's own loop.
 */
import { claimNext, descriptorLoads } from './wat_helpers';

export const ELEMENTWISE_KIND = 10;

/** The functions, by the number the descriptor's `op` word holds. */
export const ELEMENTWISE_OPS = { gelu: 0, silu: 1 } as const;

/** Word offsets (i32) of an element-wise descriptor; word 0 is the kind, as in the direct layout (conv_wat.ts). */
export const ELEMENTWISE = {
  kind: 0,
  op: 1, // ELEMENTWISE_OPS
  src: 2,
  dst: 3,
  n: 4, // floats, a multiple of 4
  table: 5, // the function's constants (constantTable)
  tileFloats: 6, // a multiple of 4
  tiles: 7, // ceil(n / tileFloats)
  counter: 8, // next tile to claim (atomic)
  words: 9,
} as const;

const FIELDS = ['op', 'src', 'dst', 'n', 'table', 'tileFloats', 'tiles'] as const;

export function elementwiseFunction(): string[] {
  const L: string[] = [];
  L.push(`(func $elementwise (param $desc i32)`);
  L.push([...FIELDS, 'tile', 'start', 'count'].map((name) => `(local $${name} i32)`).join(' '));
  L.push(...descriptorLoads(FIELDS, ELEMENTWISE));
  L.push(`(block $done (loop $claim`);
  L.push(...claimNext('$tile', ELEMENTWISE.counter, 1, '$tiles'));
  L.push(`(local.set $start (i32.mul (local.get $tile) (local.get $tileFloats)))`);
  L.push(`(local.set $count (select (local.get $tileFloats) (i32.sub (local.get $n) (local.get $start)) (i32.le_u (i32.add (local.get $start) (local.get $tileFloats)) (local.get $n))))`);
  const args = `(i32.add (local.get $src) (i32.shl (local.get $start) (i32.const 2))) (i32.add (local.get $dst) (i32.shl (local.get $start) (i32.const 2))) (local.get $count) (local.get $table)`;
  L.push(`(if (i32.eq (local.get $op) (i32.const ${ELEMENTWISE_OPS.gelu})) (then (call $gelu ${args})) (else (call $silu ${args})))`);
  L.push(`(br $claim)))`);
  L.push(`)`);
  return L;
}
