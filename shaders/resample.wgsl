// Resampling and joining: nearest-neighbour 2× upsampling (diffusers' Upsample2D, F.interpolate(scale_factor=2,
// mode="nearest")) and concatenation (the U-Net's skip connections), each with its backward.
//
// Upsampling, x [N, C, H, W] → y [N, C, 2H, 2W]:  y[n,c,Y,X] = x[n,c,⌊Y/2⌋,⌊X/2⌋].
// Seeing x as R = N·C·H rows of W values, input row r becomes output rows 2r and 2r+1 (each 2W wide), so
// one invocation per input element writes its 2×2 block (forward) or sums it (backward).
//
// Concatenation along an axis: every tensor is seen as [outer, size along the axis, inner]. A part with
// `partBlock` = its size along the axis · inner contiguous values per outer index sits in the whole, whose
// blocks are `wholeBlock` long, at `offset` (= the sizes along the axis of the parts before it · inner).
// One dispatch per part: copy_into writes a part into the whole, copy_from reads it back (the backward).
//
// One invocation per element; grids are 2-D (grid1d on the host): i = gid.x + gid.y · nwg.x · WG.

struct UpsampleParams {
  n: u32,
  inWidth: u32,
};

struct ConcatParams {
  n: u32,
  partBlock: u32,
  wholeBlock: u32,
  offset: u32,
};

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> up: UpsampleParams;
@group(0) @binding(1) var<storage, read> upIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> upOut: array<f32>;
@group(0) @binding(3) var<uniform> cp: ConcatParams;
@group(0) @binding(4) var<storage, read> part: array<f32>;
@group(0) @binding(5) var<storage, read_write> whole: array<f32>;
@group(0) @binding(6) var<storage, read> wholeIn: array<f32>;
@group(0) @binding(7) var<storage, read_write> partOut: array<f32>;

fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Index in the upsampled tensor of the top-left child of input element i.
fn top_left_child(i: u32) -> u32 {
  let row = i / up.inWidth;
  let col = i % up.inWidth;
  return (2u * row) * (2u * up.inWidth) + 2u * col;
}

// Forward: upIn = x, upOut = y.
@compute @workgroup_size(WG)
fn upsample_nearest2x(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  let value = upIn[i];
  let child = top_left_child(i);
  let below = child + 2u * up.inWidth;
  upOut[child] = value;
  upOut[child + 1u] = value;
  upOut[below] = value;
  upOut[below + 1u] = value;
}

// Backward: upIn = dL/dy, upOut = dL/dx; each input's gradient is the sum over its four children.
@compute @workgroup_size(WG)
fn upsample_nearest2x_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= up.n) { return; }
  let child = top_left_child(i);
  let below = child + 2u * up.inWidth;
  upOut[i] = (upIn[child] + upIn[child + 1u]) + (upIn[below] + upIn[below + 1u]);
}

// Where element i of a part sits in the whole.
fn whole_index(i: u32) -> u32 {
  return (i / cp.partBlock) * cp.wholeBlock + cp.offset + i % cp.partBlock;
}

@compute @workgroup_size(WG)
fn copy_into(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= cp.n) { return; }
  whole[whole_index(i)] = part[i];
}

@compute @workgroup_size(WG)
fn copy_from(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg);
  if (i >= cp.n) { return; }
  partOut[i] = wholeIn[whole_index(i)];
}
