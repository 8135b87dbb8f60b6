/**
 * The register-tiled convolution kernels (shaders/conv2d.wgsl, and their quad forms in shaders/conv2d_quad.wgsl):
 * barrier-free direct convolutions of a zero-padded input, for CPU adapters. The forward; the input gradient as a
 * stride-1 convolution of the dilated, padded output gradient with the transposed, flipped weight; the weight
 * gradient (and the bias gradient with it) as sums split across invocations and reduced. The 3×3 stride-1 kernels
 * pad as they read, read the weight in place and reuse each loaded input value for all the taps it feeds; other
 * shapes read a padded copy of the input and a packed copy of the weight.
 */
import type { Tensor } from "../../engine.js";
import { grid1d } from "../../shape.js";
import { type ConvGeometry, convParams } from "./geometry.js";

/** A forward tile: the kernel and the output block one invocation computes. */
export interface ConvTile {
  kernel: string;
  /** Output rows × columns per invocation. */
  height: number;
  width: number;
  /** Output channels per invocation. */
  channels: number;
  /** For 3×3 kernels at stride 1 only: these read the weight [O, C, 3, 3] as it is (others a packed copy). */
  only3x3: boolean;
  /** Needs subgroups: each quad of 4 invocations computes 2 tiles × 2 channel groups. */
  quad?: boolean;
}

export const CONV_TILES = {
  general: { kernel: "conv2d/conv_general", height: 2, width: 4, channels: 8, only3x3: false },
  conv3x3Small: { kernel: "conv2d/conv3x3_4x4", height: 4, width: 4, channels: 8, only3x3: true },
  conv3x3: { kernel: "conv2d/conv3x3_4x8", height: 4, width: 8, channels: 8, only3x3: true },
  conv3x3Quad: { kernel: "conv2d_quad/conv3x3_quad_4x8", height: 4, width: 8, channels: 8, only3x3: true, quad: true },
} as const satisfies Record<string, ConvTile>;

/**
 * A weight-gradient kernel: one invocation sums `outputs` × `inputs` channels (× all taps, or one tap when
 * `perTap`) over segments of `rows` × 4 output pixels; a quad kernel (subgroups) takes 2 × 2 channel blocks.
 */
export interface WeightGradKernel {
  kernel: string;
  outputs: number;
  inputs: number;
  rows: number;
  perTap: boolean;
  quad?: boolean;
}

export const WEIGHT_GRAD_KERNELS = {
  general: { kernel: "conv2d/weight_grad_general", outputs: 8, inputs: 8, rows: 1, perTap: true },
  conv3x3: { kernel: "conv2d/weight_grad_3x3", outputs: 4, inputs: 4, rows: 2, perTap: false },
  conv3x3Wide: { kernel: "conv2d/weight_grad_3x3_wide", outputs: 8, inputs: 4, rows: 2, perTap: false },
  conv3x3Quad: { kernel: "conv2d_quad/weight_grad_3x3_quad", outputs: 8, inputs: 4, rows: 2, perTap: false, quad: true },
} as const satisfies Record<string, WeightGradKernel>;

/** How a tiled forward or input gradient runs: the tile, the split of the channel sum, the workgroup size. */
export interface TileChoice {
  tile: ConvTile;
  /** Ranges the sum over input channels is split into (1: none); see defaultChannelSplits. */
  splits: number;
  /** Invocations per workgroup (the WGSL override WG). Default 64. */
  workgroupSize?: number;
}

/** How a tiled weight gradient runs. */
export interface WeightGradChoice {
  kernel: WeightGradKernel;
  /** The sum over the output is split until about this many invocations run. Default 256. */
  invocations?: number;
  /** Invocations per workgroup (the WGSL override WG). Default 64. */
  workgroupSize?: number;
}

/** Invocations of a quad kernel over a × b jobs: one quad (4 invocations) per 2 × 2 of them. */
const quadInvocations = (a: number, b: number): number => 4 * Math.ceil(a / 2) * Math.ceil(b / 2);

/** The workgroup-size constant of a dispatch: none for the default 64 (one pipeline fewer). */
const workgroupConstants = (size: number): Record<string, number> | undefined => (size === 64 ? undefined : { WG: size });

/** Input channels each split sums at least: a shorter sum does not pay for its partial output and the reduce. */
const MIN_SPLIT_CHANNELS = 32;

