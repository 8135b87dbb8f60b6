/**
 * An attention implementation (ops.attention, ops.flashAttention) as an op case: q [B, Lq, d], k [B, Lk, d] and
 * v [B, Lk, dv] against the float64 reference attention (test/reference/nn.ts), forward and finite-difference
 * gradients of all three. No test framework in here, so the vitest files and the in-page suite share it.
 */
import type { Tensor } from "../../src/index.js";
import { attention } from "../reference/nn.js";
import { sizeOf, uniformData } from "../reference/tensor.js";
import type { OpCase, Tolerance } from "./op-check.js";

export type AttentionFn = (q: Tensor, k: Tensor, v: Tensor, options: { scale: number }) => Tensor;

export interface AttentionCaseOptions {
  /** The scores' scale (default 1/√d). */
  scale?: number;
  /** The range q and k are drawn from (default [-2, 2)); v is drawn from [-2, 2). */
  qkRange?: [number, number];
  /** The gradient tolerance (default: checkOpCase's). */
  gradTol?: Tolerance;
}

/** The op case for `attend` on shapes [q, k, v]. */
export function attentionCase(name: string, shapes: number[][], attend: AttentionFn, options: AttentionCaseOptions = {}): OpCase {
  const scale = options.scale ?? 1 / Math.sqrt(shapes[0][2]);
  const [low, high] = options.qkRange ?? [-2, 2];
  return {
    name,
    shapes,
    gpu: (q, k, v) => attend(q, k, v, { scale }),
    cpu: (q, k, v) => attention(q, k, v, scale),
    inputs: (i, shape, random) => uniformData(sizeOf(shape), random, i < 2 ? low : -2, i < 2 ? high : 2),
    gradTol: options.gradTol,
  };
}
