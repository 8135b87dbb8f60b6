// Microkernels for bench/peak.ts: how fast the adapter does arithmetic and loads, to put the op kernels'
// GFLOP/s in context. Not used by any op.
//
// peak_fma_N / peak_muladd_N: each invocation runs N independent vec4 accumulators through `iterations`
// steps of acc = acc · a + b (8 flops per vec4 step), with fma() or with a separate multiply and add, and
// writes their sum so nothing is optimised away. Flops = invocations · iterations · N · 8.
// load_scalar / load_vec4: each invocation sums `iterations` values read from `src` (as f32 or as vec4),
// at an index that depends on the invocation (a gather on SIMD CPU adapters).

struct BenchParams {
  iterations: u32,
  a: f32,
  b: f32,
  mask: u32,
};

@group(0) @binding(0) var<uniform> bp: BenchParams;
@group(0) @binding(1) var<storage, read_write> sink: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> srcAtomic: array<atomic<u32>>;

// Explicit accumulators (c0, c1, ...): a private array indexed in a loop lives in memory on SwiftShader.
@compute @workgroup_size(64)
fn peak_fma_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b);
    c1 = fma(c1, a, b);
    c2 = fma(c2, a, b);
    c3 = fma(c3, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_fma_8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u));
  var c5 = vec4<f32>(f32(i + 5u));
  var c6 = vec4<f32>(f32(i + 6u));
  var c7 = vec4<f32>(f32(i + 7u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b);
    c1 = fma(c1, a, b);
    c2 = fma(c2, a, b);
    c3 = fma(c3, a, b);
    c4 = fma(c4, a, b);
    c5 = fma(c5, a, b);
    c6 = fma(c6, a, b);
    c7 = fma(c7, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_fma_16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u));
  var c5 = vec4<f32>(f32(i + 5u));
  var c6 = vec4<f32>(f32(i + 6u));
  var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u));
  var c9 = vec4<f32>(f32(i + 9u));
  var c10 = vec4<f32>(f32(i + 10u));
  var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u));
  var c13 = vec4<f32>(f32(i + 13u));
  var c14 = vec4<f32>(f32(i + 14u));
  var c15 = vec4<f32>(f32(i + 15u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b);
    c1 = fma(c1, a, b);
    c2 = fma(c2, a, b);
    c3 = fma(c3, a, b);
    c4 = fma(c4, a, b);
    c5 = fma(c5, a, b);
    c6 = fma(c6, a, b);
    c7 = fma(c7, a, b);
    c8 = fma(c8, a, b);
    c9 = fma(c9, a, b);
    c10 = fma(c10, a, b);
    c11 = fma(c11, a, b);
    c12 = fma(c12, a, b);
    c13 = fma(c13, a, b);
    c14 = fma(c14, a, b);
    c15 = fma(c15, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b;
    c1 = c1 * a + b;
    c2 = c2 * a + b;
    c3 = c3 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u));
  var c5 = vec4<f32>(f32(i + 5u));
  var c6 = vec4<f32>(f32(i + 6u));
  var c7 = vec4<f32>(f32(i + 7u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b;
    c1 = c1 * a + b;
    c2 = c2 * a + b;
    c3 = c3 * a + b;
    c4 = c4 * a + b;
    c5 = c5 * a + b;
    c6 = c6 * a + b;
    c7 = c7 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u));
  var c1 = vec4<f32>(f32(i + 1u));
  var c2 = vec4<f32>(f32(i + 2u));
  var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u));
  var c5 = vec4<f32>(f32(i + 5u));
  var c6 = vec4<f32>(f32(i + 6u));
  var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u));
  var c9 = vec4<f32>(f32(i + 9u));
  var c10 = vec4<f32>(f32(i + 10u));
  var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u));
  var c13 = vec4<f32>(f32(i + 13u));
  var c14 = vec4<f32>(f32(i + 14u));
  var c15 = vec4<f32>(f32(i + 15u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b;
    c1 = c1 * a + b;
    c2 = c2 * a + b;
    c3 = c3 * a + b;
    c4 = c4 * a + b;
    c5 = c5 * a + b;
    c6 = c6 * a + b;
    c7 = c7 * a + b;
    c8 = c8 * a + b;
    c9 = c9 * a + b;
    c10 = c10 * a + b;
    c11 = c11 * a + b;
    c12 = c12 * a + b;
    c13 = c13 * a + b;
    c14 = c14 * a + b;
    c15 = c15 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn loop_only(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var total = vec4<f32>(f32(i));
  for (var k = 0u; k < bp.iterations; k++) {
    total = fma(total, vec4<f32>(bp.a), vec4<f32>(bp.b));
  }
  sink[i] = dot(total, vec4<f32>(1.0));
}

// 16 floats per step as 16 f32 reads at lane-dependent addresses.
@compute @workgroup_size(64)
fn load_scalar(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = ((i + k * 4u) * 16u) & bp.mask;
    t0 += vec4<f32>(src[at], src[at + 1u], src[at + 2u], src[at + 3u]);
    t1 += vec4<f32>(src[at + 4u], src[at + 5u], src[at + 6u], src[at + 7u]);
    t2 += vec4<f32>(src[at + 8u], src[at + 9u], src[at + 10u], src[at + 11u]);
    t3 += vec4<f32>(src[at + 12u], src[at + 13u], src[at + 14u], src[at + 15u]);
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

// 16 floats per step as 4 vec4 reads at lane-dependent addresses.
@compute @workgroup_size(64)
fn load_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = ((i + k * 4u) * 4u) & (bp.mask / 4u);
    t0 += src4[at];
    t1 += src4[at + 1u];
    t2 += src4[at + 2u];
    t3 += src4[at + 3u];
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

// As load_vec4, at addresses every lane shares (a weight read by all pixels of a workgroup).
@compute @workgroup_size(64)
fn load_vec4_same(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = (k * 4u) & (bp.mask / 4u);
    t0 += src4[at];
    t1 += src4[at + 1u];
    t2 += src4[at + 2u];
    t3 += src4[at + 3u];
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

// As load_scalar through atomicLoad: SwiftShader checks at run time whether the 4 lanes of a SIMD group read
// one address or 4 consecutive ones and then does one load instead of a per-lane gather.
@compute @workgroup_size(64)
fn load_atomic_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = (i + k * 64u) & (bp.mask - 15u);
    t0 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at]), atomicLoad(&srcAtomic[at + 64u]), atomicLoad(&srcAtomic[at + 128u]), atomicLoad(&srcAtomic[at + 192u])));
    t1 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 256u]), atomicLoad(&srcAtomic[at + 320u]), atomicLoad(&srcAtomic[at + 384u]), atomicLoad(&srcAtomic[at + 448u])));
    t2 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 512u]), atomicLoad(&srcAtomic[at + 576u]), atomicLoad(&srcAtomic[at + 640u]), atomicLoad(&srcAtomic[at + 704u])));
    t3 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 768u]), atomicLoad(&srcAtomic[at + 832u]), atomicLoad(&srcAtomic[at + 896u]), atomicLoad(&srcAtomic[at + 960u])));
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

