// Fused scaled dot-product attention with an online softmax (Milakov & Gimelshein 2018; FlashAttention,
// Dao et al. 2022; the recomputing backward of FlashAttention-2, Dao 2023), without barriers or shared memory.
//
// Layouts (dense, row-major, B = batch·heads): q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv], out and gradOut
// [B, Lq, dv], lse and delta [B, Lq]. Query row r = b·Lq + i starts at r·d in q and r·dv in out; key row
// b·Lk + j starts at (b·Lk + j)·d in k and (b·Lk + j)·dv in v.
//
// Forward, per query row i, over its keys j (s_ij = scale · q_i·k_j):
//   m ← max(m, s_ij);  l ← l·exp(m_old − m) + exp(s_ij − m);  acc ← acc·exp(m_old − m) + exp(s_ij − m)·v_j
//   out_i = acc / l,   lse_i = m + log(l)   (the row's logsumexp, saved for the backward)
// so no [Lq, Lk] matrix exists anywhere: keys come in tiles of 16, the running maximum moves once per tile
// and acc is rescaled once per tile.
//
// Backward (p_ij = exp(s_ij − lse_i) recomputed from the saved logsumexp; dO = gradOut):
//   D_i   = Σ_c dO_ic · out_ic                                  flash_attention_delta, one invocation per row
//   dp_ij = dO_i · v_j,   ds_ij = p_ij · (dp_ij − D_i)
//   dQ_i  = scale · Σ_j ds_ij · k_j                              flash_attention_grad_q, over tiles of 16 keys
//   dK_j  = scale · Σ_i ds_ij · q_i,   dV_j = Σ_i p_ij · dO_i     flash_attention_grad_kv, over tiles of 16 queries
// Every output element has a single writer, so no atomics; both gradient kernels recompute the scores.
//
// What each invocation computes: four rows (query rows; key rows in grad_kv) of one batch entry, and one
// chunk of at most 256 output columns of each (the grid's z covers the chunks: only z = 0 unless d or dv
// > 256; every chunk recomputes the full-length dot products it needs). Its accumulator is a private
// array<mat4x4<f32>, CHUNK4>: entry c is a 4×4 block whose column t holds row t's columns 4c..4c+3. Against
// a tile of 16 other rows it first computes the 4×16 dot products as four 4×4 blocks (a Tile) in registers,
// then updates each accumulator entry once per tile with four 4×4 matrix products: on CPU adapters
// (SwiftShader) a private array indexed by a loop variable lives in memory, so it is touched once per 16 keys
// rather than once per key.
//
// Ragged edges: rows past the end of a group of 4 or a tile of 16 are clamped to the last row (valid to read)
// and their scores replaced by LOWEST, so their weights are exactly 0 and their results are never stored.
// Rows of any length are read as vec4s; in the last vec4 of a row the lanes past its end read as 0 (the load
// helpers below), so d and dv need not be multiples of 4.
//
// On a GPU, where it is the default (docs/performance.md, GPU variants), per invocation of 64-invocation workgroups:
//   Tile: 4 rows × a tile of 16 other rows at a time, every output column of the 4 rows (up to 256 per chunk).
//   Loads per FMA: 1/4, all from global memory through the caches (each invocation reads the 16 rows of a tile
//     itself: 16·d values for 4·16·d FMAs of the scores, 16·dv for 4·16·dv of the accumulator update); no
//     workgroup memory, so no sharing between the invocations that read the same tile.
//   Expected occupancy: bound not by registers but by the accumulator array (64 mat4x4 = 4 KiB), indexed by a
//     loop variable, so expected in per-invocation local (scratch) memory rather than registers; its traffic,
//     not occupancy, is then the kernel's limit. The autotune also times "composed" attention (the shared-memory
//     products of gemm.wgsl) on GPUs.

struct FlashParams {
  batch: u32,
  lq: u32,
  lk: u32,
  d: u32,
  dv: u32,
  scale: f32,
};

// Invocations per workgroup (the TS side picks 4 on CPU adapters, where each workgroup is one task for one
// core and a few heavy invocations must still spread over every core; 64 elsewhere).
override WG: u32 = 64;
// Accumulator entries per invocation: 4·CHUNK4 = 256 output columns.
const CHUNK4 = 64u;
// The most negative finite f32: a masked score (exp(LOWEST − m) = 0 for any finite m) and the initial maximum.
const LOWEST = -0x1.fffffep+127f;
const LANES = vec4<u32>(0u, 1u, 2u, 3u);

