// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based RNG.
// Encrypting a 128-bit counter under a 64-bit key gives four independent u32s; the same (counter, key) gives the
// same bits on every adapter. Included by the kernel families that draw random numbers: a file that needs it
// says `//! include philox` and gets this text appended (see src/gpu/shaders.ts).

// (hi, lo) 32-bit halves of the 64-bit product a·b, from 16-bit pieces (WGSL has no 64-bit integers).
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let low = al * bl;
  let mid1 = ah * bl;
  let mid2 = al * bh;
  let carry = ((low >> 16u) + (mid1 & 0xffffu) + (mid2 & 0xffffu)) >> 16u;
  let hi = ah * bh + (mid1 >> 16u) + (mid2 >> 16u) + carry;
  return vec2<u32>(hi, a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// Box–Muller below does not call the built-in log/sin/cos, whose accuracy WGSL leaves to the adapter (sin/cos
// within 2^-11 absolute, log within 2^-21 absolute near 1, where the radius √(−2 ln u) is most sensitive), so
// normals would differ between adapters. Both inputs are 24-bit integers over 2^24, so exact integer range
// reduction plus short polynomials give a few-ulp result on every adapter (over all 2^24 inputs: ≤ 2.1e-7
// relative for the log, ≤ 1e-7 for cos/sin).

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
