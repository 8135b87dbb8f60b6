/**
 * 2-D convolution, NCHW, PyTorch's weight layout [out, in, kh, kw] as diffusers checkpoints store it. Each pass
 * (forward, input gradient, weight and bias gradient) runs the kernel variant the tuner picks for its shape
 * (./variants.ts).
 */
import { record, type Tensor } from "../../engine.js";
import { sum } from "../reduce.js";
import { type Conv2dOptions, conv2dGeometry } from "./geometry.js";
import { conv2dForward, conv2dInputGradient, conv2dWeightGradient } from "./variants.js";

export type { Conv2dOptions } from "./geometry.js";

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
