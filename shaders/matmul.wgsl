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

@compute @workgroup_size(8, 8, 1)
fn matmul(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * TM;
  let col0 = gid.x * TN;
  let b = gid.z;
  if (row0 >= p.M || col0 >= p.N || b >= p.batch) { return; }
  let aBase = b * p.aStrides.x;
  let bBase = b * p.bStrides.x;
  // Clamp row/column indices so that edge invocations read valid memory; their extra results are not stored.
  var aRow: array<u32, 4>;
  var bCol: array<u32, 4>;
  for (var i = 0u; i < TM; i++) { aRow[i] = aBase + min(row0 + i, p.M - 1u) * p.aStrides.y; }
  for (var j = 0u; j < TN; j++) { bCol[j] = bBase + min(col0 + j, p.N - 1u) * p.bStrides.z; }
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < p.K; k++) {
    let ak = k * p.aStrides.z;
    let bk = k * p.bStrides.y;
    let bv = vec4<f32>(B[bCol[0] + bk], B[bCol[1] + bk], B[bCol[2] + bk], B[bCol[3] + bk]);
    acc[0] = fma(vec4<f32>(A[aRow[0] + ak]), bv, acc[0]);
    acc[1] = fma(vec4<f32>(A[aRow[1] + ak]), bv, acc[1]);
    acc[2] = fma(vec4<f32>(A[aRow[2] + ak]), bv, acc[2]);
    acc[3] = fma(vec4<f32>(A[aRow[3] + ak]), bv, acc[3]);
  }
  let cBase = b * p.M * p.N;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j;
      if (col >= p.N) { break; }
      let at = cBase + row * p.N + col;
      var value = acc[i][j];
      if (p.accumulate == 1u) { value += C[at]; }
      C[at] = value;
    }
  }
}
