/**
 * `silu(src, dst, n, table)`: SiLU (Swish), x·σ(x) = x / (1 + e^(−x)), four floats at a time (n a multiple of 4). e^z by
 * range reduction: z·log₂e = k + f with k = round(z·log₂e) (by adding 1.5·2²³), |f| ≤ ½; e^(f·ln 2) by its Taylor polynomial to degree 6
 * (relative error below 2e-7 on |f·ln 2| ≤ 0.35), times 2^k put into the exponent bits. z is clamped to
 * [−87, 88] first, where e^z is a normal float: beyond it σ is 0 or 1 to float32 precision.
 */
import { constantTable, multiplyAdd } from './wat_helpers';

/**
 * 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer held in the low mantissa bits, so r's bits
 * minus its bits (0x4b400000), as integers, are that integer.
 */
const MAGIC = 12582912;

/** 1/j! for j = 6 … 2, Horner's coefficients of e^g after 1 + g. */
const TAYLOR = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2];

/** The constants `silu` reads from its table (constantTable), in the table's order. */
export const SILU_CONSTANTS = [-87, 88, Math.LOG2E, MAGIC, Math.LN2, ...TAYLOR, 1];

export function siluFunction(fma: boolean): string[] {
  const splat = constantTable(SILU_CONSTANTS).get;
  const L: string[] = [];
  L.push(`(func $silu (export "silu") (param $src i32) (param $dst i32) (param $n i32) (param $table i32)`);
  L.push(`(local $end i32) (local $v v128) (local $z v128) (local $r v128) (local $k v128) (local $g v128) (local $p v128)`);
  L.push(`(local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))`);
  L.push(`(block $done (loop $loop`);
  L.push(`(br_if $done (i32.ge_u (local.get $src) (local.get $end)))`);
  L.push(`(local.set $v (v128.load (local.get $src)))`);
  // z = clamp(−x, −87, 88); k = round(z·log₂e); g = (z·log₂e − k)·ln 2
  L.push(`(local.set $z (f32x4.pmin (f32x4.pmax (f32x4.neg (local.get $v)) ${splat(-87)}) ${splat(88)}))`);
  // r = z·log₂e + 1.5·2²³ rounds to the nearest integer k in its low mantissa bits; k = r − 1.5·2²³
  L.push(`(local.set $r (f32x4.add (f32x4.mul (local.get $z) ${splat(Math.LOG2E)}) ${splat(MAGIC)}))`);
  L.push(`(local.set $k (f32x4.sub (local.get $r) ${splat(MAGIC)}))`);
  L.push(`(local.set $g (f32x4.mul (f32x4.sub (f32x4.mul (local.get $z) ${splat(Math.LOG2E)}) (local.get $k)) ${splat(Math.LN2)}))`);
  // p = 1 + g·(1 + g·(1/2 + g·(1/6 + …)))
  L.push(`(local.set $p ${splat(TAYLOR[0]!)})`);
  for (const c of [...TAYLOR.slice(1), 1, 1]) L.push(`(local.set $p ${multiplyAdd(fma, '(local.get $p)', '(local.get $g)', splat(c))})`);
  // e^z = p · 2^k: k added to the exponent field
  L.push(`(local.set $p (i32x4.add (local.get $p) (i32x4.shl (i32x4.sub (local.get $r) ${splat(MAGIC)}) (i32.const 23))))`);
  L.push(`(v128.store (local.get $dst) (f32x4.div (local.get $v) (f32x4.add ${splat(1)} (local.get $p))))`);
  L.push(`(local.set $src (i32.add (local.get $src) (i32.const 16)))`);
  L.push(`(local.set $dst (i32.add (local.get $dst) (i32.const 16)))`);
  L.push(`(br $loop)))`);
  L.push(`)`);
  return L;
}
