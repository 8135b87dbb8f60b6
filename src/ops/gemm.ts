/**
 * Shared-memory tiled GEMM kernels for real GPUs (shaders/gemm.wgsl): a batched matrix product with the
 * contract of dispatchMatmul, and conv2d's forward, input gradient and weight gradient as implicit GEMMs
 * (im2col indices computed while tiles are staged; no im2col buffer, no padded copy).
 *
 * Each workgroup of 256 invocations computes a 64×64 output tile from 16-deep k-slices staged in workgroup
 * memory (8.5 KiB); each invocation keeps a 4×4 register block. These are the variants GPUs favour; on CPU
 * adapters (SwiftShader) barriers are costly and the register-tiled kernels of matmul.ts / conv.ts win. The
 * functions below only dispatch: matmul() and conv2d() pick between the variants and record the autograd.
 */
import type { Engine } from "../engine.js";
import type { Tensor } from "../tensor.js";
import type { ConvGeometry } from "./conv.js";
import type { Operand } from "./matmul.js";
import { grid1d } from "./shape.js";

/** @internal The tiling of shaders/gemm.wgsl, for the autotuner and benchmarks. */
export const GEMM_TILING = {
  /** Output rows and columns per workgroup (TILE). */
  tile: 64,
  /** k-slice depth staged per step (BK). */
  slice: 16,
  invocations: 256,
  workgroupBytes: 2 * 16 * 17 * 16,
} as const;

const TILE = GEMM_TILING.tile;
const SLICE = GEMM_TILING.slice;
const MAX_GROUPS = 65535;
/**
 * The weight gradient splits its sum until about this many workgroups run: enough to fill a large GPU
 * (~100 compute units, two workgroups each), while each split still sums at least MIN_SLICES_PER_SPLIT slices.
 */
const WEIGHT_GRAD_TARGET_WORKGROUPS = 256;
const MIN_SLICES_PER_SPLIT = 8;

function grid(kernel: string, x: number, y: number, z: number, what: string): [number, number, number] {
  if (x > MAX_GROUPS || y > MAX_GROUPS || z > MAX_GROUPS) {
    throw new Error(`${kernel}: ${what} needs workgroups [${x}, ${y}, ${z}], more than ${MAX_GROUPS} in one dimension`);
  }
  return [x, y, z];
}

/**
 * @internal Record C = A·B (+ C when `accumulate`) with the shared-memory tiled kernel: the same contract as
 * dispatchMatmul (operands read through (batch, row, col) strides; C dense [batch, M, N]).
 */
export function dispatchMatmulShared(A: Tensor, a: Operand, B: Tensor, b: Operand, C: Tensor, batch: number, accumulate = false): void {
  const M = a.rows;
  const N = b.cols;
  const what = `C [${batch}, ${M}, ${N}] = A [${a.rows}, ${a.cols}] · B [${b.rows}, ${b.cols}]`;
  A.engine.run(
    "gemm/matmul_shared",
    { A, B, C },
    { M, N, K: a.cols, batch, aStrides: a.strides, bStrides: b.strides },
    grid("dispatchMatmulShared", Math.ceil(N / TILE), Math.ceil(M / TILE), batch, what),
    accumulate ? { ACCUMULATE: 1 } : undefined, // shaders/lib/matmul_params.wgsl
  );
}

/** The uniforms of the convolution kernels (ConvParams in shaders/gemm.wgsl). */
function convParams(g: ConvGeometry, hasBias: boolean, columns = 0, slicesPerSplit = 0) {
  // ConvGeometry's fields are ConvParams' first twelve, by name.
  return { ...g, hasBias: hasBias ? 1 : 0, columns, slicesPerSplit };
}

function describe(g: ConvGeometry): string {
  return (
    `x [${g.batch}, ${g.inChannels}, ${g.inHeight}, ${g.inWidth}], weight [${g.outChannels}, ${g.inChannels}, ` +
    `${g.kernelHeight}, ${g.kernelWidth}], stride ${g.stride}, out ${g.outHeight}×${g.outWidth}`
  );
}

/**
 * @internal conv2d's forward as an implicit GEMM: out [N, O, HO, WO] = conv(x, weight) + bias, with rows o,
 * columns (n, oy, ox) and k = (c, ky, kx); the padding is applied while reading x.
 */
