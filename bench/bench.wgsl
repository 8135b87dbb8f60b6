// Kernels for the benchmarks only (bench/peak.ts, bench/conv.ts); no op uses them.
//
// peak_fma_N / peak_muladd_N: each invocation runs N independent vec4 accumulators through `iterations` steps
// of c = c·a + b (8 flops per vec4 step), with fma() or with a separate multiply and add, and writes their sum
// so nothing is optimised away. Flops = invocations · iterations · N · 8. The accumulators are separate
// variables: a private array indexed in a loop lives in memory on SwiftShader (measured 10× slower).
// load_scalar / load_vec4: each invocation sums 16 floats per step read at invocation-dependent addresses, as
// 16 f32 reads or 4 vec4 reads (on SwiftShader both are per-lane gathers and cost about the same per float).
// conv_v1_*: the first conv2d kernels (4×4 register blocks, bounds checks in the inner loop, no padded copy),
// kept as the baseline bench/conv.ts compares the current ones with.

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
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read_write> dst4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn peak_fma_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_fma_8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);
    c4 = fma(c4, a, b); c5 = fma(c5, a, b); c6 = fma(c6, a, b); c7 = fma(c7, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_fma_16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u)); var c9 = vec4<f32>(f32(i + 9u)); var c10 = vec4<f32>(f32(i + 10u)); var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u)); var c13 = vec4<f32>(f32(i + 13u)); var c14 = vec4<f32>(f32(i + 14u)); var c15 = vec4<f32>(f32(i + 15u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);
    c4 = fma(c4, a, b); c5 = fma(c5, a, b); c6 = fma(c6, a, b); c7 = fma(c7, a, b);
    c8 = fma(c8, a, b); c9 = fma(c9, a, b); c10 = fma(c10, a, b); c11 = fma(c11, a, b);
    c12 = fma(c12, a, b); c13 = fma(c13, a, b); c14 = fma(c14, a, b); c15 = fma(c15, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_fma_32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u)); var c9 = vec4<f32>(f32(i + 9u)); var c10 = vec4<f32>(f32(i + 10u)); var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u)); var c13 = vec4<f32>(f32(i + 13u)); var c14 = vec4<f32>(f32(i + 14u)); var c15 = vec4<f32>(f32(i + 15u));
  var c16 = vec4<f32>(f32(i + 16u)); var c17 = vec4<f32>(f32(i + 17u)); var c18 = vec4<f32>(f32(i + 18u)); var c19 = vec4<f32>(f32(i + 19u));
  var c20 = vec4<f32>(f32(i + 20u)); var c21 = vec4<f32>(f32(i + 21u)); var c22 = vec4<f32>(f32(i + 22u)); var c23 = vec4<f32>(f32(i + 23u));
  var c24 = vec4<f32>(f32(i + 24u)); var c25 = vec4<f32>(f32(i + 25u)); var c26 = vec4<f32>(f32(i + 26u)); var c27 = vec4<f32>(f32(i + 27u));
  var c28 = vec4<f32>(f32(i + 28u)); var c29 = vec4<f32>(f32(i + 29u)); var c30 = vec4<f32>(f32(i + 30u)); var c31 = vec4<f32>(f32(i + 31u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = fma(c0, a, b); c1 = fma(c1, a, b); c2 = fma(c2, a, b); c3 = fma(c3, a, b);
    c4 = fma(c4, a, b); c5 = fma(c5, a, b); c6 = fma(c6, a, b); c7 = fma(c7, a, b);
    c8 = fma(c8, a, b); c9 = fma(c9, a, b); c10 = fma(c10, a, b); c11 = fma(c11, a, b);
    c12 = fma(c12, a, b); c13 = fma(c13, a, b); c14 = fma(c14, a, b); c15 = fma(c15, a, b);
    c16 = fma(c16, a, b); c17 = fma(c17, a, b); c18 = fma(c18, a, b); c19 = fma(c19, a, b);
    c20 = fma(c20, a, b); c21 = fma(c21, a, b); c22 = fma(c22, a, b); c23 = fma(c23, a, b);
    c24 = fma(c24, a, b); c25 = fma(c25, a, b); c26 = fma(c26, a, b); c27 = fma(c27, a, b);
    c28 = fma(c28, a, b); c29 = fma(c29, a, b); c30 = fma(c30, a, b); c31 = fma(c31, a, b);
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15 + c16 + c17 + c18 + c19 + c20 + c21 + c22 + c23 + c24 + c25 + c26 + c27 + c28 + c29 + c30 + c31, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;
    c4 = c4 * a + b; c5 = c5 * a + b; c6 = c6 * a + b; c7 = c7 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u)); var c9 = vec4<f32>(f32(i + 9u)); var c10 = vec4<f32>(f32(i + 10u)); var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u)); var c13 = vec4<f32>(f32(i + 13u)); var c14 = vec4<f32>(f32(i + 14u)); var c15 = vec4<f32>(f32(i + 15u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;
    c4 = c4 * a + b; c5 = c5 * a + b; c6 = c6 * a + b; c7 = c7 * a + b;
    c8 = c8 * a + b; c9 = c9 * a + b; c10 = c10 * a + b; c11 = c11 * a + b;
    c12 = c12 * a + b; c13 = c13 * a + b; c14 = c14 * a + b; c15 = c15 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn peak_muladd_32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let a = vec4<f32>(bp.a);
  let b = vec4<f32>(bp.b);
  var c0 = vec4<f32>(f32(i + 0u)); var c1 = vec4<f32>(f32(i + 1u)); var c2 = vec4<f32>(f32(i + 2u)); var c3 = vec4<f32>(f32(i + 3u));
  var c4 = vec4<f32>(f32(i + 4u)); var c5 = vec4<f32>(f32(i + 5u)); var c6 = vec4<f32>(f32(i + 6u)); var c7 = vec4<f32>(f32(i + 7u));
  var c8 = vec4<f32>(f32(i + 8u)); var c9 = vec4<f32>(f32(i + 9u)); var c10 = vec4<f32>(f32(i + 10u)); var c11 = vec4<f32>(f32(i + 11u));
  var c12 = vec4<f32>(f32(i + 12u)); var c13 = vec4<f32>(f32(i + 13u)); var c14 = vec4<f32>(f32(i + 14u)); var c15 = vec4<f32>(f32(i + 15u));
  var c16 = vec4<f32>(f32(i + 16u)); var c17 = vec4<f32>(f32(i + 17u)); var c18 = vec4<f32>(f32(i + 18u)); var c19 = vec4<f32>(f32(i + 19u));
  var c20 = vec4<f32>(f32(i + 20u)); var c21 = vec4<f32>(f32(i + 21u)); var c22 = vec4<f32>(f32(i + 22u)); var c23 = vec4<f32>(f32(i + 23u));
  var c24 = vec4<f32>(f32(i + 24u)); var c25 = vec4<f32>(f32(i + 25u)); var c26 = vec4<f32>(f32(i + 26u)); var c27 = vec4<f32>(f32(i + 27u));
  var c28 = vec4<f32>(f32(i + 28u)); var c29 = vec4<f32>(f32(i + 29u)); var c30 = vec4<f32>(f32(i + 30u)); var c31 = vec4<f32>(f32(i + 31u));
  for (var k = 0u; k < bp.iterations; k++) {
    c0 = c0 * a + b; c1 = c1 * a + b; c2 = c2 * a + b; c3 = c3 * a + b;
    c4 = c4 * a + b; c5 = c5 * a + b; c6 = c6 * a + b; c7 = c7 * a + b;
    c8 = c8 * a + b; c9 = c9 * a + b; c10 = c10 * a + b; c11 = c11 * a + b;
    c12 = c12 * a + b; c13 = c13 * a + b; c14 = c14 * a + b; c15 = c15 * a + b;
    c16 = c16 * a + b; c17 = c17 * a + b; c18 = c18 * a + b; c19 = c19 * a + b;
    c20 = c20 * a + b; c21 = c21 * a + b; c22 = c22 * a + b; c23 = c23 * a + b;
    c24 = c24 * a + b; c25 = c25 * a + b; c26 = c26 * a + b; c27 = c27 * a + b;
    c28 = c28 * a + b; c29 = c29 * a + b; c30 = c30 * a + b; c31 = c31 * a + b;
  }
  sink[i] = dot(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15 + c16 + c17 + c18 + c19 + c20 + c21 + c22 + c23 + c24 + c25 + c26 + c27 + c28 + c29 + c30 + c31, vec4<f32>(1.0));
}

@compute @workgroup_size(64)
fn load_scalar(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
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

@compute @workgroup_size(64)
fn load_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
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

// store_scalar / store_vec4: each invocation writes 16 floats per step at invocation-dependent addresses (as
// the loads above read them), as 16 f32 or 4 vec4 writes: what a kernel pays per output it stores.
@compute @workgroup_size(64)
fn store_scalar(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let v = vec4<f32>(f32(i)) + vec4<f32>(bp.a, bp.b, bp.a, bp.b);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = ((i + k * 4u) * 16u) & bp.mask;
    let u = v + vec4<f32>(f32(k));
    dst[at] = u.x; dst[at + 1u] = u.y; dst[at + 2u] = u.z; dst[at + 3u] = u.w;
    dst[at + 4u] = u.y; dst[at + 5u] = u.z; dst[at + 6u] = u.w; dst[at + 7u] = u.x;
    dst[at + 8u] = u.z; dst[at + 9u] = u.w; dst[at + 10u] = u.x; dst[at + 11u] = u.y;
    dst[at + 12u] = u.w; dst[at + 13u] = u.x; dst[at + 14u] = u.y; dst[at + 15u] = u.z;
  }
}

@compute @workgroup_size(64)
fn store_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  let v = vec4<f32>(f32(i)) + vec4<f32>(bp.a, bp.b, bp.a, bp.b);
  for (var k = 0u; k < bp.iterations; k++) {
    let at = ((i + k * 4u) * 4u) & (bp.mask / 4u);
    let u = v + vec4<f32>(f32(k));
    dst4[at] = u;
    dst4[at + 1u] = u.yzwx;
    dst4[at + 2u] = u.zwxy;
    dst4[at + 3u] = u.wxyz;
  }
}

