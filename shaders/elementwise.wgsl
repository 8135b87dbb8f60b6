// Elementwise kernels over flat f32 arrays.
//
// Layout: every tensor is a dense row-major array. Broadcasting (NumPy rules) is done with strides:
// an input's stride is 0 along a dimension it is broadcast over, so out[i] reads a[dot(coord(i), aStrides)].
// Shapes and strides are padded to 8 dimensions (two vec4s), leading dimensions first.
// Each invocation computes one output element; the grid is 2-D so more than 65535·64 elements fit.


struct BinaryParams {
  n: u32,
  rank: u32,
  outShape: array<vec4<u32>, 2>,
  aStrides: array<vec4<u32>, 2>,
  bStrides: array<vec4<u32>, 2>,
};

struct UnaryParams {
  n: u32,
  alpha: f32,
  beta: f32,
};

override WG: u32 = 64;
// Binary operator: 0 add, 1 sub, 2 mul, 3 div.
override OP: u32 = 0;
// Unary operator: 0 affine (alpha·x + beta), 1 silu, 2 square, 3 exp, 4 log, 5 sqrt, 6 relu.
override UOP: u32 = 0;

@group(0) @binding(0) var<uniform> bp: BinaryParams;
@group(0) @binding(4) var<uniform> up: UnaryParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn dim(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}

// Offsets into a and b of output element i: peel coordinates off from the innermost dimension.
fn broadcast_offsets(i: u32) -> vec2<u32> {
  var rest = i;
  var offsets = vec2<u32>(0u, 0u);
  for (var k = 0u; k < bp.rank; k++) {
    let d = bp.rank - 1u - k;
    let size = dim(bp.outShape, d);
    let c = rest % size;
    rest = rest / size;
    offsets += c * vec2<u32>(dim(bp.aStrides, d), dim(bp.bStrides, d));
  }
  return offsets;
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= bp.n) { return; }
  let o = broadcast_offsets(i);
  let x = a[o.x];
  let y = b[o.y];
  var r: f32;
  switch OP {
    case 0u: { r = x + y; }
    case 1u: { r = x - y; }
    case 2u: { r = x * y; }
    default: { r = x / y; }
  }
  out[i] = r;
}

// out = a broadcast to the output shape (the backward of a reduction); only aStrides is used.
@compute @workgroup_size(WG)
fn broadcast(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= bp.n) { return; }
  out[i] = a[broadcast_offsets(i).x];
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

@compute @workgroup_size(WG)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  let x = a[i];
  var r: f32;
  switch UOP {
    case 0u: { r = up.alpha * x + up.beta; }
    case 1u: { r = x * sigmoid(x); }
    case 2u: { r = x * x; }
    case 3u: { r = exp(x); }
    case 4u: { r = log(x); }
    case 5u: { r = sqrt(x); }
    default: { r = max(x, 0.0); }
  }
  out[i] = r;
}

// d/dx silu(x) = σ(x)·(1 + x·(1 − σ(x))); out = dy · that, with a = x and b = dy.
@compute @workgroup_size(WG)
fn silu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  let x = a[i];
  let s = sigmoid(x);
  out[i] = b[i] * s * (1.0 + x * (1.0 - s));
}

// out[i] = alpha (zeros, ones, full).
@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  out[i] = up.alpha;
}

// out += alpha · a, in place (gradient accumulation).
@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  out[i] = out[i] + up.alpha * a[i];
}
