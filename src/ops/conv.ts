/**
 * 2-D convolution (shaders/conv2d.wgsl), NCHW, PyTorch's weight layout [out, in, kh, kw] as diffusers
 * checkpoints store it. Every pass is a register-tiled direct convolution of a zero-padded input: the forward;
 * the input gradient as a stride-1 convolution of the dilated, padded output gradient with the transposed,
 * flipped weight; the weight gradient (and the bias gradient with it) as sums split across invocations and
 * reduced. 3×3 stride-1 convolutions have their own kernels, which pad as they read, read the weight in place and
 * reuse each loaded input value for all the taps it feeds; other shapes read a padded copy of the input and a
 * packed copy of the weight. bench/conv.ts times them. A 1×1 convolution at stride 1 without padding (the U-Net's
 * shortcuts) can also run as one matrix product per image through the matmul kernels (the "matmul" variants).
 */
import { record } from "../autograd.js";
import type { Engine } from "../engine.js";
import { type Tensor, shapeString } from "../tensor.js";
import { broadcastInto } from "./elementwise.js";
import { denseOperand, dispatchMatmul } from "./matmul.js";
import { sum } from "./reduce.js";
import { grid1d } from "./shape.js";
import { conv2dForwardShared, conv2dInputGradientShared, conv2dWeightGradientShared } from "./gemm.js";
import type { TuneProblem, Variant } from "../gpu/tuner.js";

export interface Conv2dOptions {
  /** Step between output pixels, in input pixels (positive integer; the U-Net uses 1 and 2). Default 1. */
  stride?: number;
  /**
   * Zero padding: one number for all four sides, or [top, bottom, left, right]. diffusers' Downsample2D with
   * downsample_padding = 0 pads right and bottom only, F.pad(x, (0, 1, 0, 1)): that is [0, 1, 0, 1] here
   * too (note F.pad's own order is left, right, top, bottom). Default 0.
   */
  padding?: number | readonly [number, number, number, number];
}

/** @internal Everything the kernels need to know about one convolution. */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  stride: number;
  padTop: number;
  padLeft: number;
}

/** @internal A tiled forward kernel of shaders/conv2d.wgsl and the output block one invocation computes. */
export interface ConvTile {
  kernel: string;
  /** Output rows × columns per invocation. */
  height: number;
  width: number;
  /** Output channels per invocation. */
  channels: number;
  /**
   * Only for 3×3 kernels at stride 1. These read the weight [O, C, 3, 3] as it is; the general tile reads a copy
   * that packWeight lays out.
   */
  only3x3: boolean;
  /**
   * A quad kernel (shaders/conv2d_quad.wgsl: needs the subgroups feature): each quad of 4 invocations computes 2
   * tiles × 2 channel groups, so the grid rounds both counts up to even.
   */
  quad?: boolean;
}

/** @internal The tiled kernels, for benchmarks. */
export const CONV_TILES = {
  general: { kernel: "conv2d/conv_general", height: 2, width: 4, channels: 8, only3x3: false },
  conv3x3Small: { kernel: "conv2d/conv3x3_4x4", height: 4, width: 4, channels: 8, only3x3: true },
  conv3x3: { kernel: "conv2d/conv3x3_4x8", height: 4, width: 8, channels: 8, only3x3: true },
  conv3x3Quad: { kernel: "conv2d_quad/conv3x3_quad_4x8", height: 4, width: 8, channels: 8, only3x3: true, quad: true },
} as const satisfies Record<string, ConvTile>;

/**
 * A weight-gradient kernel of shaders/conv2d.wgsl: one invocation sums output × input channels (× all taps, or
 * one tap when `perTap`) over segments of rows × 4 output pixels.
 */
interface WeightGradKernel {
  kernel: string;
  outputs: number;
  inputs: number;
  rows: number;
  perTap: boolean;
  /** A quad kernel (shaders/conv2d_quad.wgsl: needs subgroups): one quad per 2 × 2 of the channel blocks. */
  quad?: boolean;
}