@group(0) @binding(0) var<uniform> p: FlashParams;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> lseOut: array<f32>;
@group(0) @binding(6) var<storage, read> o: array<f32>;
@group(0) @binding(7) var<storage, read> gradOut: array<f32>;
@group(0) @binding(8) var<storage, read> lse: array<f32>;
@group(0) @binding(9) var<storage, read_write> deltaOut: array<f32>;
@group(0) @binding(10) var<storage, read> delta: array<f32>;
@group(0) @binding(11) var<storage, read_write> gradQ: array<f32>;
@group(0) @binding(12) var<storage, read_write> gradK: array<f32>;
@group(0) @binding(13) var<storage, read_write> gradV: array<f32>;

// Offsets of 16 rows: four groups of four.
alias Rows16 = array<vec4<u32>, 4>;

// The dot products of 4 rows (columns t) with 16 rows (four blocks of 4 lanes): b0 holds rows 0..3 of the 16.
struct Tile {
  b0: mat4x4<f32>,
  b1: mat4x4<f32>,
  b2: mat4x4<f32>,
  b3: mat4x4<f32>,
};

fn tile_add(x: Tile, y: Tile) -> Tile {
  return Tile(x.b0 + y.b0, x.b1 + y.b1, x.b2 + y.b2, x.b3 + y.b3);
}

// ---------------------------------------------------------------- loads
// Four consecutive values from `at`, of which n ≥ 1 are inside the row; lanes ≥ n read the row's last value
// (a valid index) and are zeroed. Every vec4 of a row takes this masked load, so each loop compiles to one body
// rather than an unmasked body plus a masked tail.

fn lane_mask(x: vec4<f32>, n: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), x, LANES < vec4<u32>(n));
}

fn q4(at: u32, n: u32) -> vec4<f32> {
  let e = min(n, 4u) - 1u;
  return lane_mask(vec4<f32>(q[at], q[at + min(1u, e)], q[at + min(2u, e)], q[at + e]), n);
}

fn k4(at: u32, n: u32) -> vec4<f32> {
  let e = min(n, 4u) - 1u;
  return lane_mask(vec4<f32>(k[at], k[at + min(1u, e)], k[at + min(2u, e)], k[at + e]), n);
}

fn v4(at: u32, n: u32) -> vec4<f32> {
  let e = min(n, 4u) - 1u;
  return lane_mask(vec4<f32>(v[at], v[at + min(1u, e)], v[at + min(2u, e)], v[at + e]), n);
}

fn dout4(at: u32, n: u32) -> vec4<f32> {
  let e = min(n, 4u) - 1u;
  return lane_mask(vec4<f32>(gradOut[at], gradOut[at + min(1u, e)], gradOut[at + min(2u, e)], gradOut[at + e]), n);
}

// The same four columns of four rows (row offsets `at`), as the columns of a matrix.
fn q_rows(at: vec4<u32>, n: u32) -> mat4x4<f32> {
  return mat4x4<f32>(q4(at.x, n), q4(at.y, n), q4(at.z, n), q4(at.w, n));
}

fn k_rows(at: vec4<u32>, n: u32) -> mat4x4<f32> {
  return mat4x4<f32>(k4(at.x, n), k4(at.y, n), k4(at.z, n), k4(at.w, n));
}

fn v_rows(at: vec4<u32>, n: u32) -> mat4x4<f32> {
  return mat4x4<f32>(v4(at.x, n), v4(at.y, n), v4(at.z, n), v4(at.w, n));
}

fn dout_rows(at: vec4<u32>, n: u32) -> mat4x4<f32> {
  return mat4x4<f32>(dout4(at.x, n), dout4(at.y, n), dout4(at.z, n), dout4(at.w, n));
}

// Stores the first min(n, 4) lanes of x at `at`.
fn store_out(at: u32, n: u32, x: vec4<f32>) {
  for (var t = 0u; t < min(n, 4u); t++) { out[at + t] = x[t]; }
}

fn store_grad_q(at: u32, n: u32, x: vec4<f32>) {
  for (var t = 0u; t < min(n, 4u); t++) { gradQ[at + t] = x[t]; }
}