// ---------------------------------------------------------------- conv2d v1 (baseline)
// 2-D convolution (cross-correlation, as PyTorch's F.conv2d) and its two backward passes, as implicit GEMMs.
//
// Layouts (dense, row-major): x [N, C, H, W], weight [O, C, KH, KW] (PyTorch's), bias [O], out [N, O, HO, WO].
// Padding is zero padding of padTop rows above and padLeft columns left of x; the bottom/right padding only
// changes HO and WO, which the host computes (HO = floor((H + top + bottom − KH) / stride) + 1), so
// asymmetric pads such as diffusers' (0, 1, 0, 1) need nothing special here. Input coordinate of output
// (oy, ox) and tap (ky, kx):  iy = oy·stride + ky − padTop,  ix = ox·stride + kx − padLeft.
//
//   forward          out[n,o,oy,ox] = bias[o] + Σ_{c,ky,kx} weight[o,c,ky,kx] · x[n,c,iy,ix]
//   backward_input   gradInput[n,c,iy,ix] = Σ_{o,ky,kx} weight[o,c,ky,kx] · gradOut[n,o,oy,ox]
//                    over the (oy, ox) with oy·stride = iy + padTop − ky (a transposed convolution)
//   backward_weight  gradWeight[o,c,ky,kx] = Σ_{n,oy,ox} gradOut[n,o,oy,ox] · x[n,c,iy,ix]
//
// Register blocking without barriers (like matmul.wgsl): each invocation computes a 4×4 block of outputs,
// 4 channels × 4 neighbouring pixels of one row (forward, backward_input) or 4 output × 4 input channels of
// one tap (backward_weight), as four vec4 accumulators. Per step it loads 4 + 4 values and does 16 FMAs.
// Channel indices past the end are clamped so every load is in bounds; those duplicate results are not
// stored. Reads outside the image (the zero padding) are replaced by 0 with select().
// Workgroups are 64 invocations along x; grids: see each entry point.

