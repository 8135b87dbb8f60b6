// Small kernels of the DDPM U-Net: a materialised permutation (transpose) of any rank ≤ 8, the sinusoidal
// timestep embedding, and inverted dropout with its mask drawn in-kernel from Philox4x32-10.
// Every tensor is a dense row-major f32 array; each entry point's own comment gives what an invocation does.

//! include philox

override WG: u32 = 64;

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// ---------------------------------------------------------------- permute
//
// out[i] = in[Σ_d coord_d(i)·inStrides_d], where coord(i) are the coordinates of i in the output shape and
// inStrides_d is the input's stride along the input axis that becomes output axis d (dims[d]).
// One invocation per output element; shapes and strides padded to 8 dimensions (two vec4s).

struct PermuteParams {
  n: u32,
  rank: u32,
  outShape: array<vec4<u32>, 2>,
  inStrides: array<vec4<u32>, 2>,
};

@group(0) @binding(0) var<uniform> pp: PermuteParams;
@group(0) @binding(1) var<storage, read> permuteIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> permuteOut: array<f32>;

@compute @workgroup_size(WG)
fn permute(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= pp.n) { return; }
  var rest = i;
  var offset = 0u;
  for (var k = 0u; k < pp.rank; k++) {
    let d = pp.rank - 1u - k;
    let size = pp.outShape[d / 4u][d % 4u];
    offset += (rest % size) * pp.inStrides[d / 4u][d % 4u];
    rest = rest / size;
  }
  permuteOut[i] = permuteIn[offset];
}

// The same for at most 4 (coalesced) dimensions, with scalar uniforms; size0 is implied by n.
struct Permute4Params {
  n: u32,
  size1: u32,
  size2: u32,
  size3: u32,
  stride0: u32,
  stride1: u32,
  stride2: u32,
  stride3: u32,
};

@group(0) @binding(20) var<uniform> p4: Permute4Params;

@compute @workgroup_size(WG)
fn permute_rank4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= p4.n) { return; }
  let r3 = i / p4.size3;
  let c3 = i - r3 * p4.size3;
  let r2 = r3 / p4.size2;
  let c2 = r3 - r2 * p4.size2;
  let c0 = r2 / p4.size1;
  let c1 = r2 - c0 * p4.size1;
  permuteOut[i] = permuteIn[c0 * p4.stride0 + c1 * p4.stride1 + c2 * p4.stride2 + c3 * p4.stride3];
}

// ---------------------------------------------------------------- timestep embedding
//
// diffusers' get_timestep_embedding (Ho et al. 2020, after Vaswani et al. 2017's positional encoding):
//   arg[n, j] = scale · (t_n · freq_j),  j < half,  freq_j = exp(−ln(maxPeriod)·j / (half − shift))
//   emb[n] = [sin(arg[n, :]), cos(arg[n, :])]  (or [cos, sin] when flip = 1), zero-padded to `dim` columns.
// The frequencies come from the CPU (float64 math rounded to f32 the way torch's float32 ops round).
// The f32 products are rounded as torch rounds them; then sin/cos of that f32 argument are computed
// accurately: arguments reach ~1000 rad, where the built-in sin/cos are implementation-defined, so the
// argument is reduced by π/2 (Cody & Waite's three-part constant) and sin/cos of the remainder
// r ∈ [−π/4, π/4] come from their Taylor series (truncation < 1e-11 at degree 11 / 12).
// One invocation per output element.

struct TimestepParams {
  rows: u32,
  half: u32,
  dim: u32,
  flip: u32,
  scale: f32,
};

@group(0) @binding(3) var<uniform> tp: TimestepParams;
@group(0) @binding(4) var<storage, read> timesteps: array<f32>;
@group(0) @binding(5) var<storage, read> frequencies: array<f32>;
@group(0) @binding(6) var<storage, read_write> embedding: array<f32>;

const TWO_OVER_PI: f32 = 0x1.45f306p-1f;
// π/2 = PIO2_HI + PIO2_MID + PIO2_LO; the first two have 12 significant bits, so k·PIO2_HI and k·PIO2_MID
// are exact (and so is v − k·PIO2_HI) for |k| < 2^12, i.e. |v| < ~6400 rad. Beyond, the reduction error
// grows like |v|·2^-24, the size of the f32 argument's own rounding.
const PIO2_HI: f32 = 0x1.922p0f;
const PIO2_MID: f32 = -0x1.2aep-18f;
const PIO2_LO: f32 = -0x1.de973ep-31f;

fn sin_taylor(r: f32) -> f32 {
  let r2 = r * r;
  return r + r * r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0 + r2 * (-1.0 / 39916800.0)))));
}

fn cos_taylor(r: f32) -> f32 {
  let r2 = r * r;
  return 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0 + r2 * (1.0 / 479001600.0))))));
}

// sin(v) (cosine = false) or cos(v) (cosine = true) for an f32 argument v, via v = k·π/2 + r.
fn sin_or_cos(v: f32, cosine: bool) -> f32 {
  let k = round(v * TWO_OVER_PI);
  let r = ((v - k * PIO2_HI) - k * PIO2_MID) - k * PIO2_LO;
  // cos(v) = sin(v + π/2): one more quarter turn.
  let quadrant = (u32(i32(k)) + select(0u, 1u, cosine)) & 3u;
  let s = sin_taylor(r);
  let c = cos_taylor(r);
  switch quadrant {
    case 0u: { return s; }
    case 1u: { return c; }
    case 2u: { return -s; }
    default: { return -c; }
  }
}

@compute @workgroup_size(WG)
fn timestep_embedding(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= tp.rows * tp.dim) { return; }
  let row = i / tp.dim;
  let col = i % tp.dim;
  if (col >= 2u * tp.half) {
    embedding[i] = 0.0;
    return;
  }
  let firstHalf = col < tp.half;
  let arg = tp.scale * (timesteps[row] * frequencies[col % tp.half]);
  // [sin, cos]; flipped: [cos, sin].
  embedding[i] = sin_or_cos(arg, firstHalf == (tp.flip == 1u));
}

// ---------------------------------------------------------------- dropout
//
// Inverted dropout: out = keep ? x / (1 − p) : 0. Invocation i encrypts the counter (i, stream, 0, 0) under
// the key (seedLo, seedHi) with Philox4x32-10 (shaders/lib/philox.wgsl, the function shaders/rng.wgsl uses)
// and decides elements 4i .. 4i+3, one 32-bit word each: keep iff (word >> 8) ≥ threshold, with
// threshold = ⌈p·2^24⌉ from the CPU, so P(keep) = 1 − threshold/2^24 and the mask is an exact integer
// function of (seed, stream, index) that a CPU reference reproduces. The backward applies the same mask.

struct DropoutParams {
  n: u32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
  threshold: u32,
  scale: f32,
};

@group(0) @binding(7) var<uniform> dp: DropoutParams;
@group(0) @binding(8) var<storage, read> dropoutIn: array<f32>;
@group(0) @binding(9) var<storage, read_write> dropoutOut: array<f32>;

@compute @workgroup_size(WG)
fn dropout(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (4u * i >= dp.n) { return; }
  let bits = philox4x32_10(vec4<u32>(i, dp.stream, 0u, 0u), vec2<u32>(dp.seedLo, dp.seedHi));
  for (var j = 0u; j < 4u; j++) {
    let at = 4u * i + j;
    if (at < dp.n) {
      let keep = (bits[j] >> 8u) >= dp.threshold;
      dropoutOut[at] = select(0.0, dropoutIn[at] * dp.scale, keep);
    }
  }
}