export function conv2dForwardShared(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const kernel = "conv2dForwardShared";
  const columns = g.batch * g.outHeight * g.outWidth;
  const workgroups = grid(kernel, Math.ceil(columns / TILE), Math.ceil(g.outChannels / TILE), 1, describe(g));
  const out = x.engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  // Without a bias the kernel reads no bias value; the weight fills the binding.
  x.engine.run("gemm/conv_forward_shared", { x, weight, bias: bias ?? weight, out }, convParams(g, bias !== null), workgroups);
  return out;
}

/**
 * @internal conv2d's input gradient [N, C, H, W] as an implicit GEMM (the gather form of the transposed
 * convolution): rows c, columns (n, iy, ix), k = (o, ky, kx), gradOut entries that no output pixel maps to
 * (stride > 1, borders) read as 0.
 */
export function conv2dInputGradientShared(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const kernel = "conv2dInputGradientShared";
  const columns = g.batch * g.inHeight * g.inWidth;
  const workgroups = grid(kernel, Math.ceil(columns / TILE), Math.ceil(g.inChannels / TILE), 1, describe(g));
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  gradOut.engine.run("gemm/conv_input_grad_shared", { gradOut, weight, gradInput }, convParams(g, false), workgroups);
  return gradInput;
}

/** @internal How many splits the weight gradient's sum of `slices` k-slices gets when `tiles` output tiles run. */
export function weightGradSplits(slices: number, tiles: number): number {
  const wanted = Math.ceil(WEIGHT_GRAD_TARGET_WORKGROUPS / tiles);
  return Math.max(1, Math.min(wanted, Math.floor(slices / MIN_SLICES_PER_SPLIT), MAX_GROUPS));
}

/**
 * @internal conv2d's weight gradient [O, C, KH, KW] (and bias gradient [O] when `withBias`) as an implicit
 * GEMM: rows o, columns (c, ky, kx) plus a column of ones for the bias, k = (n, oy, ox). The sum over k is
 * split into contiguous ranges (`splits`, default: enough to occupy a large GPU) whose partial sums a second
 * dispatch adds; unsplit without a bias, the first dispatch writes gradWeight directly.
 */
export function conv2dWeightGradientShared(
  x: Tensor,
  gradOut: Tensor,
  g: ConvGeometry,
  withBias: boolean,
  splits?: number,
): [Tensor, Tensor | null] {
  const kernel = "conv2dWeightGradientShared";
  const engine = x.engine;
  const weightColumns = g.inChannels * g.kernelHeight * g.kernelWidth;
  const columns = weightColumns + (withBias ? 1 : 0);
  const tiles = Math.ceil(columns / TILE) * Math.ceil(g.outChannels / TILE);
  const slices = Math.ceil((g.batch * g.outHeight * g.outWidth) / SLICE);
  let count = splits ?? weightGradSplits(slices, tiles);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${kernel}: splits must be a positive integer, got ${count}`);
  // Whole slices per split, and no empty split.
  const slicesPerSplit = Math.ceil(slices / Math.min(count, slices));
  count = Math.ceil(slices / slicesPerSplit);
  const workgroups = grid(kernel, Math.ceil(columns / TILE), Math.ceil(g.outChannels / TILE), count, describe(g));

  const weightShape = [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth];
  const gradWeight = engine.empty(weightShape, "conv2d weight gradient");
  const gradBias = withBias ? engine.empty([g.outChannels], "conv2d bias gradient") : null;
  const direct = count === 1 && !withBias;
  const partialSums = direct ? gradWeight : engine.empty([count, g.outChannels, columns], "conv2d weight gradient partial sums");
  engine.run("gemm/conv_weight_grad_shared", { x, gradOut, partialSums }, convParams(g, withBias, columns, slicesPerSplit), workgroups);
  if (!direct) finishWeightGradient(engine, partialSums, gradWeight, gradBias, count, columns, weightColumns);
  if (partialSums !== gradWeight) partialSums.dispose();
  return [gradWeight, gradBias];
}

/** gradWeight (and gradBias) = Σ over splits of the partial sums [splits, O, columns]. */
function finishWeightGradient(
  engine: Engine,
  partials: Tensor,
  gradWeight: Tensor,
  gradBias: Tensor | null,
  splits: number,
  columns: number,
  weightColumns: number,
): void {
  const count = partials.size / splits;
  // Without a bias column the kernel never writes gradBias, but the binding needs a buffer of its own.
  const biasTarget = gradBias ?? engine.empty([1], "conv2d weight gradient scratch");
  engine.run(
    "gemm/conv_weight_grad_finish",
    { partials, gradWeight, gradBias: biasTarget },
    { count, splits, columns, weightColumns },
    grid1d(count, 256),
  );
  if (biasTarget !== gradBias) biasTarget.dispose();
}