struct ConvV1Params {
  batch: u32,
  inChannels: u32,
  inHeight: u32,
  inWidth: u32,
  outChannels: u32,
  outHeight: u32,
  outWidth: u32,
  kernelHeight: u32,
  kernelWidth: u32,
  stride: u32,
  padTop: u32,
  padLeft: u32,
  hasBias: u32,
};

@group(0) @binding(10) var<uniform> p: ConvV1Params;
@group(0) @binding(11) var<storage, read> x: array<f32>;
@group(0) @binding(12) var<storage, read> weight: array<f32>;
// Read only when p.hasBias = 1; without a bias the host binds any buffer here.
@group(0) @binding(13) var<storage, read> bias: array<f32>;
@group(0) @binding(14) var<storage, read_write> out: array<f32>;
@group(0) @binding(15) var<storage, read> gradOut: array<f32>;
@group(0) @binding(16) var<storage, read_write> gradInput: array<f32>;
@group(0) @binding(17) var<storage, read_write> gradWeight: array<f32>;

// x at column ix of the row starting at rowStart, or 0 in the padding.
fn x_at(rowStart: u32, ix: i32) -> f32 {
  let inside = ix >= 0 && ix < i32(p.inWidth);
  return select(0.0, x[rowStart + u32(clamp(ix, 0, i32(p.inWidth) - 1))], inside);
}

