/**
 * `gelu(src, dst, n, table)`: exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)), four floats at a time (n a multiple of 4), with
 * erf by Abramowitz & Stegun 7.1.28: erf(a) = 1 − 1/(1 + c₁a + … + c₆a⁶)¹⁶ for a ≥ 0 (|error| ≤ 3e-7), odd in a.
 * No exp: a Horner polynomial, four squarings and one division per vector. For large a the 16th power overflows
 * to +∞ and erf is 1, as it is in float32.
 */
import { constantTable, multiplyAdd } from './wat_helpers';

/** A&S 7.1.28's coefficients c₁ … c₆. */
export const ERF_COEFFICIENTS = [0.0705230784, 0.0422820123, 0.0092705272, 0.0001520143, 0.0002765672, 0.0000430638];

/** The constants `gelu` reads from its table (constantTable), in the table's order. */
export const GELU_CONSTANTS = [Math.SQRT1_2, ...ERF_COEFFICIENTS, 1, 0.5];

export function geluFunction(fma: boolean): string[] {
  const c = ERF_COEFFICIENTS;
  const splat = constantTable(GELU_CONSTANTS).get;
  const L: string[] = [];
  L.push(`(func $gelu (export "gelu") (param $src i32) (param $dst i32) (param $n i32) (param $table i32)`);
  L.push(`(local $end i32) (local $v v128) (local $z v128) (local $a v128) (local $t v128) (local $e v128)`);
  L.push(`(local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))`);
  L.push(`(block $done (loop $loop`);
  L.push(`(br_if $done (i32.ge_u (local.get $src) (local.get $end)))`);
  L.push(`(local.set $v (v128.load (local.get $src)))`);
  L.push(`(local.set $z (f32x4.mul (local.get $v) ${splat(Math.SQRT1_2)}))`);
  L.push(`(local.set $a (f32x4.abs (local.get $z)))`);
  // Horner: t = 1 + a·(c₁ + a·(c₂ + … + a·c₆))
  L.push(`(local.set $t ${splat(c[5]!)})`);
  for (let i = 4; i >= 0; i--) L.push(`(local.set $t ${multiplyAdd(fma, '(local.get $t)', '(local.get $a)', splat(c[i]!))})`);
  L.push(`(local.set $t ${multiplyAdd(fma, '(local.get $t)', '(local.get $a)', splat(1))})`);
  for (let i = 0; i < 4; i++) L.push(`(local.set $t (f32x4.mul (local.get $t) (local.get $t)))`);
  // erf(|z|) = 1 − 1/t, given z's sign (erf(|z|) ≥ 0, so OR-ing z's sign bit in is copysign).
  L.push(`(local.set $e (f32x4.sub ${splat(1)} (f32x4.div ${splat(1)} (local.get $t))))`);
  L.push(`(local.set $e (v128.or (local.get $e) (v128.and (local.get $z) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))`);
  L.push(`(v128.store (local.get $dst) (f32x4.mul (f32x4.mul (local.get $v) ${splat(0.5)}) (f32x4.add ${splat(1)} (local.get $e))))`);
  L.push(`(local.set $src (i32.add (local.get $src) (i32.const 16)))`);
  L.push(`(local.set $dst (i32.add (local.get $dst) (i32.const 16)))`);
  L.push(`(br $loop)))`);
  L.push(`)`);
  return L;
}
