// Per-element terms of the DDPM variational bound in nats (Ho et al. 2020, eq. 5 and §3.3; their code's
// diffusion_utils_2.py `_vb_terms_bpd` and `_prior_bpd`), and their gradient with respect to the model output, so
// the same terms serve as the L_vlb training loss. Layout: x0, noisy (x_t) and modelOutput are dense
// [N, perSample] (an NCHW batch, flattened per image); per-image coefficients come from the CPU, where the schedule
// is computed in float64. One invocation per element; the terms are summed per image afterwards (ops.sum).
//
// With the image's coefficients c:
//   x̂₀ = c.x0FromSample·x_t + c.x0FromModel·m, clamped to [−1, 1] when bp.clip = 1 (calc_bpd_loop's
//        clip_denoised = True; training uses clip_denoised = False)
//   d  = c.meanFromX0·x₀ − c.meanFromPred·x̂₀                      μ_q − μ_p: the posterior mean coefficient of x_t
//                                                                  is the same in q and p, so that part cancels
//   KL (c.isDecoder = 0): c.klConstant + ½·d²·c.invVariance
//       = KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) with klConstant = ½(−1 + log σ_p² − log σ_q² + σ_q²/σ_p²), invVariance = 1/σ_p²
//       (the prior KL(q(x_T | x₀) ‖ N(0, I)) is this with meanFromPred = 0, σ_p = 1)
//   decoder (c.isDecoder = 1): −log p(x₀ | x₁), the discretised Gaussian of Ho et al. (their utils.py
//       `discretized_gaussian_log_likelihood`): the mass of N(μ_p, σ_p²) on x₀'s bin [x₀ − 1/255, x₀ + 1/255], the
//       bin at −1 extended to −∞ and the one at 1 to +∞ (the ±0.999 tests), with the normal CDF approximated by
//       Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³))) = σ(z(x)), z(x) = 2√(2/π)(x + 0.044715x³); d = x₀ − μ_p and
//       c.invStd = 1/σ_p. Every probability is floored at 1e-12, as theirs.
//
// Every parameterisation's model mean is μ̃_t(x_t, x̂₀) with x̂₀ linear in m (for a model that outputs μ̃ itself,
// x̂₀ = (m − c₂·x_t)/c₁), so d = c₁·(x₀ − x̂₀) and ½d²/σ_p² is Ho et al.'s eq. 8–12 weighting for each: for ε it is
// β_t²/(2σ_p²·α_t(1 − ᾱ_t))·(ε − ε_θ)² (eq. 12), for μ̃ it is (μ̃ − μ̃_θ)²/(2σ_p²) (eq. 8).
//
// Backward (vb_terms_backward): ∂term/∂m = ∂term/∂d · ∂d/∂m with ∂d/∂m = −c.meanFromPred·c.x0FromModel (0 where the
// clamp is active); ∂KL/∂d = d·c.invVariance; the decoder's ∂(−log P)/∂d for P = σ(z₊) − σ(z₋) is
// −c.invStd·(σ'(z₊)·z'(u₊) − σ'(z₋)·z'(u₋))/P with σ'(z) = σ(z)σ(−z) and z'(u) = 2√(2/π)(1 + 3·0.044715u²), each
// ratio σ'(z)/P formed as exp(log σ'(z) − log P); an edge bin keeps only its finite side; a floored P has no gradient.
//
// The bin mass σ(z₊) − σ(z₋) is evaluated without subtracting nearly equal numbers: in a tail it is written as
// e^{z₊}(1 − e^{−(z₊−z₋)}) / ((1 + e^{z₊})(1 + e^{z₋})) after reflecting to the left tail, and z₊ − z₋ is formed from
// its factored expression; float32 then keeps ~1e-6 relative accuracy where the plain formula loses all of it.
//
// Learned variances (vb_terms_learned, vb_terms_learned_backward; Nichol & Dhariwal 2021 eq. 15, improved-diffusion's
// p_mean_variance for LEARNED_RANGE and _vb_terms_bpd): modelOutput is [N, 2·perSample], the prediction m in each
// image's first perSample values and the variance value v perSample further on (the second C channels of an NCHW
// output). With the image's learned coefficients c:
//   log σ_p² = L = c.minLog + frac·c.logRange, frac = (v + 1)/2   (= frac·log β_t + (1 − frac)·log β̃_t)
//   KL = ½(f(Δ) + d²e^{−L}), Δ = L − log β̃_t = c.minLogGap + frac·c.logRange, f(Δ) = Δ − 1 + e^{−Δ}
//        (Δ is formed from the range, not as a difference of logs, so a range of 1e-5 keeps its digits; f by its
//        series where |Δ| < 0.1)
//   decoder: −log P with 1/σ_p = e^{−L/2}
// and each element's value is lp.simpleWeight·(m − target)² + lp.vbWeight·term: the bound's terms alone
// (simpleWeight = 0, vbWeight = 1) or the hybrid objective's summands (L_simple + λ·L_vlb, see src/diffusion/bound.ts).
// Backward: ∂/∂m = simpleWeight·2(m − target) + meanGradient·vbWeight·∂term/∂d·∂d/∂m (meanGradient = 0 stops the
// bound's gradient into the prediction, as improved-diffusion's `frozen_out` does); ∂/∂v = vbWeight·∂term/∂L·½·c.logRange
// with ∂KL/∂L = ½(1 − e^{−Δ} − d²e^{−L}) and, for the decoder with u± = (d ± 1/255)/σ_p and g± = ∂(−log P)/∂u±,
// ∂/∂d = (g₊ + g₋)/σ_p and ∂/∂L = −½(g₊u₊ + g₋u₋).
//
// A NaN model output gives a NaN term, so a diverged model shows as a NaN loss: min, max and clamp may return their
// other operand for a NaN one (the decoder's floor, the x̂₀ clamp), so a NaN x̂₀ is passed through them explicitly.