// gradOut at output column tx / stride of the row starting at rowStart, where tx = ix + padLeft − kx;
// 0 when no output column reads input column ix through tap kx (tx negative, not a multiple of the stride,
// or past the last output column).
fn grad_at(rowStart: u32, tx: i32) -> f32 {
  let s = i32(p.stride);
  let ox = tx / s;
  let inside = tx >= 0 && tx % s == 0 && ox < i32(p.outWidth);
  return select(0.0, gradOut[rowStart + u32(clamp(ox, 0, i32(p.outWidth) - 1))], inside);
}

// The output coordinates (first, end) whose input coordinate o·stride + k − pad lies in [0, size).
fn valid_range(k: u32, pad: u32, size: u32, outSize: u32) -> vec2<u32> {
  let s = p.stride;
  // first: smallest o with o·s ≥ pad − k;  end: one past the largest o with o·s ≤ size − 1 + pad − k.
  var first = 0u;
  if (pad > k) { first = (pad - k + s - 1u) / s; }
  var end = 0u;
  if (size + pad > k) { end = min(outSize, (size - 1u + pad - k) / s + 1u); }
  return vec2<u32>(first, max(first, end));
}

// Grid: x = row blocks (HO · ceil(WO / 4) invocations), y = ceil(O / 4) output-channel blocks, z = N.
// acc[i] holds output channels o0..o0+3 at pixel (oy, ox0 + i).
@compute @workgroup_size(64)
fn conv_v1_forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let blocksPerRow = (p.outWidth + 3u) / 4u;
  let oy = gid.x / blocksPerRow;
  let ox0 = (gid.x % blocksPerRow) * 4u;
  let o0 = gid.y * 4u;
  let n = gid.z;
  if (oy >= p.outHeight || o0 >= p.outChannels || n >= p.batch) { return; }

  let taps = p.kernelHeight * p.kernelWidth;
  let last = p.outChannels - 1u;
  // Start of weight[o, 0, 0, 0] for the four output channels.
  let wRow = vec4<u32>(min(o0, last), min(o0 + 1u, last), min(o0 + 2u, last), min(o0 + 3u, last)) * (p.inChannels * taps);
  let s = i32(p.stride);
  let iyTop = i32(oy * p.stride) - i32(p.padTop);
  let ixLeft = i32(ox0 * p.stride) - i32(p.padLeft);

  var acc: array<vec4<f32>, 4>;
  for (var c = 0u; c < p.inChannels; c++) {
    let plane = (n * p.inChannels + c) * p.inHeight;
    for (var ky = 0u; ky < p.kernelHeight; ky++) {
      let iy = iyTop + i32(ky);
      if (iy < 0 || iy >= i32(p.inHeight)) { continue; }
      let rowStart = (plane + u32(iy)) * p.inWidth;
      for (var kx = 0u; kx < p.kernelWidth; kx++) {
        let k = c * taps + ky * p.kernelWidth + kx;
        let w = vec4<f32>(weight[wRow.x + k], weight[wRow.y + k], weight[wRow.z + k], weight[wRow.w + k]);
        let ix = ixLeft + i32(kx);
        acc[0] = fma(vec4<f32>(x_at(rowStart, ix)), w, acc[0]);
        acc[1] = fma(vec4<f32>(x_at(rowStart, ix + s)), w, acc[1]);
        acc[2] = fma(vec4<f32>(x_at(rowStart, ix + 2 * s)), w, acc[2]);
        acc[3] = fma(vec4<f32>(x_at(rowStart, ix + 3 * s)), w, acc[3]);
      }
    }
  }

  for (var j = 0u; j < 4u; j++) {
    let o = o0 + j;
    if (o >= p.outChannels) { break; }
    var b = 0.0;
    if (p.hasBias == 1u) { b = bias[o]; }
    let rowStart = ((n * p.outChannels + o) * p.outHeight + oy) * p.outWidth;
    for (var i = 0u; i < 4u; i++) {
      let ox = ox0 + i;
      if (ox >= p.outWidth) { break; }
      out[rowStart + ox] = acc[i][j] + b;
    }
  }
}