// Same addresses as load_atomic_seq through plain loads.
@compute @workgroup_size(64)
fn load_plain_seq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = (i + k * 64u) & (bp.mask - 15u);
    t0 += vec4<f32>(src[at], src[at + 64u], src[at + 128u], src[at + 192u]);
    t1 += vec4<f32>(src[at + 256u], src[at + 320u], src[at + 384u], src[at + 448u]);
    t2 += vec4<f32>(src[at + 512u], src[at + 576u], src[at + 640u], src[at + 704u]);
    t3 += vec4<f32>(src[at + 768u], src[at + 832u], src[at + 896u], src[at + 960u]);
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

// Same-address (uniform) reads through atomicLoad.
@compute @workgroup_size(64)
fn load_atomic_same(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  var t0 = vec4<f32>(0.0);
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = (k * 16u) & (bp.mask - 15u);
    t0 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at]), atomicLoad(&srcAtomic[at + 1u]), atomicLoad(&srcAtomic[at + 2u]), atomicLoad(&srcAtomic[at + 3u])));
    t1 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 4u]), atomicLoad(&srcAtomic[at + 5u]), atomicLoad(&srcAtomic[at + 6u]), atomicLoad(&srcAtomic[at + 7u])));
    t2 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 8u]), atomicLoad(&srcAtomic[at + 9u]), atomicLoad(&srcAtomic[at + 10u]), atomicLoad(&srcAtomic[at + 11u])));
    t3 += bitcast<vec4<f32>>(vec4<u32>(atomicLoad(&srcAtomic[at + 12u]), atomicLoad(&srcAtomic[at + 13u]), atomicLoad(&srcAtomic[at + 14u]), atomicLoad(&srcAtomic[at + 15u])));
  }
  sink[i] = dot(t0 + t1 + t2 + t3, vec4<f32>(1.0));
}

