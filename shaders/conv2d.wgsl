// 2-D convolution (cross-correlation, as PyTorch's F.conv2d) and its gradients, as register-tiled direct
// convolutions of a zero-padded input.
//
// Layouts (dense, row-major): x [N, C, H, W], weight [O, C, KH, KW] (PyTorch's), bias [O], out [N, O, HO, WO].
// xp is x zero-padded by padTop rows above and padLeft columns to the left; the bottom/right padding only
// changes HO and WO, which the host computes (HO = floor((H + top + bottom − KH) / s) + 1), so asymmetric
// pads such as diffusers' (0, 1, 0, 1) need nothing special.
//
//   forward          out[n,o,oy,ox] = bias[o] + Σ_{c,ky,kx} weight[o,c,ky,kx] · xp[n,c,oy·s+ky,ox·s+kx]
//   input gradient   gradInput[n,c,iy,ix] = Σ_{o,ky,kx} weight[o,c,ky,kx] · gradOut[n,o,oy,ox] over the (oy, ox)
//                    with oy·s + ky = iy + padTop (a transposed convolution). The host runs it as a forward
//                    convolution, stride 1, of gradOut dilated by s (s − 1 zeros between values) and padded by
//                    (KH − 1 − padTop, KW − 1 − padLeft), with the weight transposed (o ↔ c) and flipped
//                    (ky → KH − 1 − ky, kx → KW − 1 − kx).
//   weight gradient  gradWeight[o,c,ky,kx] = Σ_{n,oy,ox} gradOut[n,o,oy,ox] · xp[n,c,oy·s+ky,ox·s+kx]
//   bias gradient    gradBias[o] = Σ_{n,oy,ox} gradOut[n,o,oy,ox], summed by the weight-gradient kernels.
//
// Each pass is one to four dispatches: a tiled kernel computes; when a sum is split across invocations (the
// weight gradient's over pixels; on small maps the forward's and the input gradient's over input channels, so
// that enough invocations run), reduce_splits adds the partial sums. The 3×3 kernels read the weight as it is
// (transposed and flipped by their indexing for the input gradient) and the input through a virtual zero
// padding (and dilation): the clamped offsets and inside-flags of their input window are computed once per
// invocation (or per weight-gradient segment), so the inner loop pays one select() per read and no copy is
// made. The any-size kernels read copies: pack_weight lays the weight out as [C·KH·KW, ceil(O/4)] vec4 blocks of
// 4 output channels (transposed and flipped for the input gradient), and pad_input pads the input, large
// enough that no tile reads outside it. The 3×3 kernels read their weights in place: on small maps each weight
// feeds few outputs, and a packing pass would cost as much as the convolution.
//
// The shape suits CPU adapters (SwiftShader), where every storage-buffer read is a per-lane gather costing more
// than a vec4 FMA: each invocation keeps a large register tile (8 output channels × 4×8 pixels) and reuses every
// loaded input value for each of the 3×3 taps it feeds (a 6×10 input window serves a 4×8 tile). There a private
// array indexed by a loop variable lives in memory, every loop iteration copies the accumulators, and integer
// division runs lane by lane, so the tiles are unrolled (the kernels between the GENERATED markers are written
// by scripts/gen-conv2d-wgsl.mjs), loops are flat with big bodies, and index arithmetic stays out of inner
// loops. No barriers or workgroup memory: both are slow on CPU adapters. A CPU adapter runs 4 consecutive
// invocations as the lanes of one SIMD group, so the tiled kernels number their jobs tiles first, then
// output-channel groups: a 4×4 map at batch 1 (one tile) fills the lanes with channel groups. Its few
// invocations then fit one workgroup, one CPU thread: splitting the sum over input channels into partial sums
// makes more of them. Where the device has subgroups, conv2d_quad.wgsl's forms of the 4×8 tile and the wide
// weight gradient let the 4 lanes of a quad share their loads (a quad swap is a register shuffle there): half
// the reads.

// Tiled convolutions. The input they read is x [N, C, sourceHeight, sourceWidth] seen through a virtual zero
// padding (top rows above, left columns to the left, more below and right) and dilation: virtual coordinate
// (R, Q) holds x[(R − top) / dilation, (Q − left) / dilation] where both divide evenly and land inside, else 0
// (source_index). conv3x3_* apply it as they read (no padded copy); conv_general reads a copy the host padded,
// with top = left = 0 and dilation 1. Their uniforms (ConvParams, shaders/lib/conv_params.wgsl, shared with
// every convolution kernel), source_index and store_pixel (shaders/lib/conv_tile.wgsl) are shared with
// conv2d_quad.wgsl.
//! include conv_params
//! include conv_tile

// pack_weight: packed[row, block] = (w[4·block + j, a, tap])_j with row = a·KH·KW + tap, where the weight is
// [B, A, KH, KW]; with flip = 1 it is [A, B, KH, KW] read transposed, at the flipped tap KH·KW − 1 − tap.
struct PackParams {
  rows: u32,
  blocks: u32,
  channelsA: u32,
  channelsB: u32,
  taps: u32,
  flip: u32,
};

// pad_input: padded[plane, r, q] = source[plane, (r − top) / dilation, (q − left) / dilation] where that
// divides evenly and lies inside the source, else 0. top and left may be negative (a crop).
struct PadParams {
  planes: u32,
  sourceHeight: u32,
  sourceWidth: u32,
  paddedHeight: u32,
  paddedWidth: u32,
  top: i32,
  left: i32,
  dilation: u32,
};

// Weight-gradient kernels: their uniforms (ConvParams) and store helpers (shaders/lib/conv_weight_grad.wgsl) are
// shared with conv2d_quad.wgsl.
//! include conv_weight_grad

// reduce_splits: total[i] = Σ_s partials[s·count + i].
struct ReduceParams {
  count: u32,
  splits: u32,
};

@group(0) @binding(0) var<uniform> tp: ConvParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// conv_general's weight (pack_weight's output); the 3×3 kernels read `weight` [O, C, 3, 3] instead.
@group(0) @binding(2) var<storage, read> packedWeight: array<vec4<f32>>;
// Read only when tp.hasBias = 1; without a bias the host binds the weight here (at least O values).
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> pk: PackParams;
// The weight [O, C, KH, KW]: pack_weight's input, and what the 3×3 kernels read (ConvParams' weight strides).
@group(0) @binding(6) var<storage, read> weight: array<f32>;
@group(0) @binding(7) var<storage, read_write> packed: array<vec4<f32>>;
@group(0) @binding(8) var<uniform> pd: PadParams;
@group(0) @binding(9) var<storage, read> source: array<f32>;
@group(0) @binding(10) var<storage, read_write> padded: array<f32>;
@group(0) @binding(11) var<uniform> gp: ConvParams;
@group(0) @binding(12) var<storage, read> gradOut: array<f32>;
// [splits, O, C, KH, KW] and [splits, O]; with one split these are gradWeight and gradBias themselves.
@group(0) @binding(13) var<storage, read_write> partialWeight: array<f32>;
// Written only when gp.hasBias = 1; without a bias the host binds a small scratch buffer here.
@group(0) @binding(14) var<storage, read_write> partialBias: array<f32>;
@group(0) @binding(15) var<uniform> rp: ReduceParams;
@group(0) @binding(16) var<storage, read> partials: array<f32>;
@group(0) @binding(17) var<storage, read_write> total: array<f32>;

// Invocations per workgroup of the tiled convolutions and the weight-gradient kernels (a CPU adapter spreads
// workgroups over its threads, so small layers want small workgroups).
override WG: u32 = 64u;

// The weight value that packed[row, ·] holds for channel b of side B (0 past the last channel). No loops here
// or in the store helpers: on a CPU adapter a loop's overhead outweighs the few stores it makes.
fn pack_value(a: u32, tap: u32, b: u32) -> f32 {
  let bc = min(b, pk.channelsB - 1u);
  var at = (bc * pk.channelsA + a) * pk.taps + tap;
  if (pk.flip == 1u) { at = (a * pk.channelsB + bc) * pk.taps + pk.taps - 1u - tap; }
  return select(0.0, weight[at], b < pk.channelsB);
}

// Grid: grid1d over rows · blocks (x + y · groups.x · 64).
@compute @workgroup_size(64)
fn pack_weight(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= pk.rows * pk.blocks) { return; }
  let row = i / pk.blocks;
  let b0 = (i % pk.blocks) * 4u;
  let a = row / pk.taps;
  let tap = row % pk.taps;
  packed[i] = vec4<f32>(pack_value(a, tap, b0), pack_value(a, tap, b0 + 1u), pack_value(a, tap, b0 + 2u), pack_value(a, tap, b0 + 3u));
}

// Grid: grid1d over planes · paddedHeight (one padded row per invocation, 4 values per loop step).
// Integer division has no SIMD instruction on a CPU (SwiftShader does it lane by lane), so the column
// arithmetic uses f32: for 0 ≤ dx < 2^20 and dilation < 1024, floor(f32(dx) / f32(d)) is exact.
@compute @workgroup_size(64)
fn pad_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= pd.planes * pd.paddedHeight) { return; }
  let plane = i / pd.paddedHeight;
  let dy = i32(i % pd.paddedHeight) - pd.top;
  let d = f32(pd.dilation);
  let sy = i32(floor(f32(dy) / d));
  let rowInside = dy >= 0 && sy * i32(pd.dilation) == dy && sy < i32(pd.sourceHeight);
  let sourceRow = (plane * pd.sourceHeight + u32(clamp(sy, 0, i32(pd.sourceHeight) - 1))) * pd.sourceWidth;
  let lastColumn = i32(pd.sourceWidth) - 1;
  let outRow = i * pd.paddedWidth;
  for (var q = 0u; q < pd.paddedWidth; q += 4u) {
    let dx = vec4<i32>(i32(q) - pd.left) + vec4<i32>(0, 1, 2, 3);
    let sx = vec4<i32>(floor(vec4<f32>(dx) / d));
    let inside = (dx >= vec4<i32>(0)) & (sx * i32(pd.dilation) == dx) & (sx <= vec4<i32>(lastColumn)) & vec4<bool>(rowInside);
    let at = vec4<u32>(clamp(sx, vec4<i32>(0), vec4<i32>(lastColumn))) + sourceRow;
    let v = select(vec4<f32>(0.0), vec4<f32>(source[at.x], source[at.y], source[at.z], source[at.w]), inside);
    padded[outRow + q] = v.x;
    if (q + 1u < pd.paddedWidth) { padded[outRow + q + 1u] = v.y; }
    if (q + 2u < pd.paddedWidth) { padded[outRow + q + 2u] = v.z; }
    if (q + 3u < pd.paddedWidth) { padded[outRow + q + 3u] = v.w; }
  }
}

// Grid: grid1d over count.
@compute @workgroup_size(64)
fn reduce_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= rp.count) { return; }
  var sum = 0.0;
  for (var s = 0u; s < rp.splits; s++) { sum += partials[s * rp.count + i]; }
  total[i] = sum;
}

// ---- BEGIN GENERATED by scripts/gen-conv2d-wgsl.mjs: edit the script, not this text ----

// Any kernel size and stride. Invocation: 8 output channels × 2×4 output pixels of one image,
// acc[(t·4 + j)·2 + b] = channels 4·(ob + b) .. +3 at pixel (oy0 + t, ox0 + j). One loop over the taps
// (c, ky, kx) of packedWeight's rows for c in c0 .. cEnd − 1, in order; rowAt follows x[n, c, oy0·s + ky, ox0·s]
// (x already padded).
// Grid: grid1d over jobs = N · tilesY · tilesX tiles of 2×4 (fastest) × ceil(O / 8) channel groups × splits.
@compute @workgroup_size(WG)
fn conv_general(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesPerImage = tp.tilesX * tp.tilesY;
  let tiles = tp.batch * tilesPerImage;
  let blockCount = (tp.outChannels + 3u) / 4u;
  let channelGroups = (blockCount + 1u) / 2u;
  let tile = job % tiles;
  let split = job / tiles / channelGroups;
  if (split >= tp.splits) { return; }
  let ob = job / tiles % channelGroups * 2u;
  let n = tile / tilesPerImage;
  let oy0 = ((tile % tilesPerImage) / tp.tilesX) * 2u;
  let ox0 = (tile % tp.tilesX) * 4u;
  let c0 = split * tp.splitChannels;
  let cEnd = min(c0 + tp.splitChannels, tp.inChannels);
  let image = split * tp.batch + n;
  let ob0 = min(ob, blockCount - 1u);
  let ob1 = min(ob + 1u, blockCount - 1u);
  let s = tp.stride;
  let rowStep = s * tp.sourceWidth;
  let plane = tp.sourceHeight * tp.sourceWidth;
  let taps = tp.kernelHeight * tp.kernelWidth;
  var channelAt = (n * tp.inChannels + c0) * plane + oy0 * rowStep + ox0 * s;
  var rowAt = channelAt;
  var ky = 0u;
  var kx = 0u;
  var wAt = c0 * taps * blockCount;
  var acc: array<vec4<f32>, 16>;
  let rows = (cEnd - c0) * taps;
  for (var row = 0u; row < rows; row++) {
    let w0 = packedWeight[wAt + ob0];
    let w1 = packedWeight[wAt + ob1];
    let at0 = rowAt + kx;
    let x00 = vec4<f32>(x[at0]); let x01 = vec4<f32>(x[at0 + s]);
    let x02 = vec4<f32>(x[at0 + 2u * s]); let x03 = vec4<f32>(x[at0 + 3u * s]);
    let at1 = rowAt + kx + rowStep;
    let x10 = vec4<f32>(x[at1]); let x11 = vec4<f32>(x[at1 + s]);
    let x12 = vec4<f32>(x[at1 + 2u * s]); let x13 = vec4<f32>(x[at1 + 3u * s]);
    acc[0] = fma(x00, w0, acc[0]); acc[1] = fma(x00, w1, acc[1]);
    acc[2] = fma(x01, w0, acc[2]); acc[3] = fma(x01, w1, acc[3]);
    acc[4] = fma(x02, w0, acc[4]); acc[5] = fma(x02, w1, acc[5]);
    acc[6] = fma(x03, w0, acc[6]); acc[7] = fma(x03, w1, acc[7]);
    acc[8] = fma(x10, w0, acc[8]); acc[9] = fma(x10, w1, acc[9]);
    acc[10] = fma(x11, w0, acc[10]); acc[11] = fma(x11, w1, acc[11]);
    acc[12] = fma(x12, w0, acc[12]); acc[13] = fma(x12, w1, acc[13]);
    acc[14] = fma(x13, w0, acc[14]); acc[15] = fma(x13, w1, acc[15]);
    // Next tap, without branches: kx wraps into ky, ky into the next channel.
    wAt += blockCount;
    kx += 1u;
    let rowDone = kx == tp.kernelWidth;
    kx = select(kx, 0u, rowDone);
    ky = select(ky, ky + 1u, rowDone);
    let channelDone = ky == tp.kernelHeight;
    ky = select(ky, 0u, channelDone);
    channelAt = select(channelAt, channelAt + plane, channelDone);
    rowAt = select(select(rowAt, rowAt + tp.sourceWidth, rowDone), channelAt, channelDone);
  }
  let bias0 = tile_bias(image, ob * 4u);
  let bias1 = tile_bias(image, (ob + 1u) * 4u);
  store_pixel(image, oy0, ox0, ob * 4u, acc[0] + bias0);
  store_pixel(image, oy0, ox0, (ob + 1u) * 4u, acc[1] + bias1);
  store_pixel(image, oy0, ox0 + 1u, ob * 4u, acc[2] + bias0);
  store_pixel(image, oy0, ox0 + 1u, (ob + 1u) * 4u, acc[3] + bias1);
  store_pixel(image, oy0, ox0 + 2u, ob * 4u, acc[4] + bias0);
  store_pixel(image, oy0, ox0 + 2u, (ob + 1u) * 4u, acc[5] + bias1);
  store_pixel(image, oy0, ox0 + 3u, ob * 4u, acc[6] + bias0);
  store_pixel(image, oy0, ox0 + 3u, (ob + 1u) * 4u, acc[7] + bias1);
  store_pixel(image, oy0 + 1u, ox0, ob * 4u, acc[8] + bias0);
  store_pixel(image, oy0 + 1u, ox0, (ob + 1u) * 4u, acc[9] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 1u, ob * 4u, acc[10] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 1u, (ob + 1u) * 4u, acc[11] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 2u, ob * 4u, acc[12] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 2u, (ob + 1u) * 4u, acc[13] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 3u, ob * 4u, acc[14] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 3u, (ob + 1u) * 4u, acc[15] + bias1);
}

