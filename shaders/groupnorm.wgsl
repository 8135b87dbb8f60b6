// Group normalisation (Wu & He, "Group Normalization", ECCV 2018) with PyTorch's semantics, optional affine
// and an optional fused SiLU, forward and backward.
//
// Layout: x is dense [N, C, S] where S is the product of the spatial sizes (H·W for NCHW, L for [N, C, L],
// 1 for [N, C]). Group g holds channels g·Cg .. g·Cg + Cg − 1 with Cg = C / G; it has M = Cg·S elements.
//
//   μ_ng = mean over the group,  σ²_ng = biased variance,  rstd_ng = 1 / √(σ²_ng + eps)
//   x̂ = (x − μ)·rstd,   z = γ_c·x̂ + β_c,   y = z, or y = silu(z) = z·σ(z) when SILU = 1
//
// Forward (three dispatches, no barriers, no shared memory):
//   channel_moments  one invocation per (n, c): mean and M2 = Σ(x − mean)² over S (two passes, Kahan sum
//                    for the mean, so offsets like x = 1000 + noise keep their precision)
//   group_stats      one invocation per (n, g): merges its Cg channels' moments (Chan, Golub & LeVeque's
//                    pairwise update; equal counts S) into stats = (μ, rstd)
//   normalize_forward  one invocation per four elements of a channel row
//
// Backward, with dz = dy·silu'(z) (or dy without SILU):
//   dβ_c = Σ_{n,s} dz,   dγ_c = Σ_{n,s} dz·x̂
//   dx   = rstd·(γ_c·dz − mean_g(γ·dz) − x̂·mean_g(γ·dz·x̂))      (the means over the element's group)
//   backward_channel_sums  one invocation per (n, c): (Σ_s dz, Σ_s dz·x̂)
//   backward_params        one invocation per c: sums of those over n → dγ, dβ
//   backward_group_sums    one invocation per (n, g): (1/M)·Σ_{c∈g} γ_c·(Σ dz, Σ dz·x̂)
//   backward_input         one invocation per four elements of a channel row
//
// When S is a multiple of 4 (every U-Net layer), VEC4 = 1 and the entry points ending in 4 read and write whole
// vec4s.
//
// HAS_WEIGHT / HAS_BIAS = 0 mean γ = 1 / β = 0 (the weight / bias bindings are then bound to a dummy buffer
// and never read).

struct GroupNormParams {
  batch: u32,
  channels: u32,
  spatial: u32,
  groups: u32,
  eps: f32,
};

override WG: u32 = 64;
override HAS_WEIGHT: u32 = 1;
override HAS_BIAS: u32 = 1;
override SILU: u32 = 0;
// 1 when S is a multiple of 4: channel rows then start on vec4 boundaries, and the kernels read (and the "4"
// entry points write) through the vec4 views below, one access per four elements (on CPU adapters every storage
// access is a per-lane gather, whatever its width). The arithmetic and its order are the same.
override VEC4: u32 = 0;

@group(0) @binding(0) var<uniform> p: GroupNormParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// (mean, M2) per (n, c)
@group(0) @binding(4) var<storage, read_write> momentsOut: array<f32>;
@group(0) @binding(5) var<storage, read> moments: array<f32>;
// (μ, rstd) per (n, g)
@group(0) @binding(6) var<storage, read_write> statsOut: array<f32>;
@group(0) @binding(7) var<storage, read> stats: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
@group(0) @binding(9) var<storage, read> gradOut: array<f32>;
// (Σ_s dz, Σ_s dz·x̂) per (n, c)
@group(0) @binding(10) var<storage, read_write> channelSumsOut: array<f32>;
@group(0) @binding(11) var<storage, read> channelSums: array<f32>;
// ((1/M)·Σ γ·dz, (1/M)·Σ γ·dz·x̂) per (n, g)
@group(0) @binding(12) var<storage, read_write> groupSumsOut: array<f32>;
@group(0) @binding(13) var<storage, read> groupSums: array<f32>;
@group(0) @binding(14) var<storage, read_write> gradX: array<f32>;
@group(0) @binding(15) var<storage, read_write> gradWeight: array<f32>;
@group(0) @binding(16) var<storage, read_write> gradBias: array<f32>;
// vec4 views of x, gradOut, out and gradX (the same buffers), used when VEC4 = 1.
@group(0) @binding(17) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(18) var<storage, read> gradOut4: array<vec4<f32>>;
@group(0) @binding(19) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(20) var<storage, read_write> gradX4: array<vec4<f32>>;

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn gamma(c: u32) -> f32 {
  if (HAS_WEIGHT == 1u) { return weight[c]; }
  return 1.0;
}

fn beta(c: u32) -> f32 {
  if (HAS_BIAS == 1u) { return bias[c]; }
  return 0.0;
}

fn sigmoid(v: f32) -> f32 {
  return 1.0 / (1.0 + exp(-v));
}