fn store_grad_k(at: u32, n: u32, x: vec4<f32>) {
  for (var t = 0u; t < min(n, 4u); t++) { gradK[at + t] = x[t]; }
}

fn store_grad_v(at: u32, n: u32, x: vec4<f32>) {
  for (var t = 0u; t < min(n, 4u); t++) { gradV[at + t] = x[t]; }
}

// ---------------------------------------------------------------- 4 × 16 dot products
// a: offsets of the 4 rows, b: of the 16 rows. One step covers columns c..c+3; with X the 4 rows' columns
// (as matrix columns) and Y one block's, transpose(Y) · X has column t = (x_t·y_0, ..., x_t·y_3).
// One step and one loop per pair of buffers: core WGSL passes no storage-buffer pointer to a function, and a
// step choosing its buffers at run time would make every entry point use (and need bound) all four.

fn qk_step(a: vec4<u32>, b: Rows16, c: u32, n: u32) -> Tile {
  let x = q_rows(a + c, n);
  return Tile(transpose(k_rows(b[0] + c, n)) * x, transpose(k_rows(b[1] + c, n)) * x,
              transpose(k_rows(b[2] + c, n)) * x, transpose(k_rows(b[3] + c, n)) * x);
}

// q_a[t] · k_b[j] over d.
fn tile_qk(a: vec4<u32>, b: Rows16) -> Tile {
  var s = Tile();
  for (var c = 0u; c < p.d; c += 4u) { s = tile_add(s, qk_step(a, b, c, p.d - c)); }
  return s;
}

fn kq_step(a: vec4<u32>, b: Rows16, c: u32, n: u32) -> Tile {
  let x = k_rows(a + c, n);
  return Tile(transpose(q_rows(b[0] + c, n)) * x, transpose(q_rows(b[1] + c, n)) * x,
              transpose(q_rows(b[2] + c, n)) * x, transpose(q_rows(b[3] + c, n)) * x);
}

// k_a[t] · q_b[j] over d.
fn tile_kq(a: vec4<u32>, b: Rows16) -> Tile {
  var s = Tile();
  for (var c = 0u; c < p.d; c += 4u) { s = tile_add(s, kq_step(a, b, c, p.d - c)); }
  return s;
}

fn dout_v_step(a: vec4<u32>, b: Rows16, c: u32, n: u32) -> Tile {
  let x = dout_rows(a + c, n);
  return Tile(transpose(v_rows(b[0] + c, n)) * x, transpose(v_rows(b[1] + c, n)) * x,
              transpose(v_rows(b[2] + c, n)) * x, transpose(v_rows(b[3] + c, n)) * x);
}

// dO_a[t] · v_b[j] over dv.
fn tile_dout_v(a: vec4<u32>, b: Rows16) -> Tile {
  var s = Tile();
  for (var c = 0u; c < p.dv; c += 4u) { s = tile_add(s, dout_v_step(a, b, c, p.dv - c)); }
  return s;
}

fn v_dout_step(a: vec4<u32>, b: Rows16, c: u32, n: u32) -> Tile {
  let x = v_rows(a + c, n);
  return Tile(transpose(dout_rows(b[0] + c, n)) * x, transpose(dout_rows(b[1] + c, n)) * x,
              transpose(dout_rows(b[2] + c, n)) * x, transpose(dout_rows(b[3] + c, n)) * x);
}

// v_a[t] · dO_b[j] over dv.
fn tile_v_dout(a: vec4<u32>, b: Rows16) -> Tile {
  var s = Tile();
  for (var c = 0u; c < p.dv; c += 4u) { s = tile_add(s, v_dout_step(a, b, c, p.dv - c)); }
  return s;
}

// ---------------------------------------------------------------- accumulator updates
// Σ over the 16 rows of weight × row, for columns c..c+3 of the 4 rows the invocation owns: with Y a block's
// columns (matrix columns = its 4 rows) and W the block's weights (column t = row t's 4 weights), Y · W.

fn v_times(b: Rows16, c: u32, n: u32, w: Tile) -> mat4x4<f32> {
  return v_rows(b[0] + c, n) * w.b0 + v_rows(b[1] + c, n) * w.b1 + v_rows(b[2] + c, n) * w.b2 + v_rows(b[3] + c, n) * w.b3;
}

