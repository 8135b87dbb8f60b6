// Fused optimiser updates over a flat parameter array: one invocation per parameter element.
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
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: AdamWParams;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> gradScale: array<f32>;

@compute @workgroup_size(WG)
fn adamw(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let g = grad[i] * gradScale[0];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let mHat = mi / p.biasCorrection1;
  let vHat = vi / p.biasCorrection2;
  param[i] = param[i] - p.lr * (mHat / (sqrt(vHat) + p.eps) + p.weightDecay * param[i]);
}
