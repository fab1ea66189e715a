/**
 * `mean_rows(src, dst, rows, channels)`: dst[c] = (Σ_r src[r][c]) / rows for a row-major [rows, channels] block
 * (channels a multiple of 4), four channels at a time, the sums kept in `dst` while the rows stream past (one pass
 * over the input in its own order). A global average pool over an NHWC map (SE blocks, the GAP neck) is one call per
 * image; tfjs's WASM Mean first transposes the reduced axes innermost, a second pass over the map.
 */
export function meanRowsFunction(): string[] {
  const L: string[] = [];
  L.push(`(func (export "mean_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $channels i32)`);
  L.push(`(local $c i32) (local $end i32) (local $rowBytes i32) (local $count v128)`);
  L.push(`(local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))`);
  L.push(`(local.set $c (i32.const 0))`);
  L.push(`(block $zeroed (loop $zero`);
  L.push(`(br_if $zeroed (i32.ge_u (local.get $c) (local.get $rowBytes)))`);
  L.push(`(v128.store (i32.add (local.get $dst) (local.get $c)) (v128.const i32x4 0 0 0 0))`);
  L.push(`(local.set $c (i32.add (local.get $c) (i32.const 16)))`);
  L.push(`(br $zero)))`);
  L.push(`(local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $rowBytes))))`);
  L.push(`(block $rows_done (loop $rows_loop`);
  L.push(`(br_if $rows_done (i32.ge_u (local.get $src) (local.get $end)))`);
  L.push(`(local.set $c (i32.const 0))`);
  L.push(`(loop $c_loop`);
  L.push(`(v128.store (i32.add (local.get $dst) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $c))) (v128.load (i32.add (local.get $src) (local.get $c)))))`);
  L.push(`(br_if $c_loop (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $rowBytes)))`);
  L.push(`)`);
  L.push(`(local.set $src (i32.add (local.get $src) (local.get $rowBytes)))`);
  L.push(`(br $rows_loop)))`);
  L.push(`(local.set $count (f32x4.splat (f32.convert_i32_u (local.get $rows))))`);
  L.push(`(local.set $c (i32.const 0))`);
  L.push(`(block $countd (loop $count_loop`);
  L.push(`(br_if $countd (i32.ge_u (local.get $c) (local.get $rowBytes)))`);
  L.push(`(v128.store (i32.add (local.get $dst) (local.get $c)) (f32x4.div (v128.load (i32.add (local.get $dst) (local.get $c))) (local.get $count)))`);
  L.push(`(local.set $c (i32.add (local.get $c) (i32.const 16)))`);
  L.push(`(br $count_loop)))`);
  L.push(`)`);
  return L;
}