fn k_times(b: Rows16, c: u32, n: u32, w: Tile) -> mat4x4<f32> {
  return k_rows(b[0] + c, n) * w.b0 + k_rows(b[1] + c, n) * w.b1 + k_rows(b[2] + c, n) * w.b2 + k_rows(b[3] + c, n) * w.b3;
}

fn q_times(b: Rows16, c: u32, n: u32, w: Tile) -> mat4x4<f32> {
  return q_rows(b[0] + c, n) * w.b0 + q_rows(b[1] + c, n) * w.b1 + q_rows(b[2] + c, n) * w.b2 + q_rows(b[3] + c, n) * w.b3;
}

fn dout_times(b: Rows16, c: u32, n: u32, w: Tile) -> mat4x4<f32> {
  return dout_rows(b[0] + c, n) * w.b0 + dout_rows(b[1] + c, n) * w.b1 + dout_rows(b[2] + c, n) * w.b2
    + dout_rows(b[3] + c, n) * w.b3;
}

// ---------------------------------------------------------------- small helpers

// Rows first..first+3 of a sequence of `count` rows starting at row0, clamped to its last row.
fn rows4(row0: u32, first: u32, count: u32) -> vec4<u32> {
  return vec4<u32>(row0) + min(vec4<u32>(first) + LANES, vec4<u32>(count - 1u));
}

fn rows16(row0: u32, first: u32, count: u32) -> Rows16 {
  return Rows16(rows4(row0, first, count), rows4(row0, first + 4u, count), rows4(row0, first + 8u, count),
                rows4(row0, first + 12u, count));
}

// Element offsets of 16 rows of `width` values, plus `column`.
fn offsets16(r: Rows16, width: u32, column: u32) -> Rows16 {
  return Rows16(r[0] * width + column, r[1] * width + column, r[2] * width + column, r[3] * width + column);
}

// scale·s, with the lanes of rows past `count` (from `first`) replaced by LOWEST.
fn scores(s: mat4x4<f32>, first: u32, count: u32) -> mat4x4<f32> {
  let live = vec4<u32>(first) + LANES < vec4<u32>(count);
  let low = vec4<f32>(LOWEST);
  return mat4x4<f32>(select(low, p.scale * s[0], live), select(low, p.scale * s[1], live),
                     select(low, p.scale * s[2], live), select(low, p.scale * s[3], live));
}

fn scores16(s: Tile, first: u32, count: u32) -> Tile {
  return Tile(scores(s.b0, first, count), scores(s.b1, first + 4u, count), scores(s.b2, first + 8u, count),
              scores(s.b3, first + 12u, count));
}

// exp(s − x), column by column (WGSL's exp takes vectors, not matrices).
fn exp_minus(s: mat4x4<f32>, x: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(exp(s[0] - x[0]), exp(s[1] - x[1]), exp(s[2] - x[2]), exp(s[3] - x[3]));
}

fn exp_minus16(s: Tile, x: mat4x4<f32>) -> Tile {
  return Tile(exp_minus(s.b0, x), exp_minus(s.b1, x), exp_minus(s.b2, x), exp_minus(s.b3, x));
}

// p ⊙ (dp − x), column by column.
fn grad_scores(prob: mat4x4<f32>, dp: mat4x4<f32>, x: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(prob[0] * (dp[0] - x[0]), prob[1] * (dp[1] - x[1]), prob[2] * (dp[2] - x[2]), prob[3] * (dp[3] - x[3]));
}

// The matrix whose column t is x[t] in every lane (a per-column value), and the one whose columns are all x.
fn per_column(x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(vec4<f32>(x.x), vec4<f32>(x.y), vec4<f32>(x.z), vec4<f32>(x.w));
}

fn per_lane(x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(x, x, x, x);
}

fn column_max(m: mat4x4<f32>) -> vec4<f32> {
  return vec4<f32>(max(max(m[0].x, m[0].y), max(m[0].z, m[0].w)), max(max(m[1].x, m[1].y), max(m[1].z, m[1].w)),
                   max(max(m[2].x, m[2].y), max(m[2].z, m[2].w)), max(max(m[3].x, m[3].y), max(m[3].z, m[3].w)));
}

