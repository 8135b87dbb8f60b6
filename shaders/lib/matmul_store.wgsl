// store_row: one row of a kernel's output block, 4 values, stored where they fall inside C (added to C's values
// when ACCUMULATE, matmul_params.wgsl). For the files that declare `p: MatmulParams` and `C` (matmul.wgsl,
// matmul_quad.wgsl); included with `//! include matmul_store` after `matmul_params`.
//
// The row has no loop: on a CPU adapter (SwiftShader) a loop runs its body at least once, whatever its trip
// count.

fn store_row(cBase: u32, row: u32, col0: u32, values: vec4<f32>) {
  if (row >= p.M) { return; }
  let at = cBase + row * p.N + col0;
  var v = values;
  if (ACCUMULATE) {
    let last = cBase + p.M * p.N - 1u;
    v += vec4<f32>(C[min(at, last)], C[min(at + 1u, last)], C[min(at + 2u, last)], C[min(at + 3u, last)]);
  }
  if (col0 < p.N) { C[at] = v.x; }
  if (col0 + 1u < p.N) { C[at + 1u] = v.y; }
  if (col0 + 2u < p.N) { C[at + 2u] = v.z; }
  if (col0 + 3u < p.N) { C[at + 3u] = v.w; }
}