// 3×3 kernel, stride 1. Invocation: 8 output channels × 4×4 output pixels of one image, from the
// 6×6 window at virtual (oy0, ox0) of each channel: x{r}_{q} = the virtually padded input at (oy0 + r, ox0 + q),
// read at row{r}.index, col{q}.index of the channel (0 unless both are inside); w{ky}{kx}_{b} = the weights of tap
// (ky, kx) for channel block ob + b; acc as in conv_general; channels c0 .. cEnd − 1 only.
// Grid: grid1d over jobs = N · tilesY · tilesX tiles (fastest) × ceil(O / 8) channel groups × splits.
@compute @workgroup_size(WG)
fn conv3x3_4x4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesPerImage = tp.tilesX * tp.tilesY;
  let tiles = tp.batch * tilesPerImage;
  let blockCount = (tp.outChannels + 3u) / 4u;
  let channelGroups = (blockCount + 1u) / 2u;
  let tile = job % tiles;
  let split = job / tiles / channelGroups;
  if (split >= tp.splits) { return; }
  let ob = job / tiles % channelGroups * 2u;
  let n = tile / tilesPerImage;
  let oy0 = ((tile % tilesPerImage) / tp.tilesX) * 4u;
  let ox0 = (tile % tp.tilesX) * 4u;
  let c0 = split * tp.splitChannels;
  let cEnd = min(c0 + tp.splitChannels, tp.inChannels);
  let image = split * tp.batch + n;
  let ob0 = min(ob, blockCount - 1u);
  let ob1 = min(ob + 1u, blockCount - 1u);
  let width = tp.sourceWidth;
  let plane = tp.sourceHeight * width;
  let row0 = source_index(oy0, tp.top, tp.dilation, tp.sourceHeight);
  let row1 = source_index(oy0 + 1u, tp.top, tp.dilation, tp.sourceHeight);
  let row2 = source_index(oy0 + 2u, tp.top, tp.dilation, tp.sourceHeight);
  let row3 = source_index(oy0 + 3u, tp.top, tp.dilation, tp.sourceHeight);
  let row4 = source_index(oy0 + 4u, tp.top, tp.dilation, tp.sourceHeight);
  let row5 = source_index(oy0 + 5u, tp.top, tp.dilation, tp.sourceHeight);
  let rowAt0 = row0.index * width;
  let rowAt1 = row1.index * width;
  let rowAt2 = row2.index * width;
  let rowAt3 = row3.index * width;
  let rowAt4 = row4.index * width;
  let rowAt5 = row5.index * width;
  let col0 = source_index(ox0, tp.left, tp.dilation, tp.sourceWidth);
  let col1 = source_index(ox0 + 1u, tp.left, tp.dilation, tp.sourceWidth);
  let col2 = source_index(ox0 + 2u, tp.left, tp.dilation, tp.sourceWidth);
  let col3 = source_index(ox0 + 3u, tp.left, tp.dilation, tp.sourceWidth);
  let col4 = source_index(ox0 + 4u, tp.left, tp.dilation, tp.sourceWidth);
  let col5 = source_index(ox0 + 5u, tp.left, tp.dilation, tp.sourceWidth);
  let lastOut = tp.outChannels - 1u;
  let wOut0 = vec4<u32>(min(ob0 * 4u, lastOut), min(ob0 * 4u + 1u, lastOut), min(ob0 * 4u + 2u, lastOut), min(ob0 * 4u + 3u, lastOut)) * tp.weightOutStride;
  let wOut1 = vec4<u32>(min(ob1 * 4u, lastOut), min(ob1 * 4u + 1u, lastOut), min(ob1 * 4u + 2u, lastOut), min(ob1 * 4u + 3u, lastOut)) * tp.weightOutStride;
  let tap0 = select(0u, 8u, tp.flipTaps == 1u);
  let tap1 = select(1u, 7u, tp.flipTaps == 1u);
  let tap2 = select(2u, 6u, tp.flipTaps == 1u);
  let tap3 = select(3u, 5u, tp.flipTaps == 1u);
  let tap4 = 4u;
  let tap5 = select(5u, 3u, tp.flipTaps == 1u);
  let tap6 = select(6u, 2u, tp.flipTaps == 1u);
  let tap7 = select(7u, 1u, tp.flipTaps == 1u);
  let tap8 = select(8u, 0u, tp.flipTaps == 1u);
  var xAt = (n * tp.inChannels + c0) * plane;
  var wAt = c0 * tp.weightInStride;
  var acc: array<vec4<f32>, 32>;
  for (var c = c0; c < cEnd; c++) {
    let a00_0 = wOut0 + vec4<u32>(wAt + tap0);
    let w00_0 = vec4<f32>(weight[a00_0.x], weight[a00_0.y], weight[a00_0.z], weight[a00_0.w]);
    let a00_1 = wOut1 + vec4<u32>(wAt + tap0);
    let w00_1 = vec4<f32>(weight[a00_1.x], weight[a00_1.y], weight[a00_1.z], weight[a00_1.w]);
    let a01_0 = wOut0 + vec4<u32>(wAt + tap1);
    let w01_0 = vec4<f32>(weight[a01_0.x], weight[a01_0.y], weight[a01_0.z], weight[a01_0.w]);
    let a01_1 = wOut1 + vec4<u32>(wAt + tap1);
    let w01_1 = vec4<f32>(weight[a01_1.x], weight[a01_1.y], weight[a01_1.z], weight[a01_1.w]);
    let a02_0 = wOut0 + vec4<u32>(wAt + tap2);
    let w02_0 = vec4<f32>(weight[a02_0.x], weight[a02_0.y], weight[a02_0.z], weight[a02_0.w]);
    let a02_1 = wOut1 + vec4<u32>(wAt + tap2);
    let w02_1 = vec4<f32>(weight[a02_1.x], weight[a02_1.y], weight[a02_1.z], weight[a02_1.w]);
    let a10_0 = wOut0 + vec4<u32>(wAt + tap3);
    let w10_0 = vec4<f32>(weight[a10_0.x], weight[a10_0.y], weight[a10_0.z], weight[a10_0.w]);
    let a10_1 = wOut1 + vec4<u32>(wAt + tap3);
    let w10_1 = vec4<f32>(weight[a10_1.x], weight[a10_1.y], weight[a10_1.z], weight[a10_1.w]);
    let a11_0 = wOut0 + vec4<u32>(wAt + tap4);
    let w11_0 = vec4<f32>(weight[a11_0.x], weight[a11_0.y], weight[a11_0.z], weight[a11_0.w]);
    let a11_1 = wOut1 + vec4<u32>(wAt + tap4);
    let w11_1 = vec4<f32>(weight[a11_1.x], weight[a11_1.y], weight[a11_1.z], weight[a11_1.w]);
    let a12_0 = wOut0 + vec4<u32>(wAt + tap5);
    let w12_0 = vec4<f32>(weight[a12_0.x], weight[a12_0.y], weight[a12_0.z], weight[a12_0.w]);
    let a12_1 = wOut1 + vec4<u32>(wAt + tap5);
    let w12_1 = vec4<f32>(weight[a12_1.x], weight[a12_1.y], weight[a12_1.z], weight[a12_1.w]);
    let a20_0 = wOut0 + vec4<u32>(wAt + tap6);
    let w20_0 = vec4<f32>(weight[a20_0.x], weight[a20_0.y], weight[a20_0.z], weight[a20_0.w]);
    let a20_1 = wOut1 + vec4<u32>(wAt + tap6);
    let w20_1 = vec4<f32>(weight[a20_1.x], weight[a20_1.y], weight[a20_1.z], weight[a20_1.w]);
    let a21_0 = wOut0 + vec4<u32>(wAt + tap7);
    let w21_0 = vec4<f32>(weight[a21_0.x], weight[a21_0.y], weight[a21_0.z], weight[a21_0.w]);
    let a21_1 = wOut1 + vec4<u32>(wAt + tap7);
    let w21_1 = vec4<f32>(weight[a21_1.x], weight[a21_1.y], weight[a21_1.z], weight[a21_1.w]);
    let a22_0 = wOut0 + vec4<u32>(wAt + tap8);
    let w22_0 = vec4<f32>(weight[a22_0.x], weight[a22_0.y], weight[a22_0.z], weight[a22_0.w]);
    let a22_1 = wOut1 + vec4<u32>(wAt + tap8);
    let w22_1 = vec4<f32>(weight[a22_1.x], weight[a22_1.y], weight[a22_1.z], weight[a22_1.w]);
    let at0 = xAt + rowAt0;
    let x0_0 = vec4<f32>(select(0.0, x[at0 + col0.index], row0.inside && col0.inside));
    let x0_1 = vec4<f32>(select(0.0, x[at0 + col1.index], row0.inside && col1.inside));
    let x0_2 = vec4<f32>(select(0.0, x[at0 + col2.index], row0.inside && col2.inside));
    let x0_3 = vec4<f32>(select(0.0, x[at0 + col3.index], row0.inside && col3.inside));
    let x0_4 = vec4<f32>(select(0.0, x[at0 + col4.index], row0.inside && col4.inside));
    let x0_5 = vec4<f32>(select(0.0, x[at0 + col5.index], row0.inside && col5.inside));
    acc[0] = fma(x0_0, w00_0, acc[0]); acc[1] = fma(x0_0, w00_1, acc[1]); acc[2] = fma(x0_1, w00_0, acc[2]); acc[3] = fma(x0_1, w00_1, acc[3]);
    acc[4] = fma(x0_2, w00_0, acc[4]); acc[5] = fma(x0_2, w00_1, acc[5]); acc[6] = fma(x0_3, w00_0, acc[6]); acc[7] = fma(x0_3, w00_1, acc[7]);
    acc[0] = fma(x0_1, w01_0, acc[0]); acc[1] = fma(x0_1, w01_1, acc[1]); acc[2] = fma(x0_2, w01_0, acc[2]); acc[3] = fma(x0_2, w01_1, acc[3]);
    acc[4] = fma(x0_3, w01_0, acc[4]); acc[5] = fma(x0_3, w01_1, acc[5]); acc[6] = fma(x0_4, w01_0, acc[6]); acc[7] = fma(x0_4, w01_1, acc[7]);
    acc[0] = fma(x0_2, w02_0, acc[0]); acc[1] = fma(x0_2, w02_1, acc[1]); acc[2] = fma(x0_3, w02_0, acc[2]); acc[3] = fma(x0_3, w02_1, acc[3]);
    acc[4] = fma(x0_4, w02_0, acc[4]); acc[5] = fma(x0_4, w02_1, acc[5]); acc[6] = fma(x0_5, w02_0, acc[6]); acc[7] = fma(x0_5, w02_1, acc[7]);
    let at1 = xAt + rowAt1;
    let x1_0 = vec4<f32>(select(0.0, x[at1 + col0.index], row1.inside && col0.inside));
    let x1_1 = vec4<f32>(select(0.0, x[at1 + col1.index], row1.inside && col1.inside));
    let x1_2 = vec4<f32>(select(0.0, x[at1 + col2.index], row1.inside && col2.inside));
    let x1_3 = vec4<f32>(select(0.0, x[at1 + col3.index], row1.inside && col3.inside));
    let x1_4 = vec4<f32>(select(0.0, x[at1 + col4.index], row1.inside && col4.inside));
    let x1_5 = vec4<f32>(select(0.0, x[at1 + col5.index], row1.inside && col5.inside));
    acc[0] = fma(x1_0, w10_0, acc[0]); acc[1] = fma(x1_0, w10_1, acc[1]); acc[2] = fma(x1_1, w10_0, acc[2]); acc[3] = fma(x1_1, w10_1, acc[3]);
    acc[4] = fma(x1_2, w10_0, acc[4]); acc[5] = fma(x1_2, w10_1, acc[5]); acc[6] = fma(x1_3, w10_0, acc[6]); acc[7] = fma(x1_3, w10_1, acc[7]);
    acc[0] = fma(x1_1, w11_0, acc[0]); acc[1] = fma(x1_1, w11_1, acc[1]); acc[2] = fma(x1_2, w11_0, acc[2]); acc[3] = fma(x1_2, w11_1, acc[3]);
    acc[4] = fma(x1_3, w11_0, acc[4]); acc[5] = fma(x1_3, w11_1, acc[5]); acc[6] = fma(x1_4, w11_0, acc[6]); acc[7] = fma(x1_4, w11_1, acc[7]);
    acc[0] = fma(x1_2, w12_0, acc[0]); acc[1] = fma(x1_2, w12_1, acc[1]); acc[2] = fma(x1_3, w12_0, acc[2]); acc[3] = fma(x1_3, w12_1, acc[3]);
    acc[4] = fma(x1_4, w12_0, acc[4]); acc[5] = fma(x1_4, w12_1, acc[5]); acc[6] = fma(x1_5, w12_0, acc[6]); acc[7] = fma(x1_5, w12_1, acc[7]);
    acc[8] = fma(x1_0, w00_0, acc[8]); acc[9] = fma(x1_0, w00_1, acc[9]); acc[10] = fma(x1_1, w00_0, acc[10]); acc[11] = fma(x1_1, w00_1, acc[11]);
    acc[12] = fma(x1_2, w00_0, acc[12]); acc[13] = fma(x1_2, w00_1, acc[13]); acc[14] = fma(x1_3, w00_0, acc[14]); acc[15] = fma(x1_3, w00_1, acc[15]);
    acc[8] = fma(x1_1, w01_0, acc[8]); acc[9] = fma(x1_1, w01_1, acc[9]); acc[10] = fma(x1_2, w01_0, acc[10]); acc[11] = fma(x1_2, w01_1, acc[11]);
    acc[12] = fma(x1_3, w01_0, acc[12]); acc[13] = fma(x1_3, w01_1, acc[13]); acc[14] = fma(x1_4, w01_0, acc[14]); acc[15] = fma(x1_4, w01_1, acc[15]);
    acc[8] = fma(x1_2, w02_0, acc[8]); acc[9] = fma(x1_2, w02_1, acc[9]); acc[10] = fma(x1_3, w02_0, acc[10]); acc[11] = fma(x1_3, w02_1, acc[11]);
    acc[12] = fma(x1_4, w02_0, acc[12]); acc[13] = fma(x1_4, w02_1, acc[13]); acc[14] = fma(x1_5, w02_0, acc[14]); acc[15] = fma(x1_5, w02_1, acc[15]);
    let at2 = xAt + rowAt2;
    let x2_0 = vec4<f32>(select(0.0, x[at2 + col0.index], row2.inside && col0.inside));
    let x2_1 = vec4<f32>(select(0.0, x[at2 + col1.index], row2.inside && col1.inside));
    let x2_2 = vec4<f32>(select(0.0, x[at2 + col2.index], row2.inside && col2.inside));
    let x2_3 = vec4<f32>(select(0.0, x[at2 + col3.index], row2.inside && col3.inside));
    let x2_4 = vec4<f32>(select(0.0, x[at2 + col4.index], row2.inside && col4.inside));
    let x2_5 = vec4<f32>(select(0.0, x[at2 + col5.index], row2.inside && col5.inside));
    acc[0] = fma(x2_0, w20_0, acc[0]); acc[1] = fma(x2_0, w20_1, acc[1]); acc[2] = fma(x2_1, w20_0, acc[2]); acc[3] = fma(x2_1, w20_1, acc[3]);
    acc[4] = fma(x2_2, w20_0, acc[4]); acc[5] = fma(x2_2, w20_1, acc[5]); acc[6] = fma(x2_3, w20_0, acc[6]); acc[7] = fma(x2_3, w20_1, acc[7]);
    acc[0] = fma(x2_1, w21_0, acc[0]); acc[1] = fma(x2_1, w21_1, acc[1]); acc[2] = fma(x2_2, w21_0, acc[2]); acc[3] = fma(x2_2, w21_1, acc[3]);
    acc[4] = fma(x2_3, w21_0, acc[4]); acc[5] = fma(x2_3, w21_1, acc[5]); acc[6] = fma(x2_4, w21_0, acc[6]); acc[7] = fma(x2_4, w21_1, acc[7]);
    acc[0] = fma(x2_2, w22_0, acc[0]); acc[1] = fma(x2_2, w22_1, acc[1]); acc[2] = fma(x2_3, w22_0, acc[2]); acc[3] = fma(x2_3, w22_1, acc[3]);
    acc[4] = fma(x2_4, w22_0, acc[4]); acc[5] = fma(x2_4, w22_1, acc[5]); acc[6] = fma(x2_5, w22_0, acc[6]); acc[7] = fma(x2_5, w22_1, acc[7]);
    acc[8] = fma(x2_0, w10_0, acc[8]); acc[9] = fma(x2_0, w10_1, acc[9]); acc[10] = fma(x2_1, w10_0, acc[10]); acc[11] = fma(x2_1, w10_1, acc[11]);
    acc[12] = fma(x2_2, w10_0, acc[12]); acc[13] = fma(x2_2, w10_1, acc[13]); acc[14] = fma(x2_3, w10_0, acc[14]); acc[15] = fma(x2_3, w10_1, acc[15]);
    acc[8] = fma(x2_1, w11_0, acc[8]); acc[9] = fma(x2_1, w11_1, acc[9]); acc[10] = fma(x2_2, w11_0, acc[10]); acc[11] = fma(x2_2, w11_1, acc[11]);
    acc[12] = fma(x2_3, w11_0, acc[12]); acc[13] = fma(x2_3, w11_1, acc[13]); acc[14] = fma(x2_4, w11_0, acc[14]); acc[15] = fma(x2_4, w11_1, acc[15]);
    acc[8] = fma(x2_2, w12_0, acc[8]); acc[9] = fma(x2_2, w12_1, acc[9]); acc[10] = fma(x2_3, w12_0, acc[10]); acc[11] = fma(x2_3, w12_1, acc[11]);
    acc[12] = fma(x2_4, w12_0, acc[12]); acc[13] = fma(x2_4, w12_1, acc[13]); acc[14] = fma(x2_5, w12_0, acc[14]); acc[15] = fma(x2_5, w12_1, acc[15]);
    acc[16] = fma(x2_0, w00_0, acc[16]); acc[17] = fma(x2_0, w00_1, acc[17]); acc[18] = fma(x2_1, w00_0, acc[18]); acc[19] = fma(x2_1, w00_1, acc[19]);
    acc[20] = fma(x2_2, w00_0, acc[20]); acc[21] = fma(x2_2, w00_1, acc[21]); acc[22] = fma(x2_3, w00_0, acc[22]); acc[23] = fma(x2_3, w00_1, acc[23]);
    acc[16] = fma(x2_1, w01_0, acc[16]); acc[17] = fma(x2_1, w01_1, acc[17]); acc[18] = fma(x2_2, w01_0, acc[18]); acc[19] = fma(x2_2, w01_1, acc[19]);
    acc[20] = fma(x2_3, w01_0, acc[20]); acc[21] = fma(x2_3, w01_1, acc[21]); acc[22] = fma(x2_4, w01_0, acc[22]); acc[23] = fma(x2_4, w01_1, acc[23]);
    acc[16] = fma(x2_2, w02_0, acc[16]); acc[17] = fma(x2_2, w02_1, acc[17]); acc[18] = fma(x2_3, w02_0, acc[18]); acc[19] = fma(x2_3, w02_1, acc[19]);
    acc[20] = fma(x2_4, w02_0, acc[20]); acc[21] = fma(x2_4, w02_1, acc[21]); acc[22] = fma(x2_5, w02_0, acc[22]); acc[23] = fma(x2_5, w02_1, acc[23]);
    let at3 = xAt + rowAt3;
    let x3_0 = vec4<f32>(select(0.0, x[at3 + col0.index], row3.inside && col0.inside));
    let x3_1 = vec4<f32>(select(0.0, x[at3 + col1.index], row3.inside && col1.inside));
    let x3_2 = vec4<f32>(select(0.0, x[at3 + col2.index], row3.inside && col2.inside));
    let x3_3 = vec4<f32>(select(0.0, x[at3 + col3.index], row3.inside && col3.inside));
    let x3_4 = vec4<f32>(select(0.0, x[at3 + col4.index], row3.inside && col4.inside));
    let x3_5 = vec4<f32>(select(0.0, x[at3 + col5.index], row3.inside && col5.inside));
    acc[8] = fma(x3_0, w20_0, acc[8]); acc[9] = fma(x3_0, w20_1, acc[9]); acc[10] = fma(x3_1, w20_0, acc[10]); acc[11] = fma(x3_1, w20_1, acc[11]);
    acc[12] = fma(x3_2, w20_0, acc[12]); acc[13] = fma(x3_2, w20_1, acc[13]); acc[14] = fma(x3_3, w20_0, acc[14]); acc[15] = fma(x3_3, w20_1, acc[15]);
    acc[8] = fma(x3_1, w21_0, acc[8]); acc[9] = fma(x3_1, w21_1, acc[9]); acc[10] = fma(x3_2, w21_0, acc[10]); acc[11] = fma(x3_2, w21_1, acc[11]);
    acc[12] = fma(x3_3, w21_0, acc[12]); acc[13] = fma(x3_3, w21_1, acc[13]); acc[14] = fma(x3_4, w21_0, acc[14]); acc[15] = fma(x3_4, w21_1, acc[15]);
    acc[8] = fma(x3_2, w22_0, acc[8]); acc[9] = fma(x3_2, w22_1, acc[9]); acc[10] = fma(x3_3, w22_0, acc[10]); acc[11] = fma(x3_3, w22_1, acc[11]);
    acc[12] = fma(x3_4, w22_0, acc[12]); acc[13] = fma(x3_4, w22_1, acc[13]); acc[14] = fma(x3_5, w22_0, acc[14]); acc[15] = fma(x3_5, w22_1, acc[15]);
    acc[16] = fma(x3_0, w10_0, acc[16]); acc[17] = fma(x3_0, w10_1, acc[17]); acc[18] = fma(x3_1, w10_0, acc[18]); acc[19] = fma(x3_1, w10_1, acc[19]);
    acc[20] = fma(x3_2, w10_0, acc[20]); acc[21] = fma(x3_2, w10_1, acc[21]); acc[22] = fma(x3_3, w10_0, acc[22]); acc[23] = fma(x3_3, w10_1, acc[23]);
    acc[16] = fma(x3_1, w11_0, acc[16]); acc[17] = fma(x3_1, w11_1, acc[17]); acc[18] = fma(x3_2, w11_0, acc[18]); acc[19] = fma(x3_2, w11_1, acc[19]);
    acc[20] = fma(x3_3, w11_0, acc[20]); acc[21] = fma(x3_3, w11_1, acc[21]); acc[22] = fma(x3_4, w11_0, acc[22]); acc[23] = fma(x3_4, w11_1, acc[23]);
    acc[16] = fma(x3_2, w12_0, acc[16]); acc[17] = fma(x3_2, w12_1, acc[17]); acc[18] = fma(x3_3, w12_0, acc[18]); acc[19] = fma(x3_3, w12_1, acc[19]);
    acc[20] = fma(x3_4, w12_0, acc[20]); acc[21] = fma(x3_4, w12_1, acc[21]); acc[22] = fma(x3_5, w12_0, acc[22]); acc[23] = fma(x3_5, w12_1, acc[23]);
    acc[24] = fma(x3_0, w00_0, acc[24]); acc[25] = fma(x3_0, w00_1, acc[25]); acc[26] = fma(x3_1, w00_0, acc[26]); acc[27] = fma(x3_1, w00_1, acc[27]);
    acc[28] = fma(x3_2, w00_0, acc[28]); acc[29] = fma(x3_2, w00_1, acc[29]); acc[30] = fma(x3_3, w00_0, acc[30]); acc[31] = fma(x3_3, w00_1, acc[31]);
    acc[24] = fma(x3_1, w01_0, acc[24]); acc[25] = fma(x3_1, w01_1, acc[25]); acc[26] = fma(x3_2, w01_0, acc[26]); acc[27] = fma(x3_2, w01_1, acc[27]);
    acc[28] = fma(x3_3, w01_0, acc[28]); acc[29] = fma(x3_3, w01_1, acc[29]); acc[30] = fma(x3_4, w01_0, acc[30]); acc[31] = fma(x3_4, w01_1, acc[31]);
    acc[24] = fma(x3_2, w02_0, acc[24]); acc[25] = fma(x3_2, w02_1, acc[25]); acc[26] = fma(x3_3, w02_0, acc[26]); acc[27] = fma(x3_3, w02_1, acc[27]);
    acc[28] = fma(x3_4, w02_0, acc[28]); acc[29] = fma(x3_4, w02_1, acc[29]); acc[30] = fma(x3_5, w02_0, acc[30]); acc[31] = fma(x3_5, w02_1, acc[31]);
    let at4 = xAt + rowAt4;
    let x4_0 = vec4<f32>(select(0.0, x[at4 + col0.index], row4.inside && col0.inside));
    let x4_1 = vec4<f32>(select(0.0, x[at4 + col1.index], row4.inside && col1.inside));
    let x4_2 = vec4<f32>(select(0.0, x[at4 + col2.index], row4.inside && col2.inside));
    let x4_3 = vec4<f32>(select(0.0, x[at4 + col3.index], row4.inside && col3.inside));
    let x4_4 = vec4<f32>(select(0.0, x[at4 + col4.index], row4.inside && col4.inside));
    let x4_5 = vec4<f32>(select(0.0, x[at4 + col5.index], row4.inside && col5.inside));
    acc[16] = fma(x4_0, w20_0, acc[16]); acc[17] = fma(x4_0, w20_1, acc[17]); acc[18] = fma(x4_1, w20_0, acc[18]); acc[19] = fma(x4_1, w20_1, acc[19]);
    acc[20] = fma(x4_2, w20_0, acc[20]); acc[21] = fma(x4_2, w20_1, acc[21]); acc[22] = fma(x4_3, w20_0, acc[22]); acc[23] = fma(x4_3, w20_1, acc[23]);
    acc[16] = fma(x4_1, w21_0, acc[16]); acc[17] = fma(x4_1, w21_1, acc[17]); acc[18] = fma(x4_2, w21_0, acc[18]); acc[19] = fma(x4_2, w21_1, acc[19]);
    acc[20] = fma(x4_3, w21_0, acc[20]); acc[21] = fma(x4_3, w21_1, acc[21]); acc[22] = fma(x4_4, w21_0, acc[22]); acc[23] = fma(x4_4, w21_1, acc[23]);
    acc[16] = fma(x4_2, w22_0, acc[16]); acc[17] = fma(x4_2, w22_1, acc[17]); acc[18] = fma(x4_3, w22_0, acc[18]); acc[19] = fma(x4_3, w22_1, acc[19]);
    acc[20] = fma(x4_4, w22_0, acc[20]); acc[21] = fma(x4_4, w22_1, acc[21]); acc[22] = fma(x4_5, w22_0, acc[22]); acc[23] = fma(x4_5, w22_1, acc[23]);
    acc[24] = fma(x4_0, w10_0, acc[24]); acc[25] = fma(x4_0, w10_1, acc[25]); acc[26] = fma(x4_1, w10_0, acc[26]); acc[27] = fma(x4_1, w10_1, acc[27]);
    acc[28] = fma(x4_2, w10_0, acc[28]); acc[29] = fma(x4_2, w10_1, acc[29]); acc[30] = fma(x4_3, w10_0, acc[30]); acc[31] = fma(x4_3, w10_1, acc[31]);
    acc[24] = fma(x4_1, w11_0, acc[24]); acc[25] = fma(x4_1, w11_1, acc[25]); acc[26] = fma(x4_2, w11_0, acc[26]); acc[27] = fma(x4_2, w11_1, acc[27]);
    acc[28] = fma(x4_3, w11_0, acc[28]); acc[29] = fma(x4_3, w11_1, acc[29]); acc[30] = fma(x4_4, w11_0, acc[30]); acc[31] = fma(x4_4, w11_1, acc[31]);
    acc[24] = fma(x4_2, w12_0, acc[24]); acc[25] = fma(x4_2, w12_1, acc[25]); acc[26] = fma(x4_3, w12_0, acc[26]); acc[27] = fma(x4_3, w12_1, acc[27]);
    acc[28] = fma(x4_4, w12_0, acc[28]); acc[29] = fma(x4_4, w12_1, acc[29]); acc[30] = fma(x4_5, w12_0, acc[30]); acc[31] = fma(x4_5, w12_1, acc[31]);
    let at5 = xAt + rowAt5;
    let x5_0 = vec4<f32>(select(0.0, x[at5 + col0.index], row5.inside && col0.inside));
    let x5_1 = vec4<f32>(select(0.0, x[at5 + col1.index], row5.inside && col1.inside));
    let x5_2 = vec4<f32>(select(0.0, x[at5 + col2.index], row5.inside && col2.inside));
    let x5_3 = vec4<f32>(select(0.0, x[at5 + col3.index], row5.inside && col3.inside));
    let x5_4 = vec4<f32>(select(0.0, x[at5 + col4.index], row5.inside && col4.inside));
    let x5_5 = vec4<f32>(select(0.0, x[at5 + col5.index], row5.inside && col5.inside));
    acc[24] = fma(x5_0, w20_0, acc[24]); acc[25] = fma(x5_0, w20_1, acc[25]); acc[26] = fma(x5_1, w20_0, acc[26]); acc[27] = fma(x5_1, w20_1, acc[27]);
    acc[28] = fma(x5_2, w20_0, acc[28]); acc[29] = fma(x5_2, w20_1, acc[29]); acc[30] = fma(x5_3, w20_0, acc[30]); acc[31] = fma(x5_3, w20_1, acc[31]);
    acc[24] = fma(x5_1, w21_0, acc[24]); acc[25] = fma(x5_1, w21_1, acc[25]); acc[26] = fma(x5_2, w21_0, acc[26]); acc[27] = fma(x5_2, w21_1, acc[27]);
    acc[28] = fma(x5_3, w21_0, acc[28]); acc[29] = fma(x5_3, w21_1, acc[29]); acc[30] = fma(x5_4, w21_0, acc[30]); acc[31] = fma(x5_4, w21_1, acc[31]);
    acc[24] = fma(x5_2, w22_0, acc[24]); acc[25] = fma(x5_2, w22_1, acc[25]); acc[26] = fma(x5_3, w22_0, acc[26]); acc[27] = fma(x5_3, w22_1, acc[27]);
    acc[28] = fma(x5_4, w22_0, acc[28]); acc[29] = fma(x5_4, w22_1, acc[29]); acc[30] = fma(x5_5, w22_0, acc[30]); acc[31] = fma(x5_5, w22_1, acc[31]);
    wAt += tp.weightInStride;
    xAt += plane;
  }
  let bias0 = tile_bias(image, ob * 4u);
  let bias1 = tile_bias(image, (ob + 1u) * 4u);
  store_pixel(image, oy0, ox0, ob * 4u, acc[0] + bias0);
  store_pixel(image, oy0, ox0, (ob + 1u) * 4u, acc[1] + bias1);
  store_pixel(image, oy0, ox0 + 1u, ob * 4u, acc[2] + bias0);
  store_pixel(image, oy0, ox0 + 1u, (ob + 1u) * 4u, acc[3] + bias1);
  store_pixel(image, oy0, ox0 + 2u, ob * 4u, acc[4] + bias0);
  store_pixel(image, oy0, ox0 + 2u, (ob + 1u) * 4u, acc[5] + bias1);
  store_pixel(image, oy0, ox0 + 3u, ob * 4u, acc[6] + bias0);
  store_pixel(image, oy0, ox0 + 3u, (ob + 1u) * 4u, acc[7] + bias1);
  store_pixel(image, oy0 + 1u, ox0, ob * 4u, acc[8] + bias0);
  store_pixel(image, oy0 + 1u, ox0, (ob + 1u) * 4u, acc[9] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 1u, ob * 4u, acc[10] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 1u, (ob + 1u) * 4u, acc[11] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 2u, ob * 4u, acc[12] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 2u, (ob + 1u) * 4u, acc[13] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 3u, ob * 4u, acc[14] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 3u, (ob + 1u) * 4u, acc[15] + bias1);
  store_pixel(image, oy0 + 2u, ox0, ob * 4u, acc[16] + bias0);
  store_pixel(image, oy0 + 2u, ox0, (ob + 1u) * 4u, acc[17] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 1u, ob * 4u, acc[18] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 1u, (ob + 1u) * 4u, acc[19] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 2u, ob * 4u, acc[20] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 2u, (ob + 1u) * 4u, acc[21] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 3u, ob * 4u, acc[22] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 3u, (ob + 1u) * 4u, acc[23] + bias1);
  store_pixel(image, oy0 + 3u, ox0, ob * 4u, acc[24] + bias0);
  store_pixel(image, oy0 + 3u, ox0, (ob + 1u) * 4u, acc[25] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 1u, ob * 4u, acc[26] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 1u, (ob + 1u) * 4u, acc[27] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 2u, ob * 4u, acc[28] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 2u, (ob + 1u) * 4u, acc[29] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 3u, ob * 4u, acc[30] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 3u, (ob + 1u) * 4u, acc[31] + bias1);
}