/** The sizes of the convolution a tiled pass itself runs, and its stride. */
export interface PassSizes {
  batch: number;
  inChannels: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  stride: number;
}

/**
 * The forward's sizes, or the input gradient's: it convolves gradOut (O channels) into the C channels of the
 * input, at stride 1 (the stride becomes a dilation).
 */
export function passSizes(g: ConvGeometry, forward: boolean): PassSizes {
  return forward
    ? {
        batch: g.batch,
        inChannels: g.inChannels,
        outChannels: g.outChannels,
        outHeight: g.outHeight,
        outWidth: g.outWidth,
        stride: g.stride,
      }
    : { batch: g.batch, inChannels: g.outChannels, outChannels: g.inChannels, outHeight: g.inHeight, outWidth: g.inWidth, stride: 1 };
}

/**
 * Into how many ranges a tiled convolution splits its sum over input channels (1: no split): enough that about
 * 256 invocations run on a software adapter (4 workgroups of 64, to spread over the CPU's threads) or 16384 on a
 * GPU, each split keeping at least 32 input channels. Small maps with many channels need it: at batch 1 a
 * 256-channel 4×4 layer has one tile × 32 output-channel groups = 32 invocations. `g` describes the tiled
 * convolution itself (passSizes).
 */
export function defaultChannelSplits(g: Omit<PassSizes, "stride">, tile: ConvTile, isSoftware: boolean): number {
  const invocations =
    g.batch * Math.ceil(g.outHeight / tile.height) * Math.ceil(g.outWidth / tile.width) * Math.ceil(g.outChannels / tile.channels);
  const wanted = Math.ceil((isSoftware ? 256 : 16384) / invocations);
  return Math.max(1, Math.min(wanted, Math.floor(g.inChannels / MIN_SPLIT_CHANNELS)));
}

/**
 * `source` [N, C, h, w] zero-padded, and dilated by `dilation` (dilation − 1 zeros between values), into
 * [N, C, height, width]: padded[r, q] = source[(r − top) / dilation, (q − left) / dilation] where that divides
 * evenly and lies inside, else 0. Negative top/left crop. Returns `source` itself when nothing would change.
 */
function padInput(source: Tensor, top: number, left: number, dilation: number, height: number, width: number): Tensor {
  const [batch, channels, sourceHeight, sourceWidth] = source.shape;
  if (top === 0 && left === 0 && dilation === 1 && height === sourceHeight && width === sourceWidth) return source;
  const padded = source.engine.empty([batch, channels, height, width], "conv2d padded input");
  source.engine.run(
    "conv2d/pad_input",
    { source, padded },
    { planes: batch * channels, sourceHeight, sourceWidth, paddedHeight: height, paddedWidth: width, top, left, dilation },
    grid1d(batch * channels * height),
  );
  return padded;
}

/**
 * The weight [B, A, kh, kw] as vec4 blocks [A·kh·kw, ceil(B/4)] (4 consecutive output channels, zero past B):
 * the forward reads it with A = C input channels. With `flip`, the weight is read as [A, B, kh, kw] (A = O)
 * with the taps reversed: the transposed, flipped weight of the input gradient.
 */
function packWeight(weight: Tensor, flip: boolean): Tensor {
  const [o, c, kh, kw] = weight.shape;
  const [channelsA, channelsB] = flip ? [o, c] : [c, o];
  const taps = kh * kw;
  const rows = channelsA * taps;
  const blocks = Math.ceil(channelsB / 4);
  const packed = weight.engine.empty([rows, blocks * 4], "conv2d packed weight");
  weight.engine.run(
    "conv2d/pack_weight",
    { weight, packed },
    { rows, blocks, channelsA, channelsB, taps, flip: flip ? 1 : 0 },
    grid1d(rows * blocks),
  );
  return packed;
}

/** The forward pass out [N, O, Ho, Wo] with a register tile. */
export function tiledForward(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, choice: TileChoice): Tensor {
  const out = x.engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  const conv = { kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride, top: g.padTop, left: g.padLeft, dilation: 1 };
  tiledConv(x, weight, false, bias, out, conv, choice);
  return out;
}

/**
 * The input gradient [N, C, H, W] with a register tile: a transposed convolution, gradOut dilated by the stride,
 * padded by kernel − 1 − pad and convolved at stride 1 with the transposed, flipped weight.
 */