// Index (n·G + g) of the group that channel row nc = n·C + c belongs to.
fn group_of(nc: u32) -> u32 {
  let n = nc / p.channels;
  let c = nc % p.channels;
  return n * p.groups + c / (p.channels / p.groups);
}

@compute @workgroup_size(WG)
fn channel_moments(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let nc = flat_id(gid, nwg);
  if (nc >= p.batch * p.channels) { return; }
  let base = nc * p.spatial;
  var sum = 0.0;
  var compensation = 0.0;
  var m2 = 0.0;
  if (VEC4 == 1u) {
    let base4 = base / 4u;
    let end4 = base4 + p.spatial / 4u;
    for (var j = base4; j < end4; j++) {
      let x4j = x4[j];
      for (var k = 0u; k < 4u; k++) {
        let v = x4j[k] - compensation;
        let t = sum + v;
        compensation = (t - sum) - v;
        sum = t;
      }
    }
    let mean = sum / f32(p.spatial);
    for (var j = base4; j < end4; j++) {
      let d = x4[j] - mean;
      m2 += d.x * d.x;
      m2 += d.y * d.y;
      m2 += d.z * d.z;
      m2 += d.w * d.w;
    }
  } else {
    for (var s = 0u; s < p.spatial; s++) {
      let v = x[base + s] - compensation;
      let t = sum + v;
      compensation = (t - sum) - v;
      sum = t;
    }
    let mean = sum / f32(p.spatial);
    for (var s = 0u; s < p.spatial; s++) {
      let d = x[base + s] - mean;
      m2 += d * d;
    }
  }
  let mean = sum / f32(p.spatial);
  momentsOut[2u * nc] = mean;
  momentsOut[2u * nc + 1u] = m2;
}

@compute @workgroup_size(WG)
fn group_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ng = flat_id(gid, nwg);
  if (ng >= p.batch * p.groups) { return; }
  let perGroup = p.channels / p.groups;
  // Channels of group ng are rows ng·Cg .. ng·Cg + Cg − 1 of the [N·C] moments (C = G·Cg).
  let first = ng * perGroup;
  var meanSum = 0.0;
  for (var k = 0u; k < perGroup; k++) {
    meanSum += moments[2u * (first + k)];
  }
  let mean = meanSum / f32(perGroup);
  // Chan et al.: M2 of the union = Σ M2_c + S·Σ (mean_c − mean)² for equal counts S.
  var m2 = 0.0;
  for (var k = 0u; k < perGroup; k++) {
    let d = moments[2u * (first + k)] - mean;
    m2 += moments[2u * (first + k) + 1u] + f32(p.spatial) * d * d;
  }
  let variance = m2 / f32(perGroup * p.spatial);
  statsOut[2u * ng] = mean;
  statsOut[2u * ng + 1u] = 1.0 / sqrt(variance + p.eps);
}

// normalize_forward and backward_input (and their vec4 forms): invocation i handles elements s = 4j .. 4j + 3 of
// channel row nc (i = nc·⌈S/4⌉ + j; with VEC4 = 1 that is vec4 i of x), so the row's statistics, γ and β are
// loaded once per four elements.
const ROW_CHUNK: u32 = 4u;

fn chunks_per_row() -> u32 {
  return (p.spatial + ROW_CHUNK - 1u) / ROW_CHUNK;
}

// Invocation i's channel row nc, its channel c, its group ng and the group's (μ, rstd). Only for i < N·C·⌈S/4⌉.
struct RowChunk {
  nc: u32,
  c: u32,
  ng: u32,
  mean: f32,
  rstd: f32,
};

fn row_chunk(i: u32) -> RowChunk {
  let nc = i / chunks_per_row();
  let ng = group_of(nc);
  return RowChunk(nc, nc % p.channels, ng, stats[2u * ng], stats[2u * ng + 1u]);
}

// The first element s0 = 4j of invocation i's chunk of its row.
fn chunk_start(i: u32) -> u32 {
  return i % chunks_per_row() * ROW_CHUNK;
}

fn row_chunk_count() -> u32 {
  return p.batch * p.channels * chunks_per_row();
}

@compute @workgroup_size(WG)
fn normalize_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= row_chunk_count()) { return; }
  let r = row_chunk(i);
  let g = gamma(r.c);
  let b = beta(r.c);
  let base = r.nc * p.spatial;
  let s0 = chunk_start(i);
  for (var k = 0u; k < ROW_CHUNK; k++) {
    let s = s0 + k;
    if (s < p.spatial) {
      // (x − μ) first: data with a large offset keeps its precision.
      let z = (x[base + s] - r.mean) * r.rstd * g + b;
      if (SILU == 1u) {
        out[base + s] = z * sigmoid(z);
      } else {
        out[base + s] = z;
      }
    }
  }
}