struct BoundParams {
  n: u32,
  perSample: u32,
  clip: u32,
};

struct BoundCoefficients {
  x0FromSample: f32,
  x0FromModel: f32,
  meanFromX0: f32,
  meanFromPred: f32,
  klConstant: f32,
  invVariance: f32,
  invStd: f32,
  isDecoder: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> bp: BoundParams;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read> noisy: array<f32>;
@group(0) @binding(3) var<storage, read> modelOutput: array<f32>;
@group(0) @binding(4) var<storage, read> coefficients: array<BoundCoefficients>;
@group(0) @binding(5) var<storage, read_write> terms: array<f32>;
@group(0) @binding(6) var<storage, read> gradTerms: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradModel: array<f32>;

struct LearnedBoundParams {
  n: u32,
  perSample: u32,
  clip: u32,
  meanGradient: u32,
  simpleWeight: f32,
  vbWeight: f32,
};

struct LearnedBoundCoefficients {
  x0FromSample: f32,
  x0FromModel: f32,
  meanFromX0: f32,
  meanFromPred: f32,
  minLog: f32,
  logRange: f32,
  minLogGap: f32,
  isDecoder: f32,
};

@group(0) @binding(8) var<uniform> lp: LearnedBoundParams;
@group(0) @binding(9) var<storage, read> learnedCoefficients: array<LearnedBoundCoefficients>;
@group(0) @binding(10) var<storage, read> simpleTarget: array<f32>;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const HALF_BIN: f32 = 0.00392156862745098; // 1/255: data in [−1, 1] quantised to 256 levels
const LOG_MIN_PROBABILITY: f32 = -27.631021115928547; // log(1e-12)

// NaN test on the bits (exponent all ones, mantissa not zero), which no compiler may fold away as x != x can be.
fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// 1 − e^{−x} for x ≥ 0, accurate near 0 (a Taylor series where 1 − exp(−x) would cancel).
fn one_minus_exp_neg(x: f32) -> f32 {
  if (x < 0.1) {
    return x * (1.0 - x / 2.0 * (1.0 - x / 3.0 * (1.0 - x / 4.0 * (1.0 - x / 5.0))));
  }
  return 1.0 - exp(-x);
}

// log σ(z) = −log(1 + e^{−z}), for any z.
fn log_sigmoid(z: f32) -> f32 {
  return min(z, 0.0) - log(1.0 + exp(-abs(z)));
}

// log(σ(hi) − σ(lo)) for hi > lo, where width = hi − lo is given separately (computed without cancellation).
fn log_sigmoid_difference(hi: f32, lo: f32, width: f32) -> f32 {
  var a = hi;
  var b = lo;
  if (b > 0.0) {
    // σ(hi) − σ(lo) = σ(−lo) − σ(−hi): move a right-tail bin to the left tail
    a = -lo;
    b = -hi;
  }
  if (a <= 0.0) {
    // both in the left tail: σ(a) − σ(b) = e^a (1 − e^{−(a−b)}) / ((1 + e^a)(1 + e^b))
    return a + log(one_minus_exp_neg(width)) - log(1.0 + exp(a)) - log(1.0 + exp(b));
  }
  // straddling 0: (σ(a) − ½) + (½ − σ(b)), each term positive, with σ(x) − ½ = (1 − e^{−x}) / (2(1 + e^{−x}))
  return log(0.5 * (one_minus_exp_neg(a) / (1.0 + exp(-a)) + one_minus_exp_neg(-b) / (1.0 + exp(b))));
}

// z(x) = 2√(2/π)(x + 0.044715x³): Φ(x) ≈ σ(z(x)).
fn cdf_logit(x: f32) -> f32 {
  return 2.0 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
}

// log P of x₀'s bin under N(μ_p, σ_p²) for one element (the decoder's likelihood): data x, centred value d = x − μ_p,
// 1/σ_p; not floored.
fn decoder_log_probability(x: f32, d: f32, invStd: f32) -> f32 {
  let plusIn = invStd * (d + HALF_BIN);
  let minIn = invStd * (d - HALF_BIN);
  let zPlus = cdf_logit(plusIn);
  let zMin = cdf_logit(minIn);
  if (x < -0.999) {
    return log_sigmoid(zPlus); // log Φ(plusIn): the bin reaches −∞
  }
  if (x > 0.999) {
    return log_sigmoid(-zMin); // log(1 − Φ(minIn)): the bin reaches +∞
  }
  // z₊ − z₋ = 2√(2/π)·(p − m)·(1 + 0.044715(p² + pm + m²)), with p − m = 2·invStd/255 exactly
  let width = 2.0 * SQRT_2_OVER_PI * (2.0 * HALF_BIN * invStd) * (1.0 + 0.044715 * (plusIn * plusIn + plusIn * minIn + minIn * minIn));
  return log_sigmoid_difference(zPlus, zMin, width);
}

// −log p(x₀ | x₁) for one element, the probability floored at 1e-12 (NaN for a NaN d or scale).
fn decoder_nll(x: f32, d: f32, invStd: f32) -> f32 {
  if (is_nan(d) || is_nan(invStd)) { return d + invStd; }
  return -max(decoder_log_probability(x, d, invStd), LOG_MIN_PROBABILITY);
}

// z'(u) = dz/du for z(u) = 2√(2/π)(u + 0.044715u³).
fn cdf_logit_slope(u: f32) -> f32 {
  return 2.0 * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * u * u);
}

