/**
 * The convolution's three passes as implicit GEMMs on the shared-memory tiled kernels of shaders/gemm.wgsl, for
 * GPUs: im2col indices are computed while tiles are staged (no im2col buffer, no padded copy). Each workgroup of
 * 256 invocations computes a 64×64 output tile from 16-deep k-slices staged in workgroup memory; each invocation
 * keeps a 4×4 register block.
 */
import type { Engine, Tensor } from "../../engine.js";
import { grid1d } from "../../shape.js";
import { GEMM_TILE, gemmGrid } from "../matmul/kernels.js";
import { type ConvGeometry, geometryParams } from "./geometry.js";

/** k-slice depth staged per step (BK in shaders/gemm.wgsl). */
const SLICE = 16;
/**
 * The weight gradient splits its sum until about this many workgroups run: enough to fill a large GPU (~100
 * compute units, two workgroups each), while each split still sums at least MIN_SLICES_PER_SPLIT slices.
 */
const WEIGHT_GRAD_TARGET_WORKGROUPS = 256;
const MIN_SLICES_PER_SPLIT = 8;

/** The implicit GEMMs' uniforms: the convolution's geometry, and for the weight gradient its columns and split. */
function gemmParams(g: ConvGeometry, hasBias: boolean, columns = 0, slicesPerSplit = 0) {
  return geometryParams(g, { hasBias: hasBias ? 1 : 0, columns, slicesPerSplit });
}

function describe(g: ConvGeometry): string {
  return (
    `x [${g.batch}, ${g.inChannels}, ${g.inHeight}, ${g.inWidth}], weight [${g.outChannels}, ${g.inChannels}, ` +
    `${g.kernelHeight}, ${g.kernelWidth}], stride ${g.stride}, out ${g.outHeight}×${g.outWidth}`
  );
}

/**
 * The forward: out [N, O, HO, WO] = conv(x, weight) + bias, with rows o, columns (n, oy, ox) and k = (c, ky, kx);
 * the padding is applied while reading x.
 */
export function conv2dForwardShared(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const columns = g.batch * g.outHeight * g.outWidth;
  const workgroups = gemmGrid("conv2dForwardShared", Math.ceil(columns / GEMM_TILE), Math.ceil(g.outChannels / GEMM_TILE), 1, describe(g));
  const out = x.engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  // Without a bias the kernel reads no bias value; the weight fills the binding.
  x.engine.run("gemm/conv_forward_shared", { x, weight, bias: bias ?? weight, out }, gemmParams(g, bias !== null), workgroups);
  return out;
}

/**
 * The input gradient [N, C, H, W] (the gather form of the transposed convolution): rows c, columns (n, iy, ix),
 * k = (o, ky, kx); gradOut entries that no output pixel maps to (stride > 1, borders) read as 0.
 */
export function conv2dInputGradientShared(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const columns = g.batch * g.inHeight * g.inWidth;
  const workgroups = gemmGrid(
    "conv2dInputGradientShared",
    Math.ceil(columns / GEMM_TILE),
    Math.ceil(g.inChannels / GEMM_TILE),
    1,
    describe(g),
  );
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  gradOut.engine.run("gemm/conv_input_grad_shared", { gradOut, weight, gradInput }, gemmParams(g, false), workgroups);
  return gradInput;
}

/** How many splits the weight gradient's sum of `slices` k-slices gets when `tiles` output tiles run. */
function weightGradSplits(slices: number, tiles: number): number {
  const wanted = Math.ceil(WEIGHT_GRAD_TARGET_WORKGROUPS / tiles);
  return Math.max(1, Math.min(wanted, Math.floor(slices / MIN_SLICES_PER_SPLIT), 65535));
}

/**
 * The weight gradient [O, C, KH, KW] (and bias gradient [O] when `withBias`): rows o, columns (c, ky, kx) plus a
 * column of ones for the bias, k = (n, oy, ox). The sum over k is split into contiguous ranges (`splits`, default:
 * enough to occupy a large GPU) whose partial sums a second dispatch adds; unsplit without a bias, the first
 * dispatch writes gradWeight directly.
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
  const tiles = Math.ceil(columns / GEMM_TILE) * Math.ceil(g.outChannels / GEMM_TILE);
  const slices = Math.ceil((g.batch * g.outHeight * g.outWidth) / SLICE);
  let count = splits ?? weightGradSplits(slices, tiles);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${kernel}: splits must be a positive integer, got ${count}`);
  // Whole slices per split, and no empty split.
  const slicesPerSplit = Math.ceil(slices / Math.min(count, slices));
  count = Math.ceil(slices / slicesPerSplit);
  const workgroups = gemmGrid(kernel, Math.ceil(columns / GEMM_TILE), Math.ceil(g.outChannels / GEMM_TILE), count, describe(g));

  const weightShape = [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth];
  const gradWeight = engine.empty(weightShape, "conv2d weight gradient");
  const gradBias = withBias ? engine.empty([g.outChannels], "conv2d bias gradient") : null;
  const direct = count === 1 && !withBias;
  const partialSums = direct ? gradWeight : engine.empty([count, g.outChannels, columns], "conv2d weight gradient partial sums");
  engine.run("gemm/conv_weight_grad_shared", { x, gradOut, partialSums }, gemmParams(g, withBias, columns, slicesPerSplit), workgroups);
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
