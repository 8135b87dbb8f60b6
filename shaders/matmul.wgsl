// Batched matrix product C[b] = A[b] · B[b] (+ C[b] when ACCUMULATE = 1).
//
// A is read through strides (batch, row m, column k) and B through (batch, row k, column n), so a transposed
// operand is the same kernel with its two strides swapped, and a broadcast batch has batch stride 0.
// C is dense [batch, M, N].
//
// Register blocking without barriers: each invocation computes a TM×TN = 4×4 block of C, keeping 16
// accumulators in registers and reading 4 values of A and 4 of B per k. A workgroup of 8×8 invocations
// covers a 32×32 tile. (On CPU software adapters, workgroup barriers cost more than they save; shared-memory
// tiling variants for real GPUs belong next to this one.)

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

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const TM = 4u;
const TN = 4u;

// One row of the output block: 4 values, stored where they fall inside C.
fn store_row(cBase: u32, row: u32, col0: u32, values: vec4<f32>) {
  if (row >= p.M) { return; }
  let at = cBase + row * p.N + col0;
  for (var j = 0u; j < TN; j++) {
    if (col0 + j >= p.N) { return; }
    var value = values[j];
    if (p.accumulate == 1u) { value += C[at + j]; }
    C[at + j] = value;
  }
}

@compute @workgroup_size(8, 8, 1)
fn matmul(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  let b = gid.z;
  if (row0 >= p.M || col0 >= p.N || b >= p.batch) { return; }
  let aBase = b * p.aStrides.x;
  let bBase = b * p.bStrides.x;
  // Row and column offsets as separate values, not arrays: on CPU adapters a private array indexed in a loop lives
  // in memory (measured 2-3x slower). Edge invocations clamp to valid rows/columns; their extra results are dropped.
  let a0 = aBase + min(row0, p.M - 1u) * p.aStrides.y;
  let a1 = aBase + min(row0 + 1u, p.M - 1u) * p.aStrides.y;
  let a2 = aBase + min(row0 + 2u, p.M - 1u) * p.aStrides.y;
  let a3 = aBase + min(row0 + 3u, p.M - 1u) * p.aStrides.y;
  let b0 = bBase + min(col0, p.N - 1u) * p.bStrides.z;
  let b1 = bBase + min(col0 + 1u, p.N - 1u) * p.bStrides.z;
  let b2 = bBase + min(col0 + 2u, p.N - 1u) * p.bStrides.z;
  let b3 = bBase + min(col0 + 3u, p.N - 1u) * p.bStrides.z;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ak = k * p.aStrides.z;
    let bk = k * p.bStrides.y;
    let bv = vec4<f32>(B[b0 + bk], B[b1 + bk], B[b2 + bk], B[b3 + bk]);
    acc0 = fma(vec4<f32>(A[a0 + ak]), bv, acc0);
    acc1 = fma(vec4<f32>(A[a1 + ak]), bv, acc1);
    acc2 = fma(vec4<f32>(A[a2 + ak]), bv, acc2);
    acc3 = fma(vec4<f32>(A[a3 + ak]), bv, acc3);
  }
  let cBase = b * p.M * p.N;
  store_row(cBase, row0, col0, acc0);
  store_row(cBase, row0 + 1u, col0, acc1);
  store_row(cBase, row0 + 2u, col0, acc2);
  store_row(cBase, row0 + 3u, col0, acc3);
}
