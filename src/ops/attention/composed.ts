/** Attention as matmul, softmax, matmul: the reference variant, whose tape is that of its three ops. */
import type { Tensor } from "../../engine.js";
import { matmul } from "../matmul/matmul.js";
import { scaledSoftmax } from "../softmax.js";
import { type AttentionOptions, checkAttentionInputs } from "./checks.js";

/**
 * attention() with the [B, Lq, Lk] score and probability matrices materialised (with a tape they live in the
 * current scope, as the backward reads the probabilities; without one they are freed at once).
 */
export function composedAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const scale = checkAttentionInputs("attention", q, k, v, options);
  const scores = matmul(q, k, { transposeB: true });
  const probabilities = scaledSoftmax("attention softmax", scores, -1, scale);
  const out = matmul(probabilities, v);
  // Free the [B, Lq, Lk] intermediates no backward will read: the scores unless the tape runs through them
  // (disposing would cut it), the probabilities unless the output has a tape node.
  if (!scores.requiresGrad) scores.dispose();
  if (!out.node) probabilities.dispose();
  return out;
}
