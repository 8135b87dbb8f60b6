// Shared-memory tiled GEMM kernels for real GPUs: a batched matrix product and the three passes of a 2-D
// convolution as implicit GEMMs (no im2col buffer: the GEMM operands' elements are computed from the tensors'
// indices while a tile is staged). src/ops/matmul/kernels.ts and src/ops/conv/shared.ts dispatch them; an autotuner picks per adapter between
// these and the barrier-free register-tiled kernels of matmul.wgsl / conv2d.wgsl (which suit CPU adapters).
//
// The common scheme (every entry point):
//   C[m, n] = Σ_k A[m, k] · B[k, n], M×N output, K the reduction length.
//   A workgroup of 16×16 = 256 invocations computes a TILE × TILE = 64×64 block of C (rows row0.., columns
//   col0..). Invocation (tx, ty) keeps a 4×4 register block: rows row0 + 4·ty + i, columns col0 + 4·tx + j.
//   K is walked in slices of BK = 16. Each slice, the workgroup stages the 64×16 slice of A and the 16×64
//   slice of B in workgroup memory (4 values of each per invocation), then every invocation reads a vec4 of
//   A (its 4 rows) and a vec4 of B (its 4 columns) per k and does 16 FMAs. Staged, each value loaded from
//   global memory is used by 16 invocations instead of being reloaded by each (a 16× cut in global reads).
//   While a slice is multiplied, the next one is already being fetched into registers (the staged values), so
//   the global-memory latency overlaps the arithmetic with a single workgroup buffer (double buffering in
//   workgroup memory would need 16.6 KiB with the padding below, over WebGPU's default 16 KiB).
//
// Workgroup memory layout: a staged slice is [BK k][TILE rows or columns] stored as vec4 rows of ROW_VEC4 = 17
// vec4 (16 for the 64 values, one of padding): the multiply reads vec4s (128-bit shared loads, no bank
// conflicts: a warp reads 16 consecutive vec4 of B and 2 broadcast vec4 of A); the padding turns the 16-way
// bank conflict the staging writes would have when consecutive invocations stage consecutive k into a 2-way
// one (once per slice, against 16 reads).
// 2 × 16 × 17 × 16 B = 8.5 KiB per workgroup.
//
// Coalescing: the 4 values an invocation stages are picked so that consecutive invocations read consecutive
// addresses of the tensor: along k ("k-fast": invocation lid stages k = lid % 16 of rows lid / 16 + 16·r)
// when k is the contiguous axis of the operand, else along the rows/columns ("row-fast": row lid % 64 of
// k = lid / 64 + 4·r). stage_slot gives the (k, row) of each of the 4 values for either order.
//
// Bounds: any M, N, K (1 included). Staged values outside the matrix are 0, so a partial slice adds nothing,
// and stores outside C are skipped. Invocations never return early: every one reaches every barrier.
//
// Entry points:
//   matmul_shared            C[b] = A[b]·B[b] (+ C[b]), A and B read through (batch, row, col) strides.
//   conv_forward_shared      out = conv2d(x, weight) + bias.
//   conv_input_grad_shared   gradInput = the transposed convolution of gradOut.
//   conv_weight_grad_shared  partial sums of gradWeight (and gradBias) over a split of the output pixels.
//   conv_weight_grad_finish  adds the partial sums of the splits, scatters to gradWeight and gradBias.
//
// On a GPU (docs/performance.md, GPU variants), each of the four GEMM entry points per workgroup:
//   Tile: 16×16 = 256 invocations make a 64×64 block of C, 4×4 outputs per invocation, K in slices of 16.
//   Loads per FMA: 1/32 from global memory (a slice stages 2 · 64 · 16 = 2,048 values for 64 · 64 · 16 = 65,536
//     FMAs) and 1/2 from workgroup memory (two vec4 reads per 16 FMAs). TensorFlow.js's and ONNX Runtime Web's
//     packed matmul and conv2d programs (8×8 invocations of 4×4 outputs, 32×32 tiles, slices of 32) read the
//     same 1/2 from workgroup memory and 1/16 from global memory.
//   Registers: 16 accumulators, the 8 values staged for the next slice, 8 operands per k, the conv cursors:
//     about 48–64 32-bit registers per invocation.
//   Expected occupancy: registers bound it, not the 8.5 KiB of workgroup memory. On a 64 K-register compute unit
//     that holds up to 2,048 invocations (NVIDIA since Volta), 64 registers fit 4 workgroups (1,024 invocations,
//     50%), 128 would fit 2 (25%).
// conv_weight_grad_finish: 256 invocations of one output value each, a memory-bound sum of the splits' partials.