// (∂/∂u₊, ∂/∂u₋) of −log p(x₀ | x₁) for u± = (d ± 1/255)/σ_p (see the header).
fn decoder_nll_partials(x: f32, d: f32, invStd: f32) -> vec2<f32> {
  if (is_nan(d) || is_nan(invStd)) { return vec2<f32>(d + invStd); }
  let logProbability = decoder_log_probability(x, d, invStd);
  if (logProbability < LOG_MIN_PROBABILITY) { return vec2<f32>(0.0); }
  let plusIn = invStd * (d + HALF_BIN);
  let minIn = invStd * (d - HALF_BIN);
  let zPlus = cdf_logit(plusIn);
  let zMin = cdf_logit(minIn);
  if (x < -0.999) {
    // ∂ log σ(z₊)/∂u₊ = σ(−z₊)·z'(u₊)
    return vec2<f32>(-exp(log_sigmoid(-zPlus)) * cdf_logit_slope(plusIn), 0.0);
  }
  if (x > 0.999) {
    // ∂ log σ(−z₋)/∂u₋ = −σ(z₋)·z'(u₋)
    return vec2<f32>(0.0, exp(log_sigmoid(zMin)) * cdf_logit_slope(minIn));
  }
  let plusShare = exp(log_sigmoid(zPlus) + log_sigmoid(-zPlus) - logProbability);
  let minShare = exp(log_sigmoid(zMin) + log_sigmoid(-zMin) - logProbability);
  return vec2<f32>(-plusShare * cdf_logit_slope(plusIn), minShare * cdf_logit_slope(minIn));
}