export function tiledInputGradient(gradOut: Tensor, weight: Tensor, g: ConvGeometry, choice: TileChoice): Tensor {
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  const conv = {
    kernelHeight: g.kernelHeight,
    kernelWidth: g.kernelWidth,
    stride: 1,
    top: g.kernelHeight - 1 - g.padTop,
    left: g.kernelWidth - 1 - g.padLeft,
    dilation: g.stride,
  };
  tiledConv(gradOut, weight, true, null, gradInput, conv, choice);
  return gradInput;
}

/**
 * out [N, B, outHeight, outWidth] = the stride-`stride` convolution of `input` [N, A, h, w] (padded by top/left
 * and dilated by `dilation` first) with `weight` [B, A, kh, kw] (with `flip`: [A, B, kh, kw] read transposed,
 * taps reversed), plus `bias` when given. One invocation per tile × 8 output channels × split, tiles fastest (so
 * that on small maps one SIMD group's lanes take several channel groups, not one tile each and idle lanes); a
 * quad tile runs one quad per 2 tiles × 2 channel groups × split. With S channel splits, split s sums its range
 * of the A channels into partial sums [S, N, B, outHeight, outWidth] (split 0 adding the bias), and reduce_splits
 * adds them into out.
 */
function tiledConv(
  input: Tensor,
  weight: Tensor,
  flip: boolean,
  bias: Tensor | null,
  out: Tensor,
  conv: { kernelHeight: number; kernelWidth: number; stride: number; top: number; left: number; dilation: number },
  choice: TileChoice,
): void {
  const engine = input.engine;
  const [batch, inChannels] = input.shape;
  const [, outChannels, outHeight, outWidth] = out.shape;
  const { kernelHeight, kernelWidth, stride } = conv;
  const tile = choice.tile;
  const tilesX = Math.ceil(outWidth / tile.width);
  const tilesY = Math.ceil(outHeight / tile.height);
  const requested = choice.splits;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`conv2d: channelSplits must be a positive integer, got ${requested}`);
  }
  // At most one split per channel, and no empty split: C = 5 asked for 4 splits runs 3 of 2, 2 and 1 channels.
  const splitChannels = Math.ceil(inChannels / Math.min(requested, inChannels));
  const splits = Math.ceil(inChannels / splitChannels);
  // The 3×3 kernels apply the padding and dilation as they read; the general one reads a padded copy, big
  // enough that every read of every tile (edge tiles included) lands inside it.
  const copied = !tile.only3x3;
  const source = copied
    ? padInput(
        input,
        conv.top,
        conv.left,
        conv.dilation,
        (tilesY * tile.height - 1) * stride + kernelHeight,
        (tilesX * tile.width - 1) * stride + kernelWidth,
      )
    : input;
  const workgroupSize = choice.workgroupSize ?? 64;
  const tiles = batch * tilesX * tilesY;
  const channelGroups = Math.ceil(outChannels / tile.channels);
  const target = splits === 1 ? out : engine.empty([splits, ...out.shape], "conv2d channel-split partial sums");
  const taps = kernelHeight * kernelWidth;
  // The weight [B, A, kh, kw] (forward: B = O output channels, A = C summed channels) or, flipped, [A, B, kh, kw].
  const packed = tile.only3x3 ? null : packWeight(weight, flip);
  const weights: Record<string, Tensor> = packed ? { packedWeight: packed } : { weight };
  engine.run(
    tile.kernel,
    // Without a bias the kernel reads no bias value; the weight (at least O values) fills the binding.
    { x: source, ...weights, bias: bias ?? packed ?? weight, out: target },
    convParams({
      batch,
      inChannels,
      sourceHeight: source.shape[2],
      sourceWidth: source.shape[3],
      top: copied ? 0 : conv.top,
      left: copied ? 0 : conv.left,
      dilation: copied ? 1 : conv.dilation,
      outChannels,
      outHeight,
      outWidth,
      kernelHeight,
      kernelWidth,
      stride,
      tilesX,
      tilesY,
      hasBias: bias ? 1 : 0,
      splits,
      splitChannels,
      weightOutStride: flip ? taps : inChannels * taps,
      weightInStride: flip ? outChannels * taps : taps,
      flipTaps: flip ? 1 : 0,
    }),
    grid1d((tile.quad ? quadInvocations(tiles, channelGroups) : tiles * channelGroups) * splits, workgroupSize),
    workgroupConstants(workgroupSize),
  );
  if (splits > 1) {
    engine.run("conv2d/reduce_splits", { partials: target, total: out }, { count: out.size, splits }, grid1d(out.size));
    target.dispose();
  }
  packed?.dispose();
  if (source !== input) source.dispose();
}

