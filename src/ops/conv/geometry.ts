/** The shape of one 2-D convolution (NCHW, weight [O, C, kh, kw]) and the checks that make it. */
import type { Tensor } from "../../engine.js";
import { shapeString } from "../../shape.js";

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

/** Everything the kernels need to know about one convolution. */
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

/** The geometry of conv2d(x, weight, bias, options); throws naming the op and the shapes when they do not fit. */
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
    throw new Error(
      `${op}: padding must be a non-negative integer or [top, bottom, left, right], got ${JSON.stringify(padding)} (${shapes})`,
    );
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

/** A convolution's shape as a tuner key: "N16 C32→O32 8×8 k3×3 s1 p1,1". */
export function geometryKey(g: ConvGeometry): string {
  const kernel = `k${g.kernelHeight}×${g.kernelWidth} s${g.stride} p${g.padTop},${g.padLeft}`;
  return `N${g.batch} C${g.inChannels}→O${g.outChannels} ${g.inHeight}×${g.inWidth} ${kernel}`;
}

/**
 * A 3×3 kernel at stride 1 (`stride`: the pass's own, 1 for the input gradient): what the 3×3 register kernels
 * take, which pad as they read and reuse each input value for its 9 taps.
 */
export const is3x3 = (g: ConvGeometry, stride = g.stride): boolean => g.kernelHeight === 3 && g.kernelWidth === 3 && stride === 1;

/** A 1×1 convolution at stride 1 without padding: per image a matrix product over channels (./pointwise.ts). */
export const isPointwise = (g: ConvGeometry): boolean =>
  g.kernelHeight === 1 && g.kernelWidth === 1 && g.stride === 1 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;

/** The fields of ConvParams, the uniform struct of every convolution kernel (shaders/lib/conv_params.wgsl). */
const CONV_PARAM_FIELDS = [
  "batch",
  "inChannels",
  "sourceHeight",
  "sourceWidth",
  "top",
  "left",
  "dilation",
  "outChannels",
  "outHeight",
  "outWidth",
  "kernelHeight",
  "kernelWidth",
  "stride",
  "hasBias",
  "splits",
  "splitChannels",
  "slicesPerSplit",
  "tilesX",
  "tilesY",
  "weightOutStride",
  "weightInStride",
  "flipTaps",
  "columns",
] as const;

type ConvParams = Record<(typeof CONV_PARAM_FIELDS)[number], number>;

/** Every field 0: what a kernel family does not read (shaders/lib/conv_params.wgsl says which it reads). */
const UNREAD = Object.fromEntries(CONV_PARAM_FIELDS.map((field) => [field, 0])) as ConvParams;

/** ConvParams for one dispatch: the fields its kernel reads, 0 elsewhere. */
export function convParams(fields: Partial<ConvParams>): ConvParams {
  return { ...UNREAD, ...fields };
}

/** ConvParams of the convolution itself, x read unpadded (the implicit GEMMs), with `fields` added. */
export function geometryParams(g: ConvGeometry, fields: Partial<ConvParams> = {}): ConvParams {
  const { inHeight: sourceHeight, inWidth: sourceWidth, padTop: top, padLeft: left, ...rest } = g;
  return convParams({ ...rest, sourceHeight, sourceWidth, top, left, ...fields });
}