// ∂(−log p(x₀ | x₁))/∂d (see the header).
fn decoder_nll_slope(x: f32, d: f32, invStd: f32) -> f32 {
  let g = decoder_nll_partials(x, d, invStd);
  return invStd * (g.x + g.y);
}

// For element i: d = μ_q − μ_p (see the header) and ∂d/∂m.
struct MeanGap {
  d: f32,
  slope: f32,
};

fn mean_gap(i: u32, c: BoundCoefficients) -> MeanGap {
  return mean_gap_of(i, modelOutput[i], c.x0FromSample, c.x0FromModel, c.meanFromX0, c.meanFromPred, bp.clip);
}

fn mean_gap_of(i: u32, m: f32, x0FromSample: f32, x0FromModel: f32, meanFromX0: f32, meanFromPred: f32, clip: u32) -> MeanGap {
  let raw = x0FromSample * noisy[i] + x0FromModel * m;
  var predX0 = raw;
  var slope = -meanFromPred * x0FromModel;
  if (clip == 1u && !is_nan(raw)) {
    predX0 = clamp(raw, -1.0, 1.0);
    if (raw != predX0) { slope = 0.0; }
  }
  return MeanGap(meanFromX0 * x0[i] - meanFromPred * predX0, slope);
}

// terms[i] = the bound's term for element i, in nats (see the header).
@compute @workgroup_size(WG)
fn vb_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= bp.n) { return; }
  let c = coefficients[i / bp.perSample];
  let d = mean_gap(i, c).d;
  if (c.isDecoder > 0.5) {
    terms[i] = decoder_nll(x0[i], d, c.invStd);
  } else {
    terms[i] = c.klConstant + 0.5 * d * d * c.invVariance;
  }
}

// gradModel[i] = gradTerms[i]·∂terms[i]/∂modelOutput[i] (see the header).
@compute @workgroup_size(WG)
fn vb_terms_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= bp.n) { return; }
  let c = coefficients[i / bp.perSample];
  let gap = mean_gap(i, c);
  var slope: f32;
  if (c.isDecoder > 0.5) {
    slope = decoder_nll_slope(x0[i], gap.d, c.invStd);
  } else {
    slope = gap.d * c.invVariance;
  }
  gradModel[i] = gradTerms[i] * slope * gap.slope;
}

// f(Δ) = Δ − 1 + e^{−Δ} ≥ 0, by its series Δ²(½ − Δ/6 + Δ²/24 − Δ³/120 + Δ⁴/720) where |Δ| < 0.1.
fn kl_variance_part(delta: f32) -> f32 {
  if (abs(delta) < 0.1) {
    return delta * delta * (0.5 - delta / 6.0 * (1.0 - delta / 4.0 * (1.0 - delta / 5.0 * (1.0 - delta / 6.0))));
  }
  return delta - 1.0 + exp(-delta);
}