/** @internal The weight-gradient kernels, for benchmarks. */
export const WEIGHT_GRAD_KERNELS = {
  general: { kernel: "conv2d/weight_grad_general", outputs: 8, inputs: 8, rows: 1, perTap: true },
  conv3x3: { kernel: "conv2d/weight_grad_3x3", outputs: 4, inputs: 4, rows: 2, perTap: false },
  conv3x3Wide: { kernel: "conv2d/weight_grad_3x3_wide", outputs: 8, inputs: 4, rows: 2, perTap: false },
  conv3x3Quad: { kernel: "conv2d_quad/weight_grad_3x3_quad", outputs: 8, inputs: 4, rows: 2, perTap: false, quad: true },
} as const satisfies Record<string, WeightGradKernel>;

/** @internal Knobs that bench/conv.ts compares; the defaults are what measured best on SwiftShader. */
export interface ConvTuning {
  /** Pick the tile of every convolution (forward and input gradient) instead of the automatic choice. */
  tile?: keyof typeof CONV_TILES;
  /** Invocations per workgroup of the tiled kernels (the WGSL override WG). Default 64. */
  workgroupSize?: number;
  /** The weight gradient's sum is split until about this many invocations run. Default 256. */
  weightGradInvocations?: number;
  /** Pick the weight-gradient kernel (the 3×3 ones apply to 3×3 stride-1 convolutions only). */
  weightGrad?: keyof typeof WEIGHT_GRAD_KERNELS;
  /**
   * Split the input-channel sum of every tiled convolution (forward and input gradient) this many ways instead
   * of defaultChannelSplits' choice (clamped to one channel per split). 1 = no split.
   */
  channelSplits?: number;
}

let tuning: ConvTuning = {};

/** @internal Set the tuning knobs (bench/conv.ts); returns the previous ones. */
export function setConvTuning(next: ConvTuning): ConvTuning {
  const previous = tuning;
  tuning = next;
  return previous;
}

/** @internal The geometry of conv2d(x, weight, bias, options), with the checks conv2d makes. */
export function conv2dGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): ConvGeometry {
  const op = "conv2d";
  const shapes = `x ${shapeString(x.shape)}, weight ${shapeString(weight.shape)}${bias ? `, bias ${shapeString(bias.shape)}` : ""}`;
  if (x.rank !== 4) throw new Error(`${op}: x must be 4-D [N, C, H, W], got ${shapes}`);
  if (weight.rank !== 4) throw new Error(`${op}: weight must be 4-D [O, C, kh, kw], got ${shapes}`);
  if (x.engine !== weight.engine || (bias && bias.engine !== x.engine)) throw new Error(`${op}: tensors belong to different engines`);
  const [batch, inChannels, inHeight, inWidth] = x.shape;
  const [outChannels, weightChannels, kernelHeight, kernelWidth] = weight.shape;
  if (weightChannels !== inChannels) {
    throw new Error(`${op}: x has ${inChannels} channels but weight expects ${weightChannels} (${shapes})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${op}: bias must be [${outChannels}] (one per output channel), got ${shapes}`);
  }
  const stride = options.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`${op}: stride must be a positive integer, got ${stride} (${shapes})`);
  const padding = options.padding ?? 0;
  const [padTop, padBottom, padLeft, padRight] = typeof padding === "number" ? [padding, padding, padding, padding] : padding;
  const pads = [padTop, padBottom, padLeft, padRight];
  if (pads.length !== 4 || pads.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`${op}: padding must be a non-negative integer or [top, bottom, left, right], got ${JSON.stringify(padding)} (${shapes})`);
  }
  const outHeight = Math.floor((inHeight + padTop + padBottom - kernelHeight) / stride) + 1;
  const outWidth = Math.floor((inWidth + padLeft + padRight - kernelWidth) / stride) + 1;
  if (!(outHeight > 0 && outWidth > 0) || kernelHeight < 1 || kernelWidth < 1 || batch < 1 || inChannels < 1 || outChannels < 1) {
    throw new Error(
      `${op}: output size [${batch}, ${outChannels}, ${outHeight}, ${outWidth}] is empty for ${shapes}, ` +
        `stride ${stride}, padding [${pads.join(", ")}]`,
    );
  }
  return { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, stride, padTop, padLeft };
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

