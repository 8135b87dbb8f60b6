// Fused DDPM kernels: the forward process q(x_t | x₀) with its noise drawn in-kernel (training, Algorithm 1)
// and one whole denoising step (sampling, Algorithm 2 and DDIM). Layout: samples are dense [N, perSample];
// per-sample coefficients come from the CPU, where the schedule is computed in float64.
//
// Noise: invocation i draws Philox block (i, stream) under key (seedLo, seedHi) and turns its four words into
// four normals for elements 4i..4i+3 — exactly what rng/normal writes for the same seed and stream, so the noise
// of a training step can be reproduced with engine.randn.

//! include philox

struct QSampleParams {
  n: u32,
  perSample: u32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
};

// Per-sample coefficients: x_t = signal·x₀ + noise·ε (DDPM eq. 4), target = targetFromX0·x₀ + targetFromNoise·ε
// (ε, x₀ or v = √ᾱ·ε − √(1−ᾱ)·x₀, per the prediction type).
struct SampleCoefficients {
  signal: f32,
  noise: f32,
  targetFromX0: f32,
  targetFromNoise: f32,
};

// The model output holds modelPerSample values per sample: the prediction in its first perSample, and with
// learned = 1 (variance_type learned_range) the variance value v of each element perSample further on, i.e. the
// second C channels of a [N, 2C, H, W] output (a DDIM step with modelPerSample = 2·perSample reads the first C only).
struct StepParams {
  n: u32,
  perSample: u32,
  modelPerSample: u32,
  learned: u32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
  x0FromSample: f32,
  x0FromModel: f32,
  epsFromSample: f32,
  epsFromModel: f32,
  clip: u32,
  clipRange: f32,
  outFromX0: f32,
  outFromSample: f32,
  outFromEps: f32,
  sigma: f32,
  minLog: f32,
  maxLog: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> qp: QSampleParams;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read> coefficients: array<SampleCoefficients>;
@group(0) @binding(3) var<storage, read_write> noisy: array<f32>;
@group(0) @binding(4) var<storage, read_write> trainTarget: array<f32>;

@group(0) @binding(5) var<uniform> sp: StepParams;
@group(0) @binding(6) var<storage, read> current: array<f32>;
@group(0) @binding(7) var<storage, read> modelOutput: array<f32>;
@group(0) @binding(8) var<storage, read_write> prevSample: array<f32>;
@group(0) @binding(9) var<storage, read_write> predOriginal: array<f32>;
@group(0) @binding(10) var<storage, read> stepNoise: array<f32>;

fn normals4(i: u32, stream: u32, seedLo: u32, seedHi: u32) -> vec4<f32> {
  let bits = philox4x32_10(vec4<u32>(i, stream, 0u, 0u), vec2<u32>(seedLo, seedHi));
  return vec4<f32>(box_muller(bits.x, bits.y), box_muller(bits.z, bits.w));
}

// x_t and the training target for elements 4i..4i+3 (DDPM Algorithm 1, lines 3–5).
@compute @workgroup_size(WG)
fn q_sample(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (4u * i >= qp.n) { return; }
  let eps = normals4(i, qp.stream, qp.seedLo, qp.seedHi);
  for (var j = 0u; j < 4u; j++) {
    let at = 4u * i + j;
    if (at >= qp.n) { break; }
    let c = coefficients[at / qp.perSample];
    noisy[at] = c.signal * x0[at] + c.noise * eps[j];
    trainTarget[at] = c.targetFromX0 * x0[at] + c.targetFromNoise * eps[j];
  }
}

// One reverse step: x̂₀ = clip(a·x_t + b·m), ε̂ = c·x_t + d·m, x_{t−1} = e·x̂₀ + f·x_t + g·ε̂ + σ·z.
// DDPM (eq. 7 posterior mean, then σ_t z; Algorithm 2 line 4) and DDIM (Song et al. eq. 12) are both this form.
// With a learned variance (Nichol & Dhariwal 2021 eq. 15, diffusers' _get_variance for learned_range) σ is per
// element: σ = sp.sigma·exp(½(frac·maxLog + (1 − frac)·minLog)), frac = (v + 1)/2, with sp.sigma = 1 for t > 0 and
// 0 at t = 0 (no noise), minLog = log max(β̃_t, 1e-20) and maxLog = log β_t of the step.
fn step_value(at: u32, z: f32) -> vec2<f32> {
  let sample = at / sp.perSample;
  let model = sample * sp.modelPerSample + (at - sample * sp.perSample);
  let x = current[at];
  let m = modelOutput[model];
  var predX0 = sp.x0FromSample * x + sp.x0FromModel * m;
  if (sp.clip == 1u) { predX0 = clamp(predX0, -sp.clipRange, sp.clipRange); }
  let predEps = sp.epsFromSample * x + sp.epsFromModel * m;
  var sigma = sp.sigma;
  if (sp.learned == 1u && sigma != 0.0) {
    let frac = (modelOutput[model + sp.perSample] + 1.0) / 2.0;
    sigma *= exp(0.5 * (frac * sp.maxLog + (1.0 - frac) * sp.minLog));
  }
  let prev = sp.outFromX0 * predX0 + sp.outFromSample * x + sp.outFromEps * predEps + sigma * z;
  return vec2<f32>(prev, predX0);
}

// Invocation i's elements first .. first + count − 1 (first = 4i; count ≤ 4, 0 past the end) and the four normals
// z of their σ·z terms (0 when σ = 0; drawn even where count = 0, which stores nothing).
struct StepChunk {
  first: u32,
  count: u32,
  z: vec4<f32>,
};

fn step_chunk(gid: vec3<u32>, nwg: vec3<u32>) -> StepChunk {
  let i = gid.x + gid.y * nwg.x * WG;
  let first = 4u * i;
  var chunk = StepChunk(first, min(sp.n - min(first, sp.n), 4u), vec4<f32>(0.0));
  if (sp.sigma != 0.0) { chunk.z = normals4(i, sp.stream, sp.seedLo, sp.seedHi); }
  return chunk;
}

@compute @workgroup_size(WG)
fn denoise_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let chunk = step_chunk(gid, nwg);
  for (var j = 0u; j < 4u; j++) {
    if (j >= chunk.count) { break; }
    prevSample[chunk.first + j] = step_value(chunk.first + j, chunk.z[j]).x;
  }
}

// The same step, also writing x̂₀ (for trajectories and for diffusers' pred_original_sample).
@compute @workgroup_size(WG)
fn denoise_step_x0(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let chunk = step_chunk(gid, nwg);
  for (var j = 0u; j < 4u; j++) {
    if (j >= chunk.count) { break; }
    let v = step_value(chunk.first + j, chunk.z[j]);
    prevSample[chunk.first + j] = v.x;
    predOriginal[chunk.first + j] = v.y;
  }
}

// The same step with the noise z given (stepNoise, dense like current) instead of drawn: a chain another
// implementation computed with its own noise can be replayed exactly.
@compute @workgroup_size(WG)
fn denoise_step_noise(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= sp.n) { return; }
  prevSample[i] = step_value(i, stepNoise[i]).x;
}
