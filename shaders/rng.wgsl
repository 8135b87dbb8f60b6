// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// Invocation i encrypts the counter (i, stream, 0, 0) under the key (seedLo, seedHi) and gets four independent
// u32s, which become outputs 4i .. 4i+3. The integers are exact on every adapter, so the same seed gives the same
// numbers anywhere; uniforms take the top 24 bits, normals use Box–Muller on pairs of words.
//
// Box–Muller does not call the built-in log/sin/cos: WGSL only bounds sin/cos to 2^-11 absolute error (SwiftShader's
// are off by ~2e-4, which put normals 1e-3 away from the float64 transform and made them adapter-dependent), and
// log only to 2^-21 absolute near 1, where the radius √(−2 ln u) is most sensitive. Both inputs are 24-bit integers
// over 2^24, so exact integer range reduction plus short polynomials give a few-ulp result on every adapter.

//! include philox

struct RngParams {
  n: u32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
  mean: f32,
  scale: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: RngParams;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

// [0, 1) from the top 24 bits; (0, 1] with `+ 1` for the logarithm in Box–Muller.
fn to_unit(u: u32) -> f32 {
  return f32(u >> 8u) * (1.0 / 16777216.0);
}

// ln(j / 2^24) for an integer j in [1, 2^24]. Write j = m·2^e with m in [√½, √2) (exact: a power-of-two scaling),
// then ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + s⁷/7 + s⁹/9) with s = (m−1)/(m+1), |s| ≤ 0.172 (next term < 4e-10).
// Relative accuracy holds as j → 2^24 (m − 1 is exact), where the built-in log may only be 2^-21 absolute.
fn log_unit24(j: u32) -> f32 {
  var e = i32(firstLeadingBit(j));
  var m = f32(j) / f32(1u << u32(e));
  if (m > 1.4142135) {
    m = 0.5 * m;
    e += 1;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let lnM = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
  return lnM + f32(e - 24) * 0.6931471805599453;
}

// (cos θ, sin θ) of θ = 2π·k / 2^24 for an integer k in [0, 2^24). The quadrant is k's top two bits; the rest is
// folded exactly (integer arithmetic) into [0, π/4], where Taylor polynomials to x⁹ / x¹⁰ err by < 2e-9.
fn cos_sin_turn24(k: u32) -> vec2<f32> {
  let quadrant = k >> 22u;
  let rest = k & 0x3fffffu;               // θ − quadrant·π/2 = 2π·rest / 2^24, in [0, π/2)
  let folded = rest > 0x200000u;          // beyond π/4: use the complement π/2 − that angle
  let x = 6.283185307179586 * f32(select(rest, 0x400000u - rest, folded)) * (1.0 / 16777216.0);
  let x2 = x * x;
  let sinX = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))));
  let cosX = 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0 * (1.0 - x2 / 90.0))));
  // cos and sin of the angle within the quadrant
  let c = select(cosX, sinX, folded);
  let s = select(sinX, cosX, folded);
  switch quadrant {
    case 0u: { return vec2<f32>(c, s); }
    case 1u: { return vec2<f32>(-s, c); }
    case 2u: { return vec2<f32>(-c, -s); }
    default: { return vec2<f32>(s, -c); }
  }
}

// Two standard normals from two words (Box–Muller): r = √(−2 ln u₁), θ = 2π u₂, with u₁ = (top 24 bits of a + 1) / 2^24
// in (0, 1] so the logarithm is finite, and u₂ = top 24 bits of b / 2^24.
fn box_muller(a: u32, b: u32) -> vec2<f32> {
  let radius = sqrt(-2.0 * log_unit24((a >> 8u) + 1u));
  return radius * cos_sin_turn24(b >> 8u);
}

fn store4(i: u32, v: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let at = 4u * i + j;
    if (at < p.n) { out[at] = v[j]; }
  }
}

@compute @workgroup_size(WG)
fn normal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (4u * i >= p.n) { return; }
  let bits = philox4x32_10(vec4<u32>(i, p.stream, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  let z = vec4<f32>(box_muller(bits.x, bits.y), box_muller(bits.z, bits.w));
  store4(i, p.mean + p.scale * z);
}

@compute @workgroup_size(WG)
fn uniform01(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (4u * i >= p.n) { return; }
  let bits = philox4x32_10(vec4<u32>(i, p.stream, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  let u = vec4<f32>(to_unit(bits.x), to_unit(bits.y), to_unit(bits.z), to_unit(bits.w));
  // mean and scale here are the interval's low end and width: low + width · u.
  store4(i, p.mean + p.scale * u);
}

// The raw 32-bit words, reinterpreted as f32 bits (for tests that check the integers exactly).
@compute @workgroup_size(WG)
fn raw_bits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (4u * i >= p.n) { return; }
  let bits = philox4x32_10(vec4<u32>(i, p.stream, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  store4(i, bitcast<vec4<f32>>(bits));
}