// dz from dy: the SiLU's derivative σ(z)·(1 + z·(1 − σ(z))) at z = γ·x̂ + β.
fn grad_z(dy: f32, xhat: f32, c: u32) -> f32 {
  if (SILU == 1u) {
    let z = gamma(c) * xhat + beta(c);
    let s = sigmoid(z);
    return dy * s * (1.0 + z * (1.0 - s));
  }
  return dy;
}

fn grad_z4(dy: vec4<f32>, xhat: vec4<f32>, c: u32) -> vec4<f32> {
  if (SILU == 1u) {
    let z = gamma(c) * xhat + beta(c);
    let s = 1.0 / (1.0 + exp(-z));
    return dy * s * (1.0 + z * (1.0 - s));
  }
  return dy;
}

@compute @workgroup_size(WG)
fn backward_channel_sums(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let nc = flat_id(gid, nwg);
  if (nc >= p.batch * p.channels) { return; }
  let c = nc % p.channels;
  let ng = group_of(nc);
  let mean = stats[2u * ng];
  let rstd = stats[2u * ng + 1u];
  let base = nc * p.spatial;
  var sumDz = 0.0;
  var sumDzXhat = 0.0;
  if (VEC4 == 1u) {
    let base4 = base / 4u;
    for (var j = base4; j < base4 + p.spatial / 4u; j++) {
      let xhat = (x4[j] - mean) * rstd;
      let dz = grad_z4(gradOut4[j], xhat, c);
      for (var k = 0u; k < 4u; k++) {
        sumDz += dz[k];
        sumDzXhat += dz[k] * xhat[k];
      }
    }
  } else {
    for (var s = 0u; s < p.spatial; s++) {
      let xhat = (x[base + s] - mean) * rstd;
      let dz = grad_z(gradOut[base + s], xhat, c);
      sumDz += dz;
      sumDzXhat += dz * xhat;
    }
  }
  channelSumsOut[2u * nc] = sumDz;
  channelSumsOut[2u * nc + 1u] = sumDzXhat;
}

@compute @workgroup_size(WG)
fn backward_params(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = flat_id(gid, nwg);
  if (c >= p.channels) { return; }
  var sumDz = 0.0;
  var sumDzXhat = 0.0;
  for (var n = 0u; n < p.batch; n++) {
    let nc = n * p.channels + c;
    sumDz += channelSums[2u * nc];
    sumDzXhat += channelSums[2u * nc + 1u];
  }
  gradBias[c] = sumDz;
  gradWeight[c] = sumDzXhat;
}

@compute @workgroup_size(WG)
fn backward_group_sums(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ng = flat_id(gid, nwg);
  if (ng >= p.batch * p.groups) { return; }
  let perGroup = p.channels / p.groups;
  let first = ng * perGroup;
  let cFirst = (ng % p.groups) * perGroup;
  var a = 0.0;
  var b = 0.0;
  for (var k = 0u; k < perGroup; k++) {
    let g = gamma(cFirst + k);
    a += g * channelSums[2u * (first + k)];
    b += g * channelSums[2u * (first + k) + 1u];
  }
  let invCount = 1.0 / f32(perGroup * p.spatial);
  groupSumsOut[2u * ng] = a * invCount;
  groupSumsOut[2u * ng + 1u] = b * invCount;
}

@compute @workgroup_size(WG)
fn backward_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= row_chunk_count()) { return; }
  let r = row_chunk(i);
  let g = gamma(r.c);
  let sumDz = groupSums[2u * r.ng];
  let sumDzXhat = groupSums[2u * r.ng + 1u];
  let base = r.nc * p.spatial;
  let s0 = chunk_start(i);
  for (var k = 0u; k < ROW_CHUNK; k++) {
    let s = s0 + k;
    if (s < p.spatial) {
      let xhat = (x[base + s] - r.mean) * r.rstd;
      let dxhat = g * grad_z(gradOut[base + s], xhat, r.c);
      gradX[base + s] = r.rstd * (dxhat - sumDz - xhat * sumDzXhat);
    }
  }
}

// normalize_forward4 and backward_input4: the same, for VEC4 = 1 (S a multiple of 4): invocation i handles vec4 i
// of x.
@compute @workgroup_size(WG)
fn normalize_forward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= row_chunk_count()) { return; }
  let r = row_chunk(i);
  let z = (x4[i] - r.mean) * r.rstd * gamma(r.c) + beta(r.c);
  if (SILU == 1u) {
    out4[i] = z * (1.0 / (1.0 + exp(-z)));
  } else {
    out4[i] = z;
  }
}

@compute @workgroup_size(WG)
fn backward_input4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= row_chunk_count()) { return; }
  let r = row_chunk(i);
  let xhat = (x4[i] - r.mean) * r.rstd;
  let dxhat = gamma(r.c) * grad_z4(gradOut4[i], xhat, r.c);
  gradX4[i] = r.rstd * (dxhat - groupSums[2u * r.ng] - xhat * groupSums[2u * r.ng + 1u]);
}