// 3×3 kernel, stride 1. Invocation: 8 output channels × 4×8 output pixels of one image, from the
// 6×10 window at virtual (oy0, ox0) of each channel: x{r}_{q} = the virtually padded input at (oy0 + r, ox0 + q),
// read at row{r}.index, col{q}.index of the channel (0 unless both are inside); w{ky}{kx}_{b} = the weights of tap
// (ky, kx) for channel block ob + b; acc as in conv_general; channels c0 .. cEnd − 1 only.
// Grid: grid1d over jobs = N · tilesY · tilesX tiles (fastest) × ceil(O / 8) channel groups × splits.
@compute @workgroup_size(WG)
fn conv3x3_4x8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let job = gid.x + gid.y * groups.x * WG;
  let tilesPerImage = tp.tilesX * tp.tilesY;
  let tiles = tp.batch * tilesPerImage;
  let blockCount = (tp.outChannels + 3u) / 4u;
  let channelGroups = (blockCount + 1u) / 2u;
  let tile = job % tiles;
  let split = job / tiles / channelGroups;
  if (split >= tp.splits) { return; }
  let ob = job / tiles % channelGroups * 2u;
  let n = tile / tilesPerImage;
  let oy0 = ((tile % tilesPerImage) / tp.tilesX) * 4u;
  let ox0 = (tile % tp.tilesX) * 8u;
  let c0 = split * tp.splitChannels;
  let cEnd = min(c0 + tp.splitChannels, tp.inChannels);
  let image = split * tp.batch + n;
  let ob0 = min(ob, blockCount - 1u);
  let ob1 = min(ob + 1u, blockCount - 1u);
  let width = tp.sourceWidth;
  let plane = tp.sourceHeight * width;
  let row0 = source_index(oy0, tp.top, tp.dilation, tp.sourceHeight);
  let row1 = source_index(oy0 + 1u, tp.top, tp.dilation, tp.sourceHeight);
  let row2 = source_index(oy0 + 2u, tp.top, tp.dilation, tp.sourceHeight);
  let row3 = source_index(oy0 + 3u, tp.top, tp.dilation, tp.sourceHeight);
  let row4 = source_index(oy0 + 4u, tp.top, tp.dilation, tp.sourceHeight);
  let row5 = source_index(oy0 + 5u, tp.top, tp.dilation, tp.sourceHeight);
  let rowAt0 = row0.index * width;
  let rowAt1 = row1.index * width;
  let rowAt2 = row2.index * width;
  let rowAt3 = row3.index * width;
  let rowAt4 = row4.index * width;
  let rowAt5 = row5.index * width;
  let col0 = source_index(ox0, tp.left, tp.dilation, tp.sourceWidth);
  let col1 = source_index(ox0 + 1u, tp.left, tp.dilation, tp.sourceWidth);
  let col2 = source_index(ox0 + 2u, tp.left, tp.dilation, tp.sourceWidth);
  let col3 = source_index(ox0 + 3u, tp.left, tp.dilation, tp.sourceWidth);
  let col4 = source_index(ox0 + 4u, tp.left, tp.dilation, tp.sourceWidth);
  let col5 = source_index(ox0 + 5u, tp.left, tp.dilation, tp.sourceWidth);
  let col6 = source_index(ox0 + 6u, tp.left, tp.dilation, tp.sourceWidth);
  let col7 = source_index(ox0 + 7u, tp.left, tp.dilation, tp.sourceWidth);
  let col8 = source_index(ox0 + 8u, tp.left, tp.dilation, tp.sourceWidth);
  let col9 = source_index(ox0 + 9u, tp.left, tp.dilation, tp.sourceWidth);
  let lastOut = tp.outChannels - 1u;
  let wOut0 = vec4<u32>(min(ob0 * 4u, lastOut), min(ob0 * 4u + 1u, lastOut), min(ob0 * 4u + 2u, lastOut), min(ob0 * 4u + 3u, lastOut)) * tp.weightOutStride;
  let wOut1 = vec4<u32>(min(ob1 * 4u, lastOut), min(ob1 * 4u + 1u, lastOut), min(ob1 * 4u + 2u, lastOut), min(ob1 * 4u + 3u, lastOut)) * tp.weightOutStride;
  let tap0 = select(0u, 8u, tp.flipTaps == 1u);
  let tap1 = select(1u, 7u, tp.flipTaps == 1u);
  let tap2 = select(2u, 6u, tp.flipTaps == 1u);
  let tap3 = select(3u, 5u, tp.flipTaps == 1u);
  let tap4 = 4u;
  let tap5 = select(5u, 3u, tp.flipTaps == 1u);
  let tap6 = select(6u, 2u, tp.flipTaps == 1u);
  let tap7 = select(7u, 1u, tp.flipTaps == 1u);
  let tap8 = select(8u, 0u, tp.flipTaps == 1u);
  var xAt = (n * tp.inChannels + c0) * plane;
  var wAt = c0 * tp.weightInStride;
  var acc: array<vec4<f32>, 64>;
  for (var c = c0; c < cEnd; c++) {
    let a00_0 = wOut0 + vec4<u32>(wAt + tap0);
    let w00_0 = vec4<f32>(weight[a00_0.x], weight[a00_0.y], weight[a00_0.z], weight[a00_0.w]);
    let a00_1 = wOut1 + vec4<u32>(wAt + tap0);
    let w00_1 = vec4<f32>(weight[a00_1.x], weight[a00_1.y], weight[a00_1.z], weight[a00_1.w]);
    let a01_0 = wOut0 + vec4<u32>(wAt + tap1);
    let w01_0 = vec4<f32>(weight[a01_0.x], weight[a01_0.y], weight[a01_0.z], weight[a01_0.w]);
    let a01_1 = wOut1 + vec4<u32>(wAt + tap1);
    let w01_1 = vec4<f32>(weight[a01_1.x], weight[a01_1.y], weight[a01_1.z], weight[a01_1.w]);
    let a02_0 = wOut0 + vec4<u32>(wAt + tap2);
    let w02_0 = vec4<f32>(weight[a02_0.x], weight[a02_0.y], weight[a02_0.z], weight[a02_0.w]);
    let a02_1 = wOut1 + vec4<u32>(wAt + tap2);
    let w02_1 = vec4<f32>(weight[a02_1.x], weight[a02_1.y], weight[a02_1.z], weight[a02_1.w]);
    let a10_0 = wOut0 + vec4<u32>(wAt + tap3);
    let w10_0 = vec4<f32>(weight[a10_0.x], weight[a10_0.y], weight[a10_0.z], weight[a10_0.w]);
    let a10_1 = wOut1 + vec4<u32>(wAt + tap3);
    let w10_1 = vec4<f32>(weight[a10_1.x], weight[a10_1.y], weight[a10_1.z], weight[a10_1.w]);
    let a11_0 = wOut0 + vec4<u32>(wAt + tap4);
    let w11_0 = vec4<f32>(weight[a11_0.x], weight[a11_0.y], weight[a11_0.z], weight[a11_0.w]);
    let a11_1 = wOut1 + vec4<u32>(wAt + tap4);
    let w11_1 = vec4<f32>(weight[a11_1.x], weight[a11_1.y], weight[a11_1.z], weight[a11_1.w]);
    let a12_0 = wOut0 + vec4<u32>(wAt + tap5);
    let w12_0 = vec4<f32>(weight[a12_0.x], weight[a12_0.y], weight[a12_0.z], weight[a12_0.w]);
    let a12_1 = wOut1 + vec4<u32>(wAt + tap5);
    let w12_1 = vec4<f32>(weight[a12_1.x], weight[a12_1.y], weight[a12_1.z], weight[a12_1.w]);
    let a20_0 = wOut0 + vec4<u32>(wAt + tap6);
    let w20_0 = vec4<f32>(weight[a20_0.x], weight[a20_0.y], weight[a20_0.z], weight[a20_0.w]);
    let a20_1 = wOut1 + vec4<u32>(wAt + tap6);
    let w20_1 = vec4<f32>(weight[a20_1.x], weight[a20_1.y], weight[a20_1.z], weight[a20_1.w]);
    let a21_0 = wOut0 + vec4<u32>(wAt + tap7);
    let w21_0 = vec4<f32>(weight[a21_0.x], weight[a21_0.y], weight[a21_0.z], weight[a21_0.w]);
    let a21_1 = wOut1 + vec4<u32>(wAt + tap7);
    let w21_1 = vec4<f32>(weight[a21_1.x], weight[a21_1.y], weight[a21_1.z], weight[a21_1.w]);
    let a22_0 = wOut0 + vec4<u32>(wAt + tap8);
    let w22_0 = vec4<f32>(weight[a22_0.x], weight[a22_0.y], weight[a22_0.z], weight[a22_0.w]);
    let a22_1 = wOut1 + vec4<u32>(wAt + tap8);
    let w22_1 = vec4<f32>(weight[a22_1.x], weight[a22_1.y], weight[a22_1.z], weight[a22_1.w]);
    let at0 = xAt + rowAt0;
    let x0_0 = vec4<f32>(select(0.0, x[at0 + col0.index], row0.inside && col0.inside));
    let x0_1 = vec4<f32>(select(0.0, x[at0 + col1.index], row0.inside && col1.inside));
    let x0_2 = vec4<f32>(select(0.0, x[at0 + col2.index], row0.inside && col2.inside));
    let x0_3 = vec4<f32>(select(0.0, x[at0 + col3.index], row0.inside && col3.inside));
    let x0_4 = vec4<f32>(select(0.0, x[at0 + col4.index], row0.inside && col4.inside));
    let x0_5 = vec4<f32>(select(0.0, x[at0 + col5.index], row0.inside && col5.inside));
    let x0_6 = vec4<f32>(select(0.0, x[at0 + col6.index], row0.inside && col6.inside));
    let x0_7 = vec4<f32>(select(0.0, x[at0 + col7.index], row0.inside && col7.inside));
    let x0_8 = vec4<f32>(select(0.0, x[at0 + col8.index], row0.inside && col8.inside));
    let x0_9 = vec4<f32>(select(0.0, x[at0 + col9.index], row0.inside && col9.inside));
    acc[0] = fma(x0_0, w00_0, acc[0]); acc[1] = fma(x0_0, w00_1, acc[1]); acc[2] = fma(x0_1, w00_0, acc[2]); acc[3] = fma(x0_1, w00_1, acc[3]);
    acc[4] = fma(x0_2, w00_0, acc[4]); acc[5] = fma(x0_2, w00_1, acc[5]); acc[6] = fma(x0_3, w00_0, acc[6]); acc[7] = fma(x0_3, w00_1, acc[7]);
    acc[8] = fma(x0_4, w00_0, acc[8]); acc[9] = fma(x0_4, w00_1, acc[9]); acc[10] = fma(x0_5, w00_0, acc[10]); acc[11] = fma(x0_5, w00_1, acc[11]);
    acc[12] = fma(x0_6, w00_0, acc[12]); acc[13] = fma(x0_6, w00_1, acc[13]); acc[14] = fma(x0_7, w00_0, acc[14]); acc[15] = fma(x0_7, w00_1, acc[15]);
    acc[0] = fma(x0_1, w01_0, acc[0]); acc[1] = fma(x0_1, w01_1, acc[1]); acc[2] = fma(x0_2, w01_0, acc[2]); acc[3] = fma(x0_2, w01_1, acc[3]);
    acc[4] = fma(x0_3, w01_0, acc[4]); acc[5] = fma(x0_3, w01_1, acc[5]); acc[6] = fma(x0_4, w01_0, acc[6]); acc[7] = fma(x0_4, w01_1, acc[7]);
    acc[8] = fma(x0_5, w01_0, acc[8]); acc[9] = fma(x0_5, w01_1, acc[9]); acc[10] = fma(x0_6, w01_0, acc[10]); acc[11] = fma(x0_6, w01_1, acc[11]);
    acc[12] = fma(x0_7, w01_0, acc[12]); acc[13] = fma(x0_7, w01_1, acc[13]); acc[14] = fma(x0_8, w01_0, acc[14]); acc[15] = fma(x0_8, w01_1, acc[15]);
    acc[0] = fma(x0_2, w02_0, acc[0]); acc[1] = fma(x0_2, w02_1, acc[1]); acc[2] = fma(x0_3, w02_0, acc[2]); acc[3] = fma(x0_3, w02_1, acc[3]);
    acc[4] = fma(x0_4, w02_0, acc[4]); acc[5] = fma(x0_4, w02_1, acc[5]); acc[6] = fma(x0_5, w02_0, acc[6]); acc[7] = fma(x0_5, w02_1, acc[7]);
    acc[8] = fma(x0_6, w02_0, acc[8]); acc[9] = fma(x0_6, w02_1, acc[9]); acc[10] = fma(x0_7, w02_0, acc[10]); acc[11] = fma(x0_7, w02_1, acc[11]);
    acc[12] = fma(x0_8, w02_0, acc[12]); acc[13] = fma(x0_8, w02_1, acc[13]); acc[14] = fma(x0_9, w02_0, acc[14]); acc[15] = fma(x0_9, w02_1, acc[15]);
    let at1 = xAt + rowAt1;
    let x1_0 = vec4<f32>(select(0.0, x[at1 + col0.index], row1.inside && col0.inside));
    let x1_1 = vec4<f32>(select(0.0, x[at1 + col1.index], row1.inside && col1.inside));
    let x1_2 = vec4<f32>(select(0.0, x[at1 + col2.index], row1.inside && col2.inside));
    let x1_3 = vec4<f32>(select(0.0, x[at1 + col3.index], row1.inside && col3.inside));
    let x1_4 = vec4<f32>(select(0.0, x[at1 + col4.index], row1.inside && col4.inside));
    let x1_5 = vec4<f32>(select(0.0, x[at1 + col5.index], row1.inside && col5.inside));
    let x1_6 = vec4<f32>(select(0.0, x[at1 + col6.index], row1.inside && col6.inside));
    let x1_7 = vec4<f32>(select(0.0, x[at1 + col7.index], row1.inside && col7.inside));
    let x1_8 = vec4<f32>(select(0.0, x[at1 + col8.index], row1.inside && col8.inside));
    let x1_9 = vec4<f32>(select(0.0, x[at1 + col9.index], row1.inside && col9.inside));
    acc[0] = fma(x1_0, w10_0, acc[0]); acc[1] = fma(x1_0, w10_1, acc[1]); acc[2] = fma(x1_1, w10_0, acc[2]); acc[3] = fma(x1_1, w10_1, acc[3]);
    acc[4] = fma(x1_2, w10_0, acc[4]); acc[5] = fma(x1_2, w10_1, acc[5]); acc[6] = fma(x1_3, w10_0, acc[6]); acc[7] = fma(x1_3, w10_1, acc[7]);
    acc[8] = fma(x1_4, w10_0, acc[8]); acc[9] = fma(x1_4, w10_1, acc[9]); acc[10] = fma(x1_5, w10_0, acc[10]); acc[11] = fma(x1_5, w10_1, acc[11]);
    acc[12] = fma(x1_6, w10_0, acc[12]); acc[13] = fma(x1_6, w10_1, acc[13]); acc[14] = fma(x1_7, w10_0, acc[14]); acc[15] = fma(x1_7, w10_1, acc[15]);
    acc[0] = fma(x1_1, w11_0, acc[0]); acc[1] = fma(x1_1, w11_1, acc[1]); acc[2] = fma(x1_2, w11_0, acc[2]); acc[3] = fma(x1_2, w11_1, acc[3]);
    acc[4] = fma(x1_3, w11_0, acc[4]); acc[5] = fma(x1_3, w11_1, acc[5]); acc[6] = fma(x1_4, w11_0, acc[6]); acc[7] = fma(x1_4, w11_1, acc[7]);
    acc[8] = fma(x1_5, w11_0, acc[8]); acc[9] = fma(x1_5, w11_1, acc[9]); acc[10] = fma(x1_6, w11_0, acc[10]); acc[11] = fma(x1_6, w11_1, acc[11]);
    acc[12] = fma(x1_7, w11_0, acc[12]); acc[13] = fma(x1_7, w11_1, acc[13]); acc[14] = fma(x1_8, w11_0, acc[14]); acc[15] = fma(x1_8, w11_1, acc[15]);
    acc[0] = fma(x1_2, w12_0, acc[0]); acc[1] = fma(x1_2, w12_1, acc[1]); acc[2] = fma(x1_3, w12_0, acc[2]); acc[3] = fma(x1_3, w12_1, acc[3]);
    acc[4] = fma(x1_4, w12_0, acc[4]); acc[5] = fma(x1_4, w12_1, acc[5]); acc[6] = fma(x1_5, w12_0, acc[6]); acc[7] = fma(x1_5, w12_1, acc[7]);
    acc[8] = fma(x1_6, w12_0, acc[8]); acc[9] = fma(x1_6, w12_1, acc[9]); acc[10] = fma(x1_7, w12_0, acc[10]); acc[11] = fma(x1_7, w12_1, acc[11]);
    acc[12] = fma(x1_8, w12_0, acc[12]); acc[13] = fma(x1_8, w12_1, acc[13]); acc[14] = fma(x1_9, w12_0, acc[14]); acc[15] = fma(x1_9, w12_1, acc[15]);
    acc[16] = fma(x1_0, w00_0, acc[16]); acc[17] = fma(x1_0, w00_1, acc[17]); acc[18] = fma(x1_1, w00_0, acc[18]); acc[19] = fma(x1_1, w00_1, acc[19]);
    acc[20] = fma(x1_2, w00_0, acc[20]); acc[21] = fma(x1_2, w00_1, acc[21]); acc[22] = fma(x1_3, w00_0, acc[22]); acc[23] = fma(x1_3, w00_1, acc[23]);
    acc[24] = fma(x1_4, w00_0, acc[24]); acc[25] = fma(x1_4, w00_1, acc[25]); acc[26] = fma(x1_5, w00_0, acc[26]); acc[27] = fma(x1_5, w00_1, acc[27]);
    acc[28] = fma(x1_6, w00_0, acc[28]); acc[29] = fma(x1_6, w00_1, acc[29]); acc[30] = fma(x1_7, w00_0, acc[30]); acc[31] = fma(x1_7, w00_1, acc[31]);
    acc[16] = fma(x1_1, w01_0, acc[16]); acc[17] = fma(x1_1, w01_1, acc[17]); acc[18] = fma(x1_2, w01_0, acc[18]); acc[19] = fma(x1_2, w01_1, acc[19]);
    acc[20] = fma(x1_3, w01_0, acc[20]); acc[21] = fma(x1_3, w01_1, acc[21]); acc[22] = fma(x1_4, w01_0, acc[22]); acc[23] = fma(x1_4, w01_1, acc[23]);
    acc[24] = fma(x1_5, w01_0, acc[24]); acc[25] = fma(x1_5, w01_1, acc[25]); acc[26] = fma(x1_6, w01_0, acc[26]); acc[27] = fma(x1_6, w01_1, acc[27]);
    acc[28] = fma(x1_7, w01_0, acc[28]); acc[29] = fma(x1_7, w01_1, acc[29]); acc[30] = fma(x1_8, w01_0, acc[30]); acc[31] = fma(x1_8, w01_1, acc[31]);
    acc[16] = fma(x1_2, w02_0, acc[16]); acc[17] = fma(x1_2, w02_1, acc[17]); acc[18] = fma(x1_3, w02_0, acc[18]); acc[19] = fma(x1_3, w02_1, acc[19]);
    acc[20] = fma(x1_4, w02_0, acc[20]); acc[21] = fma(x1_4, w02_1, acc[21]); acc[22] = fma(x1_5, w02_0, acc[22]); acc[23] = fma(x1_5, w02_1, acc[23]);
    acc[24] = fma(x1_6, w02_0, acc[24]); acc[25] = fma(x1_6, w02_1, acc[25]); acc[26] = fma(x1_7, w02_0, acc[26]); acc[27] = fma(x1_7, w02_1, acc[27]);
    acc[28] = fma(x1_8, w02_0, acc[28]); acc[29] = fma(x1_8, w02_1, acc[29]); acc[30] = fma(x1_9, w02_0, acc[30]); acc[31] = fma(x1_9, w02_1, acc[31]);
    let at2 = xAt + rowAt2;
    let x2_0 = vec4<f32>(select(0.0, x[at2 + col0.index], row2.inside && col0.inside));
    let x2_1 = vec4<f32>(select(0.0, x[at2 + col1.index], row2.inside && col1.inside));
    let x2_2 = vec4<f32>(select(0.0, x[at2 + col2.index], row2.inside && col2.inside));
    let x2_3 = vec4<f32>(select(0.0, x[at2 + col3.index], row2.inside && col3.inside));
    let x2_4 = vec4<f32>(select(0.0, x[at2 + col4.index], row2.inside && col4.inside));
    let x2_5 = vec4<f32>(select(0.0, x[at2 + col5.index], row2.inside && col5.inside));
    let x2_6 = vec4<f32>(select(0.0, x[at2 + col6.index], row2.inside && col6.inside));
    let x2_7 = vec4<f32>(select(0.0, x[at2 + col7.index], row2.inside && col7.inside));
    let x2_8 = vec4<f32>(select(0.0, x[at2 + col8.index], row2.inside && col8.inside));
    let x2_9 = vec4<f32>(select(0.0, x[at2 + col9.index], row2.inside && col9.inside));
    acc[0] = fma(x2_0, w20_0, acc[0]); acc[1] = fma(x2_0, w20_1, acc[1]); acc[2] = fma(x2_1, w20_0, acc[2]); acc[3] = fma(x2_1, w20_1, acc[3]);
    acc[4] = fma(x2_2, w20_0, acc[4]); acc[5] = fma(x2_2, w20_1, acc[5]); acc[6] = fma(x2_3, w20_0, acc[6]); acc[7] = fma(x2_3, w20_1, acc[7]);
    acc[8] = fma(x2_4, w20_0, acc[8]); acc[9] = fma(x2_4, w20_1, acc[9]); acc[10] = fma(x2_5, w20_0, acc[10]); acc[11] = fma(x2_5, w20_1, acc[11]);
    acc[12] = fma(x2_6, w20_0, acc[12]); acc[13] = fma(x2_6, w20_1, acc[13]); acc[14] = fma(x2_7, w20_0, acc[14]); acc[15] = fma(x2_7, w20_1, acc[15]);
    acc[0] = fma(x2_1, w21_0, acc[0]); acc[1] = fma(x2_1, w21_1, acc[1]); acc[2] = fma(x2_2, w21_0, acc[2]); acc[3] = fma(x2_2, w21_1, acc[3]);
    acc[4] = fma(x2_3, w21_0, acc[4]); acc[5] = fma(x2_3, w21_1, acc[5]); acc[6] = fma(x2_4, w21_0, acc[6]); acc[7] = fma(x2_4, w21_1, acc[7]);
    acc[8] = fma(x2_5, w21_0, acc[8]); acc[9] = fma(x2_5, w21_1, acc[9]); acc[10] = fma(x2_6, w21_0, acc[10]); acc[11] = fma(x2_6, w21_1, acc[11]);
    acc[12] = fma(x2_7, w21_0, acc[12]); acc[13] = fma(x2_7, w21_1, acc[13]); acc[14] = fma(x2_8, w21_0, acc[14]); acc[15] = fma(x2_8, w21_1, acc[15]);
    acc[0] = fma(x2_2, w22_0, acc[0]); acc[1] = fma(x2_2, w22_1, acc[1]); acc[2] = fma(x2_3, w22_0, acc[2]); acc[3] = fma(x2_3, w22_1, acc[3]);
    acc[4] = fma(x2_4, w22_0, acc[4]); acc[5] = fma(x2_4, w22_1, acc[5]); acc[6] = fma(x2_5, w22_0, acc[6]); acc[7] = fma(x2_5, w22_1, acc[7]);
    acc[8] = fma(x2_6, w22_0, acc[8]); acc[9] = fma(x2_6, w22_1, acc[9]); acc[10] = fma(x2_7, w22_0, acc[10]); acc[11] = fma(x2_7, w22_1, acc[11]);
    acc[12] = fma(x2_8, w22_0, acc[12]); acc[13] = fma(x2_8, w22_1, acc[13]); acc[14] = fma(x2_9, w22_0, acc[14]); acc[15] = fma(x2_9, w22_1, acc[15]);
    acc[16] = fma(x2_0, w10_0, acc[16]); acc[17] = fma(x2_0, w10_1, acc[17]); acc[18] = fma(x2_1, w10_0, acc[18]); acc[19] = fma(x2_1, w10_1, acc[19]);
    acc[20] = fma(x2_2, w10_0, acc[20]); acc[21] = fma(x2_2, w10_1, acc[21]); acc[22] = fma(x2_3, w10_0, acc[22]); acc[23] = fma(x2_3, w10_1, acc[23]);
    acc[24] = fma(x2_4, w10_0, acc[24]); acc[25] = fma(x2_4, w10_1, acc[25]); acc[26] = fma(x2_5, w10_0, acc[26]); acc[27] = fma(x2_5, w10_1, acc[27]);
    acc[28] = fma(x2_6, w10_0, acc[28]); acc[29] = fma(x2_6, w10_1, acc[29]); acc[30] = fma(x2_7, w10_0, acc[30]); acc[31] = fma(x2_7, w10_1, acc[31]);
    acc[16] = fma(x2_1, w11_0, acc[16]); acc[17] = fma(x2_1, w11_1, acc[17]); acc[18] = fma(x2_2, w11_0, acc[18]); acc[19] = fma(x2_2, w11_1, acc[19]);
    acc[20] = fma(x2_3, w11_0, acc[20]); acc[21] = fma(x2_3, w11_1, acc[21]); acc[22] = fma(x2_4, w11_0, acc[22]); acc[23] = fma(x2_4, w11_1, acc[23]);
    acc[24] = fma(x2_5, w11_0, acc[24]); acc[25] = fma(x2_5, w11_1, acc[25]); acc[26] = fma(x2_6, w11_0, acc[26]); acc[27] = fma(x2_6, w11_1, acc[27]);
    acc[28] = fma(x2_7, w11_0, acc[28]); acc[29] = fma(x2_7, w11_1, acc[29]); acc[30] = fma(x2_8, w11_0, acc[30]); acc[31] = fma(x2_8, w11_1, acc[31]);
    acc[16] = fma(x2_2, w12_0, acc[16]); acc[17] = fma(x2_2, w12_1, acc[17]); acc[18] = fma(x2_3, w12_0, acc[18]); acc[19] = fma(x2_3, w12_1, acc[19]);
    acc[20] = fma(x2_4, w12_0, acc[20]); acc[21] = fma(x2_4, w12_1, acc[21]); acc[22] = fma(x2_5, w12_0, acc[22]); acc[23] = fma(x2_5, w12_1, acc[23]);
    acc[24] = fma(x2_6, w12_0, acc[24]); acc[25] = fma(x2_6, w12_1, acc[25]); acc[26] = fma(x2_7, w12_0, acc[26]); acc[27] = fma(x2_7, w12_1, acc[27]);
    acc[28] = fma(x2_8, w12_0, acc[28]); acc[29] = fma(x2_8, w12_1, acc[29]); acc[30] = fma(x2_9, w12_0, acc[30]); acc[31] = fma(x2_9, w12_1, acc[31]);
    acc[32] = fma(x2_0, w00_0, acc[32]); acc[33] = fma(x2_0, w00_1, acc[33]); acc[34] = fma(x2_1, w00_0, acc[34]); acc[35] = fma(x2_1, w00_1, acc[35]);
    acc[36] = fma(x2_2, w00_0, acc[36]); acc[37] = fma(x2_2, w00_1, acc[37]); acc[38] = fma(x2_3, w00_0, acc[38]); acc[39] = fma(x2_3, w00_1, acc[39]);
    acc[40] = fma(x2_4, w00_0, acc[40]); acc[41] = fma(x2_4, w00_1, acc[41]); acc[42] = fma(x2_5, w00_0, acc[42]); acc[43] = fma(x2_5, w00_1, acc[43]);
    acc[44] = fma(x2_6, w00_0, acc[44]); acc[45] = fma(x2_6, w00_1, acc[45]); acc[46] = fma(x2_7, w00_0, acc[46]); acc[47] = fma(x2_7, w00_1, acc[47]);
    acc[32] = fma(x2_1, w01_0, acc[32]); acc[33] = fma(x2_1, w01_1, acc[33]); acc[34] = fma(x2_2, w01_0, acc[34]); acc[35] = fma(x2_2, w01_1, acc[35]);
    acc[36] = fma(x2_3, w01_0, acc[36]); acc[37] = fma(x2_3, w01_1, acc[37]); acc[38] = fma(x2_4, w01_0, acc[38]); acc[39] = fma(x2_4, w01_1, acc[39]);
    acc[40] = fma(x2_5, w01_0, acc[40]); acc[41] = fma(x2_5, w01_1, acc[41]); acc[42] = fma(x2_6, w01_0, acc[42]); acc[43] = fma(x2_6, w01_1, acc[43]);
    acc[44] = fma(x2_7, w01_0, acc[44]); acc[45] = fma(x2_7, w01_1, acc[45]); acc[46] = fma(x2_8, w01_0, acc[46]); acc[47] = fma(x2_8, w01_1, acc[47]);
    acc[32] = fma(x2_2, w02_0, acc[32]); acc[33] = fma(x2_2, w02_1, acc[33]); acc[34] = fma(x2_3, w02_0, acc[34]); acc[35] = fma(x2_3, w02_1, acc[35]);
    acc[36] = fma(x2_4, w02_0, acc[36]); acc[37] = fma(x2_4, w02_1, acc[37]); acc[38] = fma(x2_5, w02_0, acc[38]); acc[39] = fma(x2_5, w02_1, acc[39]);
    acc[40] = fma(x2_6, w02_0, acc[40]); acc[41] = fma(x2_6, w02_1, acc[41]); acc[42] = fma(x2_7, w02_0, acc[42]); acc[43] = fma(x2_7, w02_1, acc[43]);
    acc[44] = fma(x2_8, w02_0, acc[44]); acc[45] = fma(x2_8, w02_1, acc[45]); acc[46] = fma(x2_9, w02_0, acc[46]); acc[47] = fma(x2_9, w02_1, acc[47]);
    let at3 = xAt + rowAt3;
    let x3_0 = vec4<f32>(select(0.0, x[at3 + col0.index], row3.inside && col0.inside));
    let x3_1 = vec4<f32>(select(0.0, x[at3 + col1.index], row3.inside && col1.inside));
    let x3_2 = vec4<f32>(select(0.0, x[at3 + col2.index], row3.inside && col2.inside));
    let x3_3 = vec4<f32>(select(0.0, x[at3 + col3.index], row3.inside && col3.inside));
    let x3_4 = vec4<f32>(select(0.0, x[at3 + col4.index], row3.inside && col4.inside));
    let x3_5 = vec4<f32>(select(0.0, x[at3 + col5.index], row3.inside && col5.inside));
    let x3_6 = vec4<f32>(select(0.0, x[at3 + col6.index], row3.inside && col6.inside));
    let x3_7 = vec4<f32>(select(0.0, x[at3 + col7.index], row3.inside && col7.inside));
    let x3_8 = vec4<f32>(select(0.0, x[at3 + col8.index], row3.inside && col8.inside));
    let x3_9 = vec4<f32>(select(0.0, x[at3 + col9.index], row3.inside && col9.inside));
    acc[16] = fma(x3_0, w20_0, acc[16]); acc[17] = fma(x3_0, w20_1, acc[17]); acc[18] = fma(x3_1, w20_0, acc[18]); acc[19] = fma(x3_1, w20_1, acc[19]);
    acc[20] = fma(x3_2, w20_0, acc[20]); acc[21] = fma(x3_2, w20_1, acc[21]); acc[22] = fma(x3_3, w20_0, acc[22]); acc[23] = fma(x3_3, w20_1, acc[23]);
    acc[24] = fma(x3_4, w20_0, acc[24]); acc[25] = fma(x3_4, w20_1, acc[25]); acc[26] = fma(x3_5, w20_0, acc[26]); acc[27] = fma(x3_5, w20_1, acc[27]);
    acc[28] = fma(x3_6, w20_0, acc[28]); acc[29] = fma(x3_6, w20_1, acc[29]); acc[30] = fma(x3_7, w20_0, acc[30]); acc[31] = fma(x3_7, w20_1, acc[31]);
    acc[16] = fma(x3_1, w21_0, acc[16]); acc[17] = fma(x3_1, w21_1, acc[17]); acc[18] = fma(x3_2, w21_0, acc[18]); acc[19] = fma(x3_2, w21_1, acc[19]);
    acc[20] = fma(x3_3, w21_0, acc[20]); acc[21] = fma(x3_3, w21_1, acc[21]); acc[22] = fma(x3_4, w21_0, acc[22]); acc[23] = fma(x3_4, w21_1, acc[23]);
    acc[24] = fma(x3_5, w21_0, acc[24]); acc[25] = fma(x3_5, w21_1, acc[25]); acc[26] = fma(x3_6, w21_0, acc[26]); acc[27] = fma(x3_6, w21_1, acc[27]);
    acc[28] = fma(x3_7, w21_0, acc[28]); acc[29] = fma(x3_7, w21_1, acc[29]); acc[30] = fma(x3_8, w21_0, acc[30]); acc[31] = fma(x3_8, w21_1, acc[31]);
    acc[16] = fma(x3_2, w22_0, acc[16]); acc[17] = fma(x3_2, w22_1, acc[17]); acc[18] = fma(x3_3, w22_0, acc[18]); acc[19] = fma(x3_3, w22_1, acc[19]);
    acc[20] = fma(x3_4, w22_0, acc[20]); acc[21] = fma(x3_4, w22_1, acc[21]); acc[22] = fma(x3_5, w22_0, acc[22]); acc[23] = fma(x3_5, w22_1, acc[23]);
    acc[24] = fma(x3_6, w22_0, acc[24]); acc[25] = fma(x3_6, w22_1, acc[25]); acc[26] = fma(x3_7, w22_0, acc[26]); acc[27] = fma(x3_7, w22_1, acc[27]);
    acc[28] = fma(x3_8, w22_0, acc[28]); acc[29] = fma(x3_8, w22_1, acc[29]); acc[30] = fma(x3_9, w22_0, acc[30]); acc[31] = fma(x3_9, w22_1, acc[31]);
    acc[32] = fma(x3_0, w10_0, acc[32]); acc[33] = fma(x3_0, w10_1, acc[33]); acc[34] = fma(x3_1, w10_0, acc[34]); acc[35] = fma(x3_1, w10_1, acc[35]);
    acc[36] = fma(x3_2, w10_0, acc[36]); acc[37] = fma(x3_2, w10_1, acc[37]); acc[38] = fma(x3_3, w10_0, acc[38]); acc[39] = fma(x3_3, w10_1, acc[39]);
    acc[40] = fma(x3_4, w10_0, acc[40]); acc[41] = fma(x3_4, w10_1, acc[41]); acc[42] = fma(x3_5, w10_0, acc[42]); acc[43] = fma(x3_5, w10_1, acc[43]);
    acc[44] = fma(x3_6, w10_0, acc[44]); acc[45] = fma(x3_6, w10_1, acc[45]); acc[46] = fma(x3_7, w10_0, acc[46]); acc[47] = fma(x3_7, w10_1, acc[47]);
    acc[32] = fma(x3_1, w11_0, acc[32]); acc[33] = fma(x3_1, w11_1, acc[33]); acc[34] = fma(x3_2, w11_0, acc[34]); acc[35] = fma(x3_2, w11_1, acc[35]);
    acc[36] = fma(x3_3, w11_0, acc[36]); acc[37] = fma(x3_3, w11_1, acc[37]); acc[38] = fma(x3_4, w11_0, acc[38]); acc[39] = fma(x3_4, w11_1, acc[39]);
    acc[40] = fma(x3_5, w11_0, acc[40]); acc[41] = fma(x3_5, w11_1, acc[41]); acc[42] = fma(x3_6, w11_0, acc[42]); acc[43] = fma(x3_6, w11_1, acc[43]);
    acc[44] = fma(x3_7, w11_0, acc[44]); acc[45] = fma(x3_7, w11_1, acc[45]); acc[46] = fma(x3_8, w11_0, acc[46]); acc[47] = fma(x3_8, w11_1, acc[47]);
    acc[32] = fma(x3_2, w12_0, acc[32]); acc[33] = fma(x3_2, w12_1, acc[33]); acc[34] = fma(x3_3, w12_0, acc[34]); acc[35] = fma(x3_3, w12_1, acc[35]);
    acc[36] = fma(x3_4, w12_0, acc[36]); acc[37] = fma(x3_4, w12_1, acc[37]); acc[38] = fma(x3_5, w12_0, acc[38]); acc[39] = fma(x3_5, w12_1, acc[39]);
    acc[40] = fma(x3_6, w12_0, acc[40]); acc[41] = fma(x3_6, w12_1, acc[41]); acc[42] = fma(x3_7, w12_0, acc[42]); acc[43] = fma(x3_7, w12_1, acc[43]);
    acc[44] = fma(x3_8, w12_0, acc[44]); acc[45] = fma(x3_8, w12_1, acc[45]); acc[46] = fma(x3_9, w12_0, acc[46]); acc[47] = fma(x3_9, w12_1, acc[47]);
    acc[48] = fma(x3_0, w00_0, acc[48]); acc[49] = fma(x3_0, w00_1, acc[49]); acc[50] = fma(x3_1, w00_0, acc[50]); acc[51] = fma(x3_1, w00_1, acc[51]);
    acc[52] = fma(x3_2, w00_0, acc[52]); acc[53] = fma(x3_2, w00_1, acc[53]); acc[54] = fma(x3_3, w00_0, acc[54]); acc[55] = fma(x3_3, w00_1, acc[55]);
    acc[56] = fma(x3_4, w00_0, acc[56]); acc[57] = fma(x3_4, w00_1, acc[57]); acc[58] = fma(x3_5, w00_0, acc[58]); acc[59] = fma(x3_5, w00_1, acc[59]);
    acc[60] = fma(x3_6, w00_0, acc[60]); acc[61] = fma(x3_6, w00_1, acc[61]); acc[62] = fma(x3_7, w00_0, acc[62]); acc[63] = fma(x3_7, w00_1, acc[63]);
    acc[48] = fma(x3_1, w01_0, acc[48]); acc[49] = fma(x3_1, w01_1, acc[49]); acc[50] = fma(x3_2, w01_0, acc[50]); acc[51] = fma(x3_2, w01_1, acc[51]);
    acc[52] = fma(x3_3, w01_0, acc[52]); acc[53] = fma(x3_3, w01_1, acc[53]); acc[54] = fma(x3_4, w01_0, acc[54]); acc[55] = fma(x3_4, w01_1, acc[55]);
    acc[56] = fma(x3_5, w01_0, acc[56]); acc[57] = fma(x3_5, w01_1, acc[57]); acc[58] = fma(x3_6, w01_0, acc[58]); acc[59] = fma(x3_6, w01_1, acc[59]);
    acc[60] = fma(x3_7, w01_0, acc[60]); acc[61] = fma(x3_7, w01_1, acc[61]); acc[62] = fma(x3_8, w01_0, acc[62]); acc[63] = fma(x3_8, w01_1, acc[63]);
    acc[48] = fma(x3_2, w02_0, acc[48]); acc[49] = fma(x3_2, w02_1, acc[49]); acc[50] = fma(x3_3, w02_0, acc[50]); acc[51] = fma(x3_3, w02_1, acc[51]);
    acc[52] = fma(x3_4, w02_0, acc[52]); acc[53] = fma(x3_4, w02_1, acc[53]); acc[54] = fma(x3_5, w02_0, acc[54]); acc[55] = fma(x3_5, w02_1, acc[55]);
    acc[56] = fma(x3_6, w02_0, acc[56]); acc[57] = fma(x3_6, w02_1, acc[57]); acc[58] = fma(x3_7, w02_0, acc[58]); acc[59] = fma(x3_7, w02_1, acc[59]);
    acc[60] = fma(x3_8, w02_0, acc[60]); acc[61] = fma(x3_8, w02_1, acc[61]); acc[62] = fma(x3_9, w02_0, acc[62]); acc[63] = fma(x3_9, w02_1, acc[63]);
    let at4 = xAt + rowAt4;
    let x4_0 = vec4<f32>(select(0.0, x[at4 + col0.index], row4.inside && col0.inside));
    let x4_1 = vec4<f32>(select(0.0, x[at4 + col1.index], row4.inside && col1.inside));
    let x4_2 = vec4<f32>(select(0.0, x[at4 + col2.index], row4.inside && col2.inside));
    let x4_3 = vec4<f32>(select(0.0, x[at4 + col3.index], row4.inside && col3.inside));
    let x4_4 = vec4<f32>(select(0.0, x[at4 + col4.index], row4.inside && col4.inside));
    let x4_5 = vec4<f32>(select(0.0, x[at4 + col5.index], row4.inside && col5.inside));
    let x4_6 = vec4<f32>(select(0.0, x[at4 + col6.index], row4.inside && col6.inside));
    let x4_7 = vec4<f32>(select(0.0, x[at4 + col7.index], row4.inside && col7.inside));
    let x4_8 = vec4<f32>(select(0.0, x[at4 + col8.index], row4.inside && col8.inside));
    let x4_9 = vec4<f32>(select(0.0, x[at4 + col9.index], row4.inside && col9.inside));
    acc[32] = fma(x4_0, w20_0, acc[32]); acc[33] = fma(x4_0, w20_1, acc[33]); acc[34] = fma(x4_1, w20_0, acc[34]); acc[35] = fma(x4_1, w20_1, acc[35]);
    acc[36] = fma(x4_2, w20_0, acc[36]); acc[37] = fma(x4_2, w20_1, acc[37]); acc[38] = fma(x4_3, w20_0, acc[38]); acc[39] = fma(x4_3, w20_1, acc[39]);
    acc[40] = fma(x4_4, w20_0, acc[40]); acc[41] = fma(x4_4, w20_1, acc[41]); acc[42] = fma(x4_5, w20_0, acc[42]); acc[43] = fma(x4_5, w20_1, acc[43]);
    acc[44] = fma(x4_6, w20_0, acc[44]); acc[45] = fma(x4_6, w20_1, acc[45]); acc[46] = fma(x4_7, w20_0, acc[46]); acc[47] = fma(x4_7, w20_1, acc[47]);
    acc[32] = fma(x4_1, w21_0, acc[32]); acc[33] = fma(x4_1, w21_1, acc[33]); acc[34] = fma(x4_2, w21_0, acc[34]); acc[35] = fma(x4_2, w21_1, acc[35]);
    acc[36] = fma(x4_3, w21_0, acc[36]); acc[37] = fma(x4_3, w21_1, acc[37]); acc[38] = fma(x4_4, w21_0, acc[38]); acc[39] = fma(x4_4, w21_1, acc[39]);
    acc[40] = fma(x4_5, w21_0, acc[40]); acc[41] = fma(x4_5, w21_1, acc[41]); acc[42] = fma(x4_6, w21_0, acc[42]); acc[43] = fma(x4_6, w21_1, acc[43]);
    acc[44] = fma(x4_7, w21_0, acc[44]); acc[45] = fma(x4_7, w21_1, acc[45]); acc[46] = fma(x4_8, w21_0, acc[46]); acc[47] = fma(x4_8, w21_1, acc[47]);
    acc[32] = fma(x4_2, w22_0, acc[32]); acc[33] = fma(x4_2, w22_1, acc[33]); acc[34] = fma(x4_3, w22_0, acc[34]); acc[35] = fma(x4_3, w22_1, acc[35]);
    acc[36] = fma(x4_4, w22_0, acc[36]); acc[37] = fma(x4_4, w22_1, acc[37]); acc[38] = fma(x4_5, w22_0, acc[38]); acc[39] = fma(x4_5, w22_1, acc[39]);
    acc[40] = fma(x4_6, w22_0, acc[40]); acc[41] = fma(x4_6, w22_1, acc[41]); acc[42] = fma(x4_7, w22_0, acc[42]); acc[43] = fma(x4_7, w22_1, acc[43]);
    acc[44] = fma(x4_8, w22_0, acc[44]); acc[45] = fma(x4_8, w22_1, acc[45]); acc[46] = fma(x4_9, w22_0, acc[46]); acc[47] = fma(x4_9, w22_1, acc[47]);
    acc[48] = fma(x4_0, w10_0, acc[48]); acc[49] = fma(x4_0, w10_1, acc[49]); acc[50] = fma(x4_1, w10_0, acc[50]); acc[51] = fma(x4_1, w10_1, acc[51]);
    acc[52] = fma(x4_2, w10_0, acc[52]); acc[53] = fma(x4_2, w10_1, acc[53]); acc[54] = fma(x4_3, w10_0, acc[54]); acc[55] = fma(x4_3, w10_1, acc[55]);
    acc[56] = fma(x4_4, w10_0, acc[56]); acc[57] = fma(x4_4, w10_1, acc[57]); acc[58] = fma(x4_5, w10_0, acc[58]); acc[59] = fma(x4_5, w10_1, acc[59]);
    acc[60] = fma(x4_6, w10_0, acc[60]); acc[61] = fma(x4_6, w10_1, acc[61]); acc[62] = fma(x4_7, w10_0, acc[62]); acc[63] = fma(x4_7, w10_1, acc[63]);
    acc[48] = fma(x4_1, w11_0, acc[48]); acc[49] = fma(x4_1, w11_1, acc[49]); acc[50] = fma(x4_2, w11_0, acc[50]); acc[51] = fma(x4_2, w11_1, acc[51]);
    acc[52] = fma(x4_3, w11_0, acc[52]); acc[53] = fma(x4_3, w11_1, acc[53]); acc[54] = fma(x4_4, w11_0, acc[54]); acc[55] = fma(x4_4, w11_1, acc[55]);
    acc[56] = fma(x4_5, w11_0, acc[56]); acc[57] = fma(x4_5, w11_1, acc[57]); acc[58] = fma(x4_6, w11_0, acc[58]); acc[59] = fma(x4_6, w11_1, acc[59]);
    acc[60] = fma(x4_7, w11_0, acc[60]); acc[61] = fma(x4_7, w11_1, acc[61]); acc[62] = fma(x4_8, w11_0, acc[62]); acc[63] = fma(x4_8, w11_1, acc[63]);
    acc[48] = fma(x4_2, w12_0, acc[48]); acc[49] = fma(x4_2, w12_1, acc[49]); acc[50] = fma(x4_3, w12_0, acc[50]); acc[51] = fma(x4_3, w12_1, acc[51]);
    acc[52] = fma(x4_4, w12_0, acc[52]); acc[53] = fma(x4_4, w12_1, acc[53]); acc[54] = fma(x4_5, w12_0, acc[54]); acc[55] = fma(x4_5, w12_1, acc[55]);
    acc[56] = fma(x4_6, w12_0, acc[56]); acc[57] = fma(x4_6, w12_1, acc[57]); acc[58] = fma(x4_7, w12_0, acc[58]); acc[59] = fma(x4_7, w12_1, acc[59]);
    acc[60] = fma(x4_8, w12_0, acc[60]); acc[61] = fma(x4_8, w12_1, acc[61]); acc[62] = fma(x4_9, w12_0, acc[62]); acc[63] = fma(x4_9, w12_1, acc[63]);
    let at5 = xAt + rowAt5;
    let x5_0 = vec4<f32>(select(0.0, x[at5 + col0.index], row5.inside && col0.inside));
    let x5_1 = vec4<f32>(select(0.0, x[at5 + col1.index], row5.inside && col1.inside));
    let x5_2 = vec4<f32>(select(0.0, x[at5 + col2.index], row5.inside && col2.inside));
    let x5_3 = vec4<f32>(select(0.0, x[at5 + col3.index], row5.inside && col3.inside));
    let x5_4 = vec4<f32>(select(0.0, x[at5 + col4.index], row5.inside && col4.inside));
    let x5_5 = vec4<f32>(select(0.0, x[at5 + col5.index], row5.inside && col5.inside));
    let x5_6 = vec4<f32>(select(0.0, x[at5 + col6.index], row5.inside && col6.inside));
    let x5_7 = vec4<f32>(select(0.0, x[at5 + col7.index], row5.inside && col7.inside));
    let x5_8 = vec4<f32>(select(0.0, x[at5 + col8.index], row5.inside && col8.inside));
    let x5_9 = vec4<f32>(select(0.0, x[at5 + col9.index], row5.inside && col9.inside));
    acc[48] = fma(x5_0, w20_0, acc[48]); acc[49] = fma(x5_0, w20_1, acc[49]); acc[50] = fma(x5_1, w20_0, acc[50]); acc[51] = fma(x5_1, w20_1, acc[51]);
    acc[52] = fma(x5_2, w20_0, acc[52]); acc[53] = fma(x5_2, w20_1, acc[53]); acc[54] = fma(x5_3, w20_0, acc[54]); acc[55] = fma(x5_3, w20_1, acc[55]);
    acc[56] = fma(x5_4, w20_0, acc[56]); acc[57] = fma(x5_4, w20_1, acc[57]); acc[58] = fma(x5_5, w20_0, acc[58]); acc[59] = fma(x5_5, w20_1, acc[59]);
    acc[60] = fma(x5_6, w20_0, acc[60]); acc[61] = fma(x5_6, w20_1, acc[61]); acc[62] = fma(x5_7, w20_0, acc[62]); acc[63] = fma(x5_7, w20_1, acc[63]);
    acc[48] = fma(x5_1, w21_0, acc[48]); acc[49] = fma(x5_1, w21_1, acc[49]); acc[50] = fma(x5_2, w21_0, acc[50]); acc[51] = fma(x5_2, w21_1, acc[51]);
    acc[52] = fma(x5_3, w21_0, acc[52]); acc[53] = fma(x5_3, w21_1, acc[53]); acc[54] = fma(x5_4, w21_0, acc[54]); acc[55] = fma(x5_4, w21_1, acc[55]);
    acc[56] = fma(x5_5, w21_0, acc[56]); acc[57] = fma(x5_5, w21_1, acc[57]); acc[58] = fma(x5_6, w21_0, acc[58]); acc[59] = fma(x5_6, w21_1, acc[59]);
    acc[60] = fma(x5_7, w21_0, acc[60]); acc[61] = fma(x5_7, w21_1, acc[61]); acc[62] = fma(x5_8, w21_0, acc[62]); acc[63] = fma(x5_8, w21_1, acc[63]);
    acc[48] = fma(x5_2, w22_0, acc[48]); acc[49] = fma(x5_2, w22_1, acc[49]); acc[50] = fma(x5_3, w22_0, acc[50]); acc[51] = fma(x5_3, w22_1, acc[51]);
    acc[52] = fma(x5_4, w22_0, acc[52]); acc[53] = fma(x5_4, w22_1, acc[53]); acc[54] = fma(x5_5, w22_0, acc[54]); acc[55] = fma(x5_5, w22_1, acc[55]);
    acc[56] = fma(x5_6, w22_0, acc[56]); acc[57] = fma(x5_6, w22_1, acc[57]); acc[58] = fma(x5_7, w22_0, acc[58]); acc[59] = fma(x5_7, w22_1, acc[59]);
    acc[60] = fma(x5_8, w22_0, acc[60]); acc[61] = fma(x5_8, w22_1, acc[61]); acc[62] = fma(x5_9, w22_0, acc[62]); acc[63] = fma(x5_9, w22_1, acc[63]);
    wAt += tp.weightInStride;
    xAt += plane;
  }
  let bias0 = tile_bias(image, ob * 4u);
  let bias1 = tile_bias(image, (ob + 1u) * 4u);
  store_pixel(image, oy0, ox0, ob * 4u, acc[0] + bias0);
  store_pixel(image, oy0, ox0, (ob + 1u) * 4u, acc[1] + bias1);
  store_pixel(image, oy0, ox0 + 1u, ob * 4u, acc[2] + bias0);
  store_pixel(image, oy0, ox0 + 1u, (ob + 1u) * 4u, acc[3] + bias1);
  store_pixel(image, oy0, ox0 + 2u, ob * 4u, acc[4] + bias0);
  store_pixel(image, oy0, ox0 + 2u, (ob + 1u) * 4u, acc[5] + bias1);
  store_pixel(image, oy0, ox0 + 3u, ob * 4u, acc[6] + bias0);
  store_pixel(image, oy0, ox0 + 3u, (ob + 1u) * 4u, acc[7] + bias1);
  store_pixel(image, oy0, ox0 + 4u, ob * 4u, acc[8] + bias0);
  store_pixel(image, oy0, ox0 + 4u, (ob + 1u) * 4u, acc[9] + bias1);
  store_pixel(image, oy0, ox0 + 5u, ob * 4u, acc[10] + bias0);
  store_pixel(image, oy0, ox0 + 5u, (ob + 1u) * 4u, acc[11] + bias1);
  store_pixel(image, oy0, ox0 + 6u, ob * 4u, acc[12] + bias0);
  store_pixel(image, oy0, ox0 + 6u, (ob + 1u) * 4u, acc[13] + bias1);
  store_pixel(image, oy0, ox0 + 7u, ob * 4u, acc[14] + bias0);
  store_pixel(image, oy0, ox0 + 7u, (ob + 1u) * 4u, acc[15] + bias1);
  store_pixel(image, oy0 + 1u, ox0, ob * 4u, acc[16] + bias0);
  store_pixel(image, oy0 + 1u, ox0, (ob + 1u) * 4u, acc[17] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 1u, ob * 4u, acc[18] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 1u, (ob + 1u) * 4u, acc[19] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 2u, ob * 4u, acc[20] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 2u, (ob + 1u) * 4u, acc[21] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 3u, ob * 4u, acc[22] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 3u, (ob + 1u) * 4u, acc[23] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 4u, ob * 4u, acc[24] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 4u, (ob + 1u) * 4u, acc[25] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 5u, ob * 4u, acc[26] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 5u, (ob + 1u) * 4u, acc[27] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 6u, ob * 4u, acc[28] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 6u, (ob + 1u) * 4u, acc[29] + bias1);
  store_pixel(image, oy0 + 1u, ox0 + 7u, ob * 4u, acc[30] + bias0);
  store_pixel(image, oy0 + 1u, ox0 + 7u, (ob + 1u) * 4u, acc[31] + bias1);
  store_pixel(image, oy0 + 2u, ox0, ob * 4u, acc[32] + bias0);
  store_pixel(image, oy0 + 2u, ox0, (ob + 1u) * 4u, acc[33] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 1u, ob * 4u, acc[34] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 1u, (ob + 1u) * 4u, acc[35] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 2u, ob * 4u, acc[36] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 2u, (ob + 1u) * 4u, acc[37] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 3u, ob * 4u, acc[38] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 3u, (ob + 1u) * 4u, acc[39] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 4u, ob * 4u, acc[40] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 4u, (ob + 1u) * 4u, acc[41] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 5u, ob * 4u, acc[42] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 5u, (ob + 1u) * 4u, acc[43] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 6u, ob * 4u, acc[44] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 6u, (ob + 1u) * 4u, acc[45] + bias1);
  store_pixel(image, oy0 + 2u, ox0 + 7u, ob * 4u, acc[46] + bias0);
  store_pixel(image, oy0 + 2u, ox0 + 7u, (ob + 1u) * 4u, acc[47] + bias1);
  store_pixel(image, oy0 + 3u, ox0, ob * 4u, acc[48] + bias0);
  store_pixel(image, oy0 + 3u, ox0, (ob + 1u) * 4u, acc[49] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 1u, ob * 4u, acc[50] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 1u, (ob + 1u) * 4u, acc[51] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 2u, ob * 4u, acc[52] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 2u, (ob + 1u) * 4u, acc[53] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 3u, ob * 4u, acc[54] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 3u, (ob + 1u) * 4u, acc[55] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 4u, ob * 4u, acc[56] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 4u, (ob + 1u) * 4u, acc[57] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 5u, ob * 4u, acc[58] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 5u, (ob + 1u) * 4u, acc[59] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 6u, ob * 4u, acc[60] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 6u, (ob + 1u) * 4u, acc[61] + bias1);
  store_pixel(image, oy0 + 3u, ox0 + 7u, ob * 4u, acc[62] + bias0);
  store_pixel(image, oy0 + 3u, ox0 + 7u, (ob + 1u) * 4u, acc[63] + bias1);
}

