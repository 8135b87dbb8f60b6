// store_row: one row of a kernel's output block, 4 values, stored where they fall inside C (added to C's values
// when p.accumulate = 1). For the files that declare `p: MatmulParams` and `C` (matmul.wgsl, matmul_quad.wgsl);
// included with `//! include matmul_store`.
fn store_row(cBase: u32, row: u32, col0: u32, values: vec4<f32>) {
  if (row >= p.M) { return; }
  let at = cBase + row * p.N + col0;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j >= p.N) { return; }
    var value = values[j];
    if (p.accumulate == 1u) { value += C[at + j]; }
    C[at + j] = value;
  }
}