const TILE = 64u;
const BK = 16u;
const THREADS = 256u;
const ROW_VEC4 = 17u;

// [BK][ROW_VEC4] vec4: tileA[k · ROW_VEC4 + row / 4][row % 4] is A[row0 + row, k0 + k]; tileB likewise holds
// B[k0 + k, col0 + col]. 272 = BK · ROW_VEC4.
var<workgroup> tileA: array<vec4<f32>, 272>;
var<workgroup> tileB: array<vec4<f32>, 272>;

// A 4×4 register block: r{i}[j] is C[row0 + 4·ty + i, col0 + 4·tx + j].
struct Block {
  r0: vec4<f32>,
  r1: vec4<f32>,
  r2: vec4<f32>,
  r3: vec4<f32>,
};

// (k, row) inside a staged slice of the r-th of the 4 values invocation `lid` stages (see Coalescing above).
fn stage_slot(lid: u32, r: u32, kFast: bool) -> vec2<u32> {
  if (kFast) {
    return vec2<u32>(lid % BK, lid / BK + r * (THREADS / BK));
  }
  return vec2<u32>(lid / TILE + r * (THREADS / TILE), lid % TILE);
}

// Writes the values staged in registers into workgroup memory, between two barriers: the first waits until every
// invocation has multiplied the previous slice, the second until the whole slice is written.
fn put_slices(lid: u32, aKFast: bool, bKFast: bool, stageA: vec4<f32>, stageB: vec4<f32>) {
  workgroupBarrier();
  for (var r = 0u; r < 4u; r++) {
    let a = stage_slot(lid, r, aKFast);
    tileA[a.x * ROW_VEC4 + a.y / 4u][a.y % 4u] = stageA[r];
    let b = stage_slot(lid, r, bKFast);
    tileB[b.x * ROW_VEC4 + b.y / 4u][b.y % 4u] = stageB[r];
  }
  workgroupBarrier();
}

// acc += the product of the staged slices for invocation (tx, ty).
fn multiply_slices(acc: Block, tx: u32, ty: u32) -> Block {
  var total = acc;
  for (var k = 0u; k < BK; k++) {
    let a = tileA[k * ROW_VEC4 + ty];
    let b = tileB[k * ROW_VEC4 + tx];
    total.r0 = fma(vec4<f32>(a.x), b, total.r0);
    total.r1 = fma(vec4<f32>(a.y), b, total.r1);
    total.r2 = fma(vec4<f32>(a.z), b, total.r2);
    total.r3 = fma(vec4<f32>(a.w), b, total.r3);
  }
  return total;
}

fn block_row(acc: Block, i: u32) -> vec4<f32> {
  switch (i) {
    case 0u: { return acc.r0; }
    case 1u: { return acc.r1; }
    case 2u: { return acc.r2; }
    default: { return acc.r3; }
  }
}

// ---------------------------------------------------------------------------------------------------------
// matmul_shared: C[b] = A[b] · B[b] (+ C[b] when ACCUMULATE), the contract of matmul.wgsl's matmul.
// A is read through strides (batch, row m, column k), B through (batch, row k, column n): a transposed operand
// is the same kernel with two strides swapped, a broadcast batch has batch stride 0. C is dense [batch, M, N].
// Grid: (ceil(N / 64), ceil(M / 64), batch).

//! include matmul_params