// 3×3 kernel, stride 1. Invocation: output channels o0..o0+3 × input channels c0..c0+3, all 9 taps, summed over
// the 2×4-pixel output segments of its split. acc[(i·9 + ky·3 + kx)·1 + b] = gradWeight[os{b}, c0 + i, ky, kx] (a vec4
// over 4 o's); x{i}_{r}_{q} = the padded input at (n, c0 + i, oy0 + r, ox0 + q), the segment's input window, read at
// row{r}.index, col{q}.index of the channel (0 unless both are inside).
// Grid: grid1d over jobs = ceil(O / 4) · ceil(C / 4) (fastest) × splits.
@compute @workgroup_size(WG)
fn weight_grad_3x3(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let channelBlocks = (gp.inChannels + 3u) / 4u;
  let outBlocks = (gp.outChannels + 3u) / 4u;
  let invocation = gid.x + gid.y * groups.x * WG;
  let jobs = channelBlocks * outBlocks;
  let split = invocation / jobs;
  if (split >= gp.splits) { return; }
  let job = invocation % jobs;
  let lastO = gp.outChannels - 1u;
  let o0 = job / channelBlocks * 4u;
  let os0 = vec4<u32>(min(o0, lastO), min(o0 + 1u, lastO), min(o0 + 2u, lastO), min(o0 + 3u, lastO));
  let c0 = job % channelBlocks * 4u;
  let lastC = gp.inChannels - 1u;
  let ch0 = min(c0, lastC);
  let ch1 = min(c0 + 1u, lastC);
  let ch2 = min(c0 + 2u, lastC);
  let ch3 = min(c0 + 3u, lastC);
  let segmentsPerRow = gp.outWidth / 4u;
  let rowBlocks = gp.outHeight / 2u;
  let segments = gp.batch * rowBlocks * segmentsPerRow;
  let first = split * segments / gp.splits;
  let end = (split + 1u) * segments / gp.splits;
  var ox0 = first % segmentsPerRow * 4u;
  var oy0 = first / segmentsPerRow % rowBlocks * 2u;
  var n = first / (segmentsPerRow * rowBlocks);
  var biasSum0 = vec4<f32>(0.0);
  let width = gp.sourceWidth;
  let plane = gp.sourceHeight * width;
  var acc: array<vec4<f32>, 36>;
  for (var segment = first; segment < end; segment++) {
    let g0_0 = ((n * gp.outChannels + os0) * gp.outHeight + oy0) * gp.outWidth + ox0;
    let gv00_0 = vec4<f32>(gradOut[g0_0.x], gradOut[g0_0.y], gradOut[g0_0.z], gradOut[g0_0.w]);
    let gv01_0 = vec4<f32>(gradOut[g0_0.x + 1u], gradOut[g0_0.y + 1u], gradOut[g0_0.z + 1u], gradOut[g0_0.w + 1u]);
    let gv02_0 = vec4<f32>(gradOut[g0_0.x + 2u], gradOut[g0_0.y + 2u], gradOut[g0_0.z + 2u], gradOut[g0_0.w + 2u]);
    let gv03_0 = vec4<f32>(gradOut[g0_0.x + 3u], gradOut[g0_0.y + 3u], gradOut[g0_0.z + 3u], gradOut[g0_0.w + 3u]);
    let g1_0 = g0_0 + vec4<u32>(gp.outWidth);
    let gv10_0 = vec4<f32>(gradOut[g1_0.x], gradOut[g1_0.y], gradOut[g1_0.z], gradOut[g1_0.w]);
    let gv11_0 = vec4<f32>(gradOut[g1_0.x + 1u], gradOut[g1_0.y + 1u], gradOut[g1_0.z + 1u], gradOut[g1_0.w + 1u]);
    let gv12_0 = vec4<f32>(gradOut[g1_0.x + 2u], gradOut[g1_0.y + 2u], gradOut[g1_0.z + 2u], gradOut[g1_0.w + 2u]);
    let gv13_0 = vec4<f32>(gradOut[g1_0.x + 3u], gradOut[g1_0.y + 3u], gradOut[g1_0.z + 3u], gradOut[g1_0.w + 3u]);
    biasSum0 += gv00_0 + gv01_0 + gv02_0 + gv03_0 + gv10_0 + gv11_0 + gv12_0 + gv13_0;
    let row0 = source_index(oy0, gp.top, 1u, gp.sourceHeight);
    let rowAt0 = row0.index * width;
    let row1 = source_index(oy0 + 1u, gp.top, 1u, gp.sourceHeight);
    let rowAt1 = row1.index * width;
    let row2 = source_index(oy0 + 2u, gp.top, 1u, gp.sourceHeight);
    let rowAt2 = row2.index * width;
    let row3 = source_index(oy0 + 3u, gp.top, 1u, gp.sourceHeight);
    let rowAt3 = row3.index * width;
    let col0 = source_index(ox0, gp.left, 1u, gp.sourceWidth);
    let col1 = source_index(ox0 + 1u, gp.left, 1u, gp.sourceWidth);
    let col2 = source_index(ox0 + 2u, gp.left, 1u, gp.sourceWidth);
    let col3 = source_index(ox0 + 3u, gp.left, 1u, gp.sourceWidth);
    let col4 = source_index(ox0 + 4u, gp.left, 1u, gp.sourceWidth);
    let col5 = source_index(ox0 + 5u, gp.left, 1u, gp.sourceWidth);
    let at0 = (n * gp.inChannels + ch0) * plane;
    let x0_0_0 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x0_0_1 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x0_0_2 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x0_0_3 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x0_0_4 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x0_0_5 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x0_1_0 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x0_1_1 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x0_1_2 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x0_1_3 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x0_1_4 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x0_1_5 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x0_2_0 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x0_2_1 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x0_2_2 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x0_2_3 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x0_2_4 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x0_2_5 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x0_3_0 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x0_3_1 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x0_3_2 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x0_3_3 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x0_3_4 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x0_3_5 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[0] += fma(x0_1_3, gv13_0, fma(x0_1_2, gv12_0, fma(x0_1_1, gv11_0, fma(x0_1_0, gv10_0, fma(x0_0_3, gv03_0, fma(x0_0_2, gv02_0, fma(x0_0_1, gv01_0, x0_0_0 * gv00_0)))))));
    acc[1] += fma(x0_1_4, gv13_0, fma(x0_1_3, gv12_0, fma(x0_1_2, gv11_0, fma(x0_1_1, gv10_0, fma(x0_0_4, gv03_0, fma(x0_0_3, gv02_0, fma(x0_0_2, gv01_0, x0_0_1 * gv00_0)))))));
    acc[2] += fma(x0_1_5, gv13_0, fma(x0_1_4, gv12_0, fma(x0_1_3, gv11_0, fma(x0_1_2, gv10_0, fma(x0_0_5, gv03_0, fma(x0_0_4, gv02_0, fma(x0_0_3, gv01_0, x0_0_2 * gv00_0)))))));
    acc[3] += fma(x0_2_3, gv13_0, fma(x0_2_2, gv12_0, fma(x0_2_1, gv11_0, fma(x0_2_0, gv10_0, fma(x0_1_3, gv03_0, fma(x0_1_2, gv02_0, fma(x0_1_1, gv01_0, x0_1_0 * gv00_0)))))));
    acc[4] += fma(x0_2_4, gv13_0, fma(x0_2_3, gv12_0, fma(x0_2_2, gv11_0, fma(x0_2_1, gv10_0, fma(x0_1_4, gv03_0, fma(x0_1_3, gv02_0, fma(x0_1_2, gv01_0, x0_1_1 * gv00_0)))))));
    acc[5] += fma(x0_2_5, gv13_0, fma(x0_2_4, gv12_0, fma(x0_2_3, gv11_0, fma(x0_2_2, gv10_0, fma(x0_1_5, gv03_0, fma(x0_1_4, gv02_0, fma(x0_1_3, gv01_0, x0_1_2 * gv00_0)))))));
    acc[6] += fma(x0_3_3, gv13_0, fma(x0_3_2, gv12_0, fma(x0_3_1, gv11_0, fma(x0_3_0, gv10_0, fma(x0_2_3, gv03_0, fma(x0_2_2, gv02_0, fma(x0_2_1, gv01_0, x0_2_0 * gv00_0)))))));
    acc[7] += fma(x0_3_4, gv13_0, fma(x0_3_3, gv12_0, fma(x0_3_2, gv11_0, fma(x0_3_1, gv10_0, fma(x0_2_4, gv03_0, fma(x0_2_3, gv02_0, fma(x0_2_2, gv01_0, x0_2_1 * gv00_0)))))));
    acc[8] += fma(x0_3_5, gv13_0, fma(x0_3_4, gv12_0, fma(x0_3_3, gv11_0, fma(x0_3_2, gv10_0, fma(x0_2_5, gv03_0, fma(x0_2_4, gv02_0, fma(x0_2_3, gv01_0, x0_2_2 * gv00_0)))))));
    let at1 = (n * gp.inChannels + ch1) * plane;
    let x1_0_0 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x1_0_1 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x1_0_2 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x1_0_3 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x1_0_4 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x1_0_5 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x1_1_0 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x1_1_1 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x1_1_2 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x1_1_3 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x1_1_4 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x1_1_5 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x1_2_0 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x1_2_1 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x1_2_2 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x1_2_3 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x1_2_4 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x1_2_5 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x1_3_0 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x1_3_1 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x1_3_2 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x1_3_3 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x1_3_4 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x1_3_5 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[9] += fma(x1_1_3, gv13_0, fma(x1_1_2, gv12_0, fma(x1_1_1, gv11_0, fma(x1_1_0, gv10_0, fma(x1_0_3, gv03_0, fma(x1_0_2, gv02_0, fma(x1_0_1, gv01_0, x1_0_0 * gv00_0)))))));
    acc[10] += fma(x1_1_4, gv13_0, fma(x1_1_3, gv12_0, fma(x1_1_2, gv11_0, fma(x1_1_1, gv10_0, fma(x1_0_4, gv03_0, fma(x1_0_3, gv02_0, fma(x1_0_2, gv01_0, x1_0_1 * gv00_0)))))));
    acc[11] += fma(x1_1_5, gv13_0, fma(x1_1_4, gv12_0, fma(x1_1_3, gv11_0, fma(x1_1_2, gv10_0, fma(x1_0_5, gv03_0, fma(x1_0_4, gv02_0, fma(x1_0_3, gv01_0, x1_0_2 * gv00_0)))))));
    acc[12] += fma(x1_2_3, gv13_0, fma(x1_2_2, gv12_0, fma(x1_2_1, gv11_0, fma(x1_2_0, gv10_0, fma(x1_1_3, gv03_0, fma(x1_1_2, gv02_0, fma(x1_1_1, gv01_0, x1_1_0 * gv00_0)))))));
    acc[13] += fma(x1_2_4, gv13_0, fma(x1_2_3, gv12_0, fma(x1_2_2, gv11_0, fma(x1_2_1, gv10_0, fma(x1_1_4, gv03_0, fma(x1_1_3, gv02_0, fma(x1_1_2, gv01_0, x1_1_1 * gv00_0)))))));
    acc[14] += fma(x1_2_5, gv13_0, fma(x1_2_4, gv12_0, fma(x1_2_3, gv11_0, fma(x1_2_2, gv10_0, fma(x1_1_5, gv03_0, fma(x1_1_4, gv02_0, fma(x1_1_3, gv01_0, x1_1_2 * gv00_0)))))));
    acc[15] += fma(x1_3_3, gv13_0, fma(x1_3_2, gv12_0, fma(x1_3_1, gv11_0, fma(x1_3_0, gv10_0, fma(x1_2_3, gv03_0, fma(x1_2_2, gv02_0, fma(x1_2_1, gv01_0, x1_2_0 * gv00_0)))))));
    acc[16] += fma(x1_3_4, gv13_0, fma(x1_3_3, gv12_0, fma(x1_3_2, gv11_0, fma(x1_3_1, gv10_0, fma(x1_2_4, gv03_0, fma(x1_2_3, gv02_0, fma(x1_2_2, gv01_0, x1_2_1 * gv00_0)))))));
    acc[17] += fma(x1_3_5, gv13_0, fma(x1_3_4, gv12_0, fma(x1_3_3, gv11_0, fma(x1_3_2, gv10_0, fma(x1_2_5, gv03_0, fma(x1_2_4, gv02_0, fma(x1_2_3, gv01_0, x1_2_2 * gv00_0)))))));
    let at2 = (n * gp.inChannels + ch2) * plane;
    let x2_0_0 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x2_0_1 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x2_0_2 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x2_0_3 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x2_0_4 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x2_0_5 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x2_1_0 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x2_1_1 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x2_1_2 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x2_1_3 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x2_1_4 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x2_1_5 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x2_2_0 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x2_2_1 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x2_2_2 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x2_2_3 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x2_2_4 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x2_2_5 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x2_3_0 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x2_3_1 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x2_3_2 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x2_3_3 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x2_3_4 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x2_3_5 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[18] += fma(x2_1_3, gv13_0, fma(x2_1_2, gv12_0, fma(x2_1_1, gv11_0, fma(x2_1_0, gv10_0, fma(x2_0_3, gv03_0, fma(x2_0_2, gv02_0, fma(x2_0_1, gv01_0, x2_0_0 * gv00_0)))))));
    acc[19] += fma(x2_1_4, gv13_0, fma(x2_1_3, gv12_0, fma(x2_1_2, gv11_0, fma(x2_1_1, gv10_0, fma(x2_0_4, gv03_0, fma(x2_0_3, gv02_0, fma(x2_0_2, gv01_0, x2_0_1 * gv00_0)))))));
    acc[20] += fma(x2_1_5, gv13_0, fma(x2_1_4, gv12_0, fma(x2_1_3, gv11_0, fma(x2_1_2, gv10_0, fma(x2_0_5, gv03_0, fma(x2_0_4, gv02_0, fma(x2_0_3, gv01_0, x2_0_2 * gv00_0)))))));
    acc[21] += fma(x2_2_3, gv13_0, fma(x2_2_2, gv12_0, fma(x2_2_1, gv11_0, fma(x2_2_0, gv10_0, fma(x2_1_3, gv03_0, fma(x2_1_2, gv02_0, fma(x2_1_1, gv01_0, x2_1_0 * gv00_0)))))));
    acc[22] += fma(x2_2_4, gv13_0, fma(x2_2_3, gv12_0, fma(x2_2_2, gv11_0, fma(x2_2_1, gv10_0, fma(x2_1_4, gv03_0, fma(x2_1_3, gv02_0, fma(x2_1_2, gv01_0, x2_1_1 * gv00_0)))))));
    acc[23] += fma(x2_2_5, gv13_0, fma(x2_2_4, gv12_0, fma(x2_2_3, gv11_0, fma(x2_2_2, gv10_0, fma(x2_1_5, gv03_0, fma(x2_1_4, gv02_0, fma(x2_1_3, gv01_0, x2_1_2 * gv00_0)))))));
    acc[24] += fma(x2_3_3, gv13_0, fma(x2_3_2, gv12_0, fma(x2_3_1, gv11_0, fma(x2_3_0, gv10_0, fma(x2_2_3, gv03_0, fma(x2_2_2, gv02_0, fma(x2_2_1, gv01_0, x2_2_0 * gv00_0)))))));
    acc[25] += fma(x2_3_4, gv13_0, fma(x2_3_3, gv12_0, fma(x2_3_2, gv11_0, fma(x2_3_1, gv10_0, fma(x2_2_4, gv03_0, fma(x2_2_3, gv02_0, fma(x2_2_2, gv01_0, x2_2_1 * gv00_0)))))));
    acc[26] += fma(x2_3_5, gv13_0, fma(x2_3_4, gv12_0, fma(x2_3_3, gv11_0, fma(x2_3_2, gv10_0, fma(x2_2_5, gv03_0, fma(x2_2_4, gv02_0, fma(x2_2_3, gv01_0, x2_2_2 * gv00_0)))))));
    let at3 = (n * gp.inChannels + ch3) * plane;
    let x3_0_0 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x3_0_1 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x3_0_2 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x3_0_3 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x3_0_4 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x3_0_5 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x3_1_0 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x3_1_1 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x3_1_2 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x3_1_3 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x3_1_4 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x3_1_5 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x3_2_0 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x3_2_1 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x3_2_2 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x3_2_3 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x3_2_4 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x3_2_5 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x3_3_0 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x3_3_1 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x3_3_2 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x3_3_3 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x3_3_4 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x3_3_5 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[27] += fma(x3_1_3, gv13_0, fma(x3_1_2, gv12_0, fma(x3_1_1, gv11_0, fma(x3_1_0, gv10_0, fma(x3_0_3, gv03_0, fma(x3_0_2, gv02_0, fma(x3_0_1, gv01_0, x3_0_0 * gv00_0)))))));
    acc[28] += fma(x3_1_4, gv13_0, fma(x3_1_3, gv12_0, fma(x3_1_2, gv11_0, fma(x3_1_1, gv10_0, fma(x3_0_4, gv03_0, fma(x3_0_3, gv02_0, fma(x3_0_2, gv01_0, x3_0_1 * gv00_0)))))));
    acc[29] += fma(x3_1_5, gv13_0, fma(x3_1_4, gv12_0, fma(x3_1_3, gv11_0, fma(x3_1_2, gv10_0, fma(x3_0_5, gv03_0, fma(x3_0_4, gv02_0, fma(x3_0_3, gv01_0, x3_0_2 * gv00_0)))))));
    acc[30] += fma(x3_2_3, gv13_0, fma(x3_2_2, gv12_0, fma(x3_2_1, gv11_0, fma(x3_2_0, gv10_0, fma(x3_1_3, gv03_0, fma(x3_1_2, gv02_0, fma(x3_1_1, gv01_0, x3_1_0 * gv00_0)))))));
    acc[31] += fma(x3_2_4, gv13_0, fma(x3_2_3, gv12_0, fma(x3_2_2, gv11_0, fma(x3_2_1, gv10_0, fma(x3_1_4, gv03_0, fma(x3_1_3, gv02_0, fma(x3_1_2, gv01_0, x3_1_1 * gv00_0)))))));
    acc[32] += fma(x3_2_5, gv13_0, fma(x3_2_4, gv12_0, fma(x3_2_3, gv11_0, fma(x3_2_2, gv10_0, fma(x3_1_5, gv03_0, fma(x3_1_4, gv02_0, fma(x3_1_3, gv01_0, x3_1_2 * gv00_0)))))));
    acc[33] += fma(x3_3_3, gv13_0, fma(x3_3_2, gv12_0, fma(x3_3_1, gv11_0, fma(x3_3_0, gv10_0, fma(x3_2_3, gv03_0, fma(x3_2_2, gv02_0, fma(x3_2_1, gv01_0, x3_2_0 * gv00_0)))))));
    acc[34] += fma(x3_3_4, gv13_0, fma(x3_3_3, gv12_0, fma(x3_3_2, gv11_0, fma(x3_3_1, gv10_0, fma(x3_2_4, gv03_0, fma(x3_2_3, gv02_0, fma(x3_2_2, gv01_0, x3_2_1 * gv00_0)))))));
    acc[35] += fma(x3_3_5, gv13_0, fma(x3_3_4, gv12_0, fma(x3_3_3, gv11_0, fma(x3_3_2, gv10_0, fma(x3_2_5, gv03_0, fma(x3_2_4, gv02_0, fma(x3_2_3, gv01_0, x3_2_2 * gv00_0)))))));
    ox0 += 4u;
    let rowDone = ox0 == gp.outWidth;
    ox0 = select(ox0, 0u, rowDone);
    oy0 = select(oy0, oy0 + 2u, rowDone);
    let imageDone = oy0 == gp.outHeight;
    oy0 = select(oy0, 0u, imageDone);
    n = select(n, n + 1u, imageDone);
  }
  store_weight_grad(split, os0, ch0, 0u, acc[0]);
  store_weight_grad(split, os0, ch0, 1u, acc[1]);
  store_weight_grad(split, os0, ch0, 2u, acc[2]);
  store_weight_grad(split, os0, ch0, 3u, acc[3]);
  store_weight_grad(split, os0, ch0, 4u, acc[4]);
  store_weight_grad(split, os0, ch0, 5u, acc[5]);
  store_weight_grad(split, os0, ch0, 6u, acc[6]);
  store_weight_grad(split, os0, ch0, 7u, acc[7]);
  store_weight_grad(split, os0, ch0, 8u, acc[8]);
  store_weight_grad(split, os0, ch1, 0u, acc[9]);
  store_weight_grad(split, os0, ch1, 1u, acc[10]);
  store_weight_grad(split, os0, ch1, 2u, acc[11]);
  store_weight_grad(split, os0, ch1, 3u, acc[12]);
  store_weight_grad(split, os0, ch1, 4u, acc[13]);
  store_weight_grad(split, os0, ch1, 5u, acc[14]);
  store_weight_grad(split, os0, ch1, 6u, acc[15]);
  store_weight_grad(split, os0, ch1, 7u, acc[16]);
  store_weight_grad(split, os0, ch1, 8u, acc[17]);
  store_weight_grad(split, os0, ch2, 0u, acc[18]);
  store_weight_grad(split, os0, ch2, 1u, acc[19]);
  store_weight_grad(split, os0, ch2, 2u, acc[20]);
  store_weight_grad(split, os0, ch2, 3u, acc[21]);
  store_weight_grad(split, os0, ch2, 4u, acc[22]);
  store_weight_grad(split, os0, ch2, 5u, acc[23]);
  store_weight_grad(split, os0, ch2, 6u, acc[24]);
  store_weight_grad(split, os0, ch2, 7u, acc[25]);
  store_weight_grad(split, os0, ch2, 8u, acc[26]);
  store_weight_grad(split, os0, ch3, 0u, acc[27]);
  store_weight_grad(split, os0, ch3, 1u, acc[28]);
  store_weight_grad(split, os0, ch3, 2u, acc[29]);
  store_weight_grad(split, os0, ch3, 3u, acc[30]);
  store_weight_grad(split, os0, ch3, 4u, acc[31]);
  store_weight_grad(split, os0, ch3, 5u, acc[32]);
  store_weight_grad(split, os0, ch3, 6u, acc[33]);
  store_weight_grad(split, os0, ch3, 7u, acc[34]);
  store_weight_grad(split, os0, ch3, 8u, acc[35]);
  if (c0 == 0u) {
    store_bias_grad(split, os0, biasSum0);
  }
}

