// Elementwise kernels over flat f32 arrays.
//
// Layout: every tensor is a dense row-major array. Broadcasting (NumPy rules) is done with strides:
// an input's stride is 0 along a dimension it is broadcast over, so out[i] reads a[dot(coord(i), aStrides)].
// Shapes and strides are padded to 8 dimensions (two vec4s), leading dimensions first; the host coalesces
// dimensions first (a same-shape add is rank 1, a per-channel bias over NCHW rank 2), because every remaining
// dimension costs an integer division per index on a CPU adapter.
// Broadcasting kernels compute 4 consecutive outputs per invocation, stepping along the innermost dimension
// without divisions; the others compute one output each. The grid is 2-D so more than 65535·WG invocations fit.


struct BinaryParams {
  n: u32,
  rank: u32,
  outShape: array<vec4<u32>, 2>,
  aStrides: array<vec4<u32>, 2>,
  bStrides: array<vec4<u32>, 2>,
};

// A broadcast that coalesces to two dimensions [rows, cols] (e.g. a per-channel term over NCHW): scalar
// uniforms only, since dynamically indexed uniform arrays are slow on CPU adapters.
struct Binary2Params {
  n: u32,
  cols: u32,
  aRow: u32,
  aCol: u32,
  bRow: u32,
  bCol: u32,
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
@group(0) @binding(5) var<uniform> b2: Binary2Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Offsets into a and b of output element i: peel coordinates off from the innermost dimension.
fn broadcast_offsets(i: u32) -> vec2<u32> {
  var rest = i;
  var offsets = vec2<u32>(0u, 0u);
  for (var k = 0u; k < bp.rank; k++) {
    let d = bp.rank - 1u - k;
    let size = bp.outShape[d / 4u][d % 4u];
    let c = rest % size;
    rest = rest / size;
    offsets += c * vec2<u32>(bp.aStrides[d / 4u][d % 4u], bp.bStrides[d / 4u][d % 4u]);
  }
  return offsets;
}

fn apply_op(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    default: { return x / y; }
  }
}

// Outputs 4q .. 4q+3 of `out = op(a, b)` (or of `out = a` when BROADCAST_ONLY), with a and b read through strides.
fn broadcast4(q: u32, broadcastOnly: bool) {
  let first = 4u * q;
  if (first >= bp.n) { return; }
  let inner = bp.rank - 1u;
  let innerSize = bp.outShape[inner / 4u][inner % 4u];
  let innerStep = vec2<u32>(bp.aStrides[inner / 4u][inner % 4u], bp.bStrides[inner / 4u][inner % 4u]);
  var o = broadcast_offsets(first);
  var c = first % innerSize;
  for (var j = 0u; j < 4u; j++) {
    let i = first + j;
    if (i >= bp.n) { return; }
    if (broadcastOnly) { out[i] = a[o.x]; } else { out[i] = apply_op(a[o.x], b[o.y]); }
    c += 1u;
    if (c == innerSize) {
      c = 0u;
      o = broadcast_offsets(i + 1u);
    } else {
      o += innerStep;
    }
  }
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  broadcast4(flat_id(gid, nwg), false);
}

// out = a broadcast to the output shape (the backward of a reduction); only aStrides is used.
@compute @workgroup_size(WG)
fn broadcast(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  broadcast4(flat_id(gid, nwg), true);
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

// out = op(a, b) for operands of the output's own shape: no index arithmetic.
@compute @workgroup_size(WG)
fn binary_contiguous(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  out[i] = apply_op(a[i], b[i]);
}

@compute @workgroup_size(WG)
fn binary_2d(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= b2.n) { return; }
  let row = i / b2.cols;
  let col = i - row * b2.cols;
  out[i] = apply_op(a[row * b2.aRow + col * b2.aCol], b[row * b2.bRow + col * b2.bCol]);
}
