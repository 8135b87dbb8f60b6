/** Scaled dot-product attention, computed by the variant the tuner picks for its shape (./variants.ts). */
import type { Tensor } from "../../engine.js";
import { type AttentionOptions, checkAttentionInputs } from "./checks.js";
import { chooseAttention } from "./variants.js";

export type { AttentionOptions } from "./checks.js";

/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1): softmax(q·kᵀ·scale)·v for q [B, Lq, d],
 * k [B, Lk, d], v [B, Lk, dv] with B = batch·heads; returns [B, Lq, dv]; gradients flow to q, k and v.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  checkAttentionInputs("attention", q, k, v, options);
  return chooseAttention(q, k, v, options).compute(q, k, v, options);
}