// 3×3 kernel, stride 1. Invocation: output channels o0..o0+7 × input channels c0..c0+3, all 9 taps, summed over
// the 2×4-pixel output segments of its split. acc[(i·9 + ky·3 + kx)·2 + b] = gradWeight[os{b}, c0 + i, ky, kx] (a vec4
// over 4 o's); x{i}_{r}_{q} = the padded input at (n, c0 + i, oy0 + r, ox0 + q), the segment's input window, read at
// row{r}.index, col{q}.index of the channel (0 unless both are inside).
// Grid: grid1d over jobs = ceil(O / 8) · ceil(C / 4) (fastest) × splits.
@compute @workgroup_size(WG)
fn weight_grad_3x3_wide(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let channelBlocks = (gp.inChannels + 3u) / 4u;
  let outBlocks = (gp.outChannels + 7u) / 8u;
  let invocation = gid.x + gid.y * groups.x * WG;
  let jobs = channelBlocks * outBlocks;
  let split = invocation / jobs;
  if (split >= gp.splits) { return; }
  let job = invocation % jobs;
  let lastO = gp.outChannels - 1u;
  let o0 = job / channelBlocks * 8u;
  let os0 = vec4<u32>(min(o0, lastO), min(o0 + 1u, lastO), min(o0 + 2u, lastO), min(o0 + 3u, lastO));
  let os1 = vec4<u32>(min(o0 + 4u, lastO), min(o0 + 5u, lastO), min(o0 + 6u, lastO), min(o0 + 7u, lastO));
  let c0 = job % channelBlocks * 4u;
  let lastC = gp.inChannels - 1u;
  let ch0 = min(c0, lastC);
  let ch1 = min(c0 + 1u, lastC);
  let ch2 = min(c0 + 2u, lastC);
  let ch3 = min(c0 + 3u, lastC);
  let segmentsPerRow = gp.outWidth / 4u;
  let rowBlocks = gp.outHeight / 2u;
  let segments = gp.batch * rowBlocks * segmentsPerRow;
  let first = split * segments / gp.splits;
  let end = (split + 1u) * segments / gp.splits;
  var ox0 = first % segmentsPerRow * 4u;
  var oy0 = first / segmentsPerRow % rowBlocks * 2u;
  var n = first / (segmentsPerRow * rowBlocks);
  var biasSum0 = vec4<f32>(0.0);
  var biasSum1 = vec4<f32>(0.0);
  let width = gp.sourceWidth;
  let plane = gp.sourceHeight * width;
  var acc: array<vec4<f32>, 72>;
  for (var segment = first; segment < end; segment++) {
    let g0_0 = ((n * gp.outChannels + os0) * gp.outHeight + oy0) * gp.outWidth + ox0;
    let gv00_0 = vec4<f32>(gradOut[g0_0.x], gradOut[g0_0.y], gradOut[g0_0.z], gradOut[g0_0.w]);
    let gv01_0 = vec4<f32>(gradOut[g0_0.x + 1u], gradOut[g0_0.y + 1u], gradOut[g0_0.z + 1u], gradOut[g0_0.w + 1u]);
    let gv02_0 = vec4<f32>(gradOut[g0_0.x + 2u], gradOut[g0_0.y + 2u], gradOut[g0_0.z + 2u], gradOut[g0_0.w + 2u]);
    let gv03_0 = vec4<f32>(gradOut[g0_0.x + 3u], gradOut[g0_0.y + 3u], gradOut[g0_0.z + 3u], gradOut[g0_0.w + 3u]);
    let g1_0 = g0_0 + vec4<u32>(gp.outWidth);
    let gv10_0 = vec4<f32>(gradOut[g1_0.x], gradOut[g1_0.y], gradOut[g1_0.z], gradOut[g1_0.w]);
    let gv11_0 = vec4<f32>(gradOut[g1_0.x + 1u], gradOut[g1_0.y + 1u], gradOut[g1_0.z + 1u], gradOut[g1_0.w + 1u]);
    let gv12_0 = vec4<f32>(gradOut[g1_0.x + 2u], gradOut[g1_0.y + 2u], gradOut[g1_0.z + 2u], gradOut[g1_0.w + 2u]);
    let gv13_0 = vec4<f32>(gradOut[g1_0.x + 3u], gradOut[g1_0.y + 3u], gradOut[g1_0.z + 3u], gradOut[g1_0.w + 3u]);
    biasSum0 += gv00_0 + gv01_0 + gv02_0 + gv03_0 + gv10_0 + gv11_0 + gv12_0 + gv13_0;
    let g0_1 = ((n * gp.outChannels + os1) * gp.outHeight + oy0) * gp.outWidth + ox0;
    let gv00_1 = vec4<f32>(gradOut[g0_1.x], gradOut[g0_1.y], gradOut[g0_1.z], gradOut[g0_1.w]);
    let gv01_1 = vec4<f32>(gradOut[g0_1.x + 1u], gradOut[g0_1.y + 1u], gradOut[g0_1.z + 1u], gradOut[g0_1.w + 1u]);
    let gv02_1 = vec4<f32>(gradOut[g0_1.x + 2u], gradOut[g0_1.y + 2u], gradOut[g0_1.z + 2u], gradOut[g0_1.w + 2u]);
    let gv03_1 = vec4<f32>(gradOut[g0_1.x + 3u], gradOut[g0_1.y + 3u], gradOut[g0_1.z + 3u], gradOut[g0_1.w + 3u]);
    let g1_1 = g0_1 + vec4<u32>(gp.outWidth);
    let gv10_1 = vec4<f32>(gradOut[g1_1.x], gradOut[g1_1.y], gradOut[g1_1.z], gradOut[g1_1.w]);
    let gv11_1 = vec4<f32>(gradOut[g1_1.x + 1u], gradOut[g1_1.y + 1u], gradOut[g1_1.z + 1u], gradOut[g1_1.w + 1u]);
    let gv12_1 = vec4<f32>(gradOut[g1_1.x + 2u], gradOut[g1_1.y + 2u], gradOut[g1_1.z + 2u], gradOut[g1_1.w + 2u]);
    let gv13_1 = vec4<f32>(gradOut[g1_1.x + 3u], gradOut[g1_1.y + 3u], gradOut[g1_1.z + 3u], gradOut[g1_1.w + 3u]);
    biasSum1 += gv00_1 + gv01_1 + gv02_1 + gv03_1 + gv10_1 + gv11_1 + gv12_1 + gv13_1;
    let row0 = source_index(oy0, gp.top, 1u, gp.sourceHeight);
    let rowAt0 = row0.index * width;
    let row1 = source_index(oy0 + 1u, gp.top, 1u, gp.sourceHeight);
    let rowAt1 = row1.index * width;
    let row2 = source_index(oy0 + 2u, gp.top, 1u, gp.sourceHeight);
    let rowAt2 = row2.index * width;
    let row3 = source_index(oy0 + 3u, gp.top, 1u, gp.sourceHeight);
    let rowAt3 = row3.index * width;
    let col0 = source_index(ox0, gp.left, 1u, gp.sourceWidth);
    let col1 = source_index(ox0 + 1u, gp.left, 1u, gp.sourceWidth);
    let col2 = source_index(ox0 + 2u, gp.left, 1u, gp.sourceWidth);
    let col3 = source_index(ox0 + 3u, gp.left, 1u, gp.sourceWidth);
    let col4 = source_index(ox0 + 4u, gp.left, 1u, gp.sourceWidth);
    let col5 = source_index(ox0 + 5u, gp.left, 1u, gp.sourceWidth);
    let at0 = (n * gp.inChannels + ch0) * plane;
    let x0_0_0 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x0_0_1 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x0_0_2 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x0_0_3 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x0_0_4 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x0_0_5 = vec4<f32>(select(0.0, x[at0 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x0_1_0 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x0_1_1 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x0_1_2 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x0_1_3 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x0_1_4 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x0_1_5 = vec4<f32>(select(0.0, x[at0 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x0_2_0 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x0_2_1 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x0_2_2 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x0_2_3 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x0_2_4 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x0_2_5 = vec4<f32>(select(0.0, x[at0 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x0_3_0 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x0_3_1 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x0_3_2 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x0_3_3 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x0_3_4 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x0_3_5 = vec4<f32>(select(0.0, x[at0 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[0] += fma(x0_1_3, gv13_0, fma(x0_1_2, gv12_0, fma(x0_1_1, gv11_0, fma(x0_1_0, gv10_0, fma(x0_0_3, gv03_0, fma(x0_0_2, gv02_0, fma(x0_0_1, gv01_0, x0_0_0 * gv00_0)))))));
    acc[1] += fma(x0_1_3, gv13_1, fma(x0_1_2, gv12_1, fma(x0_1_1, gv11_1, fma(x0_1_0, gv10_1, fma(x0_0_3, gv03_1, fma(x0_0_2, gv02_1, fma(x0_0_1, gv01_1, x0_0_0 * gv00_1)))))));
    acc[2] += fma(x0_1_4, gv13_0, fma(x0_1_3, gv12_0, fma(x0_1_2, gv11_0, fma(x0_1_1, gv10_0, fma(x0_0_4, gv03_0, fma(x0_0_3, gv02_0, fma(x0_0_2, gv01_0, x0_0_1 * gv00_0)))))));
    acc[3] += fma(x0_1_4, gv13_1, fma(x0_1_3, gv12_1, fma(x0_1_2, gv11_1, fma(x0_1_1, gv10_1, fma(x0_0_4, gv03_1, fma(x0_0_3, gv02_1, fma(x0_0_2, gv01_1, x0_0_1 * gv00_1)))))));
    acc[4] += fma(x0_1_5, gv13_0, fma(x0_1_4, gv12_0, fma(x0_1_3, gv11_0, fma(x0_1_2, gv10_0, fma(x0_0_5, gv03_0, fma(x0_0_4, gv02_0, fma(x0_0_3, gv01_0, x0_0_2 * gv00_0)))))));
    acc[5] += fma(x0_1_5, gv13_1, fma(x0_1_4, gv12_1, fma(x0_1_3, gv11_1, fma(x0_1_2, gv10_1, fma(x0_0_5, gv03_1, fma(x0_0_4, gv02_1, fma(x0_0_3, gv01_1, x0_0_2 * gv00_1)))))));
    acc[6] += fma(x0_2_3, gv13_0, fma(x0_2_2, gv12_0, fma(x0_2_1, gv11_0, fma(x0_2_0, gv10_0, fma(x0_1_3, gv03_0, fma(x0_1_2, gv02_0, fma(x0_1_1, gv01_0, x0_1_0 * gv00_0)))))));
    acc[7] += fma(x0_2_3, gv13_1, fma(x0_2_2, gv12_1, fma(x0_2_1, gv11_1, fma(x0_2_0, gv10_1, fma(x0_1_3, gv03_1, fma(x0_1_2, gv02_1, fma(x0_1_1, gv01_1, x0_1_0 * gv00_1)))))));
    acc[8] += fma(x0_2_4, gv13_0, fma(x0_2_3, gv12_0, fma(x0_2_2, gv11_0, fma(x0_2_1, gv10_0, fma(x0_1_4, gv03_0, fma(x0_1_3, gv02_0, fma(x0_1_2, gv01_0, x0_1_1 * gv00_0)))))));
    acc[9] += fma(x0_2_4, gv13_1, fma(x0_2_3, gv12_1, fma(x0_2_2, gv11_1, fma(x0_2_1, gv10_1, fma(x0_1_4, gv03_1, fma(x0_1_3, gv02_1, fma(x0_1_2, gv01_1, x0_1_1 * gv00_1)))))));
    acc[10] += fma(x0_2_5, gv13_0, fma(x0_2_4, gv12_0, fma(x0_2_3, gv11_0, fma(x0_2_2, gv10_0, fma(x0_1_5, gv03_0, fma(x0_1_4, gv02_0, fma(x0_1_3, gv01_0, x0_1_2 * gv00_0)))))));
    acc[11] += fma(x0_2_5, gv13_1, fma(x0_2_4, gv12_1, fma(x0_2_3, gv11_1, fma(x0_2_2, gv10_1, fma(x0_1_5, gv03_1, fma(x0_1_4, gv02_1, fma(x0_1_3, gv01_1, x0_1_2 * gv00_1)))))));
    acc[12] += fma(x0_3_3, gv13_0, fma(x0_3_2, gv12_0, fma(x0_3_1, gv11_0, fma(x0_3_0, gv10_0, fma(x0_2_3, gv03_0, fma(x0_2_2, gv02_0, fma(x0_2_1, gv01_0, x0_2_0 * gv00_0)))))));
    acc[13] += fma(x0_3_3, gv13_1, fma(x0_3_2, gv12_1, fma(x0_3_1, gv11_1, fma(x0_3_0, gv10_1, fma(x0_2_3, gv03_1, fma(x0_2_2, gv02_1, fma(x0_2_1, gv01_1, x0_2_0 * gv00_1)))))));
    acc[14] += fma(x0_3_4, gv13_0, fma(x0_3_3, gv12_0, fma(x0_3_2, gv11_0, fma(x0_3_1, gv10_0, fma(x0_2_4, gv03_0, fma(x0_2_3, gv02_0, fma(x0_2_2, gv01_0, x0_2_1 * gv00_0)))))));
    acc[15] += fma(x0_3_4, gv13_1, fma(x0_3_3, gv12_1, fma(x0_3_2, gv11_1, fma(x0_3_1, gv10_1, fma(x0_2_4, gv03_1, fma(x0_2_3, gv02_1, fma(x0_2_2, gv01_1, x0_2_1 * gv00_1)))))));
    acc[16] += fma(x0_3_5, gv13_0, fma(x0_3_4, gv12_0, fma(x0_3_3, gv11_0, fma(x0_3_2, gv10_0, fma(x0_2_5, gv03_0, fma(x0_2_4, gv02_0, fma(x0_2_3, gv01_0, x0_2_2 * gv00_0)))))));
    acc[17] += fma(x0_3_5, gv13_1, fma(x0_3_4, gv12_1, fma(x0_3_3, gv11_1, fma(x0_3_2, gv10_1, fma(x0_2_5, gv03_1, fma(x0_2_4, gv02_1, fma(x0_2_3, gv01_1, x0_2_2 * gv00_1)))))));
    let at1 = (n * gp.inChannels + ch1) * plane;
    let x1_0_0 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x1_0_1 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x1_0_2 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x1_0_3 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x1_0_4 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x1_0_5 = vec4<f32>(select(0.0, x[at1 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x1_1_0 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x1_1_1 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x1_1_2 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x1_1_3 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x1_1_4 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x1_1_5 = vec4<f32>(select(0.0, x[at1 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x1_2_0 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x1_2_1 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x1_2_2 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x1_2_3 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x1_2_4 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x1_2_5 = vec4<f32>(select(0.0, x[at1 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x1_3_0 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x1_3_1 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x1_3_2 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x1_3_3 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x1_3_4 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x1_3_5 = vec4<f32>(select(0.0, x[at1 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[18] += fma(x1_1_3, gv13_0, fma(x1_1_2, gv12_0, fma(x1_1_1, gv11_0, fma(x1_1_0, gv10_0, fma(x1_0_3, gv03_0, fma(x1_0_2, gv02_0, fma(x1_0_1, gv01_0, x1_0_0 * gv00_0)))))));
    acc[19] += fma(x1_1_3, gv13_1, fma(x1_1_2, gv12_1, fma(x1_1_1, gv11_1, fma(x1_1_0, gv10_1, fma(x1_0_3, gv03_1, fma(x1_0_2, gv02_1, fma(x1_0_1, gv01_1, x1_0_0 * gv00_1)))))));
    acc[20] += fma(x1_1_4, gv13_0, fma(x1_1_3, gv12_0, fma(x1_1_2, gv11_0, fma(x1_1_1, gv10_0, fma(x1_0_4, gv03_0, fma(x1_0_3, gv02_0, fma(x1_0_2, gv01_0, x1_0_1 * gv00_0)))))));
    acc[21] += fma(x1_1_4, gv13_1, fma(x1_1_3, gv12_1, fma(x1_1_2, gv11_1, fma(x1_1_1, gv10_1, fma(x1_0_4, gv03_1, fma(x1_0_3, gv02_1, fma(x1_0_2, gv01_1, x1_0_1 * gv00_1)))))));
    acc[22] += fma(x1_1_5, gv13_0, fma(x1_1_4, gv12_0, fma(x1_1_3, gv11_0, fma(x1_1_2, gv10_0, fma(x1_0_5, gv03_0, fma(x1_0_4, gv02_0, fma(x1_0_3, gv01_0, x1_0_2 * gv00_0)))))));
    acc[23] += fma(x1_1_5, gv13_1, fma(x1_1_4, gv12_1, fma(x1_1_3, gv11_1, fma(x1_1_2, gv10_1, fma(x1_0_5, gv03_1, fma(x1_0_4, gv02_1, fma(x1_0_3, gv01_1, x1_0_2 * gv00_1)))))));
    acc[24] += fma(x1_2_3, gv13_0, fma(x1_2_2, gv12_0, fma(x1_2_1, gv11_0, fma(x1_2_0, gv10_0, fma(x1_1_3, gv03_0, fma(x1_1_2, gv02_0, fma(x1_1_1, gv01_0, x1_1_0 * gv00_0)))))));
    acc[25] += fma(x1_2_3, gv13_1, fma(x1_2_2, gv12_1, fma(x1_2_1, gv11_1, fma(x1_2_0, gv10_1, fma(x1_1_3, gv03_1, fma(x1_1_2, gv02_1, fma(x1_1_1, gv01_1, x1_1_0 * gv00_1)))))));
    acc[26] += fma(x1_2_4, gv13_0, fma(x1_2_3, gv12_0, fma(x1_2_2, gv11_0, fma(x1_2_1, gv10_0, fma(x1_1_4, gv03_0, fma(x1_1_3, gv02_0, fma(x1_1_2, gv01_0, x1_1_1 * gv00_0)))))));
    acc[27] += fma(x1_2_4, gv13_1, fma(x1_2_3, gv12_1, fma(x1_2_2, gv11_1, fma(x1_2_1, gv10_1, fma(x1_1_4, gv03_1, fma(x1_1_3, gv02_1, fma(x1_1_2, gv01_1, x1_1_1 * gv00_1)))))));
    acc[28] += fma(x1_2_5, gv13_0, fma(x1_2_4, gv12_0, fma(x1_2_3, gv11_0, fma(x1_2_2, gv10_0, fma(x1_1_5, gv03_0, fma(x1_1_4, gv02_0, fma(x1_1_3, gv01_0, x1_1_2 * gv00_0)))))));
    acc[29] += fma(x1_2_5, gv13_1, fma(x1_2_4, gv12_1, fma(x1_2_3, gv11_1, fma(x1_2_2, gv10_1, fma(x1_1_5, gv03_1, fma(x1_1_4, gv02_1, fma(x1_1_3, gv01_1, x1_1_2 * gv00_1)))))));
    acc[30] += fma(x1_3_3, gv13_0, fma(x1_3_2, gv12_0, fma(x1_3_1, gv11_0, fma(x1_3_0, gv10_0, fma(x1_2_3, gv03_0, fma(x1_2_2, gv02_0, fma(x1_2_1, gv01_0, x1_2_0 * gv00_0)))))));
    acc[31] += fma(x1_3_3, gv13_1, fma(x1_3_2, gv12_1, fma(x1_3_1, gv11_1, fma(x1_3_0, gv10_1, fma(x1_2_3, gv03_1, fma(x1_2_2, gv02_1, fma(x1_2_1, gv01_1, x1_2_0 * gv00_1)))))));
    acc[32] += fma(x1_3_4, gv13_0, fma(x1_3_3, gv12_0, fma(x1_3_2, gv11_0, fma(x1_3_1, gv10_0, fma(x1_2_4, gv03_0, fma(x1_2_3, gv02_0, fma(x1_2_2, gv01_0, x1_2_1 * gv00_0)))))));
    acc[33] += fma(x1_3_4, gv13_1, fma(x1_3_3, gv12_1, fma(x1_3_2, gv11_1, fma(x1_3_1, gv10_1, fma(x1_2_4, gv03_1, fma(x1_2_3, gv02_1, fma(x1_2_2, gv01_1, x1_2_1 * gv00_1)))))));
    acc[34] += fma(x1_3_5, gv13_0, fma(x1_3_4, gv12_0, fma(x1_3_3, gv11_0, fma(x1_3_2, gv10_0, fma(x1_2_5, gv03_0, fma(x1_2_4, gv02_0, fma(x1_2_3, gv01_0, x1_2_2 * gv00_0)))))));
    acc[35] += fma(x1_3_5, gv13_1, fma(x1_3_4, gv12_1, fma(x1_3_3, gv11_1, fma(x1_3_2, gv10_1, fma(x1_2_5, gv03_1, fma(x1_2_4, gv02_1, fma(x1_2_3, gv01_1, x1_2_2 * gv00_1)))))));
    let at2 = (n * gp.inChannels + ch2) * plane;
    let x2_0_0 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x2_0_1 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x2_0_2 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x2_0_3 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x2_0_4 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x2_0_5 = vec4<f32>(select(0.0, x[at2 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x2_1_0 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x2_1_1 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x2_1_2 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x2_1_3 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x2_1_4 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x2_1_5 = vec4<f32>(select(0.0, x[at2 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x2_2_0 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x2_2_1 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x2_2_2 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x2_2_3 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x2_2_4 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x2_2_5 = vec4<f32>(select(0.0, x[at2 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x2_3_0 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x2_3_1 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x2_3_2 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x2_3_3 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x2_3_4 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x2_3_5 = vec4<f32>(select(0.0, x[at2 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[36] += fma(x2_1_3, gv13_0, fma(x2_1_2, gv12_0, fma(x2_1_1, gv11_0, fma(x2_1_0, gv10_0, fma(x2_0_3, gv03_0, fma(x2_0_2, gv02_0, fma(x2_0_1, gv01_0, x2_0_0 * gv00_0)))))));
    acc[37] += fma(x2_1_3, gv13_1, fma(x2_1_2, gv12_1, fma(x2_1_1, gv11_1, fma(x2_1_0, gv10_1, fma(x2_0_3, gv03_1, fma(x2_0_2, gv02_1, fma(x2_0_1, gv01_1, x2_0_0 * gv00_1)))))));
    acc[38] += fma(x2_1_4, gv13_0, fma(x2_1_3, gv12_0, fma(x2_1_2, gv11_0, fma(x2_1_1, gv10_0, fma(x2_0_4, gv03_0, fma(x2_0_3, gv02_0, fma(x2_0_2, gv01_0, x2_0_1 * gv00_0)))))));
    acc[39] += fma(x2_1_4, gv13_1, fma(x2_1_3, gv12_1, fma(x2_1_2, gv11_1, fma(x2_1_1, gv10_1, fma(x2_0_4, gv03_1, fma(x2_0_3, gv02_1, fma(x2_0_2, gv01_1, x2_0_1 * gv00_1)))))));
    acc[40] += fma(x2_1_5, gv13_0, fma(x2_1_4, gv12_0, fma(x2_1_3, gv11_0, fma(x2_1_2, gv10_0, fma(x2_0_5, gv03_0, fma(x2_0_4, gv02_0, fma(x2_0_3, gv01_0, x2_0_2 * gv00_0)))))));
    acc[41] += fma(x2_1_5, gv13_1, fma(x2_1_4, gv12_1, fma(x2_1_3, gv11_1, fma(x2_1_2, gv10_1, fma(x2_0_5, gv03_1, fma(x2_0_4, gv02_1, fma(x2_0_3, gv01_1, x2_0_2 * gv00_1)))))));
    acc[42] += fma(x2_2_3, gv13_0, fma(x2_2_2, gv12_0, fma(x2_2_1, gv11_0, fma(x2_2_0, gv10_0, fma(x2_1_3, gv03_0, fma(x2_1_2, gv02_0, fma(x2_1_1, gv01_0, x2_1_0 * gv00_0)))))));
    acc[43] += fma(x2_2_3, gv13_1, fma(x2_2_2, gv12_1, fma(x2_2_1, gv11_1, fma(x2_2_0, gv10_1, fma(x2_1_3, gv03_1, fma(x2_1_2, gv02_1, fma(x2_1_1, gv01_1, x2_1_0 * gv00_1)))))));
    acc[44] += fma(x2_2_4, gv13_0, fma(x2_2_3, gv12_0, fma(x2_2_2, gv11_0, fma(x2_2_1, gv10_0, fma(x2_1_4, gv03_0, fma(x2_1_3, gv02_0, fma(x2_1_2, gv01_0, x2_1_1 * gv00_0)))))));
    acc[45] += fma(x2_2_4, gv13_1, fma(x2_2_3, gv12_1, fma(x2_2_2, gv11_1, fma(x2_2_1, gv10_1, fma(x2_1_4, gv03_1, fma(x2_1_3, gv02_1, fma(x2_1_2, gv01_1, x2_1_1 * gv00_1)))))));
    acc[46] += fma(x2_2_5, gv13_0, fma(x2_2_4, gv12_0, fma(x2_2_3, gv11_0, fma(x2_2_2, gv10_0, fma(x2_1_5, gv03_0, fma(x2_1_4, gv02_0, fma(x2_1_3, gv01_0, x2_1_2 * gv00_0)))))));
    acc[47] += fma(x2_2_5, gv13_1, fma(x2_2_4, gv12_1, fma(x2_2_3, gv11_1, fma(x2_2_2, gv10_1, fma(x2_1_5, gv03_1, fma(x2_1_4, gv02_1, fma(x2_1_3, gv01_1, x2_1_2 * gv00_1)))))));
    acc[48] += fma(x2_3_3, gv13_0, fma(x2_3_2, gv12_0, fma(x2_3_1, gv11_0, fma(x2_3_0, gv10_0, fma(x2_2_3, gv03_0, fma(x2_2_2, gv02_0, fma(x2_2_1, gv01_0, x2_2_0 * gv00_0)))))));
    acc[49] += fma(x2_3_3, gv13_1, fma(x2_3_2, gv12_1, fma(x2_3_1, gv11_1, fma(x2_3_0, gv10_1, fma(x2_2_3, gv03_1, fma(x2_2_2, gv02_1, fma(x2_2_1, gv01_1, x2_2_0 * gv00_1)))))));
    acc[50] += fma(x2_3_4, gv13_0, fma(x2_3_3, gv12_0, fma(x2_3_2, gv11_0, fma(x2_3_1, gv10_0, fma(x2_2_4, gv03_0, fma(x2_2_3, gv02_0, fma(x2_2_2, gv01_0, x2_2_1 * gv00_0)))))));
    acc[51] += fma(x2_3_4, gv13_1, fma(x2_3_3, gv12_1, fma(x2_3_2, gv11_1, fma(x2_3_1, gv10_1, fma(x2_2_4, gv03_1, fma(x2_2_3, gv02_1, fma(x2_2_2, gv01_1, x2_2_1 * gv00_1)))))));
    acc[52] += fma(x2_3_5, gv13_0, fma(x2_3_4, gv12_0, fma(x2_3_3, gv11_0, fma(x2_3_2, gv10_0, fma(x2_2_5, gv03_0, fma(x2_2_4, gv02_0, fma(x2_2_3, gv01_0, x2_2_2 * gv00_0)))))));
    acc[53] += fma(x2_3_5, gv13_1, fma(x2_3_4, gv12_1, fma(x2_3_3, gv11_1, fma(x2_3_2, gv10_1, fma(x2_2_5, gv03_1, fma(x2_2_4, gv02_1, fma(x2_2_3, gv01_1, x2_2_2 * gv00_1)))))));
    let at3 = (n * gp.inChannels + ch3) * plane;
    let x3_0_0 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col0.index], row0.inside && col0.inside));
    let x3_0_1 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col1.index], row0.inside && col1.inside));
    let x3_0_2 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col2.index], row0.inside && col2.inside));
    let x3_0_3 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col3.index], row0.inside && col3.inside));
    let x3_0_4 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col4.index], row0.inside && col4.inside));
    let x3_0_5 = vec4<f32>(select(0.0, x[at3 + rowAt0 + col5.index], row0.inside && col5.inside));
    let x3_1_0 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col0.index], row1.inside && col0.inside));
    let x3_1_1 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col1.index], row1.inside && col1.inside));
    let x3_1_2 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col2.index], row1.inside && col2.inside));
    let x3_1_3 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col3.index], row1.inside && col3.inside));
    let x3_1_4 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col4.index], row1.inside && col4.inside));
    let x3_1_5 = vec4<f32>(select(0.0, x[at3 + rowAt1 + col5.index], row1.inside && col5.inside));
    let x3_2_0 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col0.index], row2.inside && col0.inside));
    let x3_2_1 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col1.index], row2.inside && col1.inside));
    let x3_2_2 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col2.index], row2.inside && col2.inside));
    let x3_2_3 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col3.index], row2.inside && col3.inside));
    let x3_2_4 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col4.index], row2.inside && col4.inside));
    let x3_2_5 = vec4<f32>(select(0.0, x[at3 + rowAt2 + col5.index], row2.inside && col5.inside));
    let x3_3_0 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col0.index], row3.inside && col0.inside));
    let x3_3_1 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col1.index], row3.inside && col1.inside));
    let x3_3_2 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col2.index], row3.inside && col2.inside));
    let x3_3_3 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col3.index], row3.inside && col3.inside));
    let x3_3_4 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col4.index], row3.inside && col4.inside));
    let x3_3_5 = vec4<f32>(select(0.0, x[at3 + rowAt3 + col5.index], row3.inside && col5.inside));
    acc[54] += fma(x3_1_3, gv13_0, fma(x3_1_2, gv12_0, fma(x3_1_1, gv11_0, fma(x3_1_0, gv10_0, fma(x3_0_3, gv03_0, fma(x3_0_2, gv02_0, fma(x3_0_1, gv01_0, x3_0_0 * gv00_0)))))));
    acc[55] += fma(x3_1_3, gv13_1, fma(x3_1_2, gv12_1, fma(x3_1_1, gv11_1, fma(x3_1_0, gv10_1, fma(x3_0_3, gv03_1, fma(x3_0_2, gv02_1, fma(x3_0_1, gv01_1, x3_0_0 * gv00_1)))))));
    acc[56] += fma(x3_1_4, gv13_0, fma(x3_1_3, gv12_0, fma(x3_1_2, gv11_0, fma(x3_1_1, gv10_0, fma(x3_0_4, gv03_0, fma(x3_0_3, gv02_0, fma(x3_0_2, gv01_0, x3_0_1 * gv00_0)))))));
    acc[57] += fma(x3_1_4, gv13_1, fma(x3_1_3, gv12_1, fma(x3_1_2, gv11_1, fma(x3_1_1, gv10_1, fma(x3_0_4, gv03_1, fma(x3_0_3, gv02_1, fma(x3_0_2, gv01_1, x3_0_1 * gv00_1)))))));
    acc[58] += fma(x3_1_5, gv13_0, fma(x3_1_4, gv12_0, fma(x3_1_3, gv11_0, fma(x3_1_2, gv10_0, fma(x3_0_5, gv03_0, fma(x3_0_4, gv02_0, fma(x3_0_3, gv01_0, x3_0_2 * gv00_0)))))));
    acc[59] += fma(x3_1_5, gv13_1, fma(x3_1_4, gv12_1, fma(x3_1_3, gv11_1, fma(x3_1_2, gv10_1, fma(x3_0_5, gv03_1, fma(x3_0_4, gv02_1, fma(x3_0_3, gv01_1, x3_0_2 * gv00_1)))))));
    acc[60] += fma(x3_2_3, gv13_0, fma(x3_2_2, gv12_0, fma(x3_2_1, gv11_0, fma(x3_2_0, gv10_0, fma(x3_1_3, gv03_0, fma(x3_1_2, gv02_0, fma(x3_1_1, gv01_0, x3_1_0 * gv00_0)))))));
    acc[61] += fma(x3_2_3, gv13_1, fma(x3_2_2, gv12_1, fma(x3_2_1, gv11_1, fma(x3_2_0, gv10_1, fma(x3_1_3, gv03_1, fma(x3_1_2, gv02_1, fma(x3_1_1, gv01_1, x3_1_0 * gv00_1)))))));
    acc[62] += fma(x3_2_4, gv13_0, fma(x3_2_3, gv12_0, fma(x3_2_2, gv11_0, fma(x3_2_1, gv10_0, fma(x3_1_4, gv03_0, fma(x3_1_3, gv02_0, fma(x3_1_2, gv01_0, x3_1_1 * gv00_0)))))));
    acc[63] += fma(x3_2_4, gv13_1, fma(x3_2_3, gv12_1, fma(x3_2_2, gv11_1, fma(x3_2_1, gv10_1, fma(x3_1_4, gv03_1, fma(x3_1_3, gv02_1, fma(x3_1_2, gv01_1, x3_1_1 * gv00_1)))))));
    acc[64] += fma(x3_2_5, gv13_0, fma(x3_2_4, gv12_0, fma(x3_2_3, gv11_0, fma(x3_2_2, gv10_0, fma(x3_1_5, gv03_0, fma(x3_1_4, gv02_0, fma(x3_1_3, gv01_0, x3_1_2 * gv00_0)))))));
    acc[65] += fma(x3_2_5, gv13_1, fma(x3_2_4, gv12_1, fma(x3_2_3, gv11_1, fma(x3_2_2, gv10_1, fma(x3_1_5, gv03_1, fma(x3_1_4, gv02_1, fma(x3_1_3, gv01_1, x3_1_2 * gv00_1)))))));
    acc[66] += fma(x3_3_3, gv13_0, fma(x3_3_2, gv12_0, fma(x3_3_1, gv11_0, fma(x3_3_0, gv10_0, fma(x3_2_3, gv03_0, fma(x3_2_2, gv02_0, fma(x3_2_1, gv01_0, x3_2_0 * gv00_0)))))));
    acc[67] += fma(x3_3_3, gv13_1, fma(x3_3_2, gv12_1, fma(x3_3_1, gv11_1, fma(x3_3_0, gv10_1, fma(x3_2_3, gv03_1, fma(x3_2_2, gv02_1, fma(x3_2_1, gv01_1, x3_2_0 * gv00_1)))))));
    acc[68] += fma(x3_3_4, gv13_0, fma(x3_3_3, gv12_0, fma(x3_3_2, gv11_0, fma(x3_3_1, gv10_0, fma(x3_2_4, gv03_0, fma(x3_2_3, gv02_0, fma(x3_2_2, gv01_0, x3_2_1 * gv00_0)))))));
    acc[69] += fma(x3_3_4, gv13_1, fma(x3_3_3, gv12_1, fma(x3_3_2, gv11_1, fma(x3_3_1, gv10_1, fma(x3_2_4, gv03_1, fma(x3_2_3, gv02_1, fma(x3_2_2, gv01_1, x3_2_1 * gv00_1)))))));
    acc[70] += fma(x3_3_5, gv13_0, fma(x3_3_4, gv12_0, fma(x3_3_3, gv11_0, fma(x3_3_2, gv10_0, fma(x3_2_5, gv03_0, fma(x3_2_4, gv02_0, fma(x3_2_3, gv01_0, x3_2_2 * gv00_0)))))));
    acc[71] += fma(x3_3_5, gv13_1, fma(x3_3_4, gv12_1, fma(x3_3_3, gv11_1, fma(x3_3_2, gv10_1, fma(x3_2_5, gv03_1, fma(x3_2_4, gv02_1, fma(x3_2_3, gv01_1, x3_2_2 * gv00_1)))))));
    ox0 += 4u;
    let rowDone = ox0 == gp.outWidth;
    ox0 = select(ox0, 0u, rowDone);
    oy0 = select(oy0, oy0 + 2u, rowDone);
    let imageDone = oy0 == gp.outHeight;
    oy0 = select(oy0, 0u, imageDone);
    n = select(n, n + 1u, imageDone);
  }
  store_weight_grad(split, os0, ch0, 0u, acc[0]);
  store_weight_grad(split, os1, ch0, 0u, acc[1]);
  store_weight_grad(split, os0, ch0, 1u, acc[2]);
  store_weight_grad(split, os1, ch0, 1u, acc[3]);
  store_weight_grad(split, os0, ch0, 2u, acc[4]);
  store_weight_grad(split, os1, ch0, 2u, acc[5]);
  store_weight_grad(split, os0, ch0, 3u, acc[6]);
  store_weight_grad(split, os1, ch0, 3u, acc[7]);
  store_weight_grad(split, os0, ch0, 4u, acc[8]);
  store_weight_grad(split, os1, ch0, 4u, acc[9]);
  store_weight_grad(split, os0, ch0, 5u, acc[10]);
  store_weight_grad(split, os1, ch0, 5u, acc[11]);
  store_weight_grad(split, os0, ch0, 6u, acc[12]);
  store_weight_grad(split, os1, ch0, 6u, acc[13]);
  store_weight_grad(split, os0, ch0, 7u, acc[14]);
  store_weight_grad(split, os1, ch0, 7u, acc[15]);
  store_weight_grad(split, os0, ch0, 8u, acc[16]);
  store_weight_grad(split, os1, ch0, 8u, acc[17]);
  store_weight_grad(split, os0, ch1, 0u, acc[18]);
  store_weight_grad(split, os1, ch1, 0u, acc[19]);
  store_weight_grad(split, os0, ch1, 1u, acc[20]);
  store_weight_grad(split, os1, ch1, 1u, acc[21]);
  store_weight_grad(split, os0, ch1, 2u, acc[22]);
  store_weight_grad(split, os1, ch1, 2u, acc[23]);
  store_weight_grad(split, os0, ch1, 3u, acc[24]);
  store_weight_grad(split, os1, ch1, 3u, acc[25]);
  store_weight_grad(split, os0, ch1, 4u, acc[26]);
  store_weight_grad(split, os1, ch1, 4u, acc[27]);
  store_weight_grad(split, os0, ch1, 5u, acc[28]);
  store_weight_grad(split, os1, ch1, 5u, acc[29]);
  store_weight_grad(split, os0, ch1, 6u, acc[30]);
  store_weight_grad(split, os1, ch1, 6u, acc[31]);
  store_weight_grad(split, os0, ch1, 7u, acc[32]);
  store_weight_grad(split, os1, ch1, 7u, acc[33]);
  store_weight_grad(split, os0, ch1, 8u, acc[34]);
  store_weight_grad(split, os1, ch1, 8u, acc[35]);
  store_weight_grad(split, os0, ch2, 0u, acc[36]);
  store_weight_grad(split, os1, ch2, 0u, acc[37]);
  store_weight_grad(split, os0, ch2, 1u, acc[38]);
  store_weight_grad(split, os1, ch2, 1u, acc[39]);
  store_weight_grad(split, os0, ch2, 2u, acc[40]);
  store_weight_grad(split, os1, ch2, 2u, acc[41]);
  store_weight_grad(split, os0, ch2, 3u, acc[42]);
  store_weight_grad(split, os1, ch2, 3u, acc[43]);
  store_weight_grad(split, os0, ch2, 4u, acc[44]);
  store_weight_grad(split, os1, ch2, 4u, acc[45]);
  store_weight_grad(split, os0, ch2, 5u, acc[46]);
  store_weight_grad(split, os1, ch2, 5u, acc[47]);
  store_weight_grad(split, os0, ch2, 6u, acc[48]);
  store_weight_grad(split, os1, ch2, 6u, acc[49]);
  store_weight_grad(split, os0, ch2, 7u, acc[50]);
  store_weight_grad(split, os1, ch2, 7u, acc[51]);
  store_weight_grad(split, os0, ch2, 8u, acc[52]);
  store_weight_grad(split, os1, ch2, 8u, acc[53]);
  store_weight_grad(split, os0, ch3, 0u, acc[54]);
  store_weight_grad(split, os1, ch3, 0u, acc[55]);
  store_weight_grad(split, os0, ch3, 1u, acc[56]);
  store_weight_grad(split, os1, ch3, 1u, acc[57]);
  store_weight_grad(split, os0, ch3, 2u, acc[58]);
  store_weight_grad(split, os1, ch3, 2u, acc[59]);
  store_weight_grad(split, os0, ch3, 3u, acc[60]);
  store_weight_grad(split, os1, ch3, 3u, acc[61]);
  store_weight_grad(split, os0, ch3, 4u, acc[62]);
  store_weight_grad(split, os1, ch3, 4u, acc[63]);
  store_weight_grad(split, os0, ch3, 5u, acc[64]);
  store_weight_grad(split, os1, ch3, 5u, acc[65]);
  store_weight_grad(split, os0, ch3, 6u, acc[66]);
  store_weight_grad(split, os1, ch3, 6u, acc[67]);
  store_weight_grad(split, os0, ch3, 7u, acc[68]);
  store_weight_grad(split, os1, ch3, 7u, acc[69]);
  store_weight_grad(split, os0, ch3, 8u, acc[70]);
  store_weight_grad(split, os1, ch3, 8u, acc[71]);
  if (c0 == 0u) {
    store_bias_grad(split, os0, biasSum0);
    store_bias_grad(split, os1, biasSum1);
  }
}