// 1 − e^{−x} for any x, by its series where |x| < 0.1.
fn one_minus_exp_neg_signed(x: f32) -> f32 {
  if (abs(x) < 0.1) {
    return x * (1.0 - x / 2.0 * (1.0 - x / 3.0 * (1.0 - x / 4.0 * (1.0 - x / 5.0))));
  }
  return 1.0 - exp(-x);
}

// Element i of a learned-variance model: the indices of its prediction and variance value, d and ∂d/∂m, and L.
struct LearnedElement {
  meanAt: u32,
  varianceAt: u32,
  gap: MeanGap,
  frac: f32,
  logVariance: f32,
};

fn learned_element(i: u32, c: LearnedBoundCoefficients) -> LearnedElement {
  let image = i / lp.perSample;
  let meanAt = i + image * lp.perSample;
  let varianceAt = meanAt + lp.perSample;
  let gap = mean_gap_of(i, modelOutput[meanAt], c.x0FromSample, c.x0FromModel, c.meanFromX0, c.meanFromPred, lp.clip);
  let frac = (modelOutput[varianceAt] + 1.0) / 2.0;
  return LearnedElement(meanAt, varianceAt, gap, frac, c.minLog + frac * c.logRange);
}

// The term (nats), ∂term/∂d and ∂term/∂L of element i (see the header).
fn learned_term(i: u32, c: LearnedBoundCoefficients, e: LearnedElement) -> vec3<f32> {
  let d = e.gap.d;
  if (c.isDecoder > 0.5) {
    let invStd = exp(-0.5 * e.logVariance);
    let g = decoder_nll_partials(x0[i], d, invStd);
    let plusIn = invStd * (d + HALF_BIN);
    let minIn = invStd * (d - HALF_BIN);
    return vec3<f32>(decoder_nll(x0[i], d, invStd), invStd * (g.x + g.y), -0.5 * (g.x * plusIn + g.y * minIn));
  }
  let delta = c.minLogGap + e.frac * c.logRange;
  let meanPart = d * d * exp(-e.logVariance);
  return vec3<f32>(
    0.5 * (kl_variance_part(delta) + meanPart),
    d * exp(-e.logVariance),
    0.5 * (one_minus_exp_neg_signed(delta) - meanPart),
  );
}

// terms[i] = lp.simpleWeight·(m − target)² + lp.vbWeight·(the bound's term), nats (see the header).
@compute @workgroup_size(WG)
fn vb_terms_learned(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= lp.n) { return; }
  let c = learnedCoefficients[i / lp.perSample];
  let e = learned_element(i, c);
  var value = lp.vbWeight * learned_term(i, c, e).x;
  if (lp.simpleWeight != 0.0) {
    let error = modelOutput[e.meanAt] - simpleTarget[i];
    value += lp.simpleWeight * error * error;
  }
  terms[i] = value;
}

// gradModel ([N, 2·perSample]) of gradTerms[i]·terms[i]: each invocation writes its element's prediction and
// variance gradients (see the header).
@compute @workgroup_size(WG)
fn vb_terms_learned_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= lp.n) { return; }
  let c = learnedCoefficients[i / lp.perSample];
  let e = learned_element(i, c);
  let term = learned_term(i, c, e);
  var meanSlope = 0.0;
  if (lp.meanGradient == 1u) { meanSlope = lp.vbWeight * term.y * e.gap.slope; }
  if (lp.simpleWeight != 0.0) { meanSlope += lp.simpleWeight * 2.0 * (modelOutput[e.meanAt] - simpleTarget[i]); }
  gradModel[e.meanAt] = gradTerms[i] * meanSlope;
  gradModel[e.varianceAt] = gradTerms[i] * lp.vbWeight * term.z * 0.5 * c.logRange;
}