/** The tile for a stride-`stride` kh×kw convolution producing `outWidth` columns. */
function chooseTile(engine: Engine, kernelHeight: number, kernelWidth: number, stride: number, outWidth: number): ConvTile {
  const is3x3 = kernelHeight === 3 && kernelWidth === 3 && stride === 1;
  if (tuning.tile && (is3x3 || !CONV_TILES[tuning.tile].only3x3)) return CONV_TILES[tuning.tile];
  if (!is3x3) return CONV_TILES.general;
  // The 4×8 tile halves the weight reads per output but wastes half its work on images 4 wide; on GPUs its
  // 64 vec4 accumulators cost occupancy, so they get the 4×4 tile (not measured: no GPU here). On a software
  // adapter with subgroups, its quad form (shaders/conv2d_quad.wgsl) measured 1.15–1.3× faster again.
  if (outWidth < 8 || !engine.adapter.isSoftware) return CONV_TILES.conv3x3Small;
  return engine.kernels.supports("conv2d_quad") ? CONV_TILES.conv3x3Quad : CONV_TILES.conv3x3;
}

/** A kernel's variant name for the tuner: its entry point ("conv2d/conv3x3_4x8" → "conv3x3_4x8"). */
const entryPoint = (kernel: string): string => kernel.split("/")[1];

/** Invocations of a quad kernel over a × b jobs: one quad (4 invocations) per 2 × 2 of them. */
const quadInvocations = (a: number, b: number): number => 4 * Math.ceil(a / 2) * Math.ceil(b / 2);

/**
 * A 1×1 convolution at stride 1 without padding: per image a matrix product over channels, which the "matmul"
 * variant of each family runs through the matmul kernels (src/ops/matmul.ts, tuned as family "matmul").
 */
const isPointwise = (g: ConvGeometry): boolean =>
  g.kernelHeight === 1 && g.kernelWidth === 1 && g.stride === 1 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;

/**
 * Whether a 1×1 convolution's default on a software adapter is the matmul variant: at ≥ 64 channels in and out
 * (the ddpm-cifar10-32 shortcuts) the autotune measured the matmul forms on SwiftShader 0.9–1.2× as fast as
 * conv_general's tile forward, 1.0–1.4× for the input gradient and 1.1–2.0× for the weight gradient; on
 * mnist-16's 16–64-channel shortcuts at batch 16 they lost or tied on every layer (forward 1.9–2.8× the tile's
 * time, gradients 1.0–1.7×), so there they are not even timed.
 */
const pointwiseByDefault = (g: ConvGeometry): boolean => Math.min(g.inChannels, g.outChannels) >= 64;

/**
 * The conv families' candidates not worth timing on a software adapter: "shared" (workgroup barriers cost more than
 * they save on a CPU adapter: shaders/gemm.wgsl) and the matmul form of a 1×1 convolution where it lost to the
 * tile on every layer measured (pointwiseByDefault).
 */
const untimedOnSoftware = (v: { name: string; pointwise?: boolean }, g: ConvGeometry): boolean =>
  v.name === "shared" || (v.pointwise === true && !pointwiseByDefault(g));

// As matrix operands (denseOperand), the 1×1 weight [O, C, 1, 1] is one [O × C] matrix for every image and an
// NCHW activation is N matrices [channels × H·W].

/** A 1×1 convolution's forward as out[n] = W · x[n] (+ bias: written first, then the product accumulated). */
function pointwiseForward(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const engine = x.engine;
  const pixels = g.outHeight * g.outWidth;
  const out = engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  if (bias) {
    const column = engine.view(bias, [g.outChannels, 1, 1], "conv2d bias");
    broadcastInto(column, out);
    column.dispose();
  }
  const w = denseOperand(1, g.outChannels, g.inChannels, false);
  dispatchMatmul(weight, w, x, denseOperand(g.batch, g.inChannels, pixels, false), out, g.batch, bias !== null);
  return out;
}

