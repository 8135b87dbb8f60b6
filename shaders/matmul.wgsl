// Batched matrix product C[b] = A[b] · B[b] (+ C[b] when ACCUMULATE = 1).
//
// A is read through strides (batch, row m, column k) and B through (batch, row k, column n), so a transposed
// operand is the same kernel with its two strides swapped, and a broadcast batch has batch stride 0.
// C is dense [batch, M, N].
//
// Register blocking without barriers (on CPU software adapters workgroup barriers cost more than they save;
// the shared-memory tiled kernel for GPUs is in gemm.wgsl). Four variants, chosen per shape by the tuner
// (src/ops/matmul/kernels.ts): `matmul` computes a 4×4 block of C per invocation, reading 4 values of A and 4 of B per k
// for 16 FMAs (the most invocations: small products); `matmul_16x16` a 16×16 block, 32 reads per k for 256
// FMAs; `matmul_packed_16x16` / `_16x32` a 16×16 / 16×32 block from operands first laid out as vec4 panels
// (matmul_pack), 8 / 12 vec4 reads per k, 4 k per loop iteration (large products, where the packing pass is
// repaid by contiguous vec4 reads).

// MatmulParams (shaders/lib/matmul_params.wgsl); the packed kernels use aStrides.x / bStrides.x as the panels'
// batch strides.
//! include matmul_params
//! include matmul_store

// matmul_pack: packed[(b·depth + k)·blocks + block] = (X[b, min(4·block + i, rows − 1), k])_i for k < filled, else
// 0; X read through strides (batch, row, k): an operand laid out as vec4 panels of 4 rows (of A) or 4 columns
// (of B) per k, for the packed kernels (blocks covers whole tiles, depth is K rounded up to 4).
struct PackParams {
  rows: u32,
  depth: u32,
  blocks: u32,
  batch: u32,
  strides: vec3<u32>,
  // K itself: depth − filled rows of zeros pad it to a whole unrolled step.
  filled: u32,
};

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<storage, read> packedA: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> packedB: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> pp: PackParams;
@group(0) @binding(7) var<storage, read> panelSource: array<f32>;
@group(0) @binding(8) var<storage, read_write> packed: array<vec4<f32>>;

// Invocations per workgroup of the 16×16 and bigger blocks (fewer, so that big blocks still make several
// workgroups for the CPU adapter's threads).
override WG: u32 = 64u;

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
  // Row and column offsets as separate values, not arrays: on CPU adapters a private array indexed in a loop lives
  // in memory. Edge invocations clamp to valid rows/columns; their extra results are dropped.
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

@compute @workgroup_size(64)
fn matmul_pack(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= pp.batch * pp.depth * pp.blocks) { return; }
  let panel = i % pp.blocks;
  let k = i / pp.blocks % pp.depth;
  let b = i / (pp.blocks * pp.depth);
  let at = b * pp.strides.x + min(k, pp.filled - 1u) * pp.strides.z;
  let lastLine = pp.rows - 1u;
  let line = panel * 4u;
  let v0 = panelSource[at + min(line, lastLine) * pp.strides.y];
  let v1 = panelSource[at + min(line + 1u, lastLine) * pp.strides.y];
  let v2 = panelSource[at + min(line + 2u, lastLine) * pp.strides.y];
  let v3 = panelSource[at + min(line + 3u, lastLine) * pp.strides.y];
  packed[i] = select(vec4<f32>(0.0), vec4<f32>(v0, v1, v2, v3), k < pp.filled);
}

// matmul_16x16: the same product with a 16×16 block of C per invocation (64 vec4 accumulators): per k it reads
// 16 values of A and 16 of B for 64 vec4 FMAs, against 8 reads for 4 in `matmul`. On CPU adapters every
// storage read is a per-lane gather costing more than a vec4 FMA, so the bigger block pays on large products;
// small ones keep more invocations with the 4×4 block (the tuner decides). Jobs are numbered column tiles first,
// then row tiles, then batches, over a grid1d grid of WG-invocation workgroups.
//
// matmul_packed_TMxTN: C = A·B from packedA (A as 4-row panels, [batchA, K', (TM/4)·ceil(M/TM)] vec4) and
// packedB (B as 4-column panels, [batchB, K', (TN/4)·ceil(N/TN)] vec4; K' = K rounded up to 4), made by
// matmul_pack; aStrides.x / bStrides.x are the panels' batch strides in vec4s (0 for a broadcast operand). An
// invocation computes a TM×TN block of C: per k, TM/4 + TN/4 vec4 reads for TM·TN/4 vec4 FMAs. Workgroups of WG
// invocations (the host picks 16 for small grids, so that several workgroups share the CPU adapter's threads).
// ---- BEGIN GENERATED by scripts/gen-matmul-wgsl.mjs: edit the script, not this text ----
@compute @workgroup_size(WG)
fn matmul_16x16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesN = (p.N + 15u) / 16u;
  let tilesM = (p.M + 15u) / 16u;
  let b = job / (tilesN * tilesM);
  if (b >= p.batch) { return; }
  let row0 = job / tilesN % tilesM * 16u;
  let col0 = job % tilesN * 16u;
  let aBase = b * p.aStrides.x;
  let bBase = b * p.bStrides.x;
  // Edge invocations clamp to valid rows / columns; their extra results are not stored.
  let a0 = aBase + min(row0 + 0u, p.M - 1u) * p.aStrides.y;
  let a1 = aBase + min(row0 + 1u, p.M - 1u) * p.aStrides.y;
  let a2 = aBase + min(row0 + 2u, p.M - 1u) * p.aStrides.y;
  let a3 = aBase + min(row0 + 3u, p.M - 1u) * p.aStrides.y;
  let a4 = aBase + min(row0 + 4u, p.M - 1u) * p.aStrides.y;
  let a5 = aBase + min(row0 + 5u, p.M - 1u) * p.aStrides.y;
  let a6 = aBase + min(row0 + 6u, p.M - 1u) * p.aStrides.y;
  let a7 = aBase + min(row0 + 7u, p.M - 1u) * p.aStrides.y;
  let a8 = aBase + min(row0 + 8u, p.M - 1u) * p.aStrides.y;
  let a9 = aBase + min(row0 + 9u, p.M - 1u) * p.aStrides.y;
  let a10 = aBase + min(row0 + 10u, p.M - 1u) * p.aStrides.y;
  let a11 = aBase + min(row0 + 11u, p.M - 1u) * p.aStrides.y;
  let a12 = aBase + min(row0 + 12u, p.M - 1u) * p.aStrides.y;
  let a13 = aBase + min(row0 + 13u, p.M - 1u) * p.aStrides.y;
  let a14 = aBase + min(row0 + 14u, p.M - 1u) * p.aStrides.y;
  let a15 = aBase + min(row0 + 15u, p.M - 1u) * p.aStrides.y;
  let b0 = bBase + min(col0 + 0u, p.N - 1u) * p.bStrides.z;
  let b1 = bBase + min(col0 + 1u, p.N - 1u) * p.bStrides.z;
  let b2 = bBase + min(col0 + 2u, p.N - 1u) * p.bStrides.z;
  let b3 = bBase + min(col0 + 3u, p.N - 1u) * p.bStrides.z;
  let b4 = bBase + min(col0 + 4u, p.N - 1u) * p.bStrides.z;
  let b5 = bBase + min(col0 + 5u, p.N - 1u) * p.bStrides.z;
  let b6 = bBase + min(col0 + 6u, p.N - 1u) * p.bStrides.z;
  let b7 = bBase + min(col0 + 7u, p.N - 1u) * p.bStrides.z;
  let b8 = bBase + min(col0 + 8u, p.N - 1u) * p.bStrides.z;
  let b9 = bBase + min(col0 + 9u, p.N - 1u) * p.bStrides.z;
  let b10 = bBase + min(col0 + 10u, p.N - 1u) * p.bStrides.z;
  let b11 = bBase + min(col0 + 11u, p.N - 1u) * p.bStrides.z;
  let b12 = bBase + min(col0 + 12u, p.N - 1u) * p.bStrides.z;
  let b13 = bBase + min(col0 + 13u, p.N - 1u) * p.bStrides.z;
  let b14 = bBase + min(col0 + 14u, p.N - 1u) * p.bStrides.z;
  let b15 = bBase + min(col0 + 15u, p.N - 1u) * p.bStrides.z;
  var acc: array<vec4<f32>, 64>;
  for (var k = 0u; k < p.K; k++) {
    let ak = k * p.aStrides.z;
    let bk = k * p.bStrides.y;
    let bv0 = vec4<f32>(B[b0 + bk], B[b1 + bk], B[b2 + bk], B[b3 + bk]);
    let bv1 = vec4<f32>(B[b4 + bk], B[b5 + bk], B[b6 + bk], B[b7 + bk]);
    let bv2 = vec4<f32>(B[b8 + bk], B[b9 + bk], B[b10 + bk], B[b11 + bk]);
    let bv3 = vec4<f32>(B[b12 + bk], B[b13 + bk], B[b14 + bk], B[b15 + bk]);
    let av0 = vec4<f32>(A[a0 + ak]);
    let av1 = vec4<f32>(A[a1 + ak]);
    let av2 = vec4<f32>(A[a2 + ak]);
    let av3 = vec4<f32>(A[a3 + ak]);
    let av4 = vec4<f32>(A[a4 + ak]);
    let av5 = vec4<f32>(A[a5 + ak]);
    let av6 = vec4<f32>(A[a6 + ak]);
    let av7 = vec4<f32>(A[a7 + ak]);
    let av8 = vec4<f32>(A[a8 + ak]);
    let av9 = vec4<f32>(A[a9 + ak]);
    let av10 = vec4<f32>(A[a10 + ak]);
    let av11 = vec4<f32>(A[a11 + ak]);
    let av12 = vec4<f32>(A[a12 + ak]);
    let av13 = vec4<f32>(A[a13 + ak]);
    let av14 = vec4<f32>(A[a14 + ak]);
    let av15 = vec4<f32>(A[a15 + ak]);
    acc[0] = fma(av0, bv0, acc[0]); acc[1] = fma(av0, bv1, acc[1]); acc[2] = fma(av0, bv2, acc[2]); acc[3] = fma(av0, bv3, acc[3]);
    acc[4] = fma(av1, bv0, acc[4]); acc[5] = fma(av1, bv1, acc[5]); acc[6] = fma(av1, bv2, acc[6]); acc[7] = fma(av1, bv3, acc[7]);
    acc[8] = fma(av2, bv0, acc[8]); acc[9] = fma(av2, bv1, acc[9]); acc[10] = fma(av2, bv2, acc[10]); acc[11] = fma(av2, bv3, acc[11]);
    acc[12] = fma(av3, bv0, acc[12]); acc[13] = fma(av3, bv1, acc[13]); acc[14] = fma(av3, bv2, acc[14]); acc[15] = fma(av3, bv3, acc[15]);
    acc[16] = fma(av4, bv0, acc[16]); acc[17] = fma(av4, bv1, acc[17]); acc[18] = fma(av4, bv2, acc[18]); acc[19] = fma(av4, bv3, acc[19]);
    acc[20] = fma(av5, bv0, acc[20]); acc[21] = fma(av5, bv1, acc[21]); acc[22] = fma(av5, bv2, acc[22]); acc[23] = fma(av5, bv3, acc[23]);
    acc[24] = fma(av6, bv0, acc[24]); acc[25] = fma(av6, bv1, acc[25]); acc[26] = fma(av6, bv2, acc[26]); acc[27] = fma(av6, bv3, acc[27]);
    acc[28] = fma(av7, bv0, acc[28]); acc[29] = fma(av7, bv1, acc[29]); acc[30] = fma(av7, bv2, acc[30]); acc[31] = fma(av7, bv3, acc[31]);
    acc[32] = fma(av8, bv0, acc[32]); acc[33] = fma(av8, bv1, acc[33]); acc[34] = fma(av8, bv2, acc[34]); acc[35] = fma(av8, bv3, acc[35]);
    acc[36] = fma(av9, bv0, acc[36]); acc[37] = fma(av9, bv1, acc[37]); acc[38] = fma(av9, bv2, acc[38]); acc[39] = fma(av9, bv3, acc[39]);
    acc[40] = fma(av10, bv0, acc[40]); acc[41] = fma(av10, bv1, acc[41]); acc[42] = fma(av10, bv2, acc[42]); acc[43] = fma(av10, bv3, acc[43]);
    acc[44] = fma(av11, bv0, acc[44]); acc[45] = fma(av11, bv1, acc[45]); acc[46] = fma(av11, bv2, acc[46]); acc[47] = fma(av11, bv3, acc[47]);
    acc[48] = fma(av12, bv0, acc[48]); acc[49] = fma(av12, bv1, acc[49]); acc[50] = fma(av12, bv2, acc[50]); acc[51] = fma(av12, bv3, acc[51]);
    acc[52] = fma(av13, bv0, acc[52]); acc[53] = fma(av13, bv1, acc[53]); acc[54] = fma(av13, bv2, acc[54]); acc[55] = fma(av13, bv3, acc[55]);
    acc[56] = fma(av14, bv0, acc[56]); acc[57] = fma(av14, bv1, acc[57]); acc[58] = fma(av14, bv2, acc[58]); acc[59] = fma(av14, bv3, acc[59]);
    acc[60] = fma(av15, bv0, acc[60]); acc[61] = fma(av15, bv1, acc[61]); acc[62] = fma(av15, bv2, acc[62]); acc[63] = fma(av15, bv3, acc[63]);
  }
  let cBase = b * p.M * p.N;
  store_row(cBase, row0 + 0u, col0 + 0u, acc[0]); store_row(cBase, row0 + 0u, col0 + 4u, acc[1]); store_row(cBase, row0 + 0u, col0 + 8u, acc[2]); store_row(cBase, row0 + 0u, col0 + 12u, acc[3]);
  store_row(cBase, row0 + 1u, col0 + 0u, acc[4]); store_row(cBase, row0 + 1u, col0 + 4u, acc[5]); store_row(cBase, row0 + 1u, col0 + 8u, acc[6]); store_row(cBase, row0 + 1u, col0 + 12u, acc[7]);
  store_row(cBase, row0 + 2u, col0 + 0u, acc[8]); store_row(cBase, row0 + 2u, col0 + 4u, acc[9]); store_row(cBase, row0 + 2u, col0 + 8u, acc[10]); store_row(cBase, row0 + 2u, col0 + 12u, acc[11]);
  store_row(cBase, row0 + 3u, col0 + 0u, acc[12]); store_row(cBase, row0 + 3u, col0 + 4u, acc[13]); store_row(cBase, row0 + 3u, col0 + 8u, acc[14]); store_row(cBase, row0 + 3u, col0 + 12u, acc[15]);
  store_row(cBase, row0 + 4u, col0 + 0u, acc[16]); store_row(cBase, row0 + 4u, col0 + 4u, acc[17]); store_row(cBase, row0 + 4u, col0 + 8u, acc[18]); store_row(cBase, row0 + 4u, col0 + 12u, acc[19]);
  store_row(cBase, row0 + 5u, col0 + 0u, acc[20]); store_row(cBase, row0 + 5u, col0 + 4u, acc[21]); store_row(cBase, row0 + 5u, col0 + 8u, acc[22]); store_row(cBase, row0 + 5u, col0 + 12u, acc[23]);
  store_row(cBase, row0 + 6u, col0 + 0u, acc[24]); store_row(cBase, row0 + 6u, col0 + 4u, acc[25]); store_row(cBase, row0 + 6u, col0 + 8u, acc[26]); store_row(cBase, row0 + 6u, col0 + 12u, acc[27]);
  store_row(cBase, row0 + 7u, col0 + 0u, acc[28]); store_row(cBase, row0 + 7u, col0 + 4u, acc[29]); store_row(cBase, row0 + 7u, col0 + 8u, acc[30]); store_row(cBase, row0 + 7u, col0 + 12u, acc[31]);
  store_row(cBase, row0 + 8u, col0 + 0u, acc[32]); store_row(cBase, row0 + 8u, col0 + 4u, acc[33]); store_row(cBase, row0 + 8u, col0 + 8u, acc[34]); store_row(cBase, row0 + 8u, col0 + 12u, acc[35]);
  store_row(cBase, row0 + 9u, col0 + 0u, acc[36]); store_row(cBase, row0 + 9u, col0 + 4u, acc[37]); store_row(cBase, row0 + 9u, col0 + 8u, acc[38]); store_row(cBase, row0 + 9u, col0 + 12u, acc[39]);
  store_row(cBase, row0 + 10u, col0 + 0u, acc[40]); store_row(cBase, row0 + 10u, col0 + 4u, acc[41]); store_row(cBase, row0 + 10u, col0 + 8u, acc[42]); store_row(cBase, row0 + 10u, col0 + 12u, acc[43]);
  store_row(cBase, row0 + 11u, col0 + 0u, acc[44]); store_row(cBase, row0 + 11u, col0 + 4u, acc[45]); store_row(cBase, row0 + 11u, col0 + 8u, acc[46]); store_row(cBase, row0 + 11u, col0 + 12u, acc[47]);
  store_row(cBase, row0 + 12u, col0 + 0u, acc[48]); store_row(cBase, row0 + 12u, col0 + 4u, acc[49]); store_row(cBase, row0 + 12u, col0 + 8u, acc[50]); store_row(cBase, row0 + 12u, col0 + 12u, acc[51]);
  store_row(cBase, row0 + 13u, col0 + 0u, acc[52]); store_row(cBase, row0 + 13u, col0 + 4u, acc[53]); store_row(cBase, row0 + 13u, col0 + 8u, acc[54]); store_row(cBase, row0 + 13u, col0 + 12u, acc[55]);
  store_row(cBase, row0 + 14u, col0 + 0u, acc[56]); store_row(cBase, row0 + 14u, col0 + 4u, acc[57]); store_row(cBase, row0 + 14u, col0 + 8u, acc[58]); store_row(cBase, row0 + 14u, col0 + 12u, acc[59]);
  store_row(cBase, row0 + 15u, col0 + 0u, acc[60]); store_row(cBase, row0 + 15u, col0 + 4u, acc[61]); store_row(cBase, row0 + 15u, col0 + 8u, acc[62]); store_row(cBase, row0 + 15u, col0 + 12u, acc[63]);
}