/**
 * gradWeight [O, C, kh, kw] (and gradBias [O] when `withBias`) with a register-tiled kernel. The sum over the
 * output pixels is split into ranges summed by separate invocations, then reduced, so that small layers still
 * occupy every core (but not more: each split costs partial sums to write and add).
 */
export function tiledWeightGradient(
  x: Tensor,
  gradOut: Tensor,
  g: ConvGeometry,
  withBias: boolean,
  choice: WeightGradChoice,
): [Tensor, Tensor | null] {
  const weightShape = [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth];
  const engine = x.engine;
  const kernel = choice.kernel;
  const { batch, inChannels, outChannels, kernelHeight, kernelWidth, stride } = g;
  const taps = kernelHeight * kernelWidth;
  const outBlocks = Math.ceil(outChannels / kernel.outputs);
  const inBlocks = Math.ceil(inChannels / kernel.inputs);
  const jobs = outBlocks * inBlocks * (kernel.perTap ? taps : 1);
  // Each loop step takes a segment of rows × 4 output pixels, so gradOut is zero-padded to whole segments.
  const segmentRows = kernel.rows;
  const outHeight = Math.ceil(g.outHeight / segmentRows) * segmentRows;
  const outWidth = Math.ceil(g.outWidth / 4) * 4;
  const segments = (batch * outHeight * outWidth) / (segmentRows * 4);
  // The kernels compute split · segments in u32.
  const maxSplits = Math.min(segments, 1024, Math.floor(0xffffffff / segments));
  const splits = Math.max(1, Math.min(maxSplits, Math.ceil((choice.invocations ?? 256) / jobs)));
  const workgroupSize = choice.workgroupSize ?? 64;
  const gradPadded = padInput(gradOut, 0, 0, 1, outHeight, outWidth);
  // The 3×3 kernels apply x's padding as they read; the general kernel reads a padded copy.
  const source = !kernel.perTap
    ? x
    : padInput(x, g.padTop, g.padLeft, 1, (outHeight - 1) * stride + kernelHeight, (outWidth - 1) * stride + kernelWidth);

  const gradWeight = engine.empty(weightShape, "conv2d weight gradient");
  const gradBias = withBias ? engine.empty([outChannels], "conv2d bias gradient") : null;
  const partialWeight = splits === 1 ? gradWeight : engine.empty([splits, ...weightShape], "conv2d weight gradient partial sums");
  // Without a bias the kernel writes nothing there, but the binding needs a buffer of its own.
  const partialBias =
    splits === 1 && gradBias ? gradBias : engine.empty([gradBias ? splits * outChannels : 1], "conv2d bias gradient partial sums");
  engine.run(
    kernel.kernel,
    { x: source, gradOut: gradPadded, partialWeight, partialBias },
    convParams({
      batch,
      inChannels,
      sourceHeight: source.shape[2],
      sourceWidth: source.shape[3],
      top: kernel.perTap ? 0 : g.padTop,
      left: kernel.perTap ? 0 : g.padLeft,
      outChannels,
      outHeight,
      outWidth,
      kernelHeight,
      kernelWidth,
      stride,
      splits,
      hasBias: withBias ? 1 : 0,
    }),
    grid1d((kernel.quad ? quadInvocations(outBlocks, inBlocks) : jobs) * splits, workgroupSize),
    workgroupConstants(workgroupSize),
  );
  if (splits > 1) {
    const reduce = (partials: Tensor, total: Tensor) =>
      engine.run("conv2d/reduce_splits", { partials, total }, { count: total.size, splits }, grid1d(total.size));
    reduce(partialWeight, gradWeight);
    if (gradBias) reduce(partialBias, gradBias);
    partialWeight.dispose();
  }
  if (partialBias !== gradBias) partialBias.dispose();
  if (source !== x) source.dispose();
  if (gradPadded !== gradOut) gradPadded.dispose();
  return [gradWeight, gradBias];
}
