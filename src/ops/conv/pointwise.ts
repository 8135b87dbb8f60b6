/**
 * A 1×1 convolution at stride 1 without padding (the U-Net's shortcuts) as one matrix product per image, through
 * the matmul family's kernels (tuned as family "matmul"). As matrix operands, the weight [O, C, 1, 1] is one
 * [O × C] matrix for every image and an NCHW activation is N matrices [channels × H·W].
 */
import type { Tensor } from "../../engine.js";
import { broadcastInto } from "../elementwise-kernels.js";
import { denseOperand } from "../matmul/operand.js";
import { dispatchMatmul } from "../matmul/variants.js";
import { sum } from "../reduce.js";
import type { ConvGeometry } from "./geometry.js";

/** out[n] = W · x[n] (+ bias: written first, then the product accumulated onto it). */
export function pointwiseForward(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
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

/** gradInput[n] = Wᵀ · gradOut[n]. */
export function pointwiseInputGradient(gradOut: Tensor, weight: Tensor, g: ConvGeometry): Tensor {
  const pixels = g.inHeight * g.inWidth;
  const gradInput = gradOut.engine.empty([g.batch, g.inChannels, g.inHeight, g.inWidth], "conv2d input gradient");
  const wT = denseOperand(1, g.outChannels, g.inChannels, true);
  dispatchMatmul(weight, wT, gradOut, denseOperand(g.batch, g.outChannels, pixels, false), gradInput, g.batch);
  return gradInput;
}

/** gradWeight = Σₙ gradOut[n] · x[n]ᵀ (one product per image, then summed), and the bias's gradient. */
export function pointwiseWeightGradient(x: Tensor, gradOut: Tensor, g: ConvGeometry, withBias: boolean): [Tensor, Tensor | null] {
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