fn column_sum(m: mat4x4<f32>) -> vec4<f32> {
  return vec4<f32>(1.0) * m;
}

fn scale_columns(m: mat4x4<f32>, x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(m[0] * x.x, m[1] * x.y, m[2] * x.z, m[3] * x.w);
}

fn group_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// ---------------------------------------------------------------- forward

// Query rows i0..i0+3 of batch entry b; output columns [col0, col0 + cols), col0 = 256·z. Writes out and, for
// z = 0, lseOut.
@compute @workgroup_size(WG)
fn flash_attention_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups = (p.lq + 3u) / 4u;
  let g = group_index(gid, nwg);
  if (g >= p.batch * groups) { return; }
  let b = g / groups;
  let i0 = (g % groups) * 4u;
  let rows = rows4(b * p.lq, i0, p.lq);
  let col0 = gid.z * 4u * CHUNK4;
  let cols = min(p.dv - col0, 4u * CHUNK4);
  var acc: array<mat4x4<f32>, CHUNK4>;
  var m = vec4<f32>(LOWEST);
  var l = vec4<f32>(0.0);
  for (var j = 0u; j < p.lk; j += 16u) {
    let keys = rows16(b * p.lk, j, p.lk);
    let s = scores16(tile_qk(rows * p.d, offsets16(keys, p.d, 0u)), j, p.lk);
    let mNew = max(m, max(max(column_max(s.b0), column_max(s.b1)), max(column_max(s.b2), column_max(s.b3))));
    let alpha = exp(m - mNew);
    let w = exp_minus16(s, per_column(mNew));
    l = l * alpha + (column_sum(w.b0) + column_sum(w.b1)) + (column_sum(w.b2) + column_sum(w.b3));
    m = mNew;
    let vAt = offsets16(keys, p.dv, col0);
    for (var c = 0u; c < cols; c += 4u) {
      acc[c / 4u] = scale_columns(acc[c / 4u], alpha) + v_times(vAt, c, cols - c, w);
    }
  }
  for (var t = 0u; t < 4u && i0 + t < p.lq; t++) {
    // l ≥ 1 whenever there is a key (the maximum's own weight is 1).
    let inv = select(0.0, 1.0 / l[t], l[t] > 0.0);
    for (var c = 0u; c < cols; c += 4u) {
      store_out(rows[t] * p.dv + col0 + c, cols - c, acc[c / 4u][t] * inv);
    }
    if (gid.z == 0u) { lseOut[rows[t]] = m[t] + log(l[t]); }
  }
}

// ---------------------------------------------------------------- backward

// D_r = Σ_c dO_rc · out_rc, one invocation per query row.
@compute @workgroup_size(WG)
fn flash_attention_delta(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = group_index(gid, nwg);
  if (r >= p.batch * p.lq) { return; }
  var total = 0.0;
  for (var c = 0u; c < p.dv; c++) {
    total += gradOut[r * p.dv + c] * o[r * p.dv + c];
  }
  deltaOut[r] = total;
}

// dQ of query rows i0..i0+3 of batch entry b, columns [col0, col0 + cols) of d.
@compute @workgroup_size(WG)
fn flash_attention_grad_q(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups = (p.lq + 3u) / 4u;
  let g = group_index(gid, nwg);
  if (g >= p.batch * groups) { return; }
  let b = g / groups;
  let i0 = (g % groups) * 4u;
  let rows = rows4(b * p.lq, i0, p.lq);
  let col0 = gid.z * 4u * CHUNK4;
  let cols = min(p.d - col0, 4u * CHUNK4);
  let rowLse = per_column(vec4<f32>(lse[rows.x], lse[rows.y], lse[rows.z], lse[rows.w]));
  let rowDelta = per_column(vec4<f32>(delta[rows.x], delta[rows.y], delta[rows.z], delta[rows.w]));
  var acc: array<mat4x4<f32>, CHUNK4>;
  for (var j = 0u; j < p.lk; j += 16u) {
    let keys = rows16(b * p.lk, j, p.lk);
    let prob = exp_minus16(scores16(tile_qk(rows * p.d, offsets16(keys, p.d, 0u)), j, p.lk), rowLse);
    let dp = tile_dout_v(rows * p.dv, offsets16(keys, p.dv, 0u));
    let ds = Tile(grad_scores(prob.b0, dp.b0, rowDelta), grad_scores(prob.b1, dp.b1, rowDelta),
                  grad_scores(prob.b2, dp.b2, rowDelta), grad_scores(prob.b3, dp.b3, rowDelta));
    let kAt = offsets16(keys, p.d, col0);
    for (var c = 0u; c < cols; c += 4u) { acc[c / 4u] += k_times(kAt, c, cols - c, ds); }
  }
  for (var t = 0u; t < 4u && i0 + t < p.lq; t++) {
    for (var c = 0u; c < cols; c += 4u) {
      store_grad_q(rows[t] * p.d + col0 + c, cols - c, p.scale * acc[c / 4u][t]);
    }
  }
}