// Grid: x = input row blocks (H · ceil(W / 4) invocations), y = ceil(C / 4) input-channel blocks, z = N.
// acc[i] holds input channels c0..c0+3 at pixel (iy, ix0 + i). With stride 2 about half the taps of each
// pixel hit no output (grad_at gives 0); that waste keeps the kernel the same shape as the forward.
@compute @workgroup_size(64)
fn conv_v1_backward_input(@builtin(global_invocation_id) gid: vec3<u32>) {
  let blocksPerRow = (p.inWidth + 3u) / 4u;
  let iy = gid.x / blocksPerRow;
  let ix0 = (gid.x % blocksPerRow) * 4u;
  let c0 = gid.y * 4u;
  let n = gid.z;
  if (iy >= p.inHeight || c0 >= p.inChannels || n >= p.batch) { return; }

  let taps = p.kernelHeight * p.kernelWidth;
  let last = p.inChannels - 1u;
  // Offsets of weight[0, c, 0, 0] for the four input channels.
  let wCol = vec4<u32>(min(c0, last), min(c0 + 1u, last), min(c0 + 2u, last), min(c0 + 3u, last)) * taps;
  let s = i32(p.stride);

  var acc: array<vec4<f32>, 4>;
  for (var o = 0u; o < p.outChannels; o++) {
    let plane = (n * p.outChannels + o) * p.outHeight;
    let wRow = o * p.inChannels * taps;
    for (var ky = 0u; ky < p.kernelHeight; ky++) {
      // The output row oy that reads input row iy through tap ky: oy·stride = iy + padTop − ky.
      let ty = i32(iy + p.padTop) - i32(ky);
      if (ty < 0 || ty % s != 0 || ty / s >= i32(p.outHeight)) { continue; }
      let rowStart = (plane + u32(ty / s)) * p.outWidth;
      for (var kx = 0u; kx < p.kernelWidth; kx++) {
        let k = wRow + ky * p.kernelWidth + kx;
        let w = vec4<f32>(weight[k + wCol.x], weight[k + wCol.y], weight[k + wCol.z], weight[k + wCol.w]);
        let tx = i32(ix0 + p.padLeft) - i32(kx);
        acc[0] = fma(vec4<f32>(grad_at(rowStart, tx)), w, acc[0]);
        acc[1] = fma(vec4<f32>(grad_at(rowStart, tx + 1)), w, acc[1]);
        acc[2] = fma(vec4<f32>(grad_at(rowStart, tx + 2)), w, acc[2]);
        acc[3] = fma(vec4<f32>(grad_at(rowStart, tx + 3)), w, acc[3]);
      }
    }
  }

  for (var j = 0u; j < 4u; j++) {
    let c = c0 + j;
    if (c >= p.inChannels) { break; }
    let rowStart = ((n * p.inChannels + c) * p.inHeight + iy) * p.inWidth;
    for (var i = 0u; i < 4u; i++) {
      let ix = ix0 + i;
      if (ix >= p.inWidth) { break; }
      gradInput[rowStart + ix] = acc[i][j];
    }
  }
}