/** A 1×1 convolution's input gradient: gradInput[n] = Wᵀ · gradOut[n]. */
function pointwiseInputGradient(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const pixels = g.inHeight * g.inWidth;
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  const wT = denseOperand(1, g.outChannels, g.inChannels, true);
  dispatchMatmul(weight, wT, gradOut, denseOperand(g.batch, g.outChannels, pixels, false), gradInput, g.batch);
  return gradInput;
}

/** A 1×1 convolution's weight gradient Σₙ gradOut[n] · x[n]ᵀ (one product per image, then summed), and the bias's. */
function pointwiseWeightGradient(x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean): [Tensor, Tensor | null] {
  const engine = x.engine;
  const pixels = g.outHeight * g.outWidth;
  const weightShape = [g.outChannels, g.inChannels, 1, 1];
  const products = engine.empty(g.batch === 1 ? weightShape : [g.batch, ...weightShape], "conv2d weight gradient");
  const xT = denseOperand(g.batch, g.inChannels, pixels, true);
  dispatchMatmul(gradOut, denseOperand(g.batch, g.outChannels, pixels, false), x, xT, products, g.batch);
  let gradWeight = products;
  if (g.batch > 1) {
    gradWeight = sum(products, 0);
    products.dispose();
  }
  return [gradWeight, withBias ? sum(gradOut, [0, 2, 3]) : null];
}

/**
 * Input channels each split sums at least: a shorter sum does not pay for its partial output, its stores and the
 * reduce (measured on SwiftShader: 16-channel splits of a 32-channel 8×8 layer at batch 16 were slower).
 */
const MIN_SPLIT_CHANNELS = 32;

/**
 * @internal Into how many ranges a tiled convolution splits its sum over input channels (1: no split): enough
 * that about 256 invocations run on a software adapter (4 workgroups of 64, to spread over the CPU's threads)
 * or 16384 on a GPU, with each split keeping at least 32 input channels. Small maps with many channels need it: at batch 1
 * a 256-channel 4×4 layer has one tile × 32 output-channel groups = 32 invocations. `g` describes the tiled
 * convolution itself: for the input gradient, inChannels are the forward's output channels and out* the input's.
 */
export function defaultChannelSplits(
  g: { batch: number; inChannels: number; outChannels: number; outHeight: number; outWidth: number },
  tile: ConvTile,
  isSoftware: boolean,
): number {
  const invocations =
    g.batch * Math.ceil(g.outHeight / tile.height) * Math.ceil(g.outWidth / tile.width) * Math.ceil(g.outChannels / tile.channels);
  const wanted = Math.ceil((isSoftware ? 256 : 16384) / invocations);
  return Math.max(1, Math.min(wanted, Math.floor(g.inChannels / MIN_SPLIT_CHANNELS)));
}

/**
 * out [N, B, outHeight, outWidth] = the stride-`stride` convolution of `input` [N, A, h, w] (padded by top/left
 * and dilated by `dilation` first) with `weight` [B, A, kh, kw] (with `flip`: [A, B, kh, kw] read transposed,
 * taps reversed), plus `bias` when given. One
 * invocation per tile × 8 output channels × split, tiles fastest (so that on small maps one SIMD group's lanes
 * take several channel groups, not one tile each and idle lanes); a quad tile runs one quad per 2 tiles × 2
 * channel groups × split. With S channel splits, split s sums its range
 * of the A channels into partial sums [S, N, B, outHeight, outWidth] (split 0 adding the bias), and
 * reduce_splits adds them into out.
 */
function tiledConv(
  input: Tensor,
  weight: Tensor,
  flip: boolean,
  bias: Tensor | null,
  out: Tensor,
  conv: { kernelHeight: number; kernelWidth: number; stride: number; top: number; left: number; dilation: number },
  choice: { tile: ConvTile; splits: number },
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
    ? padInput(input, conv.top, conv.left, conv.dilation, (tilesY * tile.height - 1) * stride + kernelHeight, (tilesX * tile.width - 1) * stride + kernelWidth)
    : input;
  const workgroupSize = tuning.workgroupSize ?? 64;
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
    {
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
    },
    grid1d((tile.quad ? quadInvocations(tiles, channelGroups) : tiles * channelGroups) * splits, workgroupSize),
    workgroupSize === 64 ? undefined : { WG: workgroupSize },
  );
  if (splits > 1) {
    engine.run("conv2d/reduce_splits", { partials: target, total: out }, { count: out.size, splits }, grid1d(out.size));
    target.dispose();
  }
  packed?.dispose();
  if (source !== input) source.dispose();
}