@group(0) @binding(0) var<uniform> gp: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn matmul_stage_a(lid: u32, kFast: bool, aBase: u32, row0: u32, k0: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var r = 0u; r < 4u; r++) {
    let at = stage_slot(lid, r, kFast);
    let k = k0 + at.x;
    let m = row0 + at.y;
    if (k < gp.K && m < gp.M) {
      v[r] = A[aBase + m * gp.aStrides.y + k * gp.aStrides.z];
    }
  }
  return v;
}

fn matmul_stage_b(lid: u32, kFast: bool, bBase: u32, col0: u32, k0: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var r = 0u; r < 4u; r++) {
    let at = stage_slot(lid, r, kFast);
    let k = k0 + at.x;
    let n = col0 + at.y;
    if (k < gp.K && n < gp.N) {
      v[r] = B[bBase + k * gp.bStrides.y + n * gp.bStrides.z];
    }
  }
  return v;
}

@compute @workgroup_size(16, 16, 1)
fn matmul_shared(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let batchIndex = wg.z;
  let aBase = batchIndex * gp.aStrides.x;
  let bBase = batchIndex * gp.bStrides.x;
  // Stage along whichever axis is contiguous in memory (uniform over the dispatch).
  let aKFast = gp.aStrides.z == 1u;
  let bKFast = gp.bStrides.z != 1u;
  let slices = (gp.K + BK - 1u) / BK;
  var stageA = matmul_stage_a(lid, aKFast, aBase, row0, 0u);
  var stageB = matmul_stage_b(lid, bKFast, bBase, col0, 0u);
  var acc = Block(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var s = 0u; s < slices; s++) {
    put_slices(lid, aKFast, bKFast, stageA, stageB);
    if (s + 1u < slices) {
      stageA = matmul_stage_a(lid, aKFast, aBase, row0, (s + 1u) * BK);
      stageB = matmul_stage_b(lid, bKFast, bBase, col0, (s + 1u) * BK);
    }
    acc = multiply_slices(acc, local.x, local.y);
  }
  let cBase = batchIndex * gp.M * gp.N;
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + 4u * local.y + i;
    if (m >= gp.M) { break; }
    let values = block_row(acc, i);
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + 4u * local.x + j;
      if (n >= gp.N) { break; }
      let at = cBase + m * gp.N + n;
      var value = values[j];
      if (ACCUMULATE) { value += C[at]; }
      C[at] = value;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Convolutions. Layouts (dense, row-major, PyTorch's): x [N, C, H, W], weight [O, C, KH, KW], bias [O],
// out / gradOut [N, O, HO, WO]. taps = KH·KW. xp is x seen through a virtual zero padding of top rows above
// and left columns to the left (the bottom/right padding only sets HO and WO, which the host computes), so
// asymmetric pads such as diffusers' (0, 1, 0, 1) need nothing special; no padded copy is made.
//
//   forward          out[n,o,oy,ox] = bias[o] + Σ_{c,ky,kx} weight[o,c,ky,kx] · xp[n,c,oy·s+ky,ox·s+kx]
//                    GEMM: rows o (M = O), columns p = (n, oy, ox) (N = batch·HO·WO), k = (c, ky, kx)
//                    (K = C·taps). A = weight seen as [O, K] (k contiguous: staged k-fast); B[k, p] = the
//                    im2col value, staged row-fast (consecutive p: consecutive ox, addresses s apart).
//   input gradient   gradInput[n,c,iy,ix] = Σ_{o,ky,kx} weight[o,c,ky,kx] · gradOut[n,o,oy,ox] where
//                    oy·s = iy + top − ky and ox·s = ix + left − kx (both ≥ 0, divisible by s, and
//                    inside HO×WO; the gather form of the transposed convolution).
//                    GEMM: rows c (M = C), columns p = (n, iy, ix) (N = batch·H·W), k = (o, ky, kx)
//                    (K = O·taps). A[c, k] = weight[o, c, ky, kx] (taps contiguous: k-fast);
//                    B[k, p] = that gradOut value or 0, row-fast.
//   weight gradient  gradWeight[o,c,ky,kx] = Σ_{n,oy,ox} gradOut[n,o,oy,ox] · xp[n,c,oy·s+ky,ox·s+kx]
//                    gradBias[o] = Σ_{n,oy,ox} gradOut[n,o,oy,ox]
//                    GEMM: rows o (M = O), columns q = (c, ky, kx) plus, with a bias, one more column whose
//                    B values are all 1 (its sums are gradBias), k = p = (n, oy, ox) (K = batch·HO·WO).
//                    A[o, p] = gradOut (p contiguous), B[p, q] = the im2col value, both staged k-fast.
//                    K is long and M·N small in a U-Net's low-resolution layers, so the k-slices are split
//                    into `splits` contiguous ranges, one per grid z, each writing its own partial sums
//                    [splits, O, columns]; conv_weight_grad_finish adds them.

//! include conv_params

@group(0) @binding(4) var<uniform> cp: ConvParams;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read> weight: array<f32>;
// Read only when cp.hasBias = 1; without a bias the host binds any buffer here.
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
@group(0) @binding(9) var<storage, read> gradOut: array<f32>;
@group(0) @binding(10) var<storage, read_write> gradInput: array<f32>;
@group(0) @binding(11) var<storage, read_write> partialSums: array<f32>;

// xp[n, c, iy, ix] for a pixel of image `n` (xImage = n·C·H·W) and channel offset cOffset = c·H·W, 0 in the padding.
fn read_padded_x(xImage: u32, cOffset: u32, iy: i32, ix: i32) -> f32 {
  if (iy < 0 || ix < 0 || iy >= i32(cp.sourceHeight) || ix >= i32(cp.sourceWidth)) { return 0.0; }
  return x[xImage + cOffset + u32(iy) * cp.sourceWidth + u32(ix)];
}

// The row-fast B operands of the forward and input gradient walk k = (channel, ky, kx) (mixed radix ·, KH, KW)
// 4 at a time: invocation lid stages k = lid / 64 + 4·t for t = 0, 1, 2, … (4 per slice, slice after slice).
// Decoding k would take two integer divisions and two remainders per staged value (a dozen or more instructions
// each on a GPU, the divisor being a runtime value), so each invocation keeps k decoded and adds 4 with carries:
// 4 = dc·KH·KW + dky·KW + dkx.
struct Cursor {
  k: u32,
  channel: u32,
  ky: u32,
  kx: u32,
};

fn cursor_at(k: u32) -> Cursor {
  let taps = cp.kernelHeight * cp.kernelWidth;
  let tap = k % taps;
  return Cursor(k, k / taps, tap / cp.kernelWidth, tap % cp.kernelWidth);
}

// (dc, dky, dkx) of a step of 4.
fn cursor_step() -> vec3<u32> {
  return vec3<u32>(4u / (cp.kernelHeight * cp.kernelWidth), 4u / cp.kernelWidth % cp.kernelHeight, 4u % cp.kernelWidth);
}

// cursor + 4. kx + dkx < 2·KW and ky + 1 + dky < 2·KH, so one subtraction per digit suffices.
fn cursor_advance(cursor: Cursor, delta: vec3<u32>) -> Cursor {
  var next = Cursor(cursor.k + 4u, cursor.channel + delta.x, cursor.ky + delta.y, cursor.kx + delta.z);
  if (next.kx >= cp.kernelWidth) {
    next.kx -= cp.kernelWidth;
    next.ky += 1u;
  }
  if (next.ky >= cp.kernelHeight) {
    next.ky -= cp.kernelHeight;
    next.channel += 1u;
  }
  return next;
}

// Staged values of one slice: a = the 4 values of A this invocation stages, b = the 4 of B.
struct Staged {
  a: vec4<f32>,
  b: vec4<f32>,
};

// ---- forward and input gradient: A is the weight (k-fast), B's columns are the pixels of an image (row-fast).

// What one invocation needs to stage their slices. A: k = k0 + kA of rows rowA + 16·r. B: GEMM column
// p = col0 + lid % 64 (fixed; inside = p < N), a pixel of the image that starts at `image` in x or gradOut, at
// the k of `cursor` (advanced 4 per staged value); (y0, x0) is the pixel's row and column · stride + offset.
struct PixelLane {
  kA: u32,
  rowA: u32,
  pInside: bool,
  image: u32,
  y0: i32,
  x0: i32,
  delta: vec3<u32>,
};

// The lane of invocation lid when the GEMM columns are the pixels (plane = height · width) of cp.batch images,
// each imageSize values apart in the B tensor.
fn pixel_lane(lid: u32, row0: u32, col0: u32, width: u32, plane: u32, imageSize: u32, stride: u32,
              offset: vec2<i32>) -> PixelLane {
  let p = col0 + lid % TILE;
  let pixel = p % plane;
  return PixelLane(lid % BK, row0 + lid / BK, p < cp.batch * plane, p / plane * imageSize,
                   i32(pixel / width * stride) + offset.x, i32(pixel % width * stride) + offset.y, cursor_step());
}

// ---- forward. Grid: (ceil(batch·HO·WO / 64), ceil(O / 64), 1). B: the output pixel's input window starts at
// (y0, x0) = (oy·s − top, ox·s − left) of image n·C·H·W of x; k = (c, ky, kx).

fn forward_fetch(lane: PixelLane, k0: u32, cursor: ptr<function, Cursor>) -> Staged {
  let K = cp.inChannels * cp.kernelHeight * cp.kernelWidth;
  var staged = Staged(vec4<f32>(0.0), vec4<f32>(0.0));
  let ka = k0 + lane.kA;
  for (var r = 0u; r < 4u; r++) {
    let o = lane.rowA + r * (THREADS / BK);
    if (o < cp.outChannels && ka < K) { staged.a[r] = weight[o * K + ka]; }
  }
  for (var r = 0u; r < 4u; r++) {
    let at = *cursor;
    if (lane.pInside && at.k < K) {
      staged.b[r] = read_padded_x(lane.image, at.channel * cp.sourceHeight * cp.sourceWidth, lane.y0 + i32(at.ky), lane.x0 + i32(at.kx));
    }
    *cursor = cursor_advance(at, lane.delta);
  }
  return staged;
}

@compute @workgroup_size(16, 16, 1)
fn conv_forward_shared(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let K = cp.inChannels * cp.kernelHeight * cp.kernelWidth;
  let pixels = cp.outHeight * cp.outWidth;
  let columns = cp.batch * pixels;
  let lane = pixel_lane(lid, row0, col0, cp.outWidth, pixels, cp.inChannels * cp.sourceHeight * cp.sourceWidth, cp.stride,
                        vec2<i32>(-cp.top, -cp.left));
  let slices = (K + BK - 1u) / BK;
  var cursor = cursor_at(lid / TILE);
  var staged = forward_fetch(lane, 0u, &cursor);
  var acc = Block();
  for (var s = 0u; s < slices; s++) {
    put_slices(lid, true, false, staged.a, staged.b);
    if (s + 1u < slices) { staged = forward_fetch(lane, (s + 1u) * BK, &cursor); }
    acc = multiply_slices(acc, local.x, local.y);
  }
  for (var j = 0u; j < 4u; j++) {
    let q = col0 + 4u * local.x + j;
    if (q >= columns) { break; }
    let at = q / pixels * cp.outChannels * pixels + q % pixels;
    for (var i = 0u; i < 4u; i++) {
      let o = row0 + 4u * local.y + i;
      if (o >= cp.outChannels) { break; }
      var value = block_row(acc, i)[j];
      if (cp.hasBias == 1u) { value += bias[o]; }
      out[at + o * pixels] = value;
    }
  }
}

// ---- input gradient. Grid: (ceil(batch·H·W / 64), ceil(C / 64), 1). A: k = (o, tap), rows c. B: input pixel
// (iy, ix) of image n·O·HO·WO of gradOut, (y0, x0) = (iy + top, ix + left): k = (o, ky, kx) reads
// gradOut[n, o, oy, ox] with oy·s = y0 − ky, ox·s = x0 − kx.

fn input_grad_fetch(lane: PixelLane, k0: u32, cursor: ptr<function, Cursor>) -> Staged {
  let taps = cp.kernelHeight * cp.kernelWidth;
  let K = cp.outChannels * taps;
  let s = i32(cp.stride);
  var staged = Staged(vec4<f32>(0.0), vec4<f32>(0.0));
  let ka = k0 + lane.kA;
  let oa = ka / taps;
  let tapA = ka % taps;
  for (var r = 0u; r < 4u; r++) {
    let c = lane.rowA + r * (THREADS / BK);
    if (c < cp.inChannels && ka < K) { staged.a[r] = weight[(oa * cp.inChannels + c) * taps + tapA]; }
  }
  for (var r = 0u; r < 4u; r++) {
    let at = *cursor;
    let ys = lane.y0 - i32(at.ky);
    let xs = lane.x0 - i32(at.kx);
    // ys, xs ≥ 0 first, so that % and / act on non-negative values.
    if (lane.pInside && at.k < K && ys >= 0 && xs >= 0 && ys % s == 0 && xs % s == 0) {
      let oy = u32(ys / s);
      let ox = u32(xs / s);
      if (oy < cp.outHeight && ox < cp.outWidth) {
        staged.b[r] = gradOut[lane.image + (at.channel * cp.outHeight + oy) * cp.outWidth + ox];
      }
    }
    *cursor = cursor_advance(at, lane.delta);
  }
  return staged;
}

@compute @workgroup_size(16, 16, 1)
fn conv_input_grad_shared(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let K = cp.outChannels * cp.kernelHeight * cp.kernelWidth;
  let planeSize = cp.sourceHeight * cp.sourceWidth;
  let columns = cp.batch * planeSize;
  let lane = pixel_lane(lid, row0, col0, cp.sourceWidth, planeSize, cp.outChannels * cp.outHeight * cp.outWidth, 1u,
                        vec2<i32>(cp.top, cp.left));
  let slices = (K + BK - 1u) / BK;
  var cursor = cursor_at(lid / TILE);
  var staged = input_grad_fetch(lane, 0u, &cursor);
  var acc = Block();
  for (var s = 0u; s < slices; s++) {
    put_slices(lid, true, false, staged.a, staged.b);
    if (s + 1u < slices) { staged = input_grad_fetch(lane, (s + 1u) * BK, &cursor); }
    acc = multiply_slices(acc, local.x, local.y);
  }
  for (var j = 0u; j < 4u; j++) {
    let q = col0 + 4u * local.x + j;
    if (q >= columns) { break; }
    let at = q / planeSize * cp.inChannels * planeSize + q % planeSize;
    for (var i = 0u; i < 4u; i++) {
      let c = row0 + 4u * local.y + i;
      if (c >= cp.inChannels) { break; }
      gradInput[at + c * planeSize] = block_row(acc, i)[j];
    }
  }
}

// ---- weight gradient. Grid: (ceil(columns / 64), ceil(O / 64), splits); split z sums k-slices
// [z · slicesPerSplit, min((z + 1) · slicesPerSplit, all slices)) into partialSums[z, o, q] ([splits, O, columns]).

// Both operands are staged k-fast: the invocation stages pixel p = k0 + kLane of each slice, for rows
// o = oA + 16·r of A and the 4 fixed columns q of B, decoded once: channel offset c·H·W, tap offsets
// ky − top and kx − left, and kind 0 (outside), 1 (a weight column) or 2 (the bias column).
struct WeightGradLane {
  kLane: u32,
  oA: u32,
  cOffset: vec4<u32>,
  ky: vec4<i32>,
  kx: vec4<i32>,
  kind: vec4<u32>,
};

fn weight_grad_fetch(lane: WeightGradLane, k0: u32) -> Staged {
  let pixels = cp.outHeight * cp.outWidth;
  var staged = Staged(vec4<f32>(0.0), vec4<f32>(0.0));
  let p = k0 + lane.kLane;
  if (p >= cp.batch * pixels) { return staged; }
  let n = p / pixels;
  let pixel = p % pixels;
  let gAt = n * cp.outChannels * pixels + pixel;
  for (var r = 0u; r < 4u; r++) {
    let o = lane.oA + r * (THREADS / BK);
    if (o < cp.outChannels) { staged.a[r] = gradOut[gAt + o * pixels]; }
  }
  let xImage = n * cp.inChannels * cp.sourceHeight * cp.sourceWidth;
  let iy = i32(pixel / cp.outWidth * cp.stride);
  let ix = i32(pixel % cp.outWidth * cp.stride);
  for (var r = 0u; r < 4u; r++) {
    if (lane.kind[r] == 1u) {
      staged.b[r] = read_padded_x(xImage, lane.cOffset[r], iy + lane.ky[r], ix + lane.kx[r]);
    } else if (lane.kind[r] == 2u) {
      staged.b[r] = 1.0;
    }
  }
  return staged;
}

@compute @workgroup_size(16, 16, 1)
fn conv_weight_grad_shared(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let split = wg.z;
  let taps = cp.kernelHeight * cp.kernelWidth;
  let weightColumns = cp.inChannels * taps;
  var lane = WeightGradLane(lid % BK, row0 + lid / BK, vec4<u32>(0u), vec4<i32>(0), vec4<i32>(0), vec4<u32>(0u));
  for (var r = 0u; r < 4u; r++) {
    let q = col0 + lid / BK + r * (THREADS / BK);
    let tap = q % taps;
    lane.cOffset[r] = q / taps * cp.sourceHeight * cp.sourceWidth;
    lane.ky[r] = i32(tap / cp.kernelWidth) - cp.top;
    lane.kx[r] = i32(tap % cp.kernelWidth) - cp.left;
    lane.kind[r] = select(select(0u, 2u, q == weightColumns && cp.hasBias == 1u), 1u, q < weightColumns);
  }
  let allSlices = (cp.batch * cp.outHeight * cp.outWidth + BK - 1u) / BK;
  let first = min(split * cp.slicesPerSplit, allSlices);
  let end = min(first + cp.slicesPerSplit, allSlices);
  var staged = weight_grad_fetch(lane, first * BK);
  var acc = Block(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var s = first; s < end; s++) {
    put_slices(lid, true, true, staged.a, staged.b);
    if (s + 1u < end) { staged = weight_grad_fetch(lane, (s + 1u) * BK); }
    acc = multiply_slices(acc, local.x, local.y);
  }
  let splitBase = split * cp.outChannels * cp.columns;
  for (var i = 0u; i < 4u; i++) {
    let o = row0 + 4u * local.y + i;
    if (o >= cp.outChannels) { break; }
    let values = block_row(acc, i);
    for (var j = 0u; j < 4u; j++) {
      let q = col0 + 4u * local.x + j;
      if (q >= cp.columns) { break; }
      partialSums[splitBase + o * cp.columns + q] = values[j];
    }
  }
}

// ---- conv_weight_grad_finish: total[o, q] = Σ_z partials[z, o, q]; q < C·taps goes to gradWeight[o, q]
// ([O, C, KH, KW] is [O, C·taps]), q = C·taps (the bias column) to gradBias[o]. One invocation per (o, q);
// 1-D grid folded into 2-D (grid1d): i = gid.x + gid.y · nwg.x · 256.

struct FinishParams {
  count: u32,
  splits: u32,
  columns: u32,
  weightColumns: u32,
};

@group(0) @binding(12) var<uniform> fp: FinishParams;
@group(0) @binding(13) var<storage, read> partials: array<f32>;
@group(0) @binding(14) var<storage, read_write> gradWeight: array<f32>;
// Written only when the partial sums have a bias column; otherwise the host binds a scratch buffer here.
@group(0) @binding(15) var<storage, read_write> gradBias: array<f32>;

@compute @workgroup_size(256)
fn conv_weight_grad_finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= fp.count) { return; }
  var total = 0.0;
  for (var z = 0u; z < fp.splits; z++) {
    total += partials[z * fp.count + i];
  }
  let o = i / fp.columns;
  let q = i % fp.columns;
  if (q < fp.weightColumns) {
    gradWeight[o * fp.weightColumns + q] = total;
  } else {
    gradBias[o] = total;
  }
}