// Any kernel size and stride. Invocation: output channels o0..o0+7 × input channels c0..c0+7 for one tap
// (ky, kx), summed over the 4-pixel output segments of its split; acc[i·2 + b] = gradWeight[os{b}, c0 + i, ky, kx] (a vec4
// over 4 o's). x is a padded copy. Grid: grid1d over jobs = ceil(O / 8) · ceil(C / 8) · KH·KW (tap fastest)
// × splits.
@compute @workgroup_size(WG)
fn weight_grad_general(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let taps = gp.kernelHeight * gp.kernelWidth;
  let channelBlocks = (gp.inChannels + 7u) / 8u;
  let outBlocks = (gp.outChannels + 7u) / 8u;
  let invocation = gid.x + gid.y * groups.x * WG;
  let jobs = channelBlocks * outBlocks * taps;
  let split = invocation / jobs;
  if (split >= gp.splits) { return; }
  let tap = invocation % jobs % taps;
  let job = invocation % jobs / taps;
  let lastO = gp.outChannels - 1u;
  let o0 = job / channelBlocks * 8u;
  let os0 = vec4<u32>(min(o0, lastO), min(o0 + 1u, lastO), min(o0 + 2u, lastO), min(o0 + 3u, lastO));
  let os1 = vec4<u32>(min(o0 + 4u, lastO), min(o0 + 5u, lastO), min(o0 + 6u, lastO), min(o0 + 7u, lastO));
  let c0 = job % channelBlocks * 8u;
  let lastC = gp.inChannels - 1u;
  let ch0 = min(c0, lastC);
  let ch1 = min(c0 + 1u, lastC);
  let ch2 = min(c0 + 2u, lastC);
  let ch3 = min(c0 + 3u, lastC);
  let ch4 = min(c0 + 4u, lastC);
  let ch5 = min(c0 + 5u, lastC);
  let ch6 = min(c0 + 6u, lastC);
  let ch7 = min(c0 + 7u, lastC);
  let segmentsPerRow = gp.outWidth / 4u;
  let rowBlocks = gp.outHeight / 1u;
  let segments = gp.batch * rowBlocks * segmentsPerRow;
  let first = split * segments / gp.splits;
  let end = (split + 1u) * segments / gp.splits;
  var ox0 = first % segmentsPerRow * 4u;
  var oy0 = first / segmentsPerRow % rowBlocks * 1u;
  var n = first / (segmentsPerRow * rowBlocks);
  var biasSum0 = vec4<f32>(0.0);
  var biasSum1 = vec4<f32>(0.0);
  let s = gp.stride;
  let tapAt = tap / gp.kernelWidth * gp.sourceWidth + tap % gp.kernelWidth;
  var acc: array<vec4<f32>, 16>;
  for (var segment = first; segment < end; segment++) {
    let g0_0 = ((n * gp.outChannels + os0) * gp.outHeight + oy0) * gp.outWidth + ox0;
    let gv00_0 = vec4<f32>(gradOut[g0_0.x], gradOut[g0_0.y], gradOut[g0_0.z], gradOut[g0_0.w]);
    let gv01_0 = vec4<f32>(gradOut[g0_0.x + 1u], gradOut[g0_0.y + 1u], gradOut[g0_0.z + 1u], gradOut[g0_0.w + 1u]);
    let gv02_0 = vec4<f32>(gradOut[g0_0.x + 2u], gradOut[g0_0.y + 2u], gradOut[g0_0.z + 2u], gradOut[g0_0.w + 2u]);
    let gv03_0 = vec4<f32>(gradOut[g0_0.x + 3u], gradOut[g0_0.y + 3u], gradOut[g0_0.z + 3u], gradOut[g0_0.w + 3u]);
    biasSum0 += gv00_0 + gv01_0 + gv02_0 + gv03_0;
    let g0_1 = ((n * gp.outChannels + os1) * gp.outHeight + oy0) * gp.outWidth + ox0;
    let gv00_1 = vec4<f32>(gradOut[g0_1.x], gradOut[g0_1.y], gradOut[g0_1.z], gradOut[g0_1.w]);
    let gv01_1 = vec4<f32>(gradOut[g0_1.x + 1u], gradOut[g0_1.y + 1u], gradOut[g0_1.z + 1u], gradOut[g0_1.w + 1u]);
    let gv02_1 = vec4<f32>(gradOut[g0_1.x + 2u], gradOut[g0_1.y + 2u], gradOut[g0_1.z + 2u], gradOut[g0_1.w + 2u]);
    let gv03_1 = vec4<f32>(gradOut[g0_1.x + 3u], gradOut[g0_1.y + 3u], gradOut[g0_1.z + 3u], gradOut[g0_1.w + 3u]);
    biasSum1 += gv00_1 + gv01_1 + gv02_1 + gv03_1;
    let at0 = ((n * gp.inChannels + ch0) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x0_0 = vec4<f32>(x[at0]); let x0_1 = vec4<f32>(x[at0 + s]); let x0_2 = vec4<f32>(x[at0 + 2u * s]); let x0_3 = vec4<f32>(x[at0 + 3u * s]);
    acc[0] += fma(x0_3, gv03_0, fma(x0_2, gv02_0, fma(x0_1, gv01_0, x0_0 * gv00_0)));
    acc[1] += fma(x0_3, gv03_1, fma(x0_2, gv02_1, fma(x0_1, gv01_1, x0_0 * gv00_1)));
    let at1 = ((n * gp.inChannels + ch1) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x1_0 = vec4<f32>(x[at1]); let x1_1 = vec4<f32>(x[at1 + s]); let x1_2 = vec4<f32>(x[at1 + 2u * s]); let x1_3 = vec4<f32>(x[at1 + 3u * s]);
    acc[2] += fma(x1_3, gv03_0, fma(x1_2, gv02_0, fma(x1_1, gv01_0, x1_0 * gv00_0)));
    acc[3] += fma(x1_3, gv03_1, fma(x1_2, gv02_1, fma(x1_1, gv01_1, x1_0 * gv00_1)));
    let at2 = ((n * gp.inChannels + ch2) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x2_0 = vec4<f32>(x[at2]); let x2_1 = vec4<f32>(x[at2 + s]); let x2_2 = vec4<f32>(x[at2 + 2u * s]); let x2_3 = vec4<f32>(x[at2 + 3u * s]);
    acc[4] += fma(x2_3, gv03_0, fma(x2_2, gv02_0, fma(x2_1, gv01_0, x2_0 * gv00_0)));
    acc[5] += fma(x2_3, gv03_1, fma(x2_2, gv02_1, fma(x2_1, gv01_1, x2_0 * gv00_1)));
    let at3 = ((n * gp.inChannels + ch3) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x3_0 = vec4<f32>(x[at3]); let x3_1 = vec4<f32>(x[at3 + s]); let x3_2 = vec4<f32>(x[at3 + 2u * s]); let x3_3 = vec4<f32>(x[at3 + 3u * s]);
    acc[6] += fma(x3_3, gv03_0, fma(x3_2, gv02_0, fma(x3_1, gv01_0, x3_0 * gv00_0)));
    acc[7] += fma(x3_3, gv03_1, fma(x3_2, gv02_1, fma(x3_1, gv01_1, x3_0 * gv00_1)));
    let at4 = ((n * gp.inChannels + ch4) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x4_0 = vec4<f32>(x[at4]); let x4_1 = vec4<f32>(x[at4 + s]); let x4_2 = vec4<f32>(x[at4 + 2u * s]); let x4_3 = vec4<f32>(x[at4 + 3u * s]);
    acc[8] += fma(x4_3, gv03_0, fma(x4_2, gv02_0, fma(x4_1, gv01_0, x4_0 * gv00_0)));
    acc[9] += fma(x4_3, gv03_1, fma(x4_2, gv02_1, fma(x4_1, gv01_1, x4_0 * gv00_1)));
    let at5 = ((n * gp.inChannels + ch5) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x5_0 = vec4<f32>(x[at5]); let x5_1 = vec4<f32>(x[at5 + s]); let x5_2 = vec4<f32>(x[at5 + 2u * s]); let x5_3 = vec4<f32>(x[at5 + 3u * s]);
    acc[10] += fma(x5_3, gv03_0, fma(x5_2, gv02_0, fma(x5_1, gv01_0, x5_0 * gv00_0)));
    acc[11] += fma(x5_3, gv03_1, fma(x5_2, gv02_1, fma(x5_1, gv01_1, x5_0 * gv00_1)));
    let at6 = ((n * gp.inChannels + ch6) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x6_0 = vec4<f32>(x[at6]); let x6_1 = vec4<f32>(x[at6 + s]); let x6_2 = vec4<f32>(x[at6 + 2u * s]); let x6_3 = vec4<f32>(x[at6 + 3u * s]);
    acc[12] += fma(x6_3, gv03_0, fma(x6_2, gv02_0, fma(x6_1, gv01_0, x6_0 * gv00_0)));
    acc[13] += fma(x6_3, gv03_1, fma(x6_2, gv02_1, fma(x6_1, gv01_1, x6_0 * gv00_1)));
    let at7 = ((n * gp.inChannels + ch7) * gp.sourceHeight + oy0 * s) * gp.sourceWidth + ox0 * s + tapAt;
    let x7_0 = vec4<f32>(x[at7]); let x7_1 = vec4<f32>(x[at7 + s]); let x7_2 = vec4<f32>(x[at7 + 2u * s]); let x7_3 = vec4<f32>(x[at7 + 3u * s]);
    acc[14] += fma(x7_3, gv03_0, fma(x7_2, gv02_0, fma(x7_1, gv01_0, x7_0 * gv00_0)));
    acc[15] += fma(x7_3, gv03_1, fma(x7_2, gv02_1, fma(x7_1, gv01_1, x7_0 * gv00_1)));
    ox0 += 4u;
    let rowDone = ox0 == gp.outWidth;
    ox0 = select(ox0, 0u, rowDone);
    oy0 = select(oy0, oy0 + 1u, rowDone);
    let imageDone = oy0 == gp.outHeight;
    oy0 = select(oy0, 0u, imageDone);
    n = select(n, n + 1u, imageDone);
  }
  store_weight_grad(split, os0, ch0, tap, acc[0]);
  store_weight_grad(split, os1, ch0, tap, acc[1]);
  store_weight_grad(split, os0, ch1, tap, acc[2]);
  store_weight_grad(split, os1, ch1, tap, acc[3]);
  store_weight_grad(split, os0, ch2, tap, acc[4]);
  store_weight_grad(split, os1, ch2, tap, acc[5]);
  store_weight_grad(split, os0, ch3, tap, acc[6]);
  store_weight_grad(split, os1, ch3, tap, acc[7]);
  store_weight_grad(split, os0, ch4, tap, acc[8]);
  store_weight_grad(split, os1, ch4, tap, acc[9]);
  store_weight_grad(split, os0, ch5, tap, acc[10]);
  store_weight_grad(split, os1, ch5, tap, acc[11]);
  store_weight_grad(split, os0, ch6, tap, acc[12]);
  store_weight_grad(split, os1, ch6, tap, acc[13]);
  store_weight_grad(split, os0, ch7, tap, acc[14]);
  store_weight_grad(split, os1, ch7, tap, acc[15]);
  if (c0 == 0u && tap == 0u) {
    store_bias_grad(split, os0, biasSum0);
    store_bias_grad(split, os1, biasSum1);
  }
}

// ---- END GENERATED ----