/**
 * @internal gradWeight [O, C, kh, kw] (and gradBias [O] when `withBias`) from x and gradOut; the sum over the
 * output pixels is split into ranges summed by separate invocations, then reduced, so that small layers still
 * occupy every core (but not more: each split costs partial sums to write and add).
 */
export function conv2dWeightGradient(x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean): [Tensor, Tensor | null] {
  const engine = x.engine;
  const is3x3 = g.kernelHeight === 3 && g.kernelWidth === 3 && g.stride === 1;
  if (tuning.weightGrad && (is3x3 || WEIGHT_GRAD_KERNELS[tuning.weightGrad].perTap)) {
    return tiledWeightGradient(x, gradOut, g, withBias, WEIGHT_GRAD_KERNELS[tuning.weightGrad]);
  }
  return weightGradientWith(engine.tuner.choose(weightGradProblem(engine, g, withBias)), x, gradOut, g, withBias);
}

function weightGradientWith(variant: WeightGradVariant, x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean): [Tensor, Tensor | null] {
  if (variant.pointwise) return pointwiseWeightGradient(x, gradOut, g, withBias);
  return variant.kernel ? tiledWeightGradient(x, gradOut, g, withBias, variant.kernel) : conv2dWeightGradientShared(x, gradOut, g, withBias);
}

/** The weight-gradient problem the tuner decides (family "conv2d.weightGrad"). */
function weightGradProblem(engine: Engine, g: ConvGeometry, withBias: boolean): TuneProblem<WeightGradVariant> {
  const is3x3 = g.kernelHeight === 3 && g.kernelWidth === 3 && g.stride === 1;
  const tiled = (k: WeightGradKernel) => ({ name: entryPoint(k.kernel), kernel: k });
  const quad = engine.kernels.supports("conv2d_quad");
  const candidates: WeightGradVariant[] = [
    ...(is3x3 ? [tiled(WEIGHT_GRAD_KERNELS.conv3x3Wide), tiled(WEIGHT_GRAD_KERNELS.conv3x3)] : []),
    ...(is3x3 && quad ? [tiled(WEIGHT_GRAD_KERNELS.conv3x3Quad)] : []),
    tiled(WEIGHT_GRAD_KERNELS.general),
    ...(isPointwise(g) ? [{ name: "matmul", kernel: null, pointwise: true }] : []),
    { name: "shared", kernel: null },
  ];
  // The wide 3×3 kernel (8 output channels instead of 4) reads less per FMA; it measured slower on 4×4 images,
  // where the split sums are short. (8 × 4 channels × 4×4-pixel segments measured another 15% faster on the
  // big layers but takes SwiftShader 9 s to compile, against about 1 s.) Its quad form (subgroups) measured
  // faster than both on every U-Net layer: 1.05–1.3× the wide kernel, 1.3–1.7× the narrow one on 4×4 maps at
  // batch 1–16 (bench/conv.ts --shapes batch). GPUs: the shared-memory GEMM.
  const softwareChoice = (): string => {
    if (isPointwise(g) && pointwiseByDefault(g)) return "matmul";
    if (!is3x3) return "weight_grad_general";
    if (g.outChannels >= 8 && quad) return "weight_grad_3x3_quad";
    return g.outChannels >= 8 && g.outHeight * g.outWidth >= 64 ? "weight_grad_3x3_wide" : "weight_grad_3x3";
  };
  const heuristicName = engine.adapter.isSoftware ? softwareChoice() : "shared";
  return {
    family: "conv2d.weightGrad",
    key: `${geometryKey(g)}${withBias ? " +bias" : ""}`,
    candidates,
    heuristic: candidates.find((c) => c.name === heuristicName)!,
    // The quad kernel relies on a CPU adapter's layout of subgroups (shaders/conv2d_quad.wgsl): timed only there.
    untimed: (v) => (engine.adapter.isSoftware ? untimedOnSoftware(v, g) : v.kernel?.quad === true),
    trial: (variant) => {
      const x = engine.randn([g.batch, g.inChannels, g.inHeight, g.inWidth], { seed: 21 });
      const gradOut = engine.randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { seed: 22 });
      return {
        run: () =>
          engine.tidy(() => {
            weightGradientWith(variant, x, gradOut, g, withBias).forEach((t) => t?.dispose());
          }),
        dispose: () => [x, gradOut].forEach((t) => t.dispose()),
      };
    },
  };
}

