/**
 * 2-D convolution (shaders/conv2d.wgsl), NCHW, PyTorch's weight layout [out, in, kh, kw] as diffusers
 * checkpoints store it. Forward and both backward passes are register-blocked implicit GEMMs; the bias
 * gradient is a sum over (N, H, W).
 */
import { record } from "../autograd.js";
import { type Tensor, shapeString } from "../tensor.js";
import { sum } from "./reduce.js";

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

/** Everything the kernels need to know about one convolution; the field names are the uniform's. */
interface ConvGeometry {
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

const MAX_GROUPS = 65535;

function checkGrid(op: string, grid: [number, number, number], what: string): [number, number, number] {
  if (grid.some((g) => g > MAX_GROUPS)) {
    throw new Error(`${op}: ${what} needs workgroups [${grid.join(", ")}], more than ${MAX_GROUPS} in one dimension`);
  }
  return grid;
}

function geometry(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): ConvGeometry {
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
  return {
    batch,
    inChannels,
    inHeight,
    inWidth,
    outChannels,
    outHeight,
    outWidth,
    kernelHeight,
    kernelWidth,
    stride,
    padTop,
    padLeft,
  };
}

/**
 * 2-D convolution of x [N, C, H, W] with weight [O, C, kh, kw] (+ bias [O]) → [N, O, Ho, Wo], where
 * Ho = floor((H + top + bottom − kh) / stride) + 1 (and likewise Wo): PyTorch's F.conv2d after F.pad.
 * Gradients flow to x, weight and bias.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = geometry(x, weight, bias ?? null, options);
  const engine = x.engine;
  const out = engine.empty([g.batch, g.outChannels, g.outHeight, g.outWidth], "conv2d");
  const rowBlocks = g.outHeight * Math.ceil(g.outWidth / 4);
  engine.run(
    "conv2d/forward",
    // Without a bias the kernel reads no bias value; the weight fills the binding.
    { x, weight, bias: bias ?? weight, out },
    { ...g, hasBias: bias ? 1 : 0 },
    checkGrid("conv2d", [Math.ceil(rowBlocks / 64), Math.ceil(g.outChannels / 4), g.batch], "the forward"),
  );

  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record("conv2d", out, inputs, (gradOut) => {
    const uniforms = { ...g, hasBias: 0 };
    const grads: (Tensor | null)[] = inputs.map(() => null);
    if (x.requiresGrad) {
      const gradInput = engine.empty(x.shape, "conv2d backward input");
      const inputBlocks = g.inHeight * Math.ceil(g.inWidth / 4);
      engine.run(
        "conv2d/backward_input",
        { weight, gradOut, gradInput },
        uniforms,
        checkGrid("conv2d", [Math.ceil(inputBlocks / 64), Math.ceil(g.inChannels / 4), g.batch], "the input gradient"),
      );
      grads[0] = gradInput;
    }
    if (weight.requiresGrad) {
      const gradWeight = engine.empty(weight.shape, "conv2d backward weight");
      const columns = Math.ceil(g.inChannels / 4) * g.kernelHeight * g.kernelWidth;
      engine.run(
        "conv2d/backward_weight",
        { x, gradOut, gradWeight },
        uniforms,
        checkGrid("conv2d", [Math.ceil(columns / 64), Math.ceil(g.outChannels / 4), 1], "the weight gradient"),
      );
      grads[1] = gradWeight;
    }
    if (bias?.requiresGrad) grads[2] = sum(gradOut, [0, 2, 3]);
    return grads;
  });
}