@compute @workgroup_size(WG)
fn matmul_packed_16x16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesN = (p.N + 15u) / 16u;
  let tilesM = (p.M + 15u) / 16u;
  let b = job / (tilesN * tilesM);
  if (b >= p.batch) { return; }
  let row0 = job / tilesN % tilesM * 16u;
  let col0 = job % tilesN * 16u;
  // The panels hold whole 16-row / 16-column tiles (the pack repeats the last row / column) and K
  // padded with zeros to a multiple of 4.
  let blocksM = tilesM * 4u;
  let blocksN = tilesN * 4u;
  var aAt = b * p.aStrides.x + row0 / 4u;
  var bAt = b * p.bStrides.x + col0 / 4u;
  var acc: array<vec4<f32>, 64>;
  for (var k = 0u; k < p.K; k += 4u) {
    let b0_0 = packedB[bAt];
    let b0_1 = packedB[bAt + 1u];
    let b0_2 = packedB[bAt + 2u];
    let b0_3 = packedB[bAt + 3u];
    let a0_0 = packedA[aAt];
    let a0_1 = packedA[aAt + 1u];
    let a0_2 = packedA[aAt + 2u];
    let a0_3 = packedA[aAt + 3u];
    acc[0] = fma(vec4<f32>(a0_0.x), b0_0, acc[0]); acc[1] = fma(vec4<f32>(a0_0.x), b0_1, acc[1]); acc[2] = fma(vec4<f32>(a0_0.x), b0_2, acc[2]); acc[3] = fma(vec4<f32>(a0_0.x), b0_3, acc[3]);
    acc[4] = fma(vec4<f32>(a0_0.y), b0_0, acc[4]); acc[5] = fma(vec4<f32>(a0_0.y), b0_1, acc[5]); acc[6] = fma(vec4<f32>(a0_0.y), b0_2, acc[6]); acc[7] = fma(vec4<f32>(a0_0.y), b0_3, acc[7]);
    acc[8] = fma(vec4<f32>(a0_0.z), b0_0, acc[8]); acc[9] = fma(vec4<f32>(a0_0.z), b0_1, acc[9]); acc[10] = fma(vec4<f32>(a0_0.z), b0_2, acc[10]); acc[11] = fma(vec4<f32>(a0_0.z), b0_3, acc[11]);
    acc[12] = fma(vec4<f32>(a0_0.w), b0_0, acc[12]); acc[13] = fma(vec4<f32>(a0_0.w), b0_1, acc[13]); acc[14] = fma(vec4<f32>(a0_0.w), b0_2, acc[14]); acc[15] = fma(vec4<f32>(a0_0.w), b0_3, acc[15]);
    acc[16] = fma(vec4<f32>(a0_1.x), b0_0, acc[16]); acc[17] = fma(vec4<f32>(a0_1.x), b0_1, acc[17]); acc[18] = fma(vec4<f32>(a0_1.x), b0_2, acc[18]); acc[19] = fma(vec4<f32>(a0_1.x), b0_3, acc[19]);
    acc[20] = fma(vec4<f32>(a0_1.y), b0_0, acc[20]); acc[21] = fma(vec4<f32>(a0_1.y), b0_1, acc[21]); acc[22] = fma(vec4<f32>(a0_1.y), b0_2, acc[22]); acc[23] = fma(vec4<f32>(a0_1.y), b0_3, acc[23]);
    acc[24] = fma(vec4<f32>(a0_1.z), b0_0, acc[24]); acc[25] = fma(vec4<f32>(a0_1.z), b0_1, acc[25]); acc[26] = fma(vec4<f32>(a0_1.z), b0_2, acc[26]); acc[27] = fma(vec4<f32>(a0_1.z), b0_3, acc[27]);
    acc[28] = fma(vec4<f32>(a0_1.w), b0_0, acc[28]); acc[29] = fma(vec4<f32>(a0_1.w), b0_1, acc[29]); acc[30] = fma(vec4<f32>(a0_1.w), b0_2, acc[30]); acc[31] = fma(vec4<f32>(a0_1.w), b0_3, acc[31]);
    acc[32] = fma(vec4<f32>(a0_2.x), b0_0, acc[32]); acc[33] = fma(vec4<f32>(a0_2.x), b0_1, acc[33]); acc[34] = fma(vec4<f32>(a0_2.x), b0_2, acc[34]); acc[35] = fma(vec4<f32>(a0_2.x), b0_3, acc[35]);
    acc[36] = fma(vec4<f32>(a0_2.y), b0_0, acc[36]); acc[37] = fma(vec4<f32>(a0_2.y), b0_1, acc[37]); acc[38] = fma(vec4<f32>(a0_2.y), b0_2, acc[38]); acc[39] = fma(vec4<f32>(a0_2.y), b0_3, acc[39]);
    acc[40] = fma(vec4<f32>(a0_2.z), b0_0, acc[40]); acc[41] = fma(vec4<f32>(a0_2.z), b0_1, acc[41]); acc[42] = fma(vec4<f32>(a0_2.z), b0_2, acc[42]); acc[43] = fma(vec4<f32>(a0_2.z), b0_3, acc[43]);
    acc[44] = fma(vec4<f32>(a0_2.w), b0_0, acc[44]); acc[45] = fma(vec4<f32>(a0_2.w), b0_1, acc[45]); acc[46] = fma(vec4<f32>(a0_2.w), b0_2, acc[46]); acc[47] = fma(vec4<f32>(a0_2.w), b0_3, acc[47]);
    acc[48] = fma(vec4<f32>(a0_3.x), b0_0, acc[48]); acc[49] = fma(vec4<f32>(a0_3.x), b0_1, acc[49]); acc[50] = fma(vec4<f32>(a0_3.x), b0_2, acc[50]); acc[51] = fma(vec4<f32>(a0_3.x), b0_3, acc[51]);
    acc[52] = fma(vec4<f32>(a0_3.y), b0_0, acc[52]); acc[53] = fma(vec4<f32>(a0_3.y), b0_1, acc[53]); acc[54] = fma(vec4<f32>(a0_3.y), b0_2, acc[54]); acc[55] = fma(vec4<f32>(a0_3.y), b0_3, acc[55]);
    acc[56] = fma(vec4<f32>(a0_3.z), b0_0, acc[56]); acc[57] = fma(vec4<f32>(a0_3.z), b0_1, acc[57]); acc[58] = fma(vec4<f32>(a0_3.z), b0_2, acc[58]); acc[59] = fma(vec4<f32>(a0_3.z), b0_3, acc[59]);
    acc[60] = fma(vec4<f32>(a0_3.w), b0_0, acc[60]); acc[61] = fma(vec4<f32>(a0_3.w), b0_1, acc[61]); acc[62] = fma(vec4<f32>(a0_3.w), b0_2, acc[62]); acc[63] = fma(vec4<f32>(a0_3.w), b0_3, acc[63]);
    let b1_0 = packedB[bAt + 1u * blocksN];
    let b1_1 = packedB[bAt + 1u * blocksN + 1u];
    let b1_2 = packedB[bAt + 1u * blocksN + 2u];
    let b1_3 = packedB[bAt + 1u * blocksN + 3u];
    let a1_0 = packedA[aAt + 1u * blocksM];
    let a1_1 = packedA[aAt + 1u * blocksM + 1u];
    let a1_2 = packedA[aAt + 1u * blocksM + 2u];
    let a1_3 = packedA[aAt + 1u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a1_0.x), b1_0, acc[0]); acc[1] = fma(vec4<f32>(a1_0.x), b1_1, acc[1]); acc[2] = fma(vec4<f32>(a1_0.x), b1_2, acc[2]); acc[3] = fma(vec4<f32>(a1_0.x), b1_3, acc[3]);
    acc[4] = fma(vec4<f32>(a1_0.y), b1_0, acc[4]); acc[5] = fma(vec4<f32>(a1_0.y), b1_1, acc[5]); acc[6] = fma(vec4<f32>(a1_0.y), b1_2, acc[6]); acc[7] = fma(vec4<f32>(a1_0.y), b1_3, acc[7]);
    acc[8] = fma(vec4<f32>(a1_0.z), b1_0, acc[8]); acc[9] = fma(vec4<f32>(a1_0.z), b1_1, acc[9]); acc[10] = fma(vec4<f32>(a1_0.z), b1_2, acc[10]); acc[11] = fma(vec4<f32>(a1_0.z), b1_3, acc[11]);
    acc[12] = fma(vec4<f32>(a1_0.w), b1_0, acc[12]); acc[13] = fma(vec4<f32>(a1_0.w), b1_1, acc[13]); acc[14] = fma(vec4<f32>(a1_0.w), b1_2, acc[14]); acc[15] = fma(vec4<f32>(a1_0.w), b1_3, acc[15]);
    acc[16] = fma(vec4<f32>(a1_1.x), b1_0, acc[16]); acc[17] = fma(vec4<f32>(a1_1.x), b1_1, acc[17]); acc[18] = fma(vec4<f32>(a1_1.x), b1_2, acc[18]); acc[19] = fma(vec4<f32>(a1_1.x), b1_3, acc[19]);
    acc[20] = fma(vec4<f32>(a1_1.y), b1_0, acc[20]); acc[21] = fma(vec4<f32>(a1_1.y), b1_1, acc[21]); acc[22] = fma(vec4<f32>(a1_1.y), b1_2, acc[22]); acc[23] = fma(vec4<f32>(a1_1.y), b1_3, acc[23]);
    acc[24] = fma(vec4<f32>(a1_1.z), b1_0, acc[24]); acc[25] = fma(vec4<f32>(a1_1.z), b1_1, acc[25]); acc[26] = fma(vec4<f32>(a1_1.z), b1_2, acc[26]); acc[27] = fma(vec4<f32>(a1_1.z), b1_3, acc[27]);
    acc[28] = fma(vec4<f32>(a1_1.w), b1_0, acc[28]); acc[29] = fma(vec4<f32>(a1_1.w), b1_1, acc[29]); acc[30] = fma(vec4<f32>(a1_1.w), b1_2, acc[30]); acc[31] = fma(vec4<f32>(a1_1.w), b1_3, acc[31]);
    acc[32] = fma(vec4<f32>(a1_2.x), b1_0, acc[32]); acc[33] = fma(vec4<f32>(a1_2.x), b1_1, acc[33]); acc[34] = fma(vec4<f32>(a1_2.x), b1_2, acc[34]); acc[35] = fma(vec4<f32>(a1_2.x), b1_3, acc[35]);
    acc[36] = fma(vec4<f32>(a1_2.y), b1_0, acc[36]); acc[37] = fma(vec4<f32>(a1_2.y), b1_1, acc[37]); acc[38] = fma(vec4<f32>(a1_2.y), b1_2, acc[38]); acc[39] = fma(vec4<f32>(a1_2.y), b1_3, acc[39]);
    acc[40] = fma(vec4<f32>(a1_2.z), b1_0, acc[40]); acc[41] = fma(vec4<f32>(a1_2.z), b1_1, acc[41]); acc[42] = fma(vec4<f32>(a1_2.z), b1_2, acc[42]); acc[43] = fma(vec4<f32>(a1_2.z), b1_3, acc[43]);
    acc[44] = fma(vec4<f32>(a1_2.w), b1_0, acc[44]); acc[45] = fma(vec4<f32>(a1_2.w), b1_1, acc[45]); acc[46] = fma(vec4<f32>(a1_2.w), b1_2, acc[46]); acc[47] = fma(vec4<f32>(a1_2.w), b1_3, acc[47]);
    acc[48] = fma(vec4<f32>(a1_3.x), b1_0, acc[48]); acc[49] = fma(vec4<f32>(a1_3.x), b1_1, acc[49]); acc[50] = fma(vec4<f32>(a1_3.x), b1_2, acc[50]); acc[51] = fma(vec4<f32>(a1_3.x), b1_3, acc[51]);
    acc[52] = fma(vec4<f32>(a1_3.y), b1_0, acc[52]); acc[53] = fma(vec4<f32>(a1_3.y), b1_1, acc[53]); acc[54] = fma(vec4<f32>(a1_3.y), b1_2, acc[54]); acc[55] = fma(vec4<f32>(a1_3.y), b1_3, acc[55]);
    acc[56] = fma(vec4<f32>(a1_3.z), b1_0, acc[56]); acc[57] = fma(vec4<f32>(a1_3.z), b1_1, acc[57]); acc[58] = fma(vec4<f32>(a1_3.z), b1_2, acc[58]); acc[59] = fma(vec4<f32>(a1_3.z), b1_3, acc[59]);
    acc[60] = fma(vec4<f32>(a1_3.w), b1_0, acc[60]); acc[61] = fma(vec4<f32>(a1_3.w), b1_1, acc[61]); acc[62] = fma(vec4<f32>(a1_3.w), b1_2, acc[62]); acc[63] = fma(vec4<f32>(a1_3.w), b1_3, acc[63]);
    let b2_0 = packedB[bAt + 2u * blocksN];
    let b2_1 = packedB[bAt + 2u * blocksN + 1u];
    let b2_2 = packedB[bAt + 2u * blocksN + 2u];
    let b2_3 = packedB[bAt + 2u * blocksN + 3u];
    let a2_0 = packedA[aAt + 2u * blocksM];
    let a2_1 = packedA[aAt + 2u * blocksM + 1u];
    let a2_2 = packedA[aAt + 2u * blocksM + 2u];
    let a2_3 = packedA[aAt + 2u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a2_0.x), b2_0, acc[0]); acc[1] = fma(vec4<f32>(a2_0.x), b2_1, acc[1]); acc[2] = fma(vec4<f32>(a2_0.x), b2_2, acc[2]); acc[3] = fma(vec4<f32>(a2_0.x), b2_3, acc[3]);
    acc[4] = fma(vec4<f32>(a2_0.y), b2_0, acc[4]); acc[5] = fma(vec4<f32>(a2_0.y), b2_1, acc[5]); acc[6] = fma(vec4<f32>(a2_0.y), b2_2, acc[6]); acc[7] = fma(vec4<f32>(a2_0.y), b2_3, acc[7]);
    acc[8] = fma(vec4<f32>(a2_0.z), b2_0, acc[8]); acc[9] = fma(vec4<f32>(a2_0.z), b2_1, acc[9]); acc[10] = fma(vec4<f32>(a2_0.z), b2_2, acc[10]); acc[11] = fma(vec4<f32>(a2_0.z), b2_3, acc[11]);
    acc[12] = fma(vec4<f32>(a2_0.w), b2_0, acc[12]); acc[13] = fma(vec4<f32>(a2_0.w), b2_1, acc[13]); acc[14] = fma(vec4<f32>(a2_0.w), b2_2, acc[14]); acc[15] = fma(vec4<f32>(a2_0.w), b2_3, acc[15]);
    acc[16] = fma(vec4<f32>(a2_1.x), b2_0, acc[16]); acc[17] = fma(vec4<f32>(a2_1.x), b2_1, acc[17]); acc[18] = fma(vec4<f32>(a2_1.x), b2_2, acc[18]); acc[19] = fma(vec4<f32>(a2_1.x), b2_3, acc[19]);
    acc[20] = fma(vec4<f32>(a2_1.y), b2_0, acc[20]); acc[21] = fma(vec4<f32>(a2_1.y), b2_1, acc[21]); acc[22] = fma(vec4<f32>(a2_1.y), b2_2, acc[22]); acc[23] = fma(vec4<f32>(a2_1.y), b2_3, acc[23]);
    acc[24] = fma(vec4<f32>(a2_1.z), b2_0, acc[24]); acc[25] = fma(vec4<f32>(a2_1.z), b2_1, acc[25]); acc[26] = fma(vec4<f32>(a2_1.z), b2_2, acc[26]); acc[27] = fma(vec4<f32>(a2_1.z), b2_3, acc[27]);
    acc[28] = fma(vec4<f32>(a2_1.w), b2_0, acc[28]); acc[29] = fma(vec4<f32>(a2_1.w), b2_1, acc[29]); acc[30] = fma(vec4<f32>(a2_1.w), b2_2, acc[30]); acc[31] = fma(vec4<f32>(a2_1.w), b2_3, acc[31]);
    acc[32] = fma(vec4<f32>(a2_2.x), b2_0, acc[32]); acc[33] = fma(vec4<f32>(a2_2.x), b2_1, acc[33]); acc[34] = fma(vec4<f32>(a2_2.x), b2_2, acc[34]); acc[35] = fma(vec4<f32>(a2_2.x), b2_3, acc[35]);
    acc[36] = fma(vec4<f32>(a2_2.y), b2_0, acc[36]); acc[37] = fma(vec4<f32>(a2_2.y), b2_1, acc[37]); acc[38] = fma(vec4<f32>(a2_2.y), b2_2, acc[38]); acc[39] = fma(vec4<f32>(a2_2.y), b2_3, acc[39]);
    acc[40] = fma(vec4<f32>(a2_2.z), b2_0, acc[40]); acc[41] = fma(vec4<f32>(a2_2.z), b2_1, acc[41]); acc[42] = fma(vec4<f32>(a2_2.z), b2_2, acc[42]); acc[43] = fma(vec4<f32>(a2_2.z), b2_3, acc[43]);
    acc[44] = fma(vec4<f32>(a2_2.w), b2_0, acc[44]); acc[45] = fma(vec4<f32>(a2_2.w), b2_1, acc[45]); acc[46] = fma(vec4<f32>(a2_2.w), b2_2, acc[46]); acc[47] = fma(vec4<f32>(a2_2.w), b2_3, acc[47]);
    acc[48] = fma(vec4<f32>(a2_3.x), b2_0, acc[48]); acc[49] = fma(vec4<f32>(a2_3.x), b2_1, acc[49]); acc[50] = fma(vec4<f32>(a2_3.x), b2_2, acc[50]); acc[51] = fma(vec4<f32>(a2_3.x), b2_3, acc[51]);
    acc[52] = fma(vec4<f32>(a2_3.y), b2_0, acc[52]); acc[53] = fma(vec4<f32>(a2_3.y), b2_1, acc[53]); acc[54] = fma(vec4<f32>(a2_3.y), b2_2, acc[54]); acc[55] = fma(vec4<f32>(a2_3.y), b2_3, acc[55]);
    acc[56] = fma(vec4<f32>(a2_3.z), b2_0, acc[56]); acc[57] = fma(vec4<f32>(a2_3.z), b2_1, acc[57]); acc[58] = fma(vec4<f32>(a2_3.z), b2_2, acc[58]); acc[59] = fma(vec4<f32>(a2_3.z), b2_3, acc[59]);
    acc[60] = fma(vec4<f32>(a2_3.w), b2_0, acc[60]); acc[61] = fma(vec4<f32>(a2_3.w), b2_1, acc[61]); acc[62] = fma(vec4<f32>(a2_3.w), b2_2, acc[62]); acc[63] = fma(vec4<f32>(a2_3.w), b2_3, acc[63]);
    let b3_0 = packedB[bAt + 3u * blocksN];
    let b3_1 = packedB[bAt + 3u * blocksN + 1u];
    let b3_2 = packedB[bAt + 3u * blocksN + 2u];
    let b3_3 = packedB[bAt + 3u * blocksN + 3u];
    let a3_0 = packedA[aAt + 3u * blocksM];
    let a3_1 = packedA[aAt + 3u * blocksM + 1u];
    let a3_2 = packedA[aAt + 3u * blocksM + 2u];
    let a3_3 = packedA[aAt + 3u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a3_0.x), b3_0, acc[0]); acc[1] = fma(vec4<f32>(a3_0.x), b3_1, acc[1]); acc[2] = fma(vec4<f32>(a3_0.x), b3_2, acc[2]); acc[3] = fma(vec4<f32>(a3_0.x), b3_3, acc[3]);
    acc[4] = fma(vec4<f32>(a3_0.y), b3_0, acc[4]); acc[5] = fma(vec4<f32>(a3_0.y), b3_1, acc[5]); acc[6] = fma(vec4<f32>(a3_0.y), b3_2, acc[6]); acc[7] = fma(vec4<f32>(a3_0.y), b3_3, acc[7]);
    acc[8] = fma(vec4<f32>(a3_0.z), b3_0, acc[8]); acc[9] = fma(vec4<f32>(a3_0.z), b3_1, acc[9]); acc[10] = fma(vec4<f32>(a3_0.z), b3_2, acc[10]); acc[11] = fma(vec4<f32>(a3_0.z), b3_3, acc[11]);
    acc[12] = fma(vec4<f32>(a3_0.w), b3_0, acc[12]); acc[13] = fma(vec4<f32>(a3_0.w), b3_1, acc[13]); acc[14] = fma(vec4<f32>(a3_0.w), b3_2, acc[14]); acc[15] = fma(vec4<f32>(a3_0.w), b3_3, acc[15]);
    acc[16] = fma(vec4<f32>(a3_1.x), b3_0, acc[16]); acc[17] = fma(vec4<f32>(a3_1.x), b3_1, acc[17]); acc[18] = fma(vec4<f32>(a3_1.x), b3_2, acc[18]); acc[19] = fma(vec4<f32>(a3_1.x), b3_3, acc[19]);
    acc[20] = fma(vec4<f32>(a3_1.y), b3_0, acc[20]); acc[21] = fma(vec4<f32>(a3_1.y), b3_1, acc[21]); acc[22] = fma(vec4<f32>(a3_1.y), b3_2, acc[22]); acc[23] = fma(vec4<f32>(a3_1.y), b3_3, acc[23]);
    acc[24] = fma(vec4<f32>(a3_1.z), b3_0, acc[24]); acc[25] = fma(vec4<f32>(a3_1.z), b3_1, acc[25]); acc[26] = fma(vec4<f32>(a3_1.z), b3_2, acc[26]); acc[27] = fma(vec4<f32>(a3_1.z), b3_3, acc[27]);
    acc[28] = fma(vec4<f32>(a3_1.w), b3_0, acc[28]); acc[29] = fma(vec4<f32>(a3_1.w), b3_1, acc[29]); acc[30] = fma(vec4<f32>(a3_1.w), b3_2, acc[30]); acc[31] = fma(vec4<f32>(a3_1.w), b3_3, acc[31]);
    acc[32] = fma(vec4<f32>(a3_2.x), b3_0, acc[32]); acc[33] = fma(vec4<f32>(a3_2.x), b3_1, acc[33]); acc[34] = fma(vec4<f32>(a3_2.x), b3_2, acc[34]); acc[35] = fma(vec4<f32>(a3_2.x), b3_3, acc[35]);
    acc[36] = fma(vec4<f32>(a3_2.y), b3_0, acc[36]); acc[37] = fma(vec4<f32>(a3_2.y), b3_1, acc[37]); acc[38] = fma(vec4<f32>(a3_2.y), b3_2, acc[38]); acc[39] = fma(vec4<f32>(a3_2.y), b3_3, acc[39]);
    acc[40] = fma(vec4<f32>(a3_2.z), b3_0, acc[40]); acc[41] = fma(vec4<f32>(a3_2.z), b3_1, acc[41]); acc[42] = fma(vec4<f32>(a3_2.z), b3_2, acc[42]); acc[43] = fma(vec4<f32>(a3_2.z), b3_3, acc[43]);
    acc[44] = fma(vec4<f32>(a3_2.w), b3_0, acc[44]); acc[45] = fma(vec4<f32>(a3_2.w), b3_1, acc[45]); acc[46] = fma(vec4<f32>(a3_2.w), b3_2, acc[46]); acc[47] = fma(vec4<f32>(a3_2.w), b3_3, acc[47]);
    acc[48] = fma(vec4<f32>(a3_3.x), b3_0, acc[48]); acc[49] = fma(vec4<f32>(a3_3.x), b3_1, acc[49]); acc[50] = fma(vec4<f32>(a3_3.x), b3_2, acc[50]); acc[51] = fma(vec4<f32>(a3_3.x), b3_3, acc[51]);
    acc[52] = fma(vec4<f32>(a3_3.y), b3_0, acc[52]); acc[53] = fma(vec4<f32>(a3_3.y), b3_1, acc[53]); acc[54] = fma(vec4<f32>(a3_3.y), b3_2, acc[54]); acc[55] = fma(vec4<f32>(a3_3.y), b3_3, acc[55]);
    acc[56] = fma(vec4<f32>(a3_3.z), b3_0, acc[56]); acc[57] = fma(vec4<f32>(a3_3.z), b3_1, acc[57]); acc[58] = fma(vec4<f32>(a3_3.z), b3_2, acc[58]); acc[59] = fma(vec4<f32>(a3_3.z), b3_3, acc[59]);
    acc[60] = fma(vec4<f32>(a3_3.w), b3_0, acc[60]); acc[61] = fma(vec4<f32>(a3_3.w), b3_1, acc[61]); acc[62] = fma(vec4<f32>(a3_3.w), b3_2, acc[62]); acc[63] = fma(vec4<f32>(a3_3.w), b3_3, acc[63]);
    aAt += 4u * blocksM;
    bAt += 4u * blocksN;
  }
  let cBase = b * p.M * p.N;
  store_row(cBase, row0 + 0u, col0 + 0u, acc[0]); store_row(cBase, row0 + 0u, col0 + 4u, acc[1]); store_row(cBase, row0 + 0u, col0 + 8u, acc[2]); store_row(cBase, row0 + 0u, col0 + 12u, acc[3]);
  store_row(cBase, row0 + 1u, col0 + 0u, acc[4]); store_row(cBase, row0 + 1u, col0 + 4u, acc[5]); store_row(cBase, row0 + 1u, col0 + 8u, acc[6]); store_row(cBase, row0 + 1u, col0 + 12u, acc[7]);
  store_row(cBase, row0 + 2u, col0 + 0u, acc[8]); store_row(cBase, row0 + 2u, col0 + 4u, acc[9]); store_row(cBase, row0 + 2u, col0 + 8u, acc[10]); store_row(cBase, row0 + 2u, col0 + 12u, acc[11]);
  store_row(cBase, row0 + 3u, col0 + 0u, acc[12]); store_row(cBase, row0 + 3u, col0 + 4u, acc[13]); store_row(cBase, row0 + 3u, col0 + 8u, acc[14]); store_row(cBase, row0 + 3u, col0 + 12u, acc[15]);
  store_row(cBase, row0 + 4u, col0 + 0u, acc[16]); store_row(cBase, row0 + 4u, col0 + 4u, acc[17]); store_row(cBase, row0 + 4u, col0 + 8u, acc[18]); store_row(cBase, row0 + 4u, col0 + 12u, acc[19]);
  store_row(cBase, row0 + 5u, col0 + 0u, acc[20]); store_row(cBase, row0 + 5u, col0 + 4u, acc[21]); store_row(cBase, row0 + 5u, col0 + 8u, acc[22]); store_row(cBase, row0 + 5u, col0 + 12u, acc[23]);
  store_row(cBase, row0 + 6u, col0 + 0u, acc[24]); store_row(cBase, row0 + 6u, col0 + 4u, acc[25]); store_row(cBase, row0 + 6u, col0 + 8u, acc[26]); store_row(cBase, row0 + 6u, col0 + 12u, acc[27]);
  store_row(cBase, row0 + 7u, col0 + 0u, acc[28]); store_row(cBase, row0 + 7u, col0 + 4u, acc[29]); store_row(cBase, row0 + 7u, col0 + 8u, acc[30]); store_row(cBase, row0 + 7u, col0 + 12u, acc[31]);
  store_row(cBase, row0 + 8u, col0 + 0u, acc[32]); store_row(cBase, row0 + 8u, col0 + 4u, acc[33]); store_row(cBase, row0 + 8u, col0 + 8u, acc[34]); store_row(cBase, row0 + 8u, col0 + 12u, acc[35]);
  store_row(cBase, row0 + 9u, col0 + 0u, acc[36]); store_row(cBase, row0 + 9u, col0 + 4u, acc[37]); store_row(cBase, row0 + 9u, col0 + 8u, acc[38]); store_row(cBase, row0 + 9u, col0 + 12u, acc[39]);
  store_row(cBase, row0 + 10u, col0 + 0u, acc[40]); store_row(cBase, row0 + 10u, col0 + 4u, acc[41]); store_row(cBase, row0 + 10u, col0 + 8u, acc[42]); store_row(cBase, row0 + 10u, col0 + 12u, acc[43]);
  store_row(cBase, row0 + 11u, col0 + 0u, acc[44]); store_row(cBase, row0 + 11u, col0 + 4u, acc[45]); store_row(cBase, row0 + 11u, col0 + 8u, acc[46]); store_row(cBase, row0 + 11u, col0 + 12u, acc[47]);
  store_row(cBase, row0 + 12u, col0 + 0u, acc[48]); store_row(cBase, row0 + 12u, col0 + 4u, acc[49]); store_row(cBase, row0 + 12u, col0 + 8u, acc[50]); store_row(cBase, row0 + 12u, col0 + 12u, acc[51]);
  store_row(cBase, row0 + 13u, col0 + 0u, acc[52]); store_row(cBase, row0 + 13u, col0 + 4u, acc[53]); store_row(cBase, row0 + 13u, col0 + 8u, acc[54]); store_row(cBase, row0 + 13u, col0 + 12u, acc[55]);
  store_row(cBase, row0 + 14u, col0 + 0u, acc[56]); store_row(cBase, row0 + 14u, col0 + 4u, acc[57]); store_row(cBase, row0 + 14u, col0 + 8u, acc[58]); store_row(cBase, row0 + 14u, col0 + 12u, acc[59]);
  store_row(cBase, row0 + 15u, col0 + 0u, acc[60]); store_row(cBase, row0 + 15u, col0 + 4u, acc[61]); store_row(cBase, row0 + 15u, col0 + 8u, acc[62]); store_row(cBase, row0 + 15u, col0 + 12u, acc[63]);
}

