// The uniforms of a batched product C[b] = A[b] · B[b] (+ C[b] when accumulate = 1) with strided operands: the
// contract that every matmul kernel keeps (matmul.wgsl's register tiles, gemm.wgsl's matmul_shared), so that the
// host fills them the same way (src/ops/matmul.ts). A is read through strides (batch, row m, column k), B through
// (batch, row k, column n); a transposed operand swaps two strides, a broadcast batch has batch stride 0.
// Included with `//! include matmul_params` (see src/gpu/shaders.ts).
struct MatmulParams {
  M: u32,
  N: u32,
  K: u32,
  batch: u32,
  // strides of A: batch, m, k; of B: batch, k, n
  aStrides: vec3<u32>,
  bStrides: vec3<u32>,
  accumulate: u32,
};
