// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// Invocation i encrypts the counter (i, stream, 0, 0) under the key (seedLo, seedHi) and gets four independent
// u32s, which become outputs 4i .. 4i+3. The integers are exact on every adapter, so the same seed gives the same
// numbers anywhere; uniforms take the top 24 bits, normals use Box–Muller on pairs of words (box_muller in
// shaders/lib/philox.wgsl, accurate to ~1e-6 on every adapter).

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