// Grid: x = ceil(C / 4) · KH · KW invocations (input-channel block, tap), y = ceil(O / 4) output-channel blocks.
// acc[i] holds output channels o0..o0+3 for input channel c0 + i; the sum runs over N · HO · WO, restricted
// to the output pixels whose input pixel is inside the image (valid_range), so no padding is read.
@compute @workgroup_size(64)
fn conv_v1_backward_weight(@builtin(global_invocation_id) gid: vec3<u32>) {
  let taps = p.kernelHeight * p.kernelWidth;
  let tap = gid.x % taps;
  let c0 = (gid.x / taps) * 4u;
  let o0 = gid.y * 4u;
  if (c0 >= p.inChannels || o0 >= p.outChannels) { return; }
  let ky = tap / p.kernelWidth;
  let kx = tap % p.kernelWidth;

  let lastC = p.inChannels - 1u;
  let lastO = p.outChannels - 1u;
  let cs = vec4<u32>(min(c0, lastC), min(c0 + 1u, lastC), min(c0 + 2u, lastC), min(c0 + 3u, lastC));
  let os = vec4<u32>(min(o0, lastO), min(o0 + 1u, lastO), min(o0 + 2u, lastO), min(o0 + 3u, lastO));
  let rows = valid_range(ky, p.padTop, p.inHeight, p.outHeight);
  let cols = valid_range(kx, p.padLeft, p.inWidth, p.outWidth);
  let inPlane = p.inHeight * p.inWidth;
  let outPlane = p.outHeight * p.outWidth;

  var acc: array<vec4<f32>, 4>;
  for (var n = 0u; n < p.batch; n++) {
    // Offsets of plane (n, channel) in x and in gradOut for the four channels of each side.
    let xPlanes = (n * p.inChannels + cs) * inPlane;
    let gPlanes = (n * p.outChannels + os) * outPlane;
    for (var oy = rows.x; oy < rows.y; oy++) {
      let iy = oy * p.stride + ky - p.padTop;
      for (var ox = cols.x; ox < cols.y; ox++) {
        let ix = ox * p.stride + kx - p.padLeft;
        let xi = iy * p.inWidth + ix;
        let gi = oy * p.outWidth + ox;
        let g = vec4<f32>(gradOut[gPlanes.x + gi], gradOut[gPlanes.y + gi], gradOut[gPlanes.z + gi], gradOut[gPlanes.w + gi]);
        acc[0] = fma(vec4<f32>(x[xPlanes.x + xi]), g, acc[0]);
        acc[1] = fma(vec4<f32>(x[xPlanes.y + xi]), g, acc[1]);
        acc[2] = fma(vec4<f32>(x[xPlanes.z + xi]), g, acc[2]);
        acc[3] = fma(vec4<f32>(x[xPlanes.w + xi]), g, acc[3]);
      }
    }
  }

  for (var i = 0u; i < 4u; i++) {
    let c = c0 + i;
    if (c >= p.inChannels) { break; }
    for (var j = 0u; j < 4u; j++) {
      let o = o0 + j;
      if (o >= p.outChannels) { break; }
      gradWeight[(o * p.inChannels + c) * taps + tap] = acc[i][j];
    }
  }
}
