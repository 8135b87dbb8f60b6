// Softmax along one axis, numerically stable, forward and backward; `scale` is folded in (attention's
// softmax(q·kᵀ·scale) needs no separate scaling pass).
//
//   y_j = exp(scale·x_j − m) / Σ_k exp(scale·x_k − m),   m = max_k scale·x_k
//   dx_j = scale · y_j · (dy_j − Σ_k dy_k·y_k)
//
// Layout: the tensor is viewed as [outer, len, inner] with the softmax axis in the middle; row r
// (r < outer·inner) starts at (r / inner)·len·inner + r % inner and its elements are `inner` apart.
// One invocation per row, no barriers. The forward keeps a running maximum and rescales the running sum
// when the maximum grows (the "online softmax" of Milakov & Gimelshein 2018), so it reads the row twice:
// once for (m, Σ), once to write y.

struct SoftmaxParams {
  rows: u32,
  len: u32,
  inner: u32,
  scale: f32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> p: SoftmaxParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> gradOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> gradX: array<f32>;

fn row_start(r: u32) -> u32 {
  return (r / p.inner) * p.len * p.inner + r % p.inner;
}

@compute @workgroup_size(WG)
fn softmax_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.rows || p.len == 0u) { return; }
  let base = row_start(r);
  var m = p.scale * x[base];
  var total = 1.0;
  for (var j = 1u; j < p.len; j++) {
    let v = p.scale * x[base + j * p.inner];
    if (v > m) {
      total = total * exp(m - v) + 1.0;
      m = v;
    } else {
      total += exp(v - m);
    }
  }
  let inv = 1.0 / total;
  for (var j = 0u; j < p.len; j++) {
    let at = base + j * p.inner;
    out[at] = exp(p.scale * x[at] - m) * inv;
  }
}

@compute @workgroup_size(WG)
fn softmax_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.rows) { return; }
  let base = row_start(r);
  var yDotDy = 0.0;
  for (var j = 0u; j < p.len; j++) {
    let at = base + j * p.inner;
    yDotDy += gradOut[at] * y[at];
  }
  for (var j = 0u; j < p.len; j++) {
    let at = base + j * p.inner;
    gradX[at] = p.scale * y[at] * (gradOut[at] - yDotDy);
  }
}
