// Fused optimiser updates over a flat parameter array: one invocation per parameter element (adamw4 / adamw_ema4: four).
//
// AdamW (Loshchilov & Hutter 2019, Algorithm 2), with the gradient first multiplied by gradScale[0]
// (the global-norm clipping factor, computed on the GPU so no readback is needed):
//   g = gradScale·grad;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   θ = θ − lr·( (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε) + λ·θ )

struct AdamWParams {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  // 1 − β1^t and 1 − β2^t, computed on the CPU in float64
  biasCorrection1: f32,
  biasCorrection2: f32,
  // adamw_ema only: ema = emaDecay·ema + (1 − emaDecay)·θ_new
  emaDecay: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: AdamWParams;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> gradScale: array<f32>;
@group(0) @binding(14) var<storage, read_write> emaShadow: array<f32>;

// The AdamW update of element i: writes m, v and θ, returns the new θ.
fn adamw_element(i: u32) -> f32 {
  let g = grad[i] * gradScale[0];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let mHat = mi / p.biasCorrection1;
  let vHat = vi / p.biasCorrection2;
  let theta = param[i] - p.lr * (mHat / (sqrt(vHat) + p.eps) + p.weightDecay * param[i]);
  param[i] = theta;
  return theta;
}

@compute @workgroup_size(WG)
fn adamw(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  adamw_element(i);
}

// AdamW and the EMA in one pass (one dispatch per parameter instead of two), exactly as adamw followed by
// ema_update would compute it.
@compute @workgroup_size(WG)
fn adamw_ema(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let theta = adamw_element(i);
  emaShadow[i] = p.emaDecay * emaShadow[i] + (1.0 - p.emaDecay) * theta;
}

// Exponential moving average of the weights (Polyak averaging, used by Ho et al. with decay 0.9999):
//   ema = decay·ema + (1 − decay)·param
struct EmaParams {
  n: u32,
  decay: f32,
};

@group(0) @binding(6) var<uniform> ep: EmaParams;
@group(0) @binding(7) var<storage, read_write> ema: array<f32>;
@group(0) @binding(8) var<storage, read> current: array<f32>;

@compute @workgroup_size(WG)
fn ema_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= ep.n) { return; }
  ema[i] = ep.decay * ema[i] + (1.0 - ep.decay) * current[i];
}

// Global-norm clipping without a readback. Pass 1 (`sum_squares`, one workgroup per gradient tensor): partial
// sums of g² into squares[slot]. Pass 2 (`clip_factor`, one invocation): norm = √Σ squares, and
// factor = min(1, maxNorm / (norm + 1e-6)), which AdamW multiplies every gradient by (gradScale).
struct NormParams {
  n: u32,
  slot: u32,
  count: u32,
  maxNorm: f32,
};

@group(0) @binding(9) var<uniform> np: NormParams;
@group(0) @binding(10) var<storage, read> values: array<f32>;
@group(0) @binding(11) var<storage, read_write> squares: array<f32>;
// [factor, norm]
@group(0) @binding(12) var<storage, read_write> clip: array<f32>;

var<workgroup> partial: array<f32, 64>;

// The same buffer as `values`, read 4 values at a time (a vec4 read costs about what a scalar one does on CPU
// adapters); the last n mod 4 values are read through `values`.
@group(0) @binding(13) var<storage, read> values4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn sum_squares(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s4 = vec4<f32>(0.0);
  let whole = np.n / 4u;
  for (var j = lid.x; j < whole; j += 64u) {
    let v = values4[j];
    s4 = fma(v, v, s4);
  }
  var s = s4.x + s4.y + s4.z + s4.w;
  for (var i = whole * 4u + lid.x; i < np.n; i += 64u) {
    let v = values[i];
    s = fma(v, v, s);
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) { partial[lid.x] += partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { squares[np.slot] = partial[0]; }
}

@compute @workgroup_size(1)
fn clip_factor() {
  var total = 0.0;
  for (var i = 0u; i < np.count; i++) { total += squares[i]; }
  let norm = sqrt(total);
  clip[0] = min(1.0, np.maxNorm / (norm + 1e-6));
  clip[1] = norm;
}

// adamw4 / adamw_ema4: the same updates, 4 elements per invocation through vec4 views of the same buffers (on
// CPU adapters every storage access is a per-lane gather, so a vec4 costs about what a scalar does). Invocation
// j updates elements 4j .. 4j + 3; the host runs these only when every buffer holds whole vec4s (pooled buffers
// are 256-byte buckets), so the last invocation may update up to 3 values past n that nothing reads.
@group(0) @binding(15) var<storage, read_write> param4: array<vec4<f32>>;
@group(0) @binding(16) var<storage, read> grad4: array<vec4<f32>>;
@group(0) @binding(17) var<storage, read_write> m4: array<vec4<f32>>;
@group(0) @binding(18) var<storage, read_write> v4: array<vec4<f32>>;
@group(0) @binding(19) var<storage, read_write> emaShadow4: array<vec4<f32>>;

fn adamw_vec4(j: u32) -> vec4<f32> {
  let g = grad4[j] * gradScale[0];
  let mj = p.beta1 * m4[j] + (1.0 - p.beta1) * g;
  let vj = p.beta2 * v4[j] + (1.0 - p.beta2) * g * g;
  m4[j] = mj;
  v4[j] = vj;
  let mHat = mj / p.biasCorrection1;
  let vHat = vj / p.biasCorrection2;
  let old = param4[j];
  let theta = old - p.lr * (mHat / (sqrt(vHat) + p.eps) + p.weightDecay * old);
  param4[j] = theta;
  return theta;
}

@compute @workgroup_size(WG)
fn adamw4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j * 4u >= p.n) { return; }
  adamw_vec4(j);
}

@compute @workgroup_size(WG)
fn adamw_ema4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j * 4u >= p.n) { return; }
  let theta = adamw_vec4(j);
  emaShadow4[j] = p.emaDecay * emaShadow4[j] + (1.0 - p.emaDecay) * theta;
}