interface WeightGradVariant extends Variant {
  /** The register-tiled kernel, or null for the shared-memory GEMM (src/ops/gemm.ts) or the matmul kernels. */
  kernel: WeightGradKernel | null;
  /** A 1×1 convolution's gradient through the matmul kernels. */
  pointwise?: boolean;
}

/** The weight gradient with one of the register-tiled kernels of shaders/conv2d.wgsl. */
function tiledWeightGradient(x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean, choice: WeightGradKernel): [Tensor, Tensor | null] {
  const weightShape = [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth];
  const engine = x.engine;
  const { batch, inChannels, outChannels, kernelHeight, kernelWidth, stride } = g;
  const taps = kernelHeight * kernelWidth;
  const outBlocks = Math.ceil(outChannels / choice.outputs);
  const inBlocks = Math.ceil(inChannels / choice.inputs);
  const jobs = outBlocks * inBlocks * (choice.perTap ? taps : 1);
  // Each loop step takes a segment of rows × 4 output pixels, so gradOut is zero-padded to whole segments.
  const segmentRows = choice.rows;
  const outHeight = Math.ceil(g.outHeight / segmentRows) * segmentRows;
  const outWidth = Math.ceil(g.outWidth / 4) * 4;
  const segments = (batch * outHeight * outWidth) / (segmentRows * 4);
  // The kernels compute split · segments in u32.
  const maxSplits = Math.min(segments, 1024, Math.floor(0xffffffff / segments));
  const splits = Math.max(1, Math.min(maxSplits, Math.ceil((tuning.weightGradInvocations ?? 256) / jobs)));
  const workgroupSize = tuning.workgroupSize ?? 64;
  const gradPadded = padInput(gradOut, 0, 0, 1, outHeight, outWidth);
  // The 3×3 kernels apply x's padding as they read; the general kernel reads a padded copy.
  const source = !choice.perTap ? x : padInput(x, g.padTop, g.padLeft, 1, (outHeight - 1) * stride + kernelHeight, (outWidth - 1) * stride + kernelWidth);

  const gradWeight = engine.empty(weightShape, "conv2d weight gradient");
  const gradBias = withBias ? engine.empty([outChannels], "conv2d bias gradient") : null;
  const partialWeight = splits === 1 ? gradWeight : engine.empty([splits, ...weightShape], "conv2d weight gradient partial sums");
  // Without a bias the kernel writes nothing there, but the binding needs a buffer of its own.
  const partialBias = splits === 1 && gradBias ? gradBias : engine.empty([gradBias ? splits * outChannels : 1], "conv2d bias gradient partial sums");
  engine.run(
    choice.kernel,
    { x: source, gradOut: gradPadded, partialWeight, partialBias },
    {
      batch,
      inChannels,
      sourceHeight: source.shape[2],
      sourceWidth: source.shape[3],
      top: choice.perTap ? 0 : g.padTop,
      left: choice.perTap ? 0 : g.padLeft,
      outChannels,
      outHeight,
      outWidth,
      kernelHeight,
      kernelWidth,
      stride,
      splits,
      hasBias: withBias ? 1 : 0,
    },
    grid1d((choice.quad ? quadInvocations(outBlocks, inBlocks) : jobs) * splits, workgroupSize),
    workgroupSize === 64 ? undefined : { WG: workgroupSize },
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

/** A convolution's shape as a tuner key: "N16 C32→O32 8×8 k3×3 s1 p1,1". */
function geometryKey(g: ConvGeometry): string {
  return `N${g.batch} C${g.inChannels}→O${g.outChannels} ${g.inHeight}×${g.inWidth} k${g.kernelHeight}×${g.kernelWidth} s${g.stride} p${g.padTop},${g.padLeft}`;
}

/**
 * A variant of the forward / input-gradient families: a register tile and a channel split, or (tiled null) the
 * shared GEMM, or for a 1×1 convolution the matmul kernels (pointwise).
 */
interface ConvVariant extends Variant {
  tiled: { tile: ConvTile; splits: number } | null;
  pointwise?: boolean;
}

/**
 * The forward ("forward") or input-gradient ("inputGrad") problem for the tuner. Candidates: every register tile
 * that applies (the 3×3 ones for 3×3 kernels at stride 1; the input gradient is a stride-1 convolution) with
 * defaultChannelSplits' split, the same tile unsplit when that split is > 1 (name suffix ".s1"), "matmul" for a
 * 1×1 convolution (isPointwise), and "shared". Heuristic on CPU adapters: "matmul" where pointwiseByDefault, else
 * the register tile chooseTile picks with its default split; "shared" on GPUs.
 */
function tiledProblem(engine: Engine, pass: "forward" | "inputGrad", g: ConvGeometry, withBias: boolean): TuneProblem<ConvVariant> {
  const forward = pass === "forward";
  // The tiled convolution's own sizes: the input gradient convolves gradOut (O channels) into C channels.
  const dims = forward
    ? { batch: g.batch, inChannels: g.inChannels, outChannels: g.outChannels, outHeight: g.outHeight, outWidth: g.outWidth }
    : { batch: g.batch, inChannels: g.outChannels, outChannels: g.inChannels, outHeight: g.inHeight, outWidth: g.inWidth };
  const stride = forward ? g.stride : 1;
  const is3x3 = g.kernelHeight === 3 && g.kernelWidth === 3 && stride === 1;
  const candidates: ConvVariant[] = [];
  const quad = engine.kernels.supports("conv2d_quad");
  for (const tile of Object.values(CONV_TILES) as ConvTile[]) {
    if ((tile.only3x3 && !is3x3) || (tile.quad && !quad)) continue;
    const name = entryPoint(tile.kernel);
    const splits = defaultChannelSplits(dims, tile, engine.adapter.isSoftware);
    candidates.push({ name, tiled: { tile, splits } });
    if (splits > 1) candidates.push({ name: `${name}.s1`, tiled: { tile, splits: 1 } });
  }
  if (isPointwise(g)) candidates.push({ name: "matmul", tiled: null, pointwise: true });
  candidates.push({ name: "shared", tiled: null });
  const heuristicName = !engine.adapter.isSoftware
    ? "shared"
    : isPointwise(g) && pointwiseByDefault(g)
      ? "matmul"
      : entryPoint(chooseTile(engine, g.kernelHeight, g.kernelWidth, stride, dims.outWidth).kernel);
  return {
    family: forward ? "conv2d.forward" : "conv2d.inputGrad",
    key: `${geometryKey(g)}${forward && withBias ? " +bias" : ""}`,
    candidates,
    heuristic: candidates.find((c) => c.name === heuristicName)!,
    // The quad kernel relies on a CPU adapter's layout of subgroups (shaders/conv2d_quad.wgsl): timed only there.
    untimed: (v) => (engine.adapter.isSoftware ? untimedOnSoftware(v, g) : v.tiled?.tile.quad === true),
    trial: (variant) => {
      const weight = engine.randn([g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth], { seed: 31 });
      const bias = forward && withBias ? engine.randn([g.outChannels], { seed: 32 }) : null;
      const input = forward
        ? engine.randn([g.batch, g.inChannels, g.inHeight, g.inWidth], { seed: 33 })
        : engine.randn([g.batch, g.outChannels, g.outHeight, g.outWidth], { seed: 34 });
      return {
        run: () =>
          engine.tidy(() => {
            (forward ? forwardWith(variant, input, weight, bias, g) : inputGradientWith(variant, input, weight, g)).dispose();
          }),
        dispose: () => [weight, bias, input].forEach((t) => t?.dispose()),
      };
    },
  };
}

/** The tiled choice the ConvTuning knobs force (bench/conv.ts, tests), or null to ask the tuner. */
function forcedTiled(engine: Engine, g: ConvGeometry, stride: number, outWidth: number, dims: Parameters<typeof defaultChannelSplits>[0]) {
  if (!tuning.tile && tuning.channelSplits === undefined) return null;
  const tile = chooseTile(engine, g.kernelHeight, g.kernelWidth, stride, outWidth);
  return { tile, splits: tuning.channelSplits ?? defaultChannelSplits(dims, tile, engine.adapter.isSoftware) };
}

function forwardWith(variant: ConvVariant, x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  if (variant.pointwise) return pointwiseForward(x, weight, bias, g);
  if (!variant.tiled) return conv2dForwardShared(x, weight, bias, g);
  const out = x.engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  const conv = { kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride, top: g.padTop, left: g.padLeft, dilation: 1 };
  tiledConv(x, weight, false, bias, out, conv, variant.tiled);
  return out;
}

function inputGradientWith(variant: ConvVariant, gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  if (variant.pointwise) return pointwiseInputGradient(gradOut, weight, g);
  if (!variant.tiled) return conv2dInputGradientShared(gradOut, weight, g);
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  const conv = {
    kernelHeight: g.kernelHeight,
    kernelWidth: g.kernelWidth,
    stride: 1,
    top: g.kernelHeight - 1 - g.padTop,
    left: g.kernelWidth - 1 - g.padLeft,
    dilation: g.stride,
  };
  tiledConv(gradOut, weight, true, null, gradInput, conv, variant.tiled);
  return gradInput;
}

/** @internal The forward pass: out [N, O, Ho, Wo], with the tuner's variant (family "conv2d.forward"). */
export function conv2dForward(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const engine = x.engine;
  const dims = { batch: g.batch, inChannels: g.inChannels, outChannels: g.outChannels, outHeight: g.outHeight, outWidth: g.outWidth };
  const forced = forcedTiled(engine, g, g.stride, g.outWidth, dims);
  const variant = forced ? { name: "forced", tiled: forced } : engine.tuner.choose(tiledProblem(engine, "forward", g, bias !== null));
  return forwardWith(variant, x, weight, bias, g);
}

/**
 * @internal The input gradient [N, C, H, W], a transposed convolution: gradOut dilated by the stride, padded by
 * kernel − 1 − pad, convolved at stride 1 with the transposed, flipped weight (see shaders/conv2d.wgsl); the
 * tuner's variant (family "conv2d.inputGrad").
 */
export function conv2dInputGradient(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const engine = gradOut.engine;
  const dims = { batch: g.batch, inChannels: g.outChannels, outChannels: g.inChannels, outHeight: g.inHeight, outWidth: g.inWidth };
  const forced = forcedTiled(engine, g, 1, g.inWidth, dims);
  const variant = forced ? { name: "forced", tiled: forced } : engine.tuner.choose(tiledProblem(engine, "inputGrad", g, false));
  return inputGradientWith(variant, gradOut, weight, g);
}

/**
 * 2-D convolution of x [N, C, H, W] with weight [O, C, kh, kw] (+ bias [O]) → [N, O, Ho, Wo], where
 * Ho = floor((H + top + bottom − kh) / stride) + 1 (and likewise Wo): PyTorch's F.conv2d after F.pad.
 * Gradients flow to x, weight and bias.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = conv2dGeometry(x, weight, bias ?? null, options);
  const out = conv2dForward(x, weight, bias ?? null, g);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record("conv2d", out, inputs, (gradOut) => {
    const grads: (Tensor | null)[] = inputs.map(() => null);
    if (x.requiresGrad) grads[0] = conv2dInputGradient(gradOut, weight, g);
    const biasGrad = Boolean(bias?.requiresGrad);
    if (weight.requiresGrad) {
      const [gradWeight, gradBias] = conv2dWeightGradient(x, gradOut, g, biasGrad);
      grads[1] = gradWeight;
      if (gradBias) grads[2] = gradBias;
    } else if (biasGrad) {
      grads[2] = sum(gradOut, [0, 2, 3]);
    }
    return grads;
  });
}