// dK and dV of key rows j0..j0+3 of batch entry b, columns [col0, col0 + 256) of each. Here the 4 rows are
// keys and the tiles run over 16 queries, whose logsumexp and D vary along the lanes.
@compute @workgroup_size(WG)
fn flash_attention_grad_kv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups = (p.lk + 3u) / 4u;
  let g = group_index(gid, nwg);
  if (g >= p.batch * groups) { return; }
  let b = g / groups;
  let j0 = (g % groups) * 4u;
  let keys = rows4(b * p.lk, j0, p.lk);
  let col0 = gid.z * 4u * CHUNK4;
  let colsK = min(max(p.d, col0) - col0, 4u * CHUNK4);
  let colsV = min(max(p.dv, col0) - col0, 4u * CHUNK4);
  var accK: array<mat4x4<f32>, CHUNK4>;
  var accV: array<mat4x4<f32>, CHUNK4>;
  for (var i = 0u; i < p.lq; i += 16u) {
    let queries = rows16(b * p.lq, i, p.lq);
    let s = scores16(tile_kq(keys * p.d, offsets16(queries, p.d, 0u)), i, p.lq);
    let dp = tile_v_dout(keys * p.dv, offsets16(queries, p.dv, 0u));
    let q0 = queries[0];
    let q1 = queries[1];
    let q2 = queries[2];
    let q3 = queries[3];
    let prob = Tile(exp_minus(s.b0, per_lane(vec4<f32>(lse[q0.x], lse[q0.y], lse[q0.z], lse[q0.w]))),
                    exp_minus(s.b1, per_lane(vec4<f32>(lse[q1.x], lse[q1.y], lse[q1.z], lse[q1.w]))),
                    exp_minus(s.b2, per_lane(vec4<f32>(lse[q2.x], lse[q2.y], lse[q2.z], lse[q2.w]))),
                    exp_minus(s.b3, per_lane(vec4<f32>(lse[q3.x], lse[q3.y], lse[q3.z], lse[q3.w]))));
    let ds = Tile(grad_scores(prob.b0, dp.b0, per_lane(vec4<f32>(delta[q0.x], delta[q0.y], delta[q0.z], delta[q0.w]))),
                  grad_scores(prob.b1, dp.b1, per_lane(vec4<f32>(delta[q1.x], delta[q1.y], delta[q1.z], delta[q1.w]))),
                  grad_scores(prob.b2, dp.b2, per_lane(vec4<f32>(delta[q2.x], delta[q2.y], delta[q2.z], delta[q2.w]))),
                  grad_scores(prob.b3, dp.b3, per_lane(vec4<f32>(delta[q3.x], delta[q3.y], delta[q3.z], delta[q3.w]))));
    let oAt = offsets16(queries, p.dv, col0);
    for (var c = 0u; c < colsV; c += 4u) { accV[c / 4u] += dout_times(oAt, c, colsV - c, prob); }
    let qAt = offsets16(queries, p.d, col0);
    for (var c = 0u; c < colsK; c += 4u) { accK[c / 4u] += q_times(qAt, c, colsK - c, ds); }
  }
  for (var t = 0u; t < 4u && j0 + t < p.lk; t++) {
    for (var c = 0u; c < colsV; c += 4u) {
      store_grad_v(keys[t] * p.dv + col0 + c, colsV - c, accV[c / 4u][t]);
    }
    for (var c = 0u; c < colsK; c += 4u) {
      store_grad_k(keys[t] * p.d + col0 + c, colsK - c, p.scale * accK[c / 4u][t]);
    }
  }
}