@compute @workgroup_size(WG)
fn matmul_packed_16x32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesN = (p.N + 31u) / 32u;
  let tilesM = (p.M + 15u) / 16u;
  let b = job / (tilesN * tilesM);
  if (b >= p.batch) { return; }
  let row0 = job / tilesN % tilesM * 16u;
  let col0 = job % tilesN * 32u;
  // The panels hold whole 16-row / 32-column tiles (the pack repeats the last row / column) and K
  // padded with zeros to a multiple of 4.
  let blocksM = tilesM * 4u;
  let blocksN = tilesN * 8u;
  var aAt = b * p.aStrides.x + row0 / 4u;
  var bAt = b * p.bStrides.x + col0 / 4u;
  var acc: array<vec4<f32>, 128>;
  for (var k = 0u; k < p.K; k += 4u) {
    let b0_0 = packedB[bAt];
    let b0_1 = packedB[bAt + 1u];
    let b0_2 = packedB[bAt + 2u];
    let b0_3 = packedB[bAt + 3u];
    let b0_4 = packedB[bAt + 4u];
    let b0_5 = packedB[bAt + 5u];
    let b0_6 = packedB[bAt + 6u];
    let b0_7 = packedB[bAt + 7u];
    let a0_0 = packedA[aAt];
    let a0_1 = packedA[aAt + 1u];
    let a0_2 = packedA[aAt + 2u];
    let a0_3 = packedA[aAt + 3u];
    acc[0] = fma(vec4<f32>(a0_0.x), b0_0, acc[0]); acc[1] = fma(vec4<f32>(a0_0.x), b0_1, acc[1]); acc[2] = fma(vec4<f32>(a0_0.x), b0_2, acc[2]); acc[3] = fma(vec4<f32>(a0_0.x), b0_3, acc[3]); acc[4] = fma(vec4<f32>(a0_0.x), b0_4, acc[4]); acc[5] = fma(vec4<f32>(a0_0.x), b0_5, acc[5]); acc[6] = fma(vec4<f32>(a0_0.x), b0_6, acc[6]); acc[7] = fma(vec4<f32>(a0_0.x), b0_7, acc[7]);
    acc[8] = fma(vec4<f32>(a0_0.y), b0_0, acc[8]); acc[9] = fma(vec4<f32>(a0_0.y), b0_1, acc[9]); acc[10] = fma(vec4<f32>(a0_0.y), b0_2, acc[10]); acc[11] = fma(vec4<f32>(a0_0.y), b0_3, acc[11]); acc[12] = fma(vec4<f32>(a0_0.y), b0_4, acc[12]); acc[13] = fma(vec4<f32>(a0_0.y), b0_5, acc[13]); acc[14] = fma(vec4<f32>(a0_0.y), b0_6, acc[14]); acc[15] = fma(vec4<f32>(a0_0.y), b0_7, acc[15]);
    acc[16] = fma(vec4<f32>(a0_0.z), b0_0, acc[16]); acc[17] = fma(vec4<f32>(a0_0.z), b0_1, acc[17]); acc[18] = fma(vec4<f32>(a0_0.z), b0_2, acc[18]); acc[19] = fma(vec4<f32>(a0_0.z), b0_3, acc[19]); acc[20] = fma(vec4<f32>(a0_0.z), b0_4, acc[20]); acc[21] = fma(vec4<f32>(a0_0.z), b0_5, acc[21]); acc[22] = fma(vec4<f32>(a0_0.z), b0_6, acc[22]); acc[23] = fma(vec4<f32>(a0_0.z), b0_7, acc[23]);
    acc[24] = fma(vec4<f32>(a0_0.w), b0_0, acc[24]); acc[25] = fma(vec4<f32>(a0_0.w), b0_1, acc[25]); acc[26] = fma(vec4<f32>(a0_0.w), b0_2, acc[26]); acc[27] = fma(vec4<f32>(a0_0.w), b0_3, acc[27]); acc[28] = fma(vec4<f32>(a0_0.w), b0_4, acc[28]); acc[29] = fma(vec4<f32>(a0_0.w), b0_5, acc[29]); acc[30] = fma(vec4<f32>(a0_0.w), b0_6, acc[30]); acc[31] = fma(vec4<f32>(a0_0.w), b0_7, acc[31]);
    acc[32] = fma(vec4<f32>(a0_1.x), b0_0, acc[32]); acc[33] = fma(vec4<f32>(a0_1.x), b0_1, acc[33]); acc[34] = fma(vec4<f32>(a0_1.x), b0_2, acc[34]); acc[35] = fma(vec4<f32>(a0_1.x), b0_3, acc[35]); acc[36] = fma(vec4<f32>(a0_1.x), b0_4, acc[36]); acc[37] = fma(vec4<f32>(a0_1.x), b0_5, acc[37]); acc[38] = fma(vec4<f32>(a0_1.x), b0_6, acc[38]); acc[39] = fma(vec4<f32>(a0_1.x), b0_7, acc[39]);
    acc[40] = fma(vec4<f32>(a0_1.y), b0_0, acc[40]); acc[41] = fma(vec4<f32>(a0_1.y), b0_1, acc[41]); acc[42] = fma(vec4<f32>(a0_1.y), b0_2, acc[42]); acc[43] = fma(vec4<f32>(a0_1.y), b0_3, acc[43]); acc[44] = fma(vec4<f32>(a0_1.y), b0_4, acc[44]); acc[45] = fma(vec4<f32>(a0_1.y), b0_5, acc[45]); acc[46] = fma(vec4<f32>(a0_1.y), b0_6, acc[46]); acc[47] = fma(vec4<f32>(a0_1.y), b0_7, acc[47]);
    acc[48] = fma(vec4<f32>(a0_1.z), b0_0, acc[48]); acc[49] = fma(vec4<f32>(a0_1.z), b0_1, acc[49]); acc[50] = fma(vec4<f32>(a0_1.z), b0_2, acc[50]); acc[51] = fma(vec4<f32>(a0_1.z), b0_3, acc[51]); acc[52] = fma(vec4<f32>(a0_1.z), b0_4, acc[52]); acc[53] = fma(vec4<f32>(a0_1.z), b0_5, acc[53]); acc[54] = fma(vec4<f32>(a0_1.z), b0_6, acc[54]); acc[55] = fma(vec4<f32>(a0_1.z), b0_7, acc[55]);
    acc[56] = fma(vec4<f32>(a0_1.w), b0_0, acc[56]); acc[57] = fma(vec4<f32>(a0_1.w), b0_1, acc[57]); acc[58] = fma(vec4<f32>(a0_1.w), b0_2, acc[58]); acc[59] = fma(vec4<f32>(a0_1.w), b0_3, acc[59]); acc[60] = fma(vec4<f32>(a0_1.w), b0_4, acc[60]); acc[61] = fma(vec4<f32>(a0_1.w), b0_5, acc[61]); acc[62] = fma(vec4<f32>(a0_1.w), b0_6, acc[62]); acc[63] = fma(vec4<f32>(a0_1.w), b0_7, acc[63]);
    acc[64] = fma(vec4<f32>(a0_2.x), b0_0, acc[64]); acc[65] = fma(vec4<f32>(a0_2.x), b0_1, acc[65]); acc[66] = fma(vec4<f32>(a0_2.x), b0_2, acc[66]); acc[67] = fma(vec4<f32>(a0_2.x), b0_3, acc[67]); acc[68] = fma(vec4<f32>(a0_2.x), b0_4, acc[68]); acc[69] = fma(vec4<f32>(a0_2.x), b0_5, acc[69]); acc[70] = fma(vec4<f32>(a0_2.x), b0_6, acc[70]); acc[71] = fma(vec4<f32>(a0_2.x), b0_7, acc[71]);
    acc[72] = fma(vec4<f32>(a0_2.y), b0_0, acc[72]); acc[73] = fma(vec4<f32>(a0_2.y), b0_1, acc[73]); acc[74] = fma(vec4<f32>(a0_2.y), b0_2, acc[74]); acc[75] = fma(vec4<f32>(a0_2.y), b0_3, acc[75]); acc[76] = fma(vec4<f32>(a0_2.y), b0_4, acc[76]); acc[77] = fma(vec4<f32>(a0_2.y), b0_5, acc[77]); acc[78] = fma(vec4<f32>(a0_2.y), b0_6, acc[78]); acc[79] = fma(vec4<f32>(a0_2.y), b0_7, acc[79]);
    acc[80] = fma(vec4<f32>(a0_2.z), b0_0, acc[80]); acc[81] = fma(vec4<f32>(a0_2.z), b0_1, acc[81]); acc[82] = fma(vec4<f32>(a0_2.z), b0_2, acc[82]); acc[83] = fma(vec4<f32>(a0_2.z), b0_3, acc[83]); acc[84] = fma(vec4<f32>(a0_2.z), b0_4, acc[84]); acc[85] = fma(vec4<f32>(a0_2.z), b0_5, acc[85]); acc[86] = fma(vec4<f32>(a0_2.z), b0_6, acc[86]); acc[87] = fma(vec4<f32>(a0_2.z), b0_7, acc[87]);
    acc[88] = fma(vec4<f32>(a0_2.w), b0_0, acc[88]); acc[89] = fma(vec4<f32>(a0_2.w), b0_1, acc[89]); acc[90] = fma(vec4<f32>(a0_2.w), b0_2, acc[90]); acc[91] = fma(vec4<f32>(a0_2.w), b0_3, acc[91]); acc[92] = fma(vec4<f32>(a0_2.w), b0_4, acc[92]); acc[93] = fma(vec4<f32>(a0_2.w), b0_5, acc[93]); acc[94] = fma(vec4<f32>(a0_2.w), b0_6, acc[94]); acc[95] = fma(vec4<f32>(a0_2.w), b0_7, acc[95]);
    acc[96] = fma(vec4<f32>(a0_3.x), b0_0, acc[96]); acc[97] = fma(vec4<f32>(a0_3.x), b0_1, acc[97]); acc[98] = fma(vec4<f32>(a0_3.x), b0_2, acc[98]); acc[99] = fma(vec4<f32>(a0_3.x), b0_3, acc[99]); acc[100] = fma(vec4<f32>(a0_3.x), b0_4, acc[100]); acc[101] = fma(vec4<f32>(a0_3.x), b0_5, acc[101]); acc[102] = fma(vec4<f32>(a0_3.x), b0_6, acc[102]); acc[103] = fma(vec4<f32>(a0_3.x), b0_7, acc[103]);
    acc[104] = fma(vec4<f32>(a0_3.y), b0_0, acc[104]); acc[105] = fma(vec4<f32>(a0_3.y), b0_1, acc[105]); acc[106] = fma(vec4<f32>(a0_3.y), b0_2, acc[106]); acc[107] = fma(vec4<f32>(a0_3.y), b0_3, acc[107]); acc[108] = fma(vec4<f32>(a0_3.y), b0_4, acc[108]); acc[109] = fma(vec4<f32>(a0_3.y), b0_5, acc[109]); acc[110] = fma(vec4<f32>(a0_3.y), b0_6, acc[110]); acc[111] = fma(vec4<f32>(a0_3.y), b0_7, acc[111]);
    acc[112] = fma(vec4<f32>(a0_3.z), b0_0, acc[112]); acc[113] = fma(vec4<f32>(a0_3.z), b0_1, acc[113]); acc[114] = fma(vec4<f32>(a0_3.z), b0_2, acc[114]); acc[115] = fma(vec4<f32>(a0_3.z), b0_3, acc[115]); acc[116] = fma(vec4<f32>(a0_3.z), b0_4, acc[116]); acc[117] = fma(vec4<f32>(a0_3.z), b0_5, acc[117]); acc[118] = fma(vec4<f32>(a0_3.z), b0_6, acc[118]); acc[119] = fma(vec4<f32>(a0_3.z), b0_7, acc[119]);
    acc[120] = fma(vec4<f32>(a0_3.w), b0_0, acc[120]); acc[121] = fma(vec4<f32>(a0_3.w), b0_1, acc[121]); acc[122] = fma(vec4<f32>(a0_3.w), b0_2, acc[122]); acc[123] = fma(vec4<f32>(a0_3.w), b0_3, acc[123]); acc[124] = fma(vec4<f32>(a0_3.w), b0_4, acc[124]); acc[125] = fma(vec4<f32>(a0_3.w), b0_5, acc[125]); acc[126] = fma(vec4<f32>(a0_3.w), b0_6, acc[126]); acc[127] = fma(vec4<f32>(a0_3.w), b0_7, acc[127]);
    let b1_0 = packedB[bAt + 1u * blocksN];
    let b1_1 = packedB[bAt + 1u * blocksN + 1u];
    let b1_2 = packedB[bAt + 1u * blocksN + 2u];
    let b1_3 = packedB[bAt + 1u * blocksN + 3u];
    let b1_4 = packedB[bAt + 1u * blocksN + 4u];
    let b1_5 = packedB[bAt + 1u * blocksN + 5u];
    let b1_6 = packedB[bAt + 1u * blocksN + 6u];
    let b1_7 = packedB[bAt + 1u * blocksN + 7u];
    let a1_0 = packedA[aAt + 1u * blocksM];
    let a1_1 = packedA[aAt + 1u * blocksM + 1u];
    let a1_2 = packedA[aAt + 1u * blocksM + 2u];
    let a1_3 = packedA[aAt + 1u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a1_0.x), b1_0, acc[0]); acc[1] = fma(vec4<f32>(a1_0.x), b1_1, acc[1]); acc[2] = fma(vec4<f32>(a1_0.x), b1_2, acc[2]); acc[3] = fma(vec4<f32>(a1_0.x), b1_3, acc[3]); acc[4] = fma(vec4<f32>(a1_0.x), b1_4, acc[4]); acc[5] = fma(vec4<f32>(a1_0.x), b1_5, acc[5]); acc[6] = fma(vec4<f32>(a1_0.x), b1_6, acc[6]); acc[7] = fma(vec4<f32>(a1_0.x), b1_7, acc[7]);
    acc[8] = fma(vec4<f32>(a1_0.y), b1_0, acc[8]); acc[9] = fma(vec4<f32>(a1_0.y), b1_1, acc[9]); acc[10] = fma(vec4<f32>(a1_0.y), b1_2, acc[10]); acc[11] = fma(vec4<f32>(a1_0.y), b1_3, acc[11]); acc[12] = fma(vec4<f32>(a1_0.y), b1_4, acc[12]); acc[13] = fma(vec4<f32>(a1_0.y), b1_5, acc[13]); acc[14] = fma(vec4<f32>(a1_0.y), b1_6, acc[14]); acc[15] = fma(vec4<f32>(a1_0.y), b1_7, acc[15]);
    acc[16] = fma(vec4<f32>(a1_0.z), b1_0, acc[16]); acc[17] = fma(vec4<f32>(a1_0.z), b1_1, acc[17]); acc[18] = fma(vec4<f32>(a1_0.z), b1_2, acc[18]); acc[19] = fma(vec4<f32>(a1_0.z), b1_3, acc[19]); acc[20] = fma(vec4<f32>(a1_0.z), b1_4, acc[20]); acc[21] = fma(vec4<f32>(a1_0.z), b1_5, acc[21]); acc[22] = fma(vec4<f32>(a1_0.z), b1_6, acc[22]); acc[23] = fma(vec4<f32>(a1_0.z), b1_7, acc[23]);
    acc[24] = fma(vec4<f32>(a1_0.w), b1_0, acc[24]); acc[25] = fma(vec4<f32>(a1_0.w), b1_1, acc[25]); acc[26] = fma(vec4<f32>(a1_0.w), b1_2, acc[26]); acc[27] = fma(vec4<f32>(a1_0.w), b1_3, acc[27]); acc[28] = fma(vec4<f32>(a1_0.w), b1_4, acc[28]); acc[29] = fma(vec4<f32>(a1_0.w), b1_5, acc[29]); acc[30] = fma(vec4<f32>(a1_0.w), b1_6, acc[30]); acc[31] = fma(vec4<f32>(a1_0.w), b1_7, acc[31]);
    acc[32] = fma(vec4<f32>(a1_1.x), b1_0, acc[32]); acc[33] = fma(vec4<f32>(a1_1.x), b1_1, acc[33]); acc[34] = fma(vec4<f32>(a1_1.x), b1_2, acc[34]); acc[35] = fma(vec4<f32>(a1_1.x), b1_3, acc[35]); acc[36] = fma(vec4<f32>(a1_1.x), b1_4, acc[36]); acc[37] = fma(vec4<f32>(a1_1.x), b1_5, acc[37]); acc[38] = fma(vec4<f32>(a1_1.x), b1_6, acc[38]); acc[39] = fma(vec4<f32>(a1_1.x), b1_7, acc[39]);
    acc[40] = fma(vec4<f32>(a1_1.y), b1_0, acc[40]); acc[41] = fma(vec4<f32>(a1_1.y), b1_1, acc[41]); acc[42] = fma(vec4<f32>(a1_1.y), b1_2, acc[42]); acc[43] = fma(vec4<f32>(a1_1.y), b1_3, acc[43]); acc[44] = fma(vec4<f32>(a1_1.y), b1_4, acc[44]); acc[45] = fma(vec4<f32>(a1_1.y), b1_5, acc[45]); acc[46] = fma(vec4<f32>(a1_1.y), b1_6, acc[46]); acc[47] = fma(vec4<f32>(a1_1.y), b1_7, acc[47]);
    acc[48] = fma(vec4<f32>(a1_1.z), b1_0, acc[48]); acc[49] = fma(vec4<f32>(a1_1.z), b1_1, acc[49]); acc[50] = fma(vec4<f32>(a1_1.z), b1_2, acc[50]); acc[51] = fma(vec4<f32>(a1_1.z), b1_3, acc[51]); acc[52] = fma(vec4<f32>(a1_1.z), b1_4, acc[52]); acc[53] = fma(vec4<f32>(a1_1.z), b1_5, acc[53]); acc[54] = fma(vec4<f32>(a1_1.z), b1_6, acc[54]); acc[55] = fma(vec4<f32>(a1_1.z), b1_7, acc[55]);
    acc[56] = fma(vec4<f32>(a1_1.w), b1_0, acc[56]); acc[57] = fma(vec4<f32>(a1_1.w), b1_1, acc[57]); acc[58] = fma(vec4<f32>(a1_1.w), b1_2, acc[58]); acc[59] = fma(vec4<f32>(a1_1.w), b1_3, acc[59]); acc[60] = fma(vec4<f32>(a1_1.w), b1_4, acc[60]); acc[61] = fma(vec4<f32>(a1_1.w), b1_5, acc[61]); acc[62] = fma(vec4<f32>(a1_1.w), b1_6, acc[62]); acc[63] = fma(vec4<f32>(a1_1.w), b1_7, acc[63]);
    acc[64] = fma(vec4<f32>(a1_2.x), b1_0, acc[64]); acc[65] = fma(vec4<f32>(a1_2.x), b1_1, acc[65]); acc[66] = fma(vec4<f32>(a1_2.x), b1_2, acc[66]); acc[67] = fma(vec4<f32>(a1_2.x), b1_3, acc[67]); acc[68] = fma(vec4<f32>(a1_2.x), b1_4, acc[68]); acc[69] = fma(vec4<f32>(a1_2.x), b1_5, acc[69]); acc[70] = fma(vec4<f32>(a1_2.x), b1_6, acc[70]); acc[71] = fma(vec4<f32>(a1_2.x), b1_7, acc[71]);
    acc[72] = fma(vec4<f32>(a1_2.y), b1_0, acc[72]); acc[73] = fma(vec4<f32>(a1_2.y), b1_1, acc[73]); acc[74] = fma(vec4<f32>(a1_2.y), b1_2, acc[74]); acc[75] = fma(vec4<f32>(a1_2.y), b1_3, acc[75]); acc[76] = fma(vec4<f32>(a1_2.y), b1_4, acc[76]); acc[77] = fma(vec4<f32>(a1_2.y), b1_5, acc[77]); acc[78] = fma(vec4<f32>(a1_2.y), b1_6, acc[78]); acc[79] = fma(vec4<f32>(a1_2.y), b1_7, acc[79]);
    acc[80] = fma(vec4<f32>(a1_2.z), b1_0, acc[80]); acc[81] = fma(vec4<f32>(a1_2.z), b1_1, acc[81]); acc[82] = fma(vec4<f32>(a1_2.z), b1_2, acc[82]); acc[83] = fma(vec4<f32>(a1_2.z), b1_3, acc[83]); acc[84] = fma(vec4<f32>(a1_2.z), b1_4, acc[84]); acc[85] = fma(vec4<f32>(a1_2.z), b1_5, acc[85]); acc[86] = fma(vec4<f32>(a1_2.z), b1_6, acc[86]); acc[87] = fma(vec4<f32>(a1_2.z), b1_7, acc[87]);
    acc[88] = fma(vec4<f32>(a1_2.w), b1_0, acc[88]); acc[89] = fma(vec4<f32>(a1_2.w), b1_1, acc[89]); acc[90] = fma(vec4<f32>(a1_2.w), b1_2, acc[90]); acc[91] = fma(vec4<f32>(a1_2.w), b1_3, acc[91]); acc[92] = fma(vec4<f32>(a1_2.w), b1_4, acc[92]); acc[93] = fma(vec4<f32>(a1_2.w), b1_5, acc[93]); acc[94] = fma(vec4<f32>(a1_2.w), b1_6, acc[94]); acc[95] = fma(vec4<f32>(a1_2.w), b1_7, acc[95]);
    acc[96] = fma(vec4<f32>(a1_3.x), b1_0, acc[96]); acc[97] = fma(vec4<f32>(a1_3.x), b1_1, acc[97]); acc[98] = fma(vec4<f32>(a1_3.x), b1_2, acc[98]); acc[99] = fma(vec4<f32>(a1_3.x), b1_3, acc[99]); acc[100] = fma(vec4<f32>(a1_3.x), b1_4, acc[100]); acc[101] = fma(vec4<f32>(a1_3.x), b1_5, acc[101]); acc[102] = fma(vec4<f32>(a1_3.x), b1_6, acc[102]); acc[103] = fma(vec4<f32>(a1_3.x), b1_7, acc[103]);
    acc[104] = fma(vec4<f32>(a1_3.y), b1_0, acc[104]); acc[105] = fma(vec4<f32>(a1_3.y), b1_1, acc[105]); acc[106] = fma(vec4<f32>(a1_3.y), b1_2, acc[106]); acc[107] = fma(vec4<f32>(a1_3.y), b1_3, acc[107]); acc[108] = fma(vec4<f32>(a1_3.y), b1_4, acc[108]); acc[109] = fma(vec4<f32>(a1_3.y), b1_5, acc[109]); acc[110] = fma(vec4<f32>(a1_3.y), b1_6, acc[110]); acc[111] = fma(vec4<f32>(a1_3.y), b1_7, acc[111]);
    acc[112] = fma(vec4<f32>(a1_3.z), b1_0, acc[112]); acc[113] = fma(vec4<f32>(a1_3.z), b1_1, acc[113]); acc[114] = fma(vec4<f32>(a1_3.z), b1_2, acc[114]); acc[115] = fma(vec4<f32>(a1_3.z), b1_3, acc[115]); acc[116] = fma(vec4<f32>(a1_3.z), b1_4, acc[116]); acc[117] = fma(vec4<f32>(a1_3.z), b1_5, acc[117]); acc[118] = fma(vec4<f32>(a1_3.z), b1_6, acc[118]); acc[119] = fma(vec4<f32>(a1_3.z), b1_7, acc[119]);
    acc[120] = fma(vec4<f32>(a1_3.w), b1_0, acc[120]); acc[121] = fma(vec4<f32>(a1_3.w), b1_1, acc[121]); acc[122] = fma(vec4<f32>(a1_3.w), b1_2, acc[122]); acc[123] = fma(vec4<f32>(a1_3.w), b1_3, acc[123]); acc[124] = fma(vec4<f32>(a1_3.w), b1_4, acc[124]); acc[125] = fma(vec4<f32>(a1_3.w), b1_5, acc[125]); acc[126] = fma(vec4<f32>(a1_3.w), b1_6, acc[126]); acc[127] = fma(vec4<f32>(a1_3.w), b1_7, acc[127]);
    let b2_0 = packedB[bAt + 2u * blocksN];
    let b2_1 = packedB[bAt + 2u * blocksN + 1u];
    let b2_2 = packedB[bAt + 2u * blocksN + 2u];
    let b2_3 = packedB[bAt + 2u * blocksN + 3u];
    let b2_4 = packedB[bAt + 2u * blocksN + 4u];
    let b2_5 = packedB[bAt + 2u * blocksN + 5u];
    let b2_6 = packedB[bAt + 2u * blocksN + 6u];
    let b2_7 = packedB[bAt + 2u * blocksN + 7u];
    let a2_0 = packedA[aAt + 2u * blocksM];
    let a2_1 = packedA[aAt + 2u * blocksM + 1u];
    let a2_2 = packedA[aAt + 2u * blocksM + 2u];
    let a2_3 = packedA[aAt + 2u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a2_0.x), b2_0, acc[0]); acc[1] = fma(vec4<f32>(a2_0.x), b2_1, acc[1]); acc[2] = fma(vec4<f32>(a2_0.x), b2_2, acc[2]); acc[3] = fma(vec4<f32>(a2_0.x), b2_3, acc[3]); acc[4] = fma(vec4<f32>(a2_0.x), b2_4, acc[4]); acc[5] = fma(vec4<f32>(a2_0.x), b2_5, acc[5]); acc[6] = fma(vec4<f32>(a2_0.x), b2_6, acc[6]); acc[7] = fma(vec4<f32>(a2_0.x), b2_7, acc[7]);
    acc[8] = fma(vec4<f32>(a2_0.y), b2_0, acc[8]); acc[9] = fma(vec4<f32>(a2_0.y), b2_1, acc[9]); acc[10] = fma(vec4<f32>(a2_0.y), b2_2, acc[10]); acc[11] = fma(vec4<f32>(a2_0.y), b2_3, acc[11]); acc[12] = fma(vec4<f32>(a2_0.y), b2_4, acc[12]); acc[13] = fma(vec4<f32>(a2_0.y), b2_5, acc[13]); acc[14] = fma(vec4<f32>(a2_0.y), b2_6, acc[14]); acc[15] = fma(vec4<f32>(a2_0.y), b2_7, acc[15]);
    acc[16] = fma(vec4<f32>(a2_0.z), b2_0, acc[16]); acc[17] = fma(vec4<f32>(a2_0.z), b2_1, acc[17]); acc[18] = fma(vec4<f32>(a2_0.z), b2_2, acc[18]); acc[19] = fma(vec4<f32>(a2_0.z), b2_3, acc[19]); acc[20] = fma(vec4<f32>(a2_0.z), b2_4, acc[20]); acc[21] = fma(vec4<f32>(a2_0.z), b2_5, acc[21]); acc[22] = fma(vec4<f32>(a2_0.z), b2_6, acc[22]); acc[23] = fma(vec4<f32>(a2_0.z), b2_7, acc[23]);
    acc[24] = fma(vec4<f32>(a2_0.w), b2_0, acc[24]); acc[25] = fma(vec4<f32>(a2_0.w), b2_1, acc[25]); acc[26] = fma(vec4<f32>(a2_0.w), b2_2, acc[26]); acc[27] = fma(vec4<f32>(a2_0.w), b2_3, acc[27]); acc[28] = fma(vec4<f32>(a2_0.w), b2_4, acc[28]); acc[29] = fma(vec4<f32>(a2_0.w), b2_5, acc[29]); acc[30] = fma(vec4<f32>(a2_0.w), b2_6, acc[30]); acc[31] = fma(vec4<f32>(a2_0.w), b2_7, acc[31]);
    acc[32] = fma(vec4<f32>(a2_1.x), b2_0, acc[32]); acc[33] = fma(vec4<f32>(a2_1.x), b2_1, acc[33]); acc[34] = fma(vec4<f32>(a2_1.x), b2_2, acc[34]); acc[35] = fma(vec4<f32>(a2_1.x), b2_3, acc[35]); acc[36] = fma(vec4<f32>(a2_1.x), b2_4, acc[36]); acc[37] = fma(vec4<f32>(a2_1.x), b2_5, acc[37]); acc[38] = fma(vec4<f32>(a2_1.x), b2_6, acc[38]); acc[39] = fma(vec4<f32>(a2_1.x), b2_7, acc[39]);
    acc[40] = fma(vec4<f32>(a2_1.y), b2_0, acc[40]); acc[41] = fma(vec4<f32>(a2_1.y), b2_1, acc[41]); acc[42] = fma(vec4<f32>(a2_1.y), b2_2, acc[42]); acc[43] = fma(vec4<f32>(a2_1.y), b2_3, acc[43]); acc[44] = fma(vec4<f32>(a2_1.y), b2_4, acc[44]); acc[45] = fma(vec4<f32>(a2_1.y), b2_5, acc[45]); acc[46] = fma(vec4<f32>(a2_1.y), b2_6, acc[46]); acc[47] = fma(vec4<f32>(a2_1.y), b2_7, acc[47]);
    acc[48] = fma(vec4<f32>(a2_1.z), b2_0, acc[48]); acc[49] = fma(vec4<f32>(a2_1.z), b2_1, acc[49]); acc[50] = fma(vec4<f32>(a2_1.z), b2_2, acc[50]); acc[51] = fma(vec4<f32>(a2_1.z), b2_3, acc[51]); acc[52] = fma(vec4<f32>(a2_1.z), b2_4, acc[52]); acc[53] = fma(vec4<f32>(a2_1.z), b2_5, acc[53]); acc[54] = fma(vec4<f32>(a2_1.z), b2_6, acc[54]); acc[55] = fma(vec4<f32>(a2_1.z), b2_7, acc[55]);
    acc[56] = fma(vec4<f32>(a2_1.w), b2_0, acc[56]); acc[57] = fma(vec4<f32>(a2_1.w), b2_1, acc[57]); acc[58] = fma(vec4<f32>(a2_1.w), b2_2, acc[58]); acc[59] = fma(vec4<f32>(a2_1.w), b2_3, acc[59]); acc[60] = fma(vec4<f32>(a2_1.w), b2_4, acc[60]); acc[61] = fma(vec4<f32>(a2_1.w), b2_5, acc[61]); acc[62] = fma(vec4<f32>(a2_1.w), b2_6, acc[62]); acc[63] = fma(vec4<f32>(a2_1.w), b2_7, acc[63]);
    acc[64] = fma(vec4<f32>(a2_2.x), b2_0, acc[64]); acc[65] = fma(vec4<f32>(a2_2.x), b2_1, acc[65]); acc[66] = fma(vec4<f32>(a2_2.x), b2_2, acc[66]); acc[67] = fma(vec4<f32>(a2_2.x), b2_3, acc[67]); acc[68] = fma(vec4<f32>(a2_2.x), b2_4, acc[68]); acc[69] = fma(vec4<f32>(a2_2.x), b2_5, acc[69]); acc[70] = fma(vec4<f32>(a2_2.x), b2_6, acc[70]); acc[71] = fma(vec4<f32>(a2_2.x), b2_7, acc[71]);
    acc[72] = fma(vec4<f32>(a2_2.y), b2_0, acc[72]); acc[73] = fma(vec4<f32>(a2_2.y), b2_1, acc[73]); acc[74] = fma(vec4<f32>(a2_2.y), b2_2, acc[74]); acc[75] = fma(vec4<f32>(a2_2.y), b2_3, acc[75]); acc[76] = fma(vec4<f32>(a2_2.y), b2_4, acc[76]); acc[77] = fma(vec4<f32>(a2_2.y), b2_5, acc[77]); acc[78] = fma(vec4<f32>(a2_2.y), b2_6, acc[78]); acc[79] = fma(vec4<f32>(a2_2.y), b2_7, acc[79]);
    acc[80] = fma(vec4<f32>(a2_2.z), b2_0, acc[80]); acc[81] = fma(vec4<f32>(a2_2.z), b2_1, acc[81]); acc[82] = fma(vec4<f32>(a2_2.z), b2_2, acc[82]); acc[83] = fma(vec4<f32>(a2_2.z), b2_3, acc[83]); acc[84] = fma(vec4<f32>(a2_2.z), b2_4, acc[84]); acc[85] = fma(vec4<f32>(a2_2.z), b2_5, acc[85]); acc[86] = fma(vec4<f32>(a2_2.z), b2_6, acc[86]); acc[87] = fma(vec4<f32>(a2_2.z), b2_7, acc[87]);
    acc[88] = fma(vec4<f32>(a2_2.w), b2_0, acc[88]); acc[89] = fma(vec4<f32>(a2_2.w), b2_1, acc[89]); acc[90] = fma(vec4<f32>(a2_2.w), b2_2, acc[90]); acc[91] = fma(vec4<f32>(a2_2.w), b2_3, acc[91]); acc[92] = fma(vec4<f32>(a2_2.w), b2_4, acc[92]); acc[93] = fma(vec4<f32>(a2_2.w), b2_5, acc[93]); acc[94] = fma(vec4<f32>(a2_2.w), b2_6, acc[94]); acc[95] = fma(vec4<f32>(a2_2.w), b2_7, acc[95]);
    acc[96] = fma(vec4<f32>(a2_3.x), b2_0, acc[96]); acc[97] = fma(vec4<f32>(a2_3.x), b2_1, acc[97]); acc[98] = fma(vec4<f32>(a2_3.x), b2_2, acc[98]); acc[99] = fma(vec4<f32>(a2_3.x), b2_3, acc[99]); acc[100] = fma(vec4<f32>(a2_3.x), b2_4, acc[100]); acc[101] = fma(vec4<f32>(a2_3.x), b2_5, acc[101]); acc[102] = fma(vec4<f32>(a2_3.x), b2_6, acc[102]); acc[103] = fma(vec4<f32>(a2_3.x), b2_7, acc[103]);
    acc[104] = fma(vec4<f32>(a2_3.y), b2_0, acc[104]); acc[105] = fma(vec4<f32>(a2_3.y), b2_1, acc[105]); acc[106] = fma(vec4<f32>(a2_3.y), b2_2, acc[106]); acc[107] = fma(vec4<f32>(a2_3.y), b2_3, acc[107]); acc[108] = fma(vec4<f32>(a2_3.y), b2_4, acc[108]); acc[109] = fma(vec4<f32>(a2_3.y), b2_5, acc[109]); acc[110] = fma(vec4<f32>(a2_3.y), b2_6, acc[110]); acc[111] = fma(vec4<f32>(a2_3.y), b2_7, acc[111]);
    acc[112] = fma(vec4<f32>(a2_3.z), b2_0, acc[112]); acc[113] = fma(vec4<f32>(a2_3.z), b2_1, acc[113]); acc[114] = fma(vec4<f32>(a2_3.z), b2_2, acc[114]); acc[115] = fma(vec4<f32>(a2_3.z), b2_3, acc[115]); acc[116] = fma(vec4<f32>(a2_3.z), b2_4, acc[116]); acc[117] = fma(vec4<f32>(a2_3.z), b2_5, acc[117]); acc[118] = fma(vec4<f32>(a2_3.z), b2_6, acc[118]); acc[119] = fma(vec4<f32>(a2_3.z), b2_7, acc[119]);
    acc[120] = fma(vec4<f32>(a2_3.w), b2_0, acc[120]); acc[121] = fma(vec4<f32>(a2_3.w), b2_1, acc[121]); acc[122] = fma(vec4<f32>(a2_3.w), b2_2, acc[122]); acc[123] = fma(vec4<f32>(a2_3.w), b2_3, acc[123]); acc[124] = fma(vec4<f32>(a2_3.w), b2_4, acc[124]); acc[125] = fma(vec4<f32>(a2_3.w), b2_5, acc[125]); acc[126] = fma(vec4<f32>(a2_3.w), b2_6, acc[126]); acc[127] = fma(vec4<f32>(a2_3.w), b2_7, acc[127]);
    let b3_0 = packedB[bAt + 3u * blocksN];
    let b3_1 = packedB[bAt + 3u * blocksN + 1u];
    let b3_2 = packedB[bAt + 3u * blocksN + 2u];
    let b3_3 = packedB[bAt + 3u * blocksN + 3u];
    let b3_4 = packedB[bAt + 3u * blocksN + 4u];
    let b3_5 = packedB[bAt + 3u * blocksN + 5u];
    let b3_6 = packedB[bAt + 3u * blocksN + 6u];
    let b3_7 = packedB[bAt + 3u * blocksN + 7u];
    let a3_0 = packedA[aAt + 3u * blocksM];
    let a3_1 = packedA[aAt + 3u * blocksM + 1u];
    let a3_2 = packedA[aAt + 3u * blocksM + 2u];
    let a3_3 = packedA[aAt + 3u * blocksM + 3u];
    acc[0] = fma(vec4<f32>(a3_0.x), b3_0, acc[0]); acc[1] = fma(vec4<f32>(a3_0.x), b3_1, acc[1]); acc[2] = fma(vec4<f32>(a3_0.x), b3_2, acc[2]); acc[3] = fma(vec4<f32>(a3_0.x), b3_3, acc[3]); acc[4] = fma(vec4<f32>(a3_0.x), b3_4, acc[4]); acc[5] = fma(vec4<f32>(a3_0.x), b3_5, acc[5]); acc[6] = fma(vec4<f32>(a3_0.x), b3_6, acc[6]); acc[7] = fma(vec4<f32>(a3_0.x), b3_7, acc[7]);
    acc[8] = fma(vec4<f32>(a3_0.y), b3_0, acc[8]); acc[9] = fma(vec4<f32>(a3_0.y), b3_1, acc[9]); acc[10] = fma(vec4<f32>(a3_0.y), b3_2, acc[10]); acc[11] = fma(vec4<f32>(a3_0.y), b3_3, acc[11]); acc[12] = fma(vec4<f32>(a3_0.y), b3_4, acc[12]); acc[13] = fma(vec4<f32>(a3_0.y), b3_5, acc[13]); acc[14] = fma(vec4<f32>(a3_0.y), b3_6, acc[14]); acc[15] = fma(vec4<f32>(a3_0.y), b3_7, acc[15]);
    acc[16] = fma(vec4<f32>(a3_0.z), b3_0, acc[16]); acc[17] = fma(vec4<f32>(a3_0.z), b3_1, acc[17]); acc[18] = fma(vec4<f32>(a3_0.z), b3_2, acc[18]); acc[19] = fma(vec4<f32>(a3_0.z), b3_3, acc[19]); acc[20] = fma(vec4<f32>(a3_0.z), b3_4, acc[20]); acc[21] = fma(vec4<f32>(a3_0.z), b3_5, acc[21]); acc[22] = fma(vec4<f32>(a3_0.z), b3_6, acc[22]); acc[23] = fma(vec4<f32>(a3_0.z), b3_7, acc[23]);
    acc[24] = fma(vec4<f32>(a3_0.w), b3_0, acc[24]); acc[25] = fma(vec4<f32>(a3_0.w), b3_1, acc[25]); acc[26] = fma(vec4<f32>(a3_0.w), b3_2, acc[26]); acc[27] = fma(vec4<f32>(a3_0.w), b3_3, acc[27]); acc[28] = fma(vec4<f32>(a3_0.w), b3_4, acc[28]); acc[29] = fma(vec4<f32>(a3_0.w), b3_5, acc[29]); acc[30] = fma(vec4<f32>(a3_0.w), b3_6, acc[30]); acc[31] = fma(vec4<f32>(a3_0.w), b3_7, acc[31]);
    acc[32] = fma(vec4<f32>(a3_1.x), b3_0, acc[32]); acc[33] = fma(vec4<f32>(a3_1.x), b3_1, acc[33]); acc[34] = fma(vec4<f32>(a3_1.x), b3_2, acc[34]); acc[35] = fma(vec4<f32>(a3_1.x), b3_3, acc[35]); acc[36] = fma(vec4<f32>(a3_1.x), b3_4, acc[36]); acc[37] = fma(vec4<f32>(a3_1.x), b3_5, acc[37]); acc[38] = fma(vec4<f32>(a3_1.x), b3_6, acc[38]); acc[39] = fma(vec4<f32>(a3_1.x), b3_7, acc[39]);
    acc[40] = fma(vec4<f32>(a3_1.y), b3_0, acc[40]); acc[41] = fma(vec4<f32>(a3_1.y), b3_1, acc[41]); acc[42] = fma(vec4<f32>(a3_1.y), b3_2, acc[42]); acc[43] = fma(vec4<f32>(a3_1.y), b3_3, acc[43]); acc[44] = fma(vec4<f32>(a3_1.y), b3_4, acc[44]); acc[45] = fma(vec4<f32>(a3_1.y), b3_5, acc[45]); acc[46] = fma(vec4<f32>(a3_1.y), b3_6, acc[46]); acc[47] = fma(vec4<f32>(a3_1.y), b3_7, acc[47]);
    acc[48] = fma(vec4<f32>(a3_1.z), b3_0, acc[48]); acc[49] = fma(vec4<f32>(a3_1.z), b3_1, acc[49]); acc[50] = fma(vec4<f32>(a3_1.z), b3_2, acc[50]); acc[51] = fma(vec4<f32>(a3_1.z), b3_3, acc[51]); acc[52] = fma(vec4<f32>(a3_1.z), b3_4, acc[52]); acc[53] = fma(vec4<f32>(a3_1.z), b3_5, acc[53]); acc[54] = fma(vec4<f32>(a3_1.z), b3_6, acc[54]); acc[55] = fma(vec4<f32>(a3_1.z), b3_7, acc[55]);
    acc[56] = fma(vec4<f32>(a3_1.w), b3_0, acc[56]); acc[57] = fma(vec4<f32>(a3_1.w), b3_1, acc[57]); acc[58] = fma(vec4<f32>(a3_1.w), b3_2, acc[58]); acc[59] = fma(vec4<f32>(a3_1.w), b3_3, acc[59]); acc[60] = fma(vec4<f32>(a3_1.w), b3_4, acc[60]); acc[61] = fma(vec4<f32>(a3_1.w), b3_5, acc[61]); acc[62] = fma(vec4<f32>(a3_1.w), b3_6, acc[62]); acc[63] = fma(vec4<f32>(a3_1.w), b3_7, acc[63]);
    acc[64] = fma(vec4<f32>(a3_2.x), b3_0, acc[64]); acc[65] = fma(vec4<f32>(a3_2.x), b3_1, acc[65]); acc[66] = fma(vec4<f32>(a3_2.x), b3_2, acc[66]); acc[67] = fma(vec4<f32>(a3_2.x), b3_3, acc[67]); acc[68] = fma(vec4<f32>(a3_2.x), b3_4, acc[68]); acc[69] = fma(vec4<f32>(a3_2.x), b3_5, acc[69]); acc[70] = fma(vec4<f32>(a3_2.x), b3_6, acc[70]); acc[71] = fma(vec4<f32>(a3_2.x), b3_7, acc[71]);
    acc[72] = fma(vec4<f32>(a3_2.y), b3_0, acc[72]); acc[73] = fma(vec4<f32>(a3_2.y), b3_1, acc[73]); acc[74] = fma(vec4<f32>(a3_2.y), b3_2, acc[74]); acc[75] = fma(vec4<f32>(a3_2.y), b3_3, acc[75]); acc[76] = fma(vec4<f32>(a3_2.y), b3_4, acc[76]); acc[77] = fma(vec4<f32>(a3_2.y), b3_5, acc[77]); acc[78] = fma(vec4<f32>(a3_2.y), b3_6, acc[78]); acc[79] = fma(vec4<f32>(a3_2.y), b3_7, acc[79]);
    acc[80] = fma(vec4<f32>(a3_2.z), b3_0, acc[80]); acc[81] = fma(vec4<f32>(a3_2.z), b3_1, acc[81]); acc[82] = fma(vec4<f32>(a3_2.z), b3_2, acc[82]); acc[83] = fma(vec4<f32>(a3_2.z), b3_3, acc[83]); acc[84] = fma(vec4<f32>(a3_2.z), b3_4, acc[84]); acc[85] = fma(vec4<f32>(a3_2.z), b3_5, acc[85]); acc[86] = fma(vec4<f32>(a3_2.z), b3_6, acc[86]); acc[87] = fma(vec4<f32>(a3_2.z), b3_7, acc[87]);
    acc[88] = fma(vec4<f32>(a3_2.w), b3_0, acc[88]); acc[89] = fma(vec4<f32>(a3_2.w), b3_1, acc[89]); acc[90] = fma(vec4<f32>(a3_2.w), b3_2, acc[90]); acc[91] = fma(vec4<f32>(a3_2.w), b3_3, acc[91]); acc[92] = fma(vec4<f32>(a3_2.w), b3_4, acc[92]); acc[93] = fma(vec4<f32>(a3_2.w), b3_5, acc[93]); acc[94] = fma(vec4<f32>(a3_2.w), b3_6, acc[94]); acc[95] = fma(vec4<f32>(a3_2.w), b3_7, acc[95]);
    acc[96] = fma(vec4<f32>(a3_3.x), b3_0, acc[96]); acc[97] = fma(vec4<f32>(a3_3.x), b3_1, acc[97]); acc[98] = fma(vec4<f32>(a3_3.x), b3_2, acc[98]); acc[99] = fma(vec4<f32>(a3_3.x), b3_3, acc[99]); acc[100] = fma(vec4<f32>(a3_3.x), b3_4, acc[100]); acc[101] = fma(vec4<f32>(a3_3.x), b3_5, acc[101]); acc[102] = fma(vec4<f32>(a3_3.x), b3_6, acc[102]); acc[103] = fma(vec4<f32>(a3_3.x), b3_7, acc[103]);
    acc[104] = fma(vec4<f32>(a3_3.y), b3_0, acc[104]); acc[105] = fma(vec4<f32>(a3_3.y), b3_1, acc[105]); acc[106] = fma(vec4<f32>(a3_3.y), b3_2, acc[106]); acc[107] = fma(vec4<f32>(a3_3.y), b3_3, acc[107]); acc[108] = fma(vec4<f32>(a3_3.y), b3_4, acc[108]); acc[109] = fma(vec4<f32>(a3_3.y), b3_5, acc[109]); acc[110] = fma(vec4<f32>(a3_3.y), b3_6, acc[110]); acc[111] = fma(vec4<f32>(a3_3.y), b3_7, acc[111]);
    acc[112] = fma(vec4<f32>(a3_3.z), b3_0, acc[112]); acc[113] = fma(vec4<f32>(a3_3.z), b3_1, acc[113]); acc[114] = fma(vec4<f32>(a3_3.z), b3_2, acc[114]); acc[115] = fma(vec4<f32>(a3_3.z), b3_3, acc[115]); acc[116] = fma(vec4<f32>(a3_3.z), b3_4, acc[116]); acc[117] = fma(vec4<f32>(a3_3.z), b3_5, acc[117]); acc[118] = fma(vec4<f32>(a3_3.z), b3_6, acc[118]); acc[119] = fma(vec4<f32>(a3_3.z), b3_7, acc[119]);
    acc[120] = fma(vec4<f32>(a3_3.w), b3_0, acc[120]); acc[121] = fma(vec4<f32>(a3_3.w), b3_1, acc[121]); acc[122] = fma(vec4<f32>(a3_3.w), b3_2, acc[122]); acc[123] = fma(vec4<f32>(a3_3.w), b3_3, acc[123]); acc[124] = fma(vec4<f32>(a3_3.w), b3_4, acc[124]); acc[125] = fma(vec4<f32>(a3_3.w), b3_5, acc[125]); acc[126] = fma(vec4<f32>(a3_3.w), b3_6, acc[126]); acc[127] = fma(vec4<f32>(a3_3.w), b3_7, acc[127]);
    aAt += 4u * blocksM;
    bAt += 4u * blocksN;
  }
  let cBase = b * p.M * p.N;
  store_row(cBase, row0 + 0u, col0 + 0u, acc[0]); store_row(cBase, row0 + 0u, col0 + 4u, acc[1]); store_row(cBase, row0 + 0u, col0 + 8u, acc[2]); store_row(cBase, row0 + 0u, col0 + 12u, acc[3]); store_row(cBase, row0 + 0u, col0 + 16u, acc[4]); store_row(cBase, row0 + 0u, col0 + 20u, acc[5]); store_row(cBase, row0 + 0u, col0 + 24u, acc[6]); store_row(cBase, row0 + 0u, col0 + 28u, acc[7]);
  store_row(cBase, row0 + 1u, col0 + 0u, acc[8]); store_row(cBase, row0 + 1u, col0 + 4u, acc[9]); store_row(cBase, row0 + 1u, col0 + 8u, acc[10]); store_row(cBase, row0 + 1u, col0 + 12u, acc[11]); store_row(cBase, row0 + 1u, col0 + 16u, acc[12]); store_row(cBase, row0 + 1u, col0 + 20u, acc[13]); store_row(cBase, row0 + 1u, col0 + 24u, acc[14]); store_row(cBase, row0 + 1u, col0 + 28u, acc[15]);
  store_row(cBase, row0 + 2u, col0 + 0u, acc[16]); store_row(cBase, row0 + 2u, col0 + 4u, acc[17]); store_row(cBase, row0 + 2u, col0 + 8u, acc[18]); store_row(cBase, row0 + 2u, col0 + 12u, acc[19]); store_row(cBase, row0 + 2u, col0 + 16u, acc[20]); store_row(cBase, row0 + 2u, col0 + 20u, acc[21]); store_row(cBase, row0 + 2u, col0 + 24u, acc[22]); store_row(cBase, row0 + 2u, col0 + 28u, acc[23]);
  store_row(cBase, row0 + 3u, col0 + 0u, acc[24]); store_row(cBase, row0 + 3u, col0 + 4u, acc[25]); store_row(cBase, row0 + 3u, col0 + 8u, acc[26]); store_row(cBase, row0 + 3u, col0 + 12u, acc[27]); store_row(cBase, row0 + 3u, col0 + 16u, acc[28]); store_row(cBase, row0 + 3u, col0 + 20u, acc[29]); store_row(cBase, row0 + 3u, col0 + 24u, acc[30]); store_row(cBase, row0 + 3u, col0 + 28u, acc[31]);
  store_row(cBase, row0 + 4u, col0 + 0u, acc[32]); store_row(cBase, row0 + 4u, col0 + 4u, acc[33]); store_row(cBase, row0 + 4u, col0 + 8u, acc[34]); store_row(cBase, row0 + 4u, col0 + 12u, acc[35]); store_row(cBase, row0 + 4u, col0 + 16u, acc[36]); store_row(cBase, row0 + 4u, col0 + 20u, acc[37]); store_row(cBase, row0 + 4u, col0 + 24u, acc[38]); store_row(cBase, row0 + 4u, col0 + 28u, acc[39]);
  store_row(cBase, row0 + 5u, col0 + 0u, acc[40]); store_row(cBase, row0 + 5u, col0 + 4u, acc[41]); store_row(cBase, row0 + 5u, col0 + 8u, acc[42]); store_row(cBase, row0 + 5u, col0 + 12u, acc[43]); store_row(cBase, row0 + 5u, col0 + 16u, acc[44]); store_row(cBase, row0 + 5u, col0 + 20u, acc[45]); store_row(cBase, row0 + 5u, col0 + 24u, acc[46]); store_row(cBase, row0 + 5u, col0 + 28u, acc[47]);
  store_row(cBase, row0 + 6u, col0 + 0u, acc[48]); store_row(cBase, row0 + 6u, col0 + 4u, acc[49]); store_row(cBase, row0 + 6u, col0 + 8u, acc[50]); store_row(cBase, row0 + 6u, col0 + 12u, acc[51]); store_row(cBase, row0 + 6u, col0 + 16u, acc[52]); store_row(cBase, row0 + 6u, col0 + 20u, acc[53]); store_row(cBase, row0 + 6u, col0 + 24u, acc[54]); store_row(cBase, row0 + 6u, col0 + 28u, acc[55]);
  store_row(cBase, row0 + 7u, col0 + 0u, acc[56]); store_row(cBase, row0 + 7u, col0 + 4u, acc[57]); store_row(cBase, row0 + 7u, col0 + 8u, acc[58]); store_row(cBase, row0 + 7u, col0 + 12u, acc[59]); store_row(cBase, row0 + 7u, col0 + 16u, acc[60]); store_row(cBase, row0 + 7u, col0 + 20u, acc[61]); store_row(cBase, row0 + 7u, col0 + 24u, acc[62]); store_row(cBase, row0 + 7u, col0 + 28u, acc[63]);
  store_row(cBase, row0 + 8u, col0 + 0u, acc[64]); store_row(cBase, row0 + 8u, col0 + 4u, acc[65]); store_row(cBase, row0 + 8u, col0 + 8u, acc[66]); store_row(cBase, row0 + 8u, col0 + 12u, acc[67]); store_row(cBase, row0 + 8u, col0 + 16u, acc[68]); store_row(cBase, row0 + 8u, col0 + 20u, acc[69]); store_row(cBase, row0 + 8u, col0 + 24u, acc[70]); store_row(cBase, row0 + 8u, col0 + 28u, acc[71]);
  store_row(cBase, row0 + 9u, col0 + 0u, acc[72]); store_row(cBase, row0 + 9u, col0 + 4u, acc[73]); store_row(cBase, row0 + 9u, col0 + 8u, acc[74]); store_row(cBase, row0 + 9u, col0 + 12u, acc[75]); store_row(cBase, row0 + 9u, col0 + 16u, acc[76]); store_row(cBase, row0 + 9u, col0 + 20u, acc[77]); store_row(cBase, row0 + 9u, col0 + 24u, acc[78]); store_row(cBase, row0 + 9u, col0 + 28u, acc[79]);
  store_row(cBase, row0 + 10u, col0 + 0u, acc[80]); store_row(cBase, row0 + 10u, col0 + 4u, acc[81]); store_row(cBase, row0 + 10u, col0 + 8u, acc[82]); store_row(cBase, row0 + 10u, col0 + 12u, acc[83]); store_row(cBase, row0 + 10u, col0 + 16u, acc[84]); store_row(cBase, row0 + 10u, col0 + 20u, acc[85]); store_row(cBase, row0 + 10u, col0 + 24u, acc[86]); store_row(cBase, row0 + 10u, col0 + 28u, acc[87]);
  store_row(cBase, row0 + 11u, col0 + 0u, acc[88]); store_row(cBase, row0 + 11u, col0 + 4u, acc[89]); store_row(cBase, row0 + 11u, col0 + 8u, acc[90]); store_row(cBase, row0 + 11u, col0 + 12u, acc[91]); store_row(cBase, row0 + 11u, col0 + 16u, acc[92]); store_row(cBase, row0 + 11u, col0 + 20u, acc[93]); store_row(cBase, row0 + 11u, col0 + 24u, acc[94]); store_row(cBase, row0 + 11u, col0 + 28u, acc[95]);
  store_row(cBase, row0 + 12u, col0 + 0u, acc[96]); store_row(cBase, row0 + 12u, col0 + 4u, acc[97]); store_row(cBase, row0 + 12u, col0 + 8u, acc[98]); store_row(cBase, row0 + 12u, col0 + 12u, acc[99]); store_row(cBase, row0 + 12u, col0 + 16u, acc[100]); store_row(cBase, row0 + 12u, col0 + 20u, acc[101]); store_row(cBase, row0 + 12u, col0 + 24u, acc[102]); store_row(cBase, row0 + 12u, col0 + 28u, acc[103]);
  store_row(cBase, row0 + 13u, col0 + 0u, acc[104]); store_row(cBase, row0 + 13u, col0 + 4u, acc[105]); store_row(cBase, row0 + 13u, col0 + 8u, acc[106]); store_row(cBase, row0 + 13u, col0 + 12u, acc[107]); store_row(cBase, row0 + 13u, col0 + 16u, acc[108]); store_row(cBase, row0 + 13u, col0 + 20u, acc[109]); store_row(cBase, row0 + 13u, col0 + 24u, acc[110]); store_row(cBase, row0 + 13u, col0 + 28u, acc[111]);
  store_row(cBase, row0 + 14u, col0 + 0u, acc[112]); store_row(cBase, row0 + 14u, col0 + 4u, acc[113]); store_row(cBase, row0 + 14u, col0 + 8u, acc[114]); store_row(cBase, row0 + 14u, col0 + 12u, acc[115]); store_row(cBase, row0 + 14u, col0 + 16u, acc[116]); store_row(cBase, row0 + 14u, col0 + 20u, acc[117]); store_row(cBase, row0 + 14u, col0 + 24u, acc[118]); store_row(cBase, row0 + 14u, col0 + 28u, acc[119]);
  store_row(cBase, row0 + 15u, col0 + 0u, acc[120]); store_row(cBase, row0 + 15u, col0 + 4u, acc[121]); store_row(cBase, row0 + 15u, col0 + 8u, acc[122]); store_row(cBase, row0 + 15u, col0 + 12u, acc[123]); store_row(cBase, row0 + 15u, col0 + 16u, acc[124]); store_row(cBase, row0 + 15u, col0 + 20u, acc[125]); store_row(cBase, row0 + 15u, col0 + 24u, acc[126]); store_row(cBase, row0 + 15u, col0 + 28u, acc[127]);
}
// ---- END GENERATED ----
