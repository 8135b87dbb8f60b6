// The uniforms of a batched product C[b] = A[b] · B[b] (+ C[b] when ACCUMULATE) with strided operands: the
// contract that every matmul kernel keeps (matmul.wgsl's register tiles, gemm.wgsl's matmul_shared), so that the
// host fills them the same way (src/ops/matmul/kernels.ts). A is read through strides (batch, row m, column k), B through
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
};

// Whether the product is added to C's values: a pipeline constant, not a uniform. On a CPU adapter (SwiftShader)
// every block of a shader runs, masked, whatever a runtime branch decides, so a read of C behind a uniform's `if`
// would be paid by every product; a branch on a constant is compiled away.
override ACCUMULATE: bool = false;
