/**
 * Fused scaled dot-product attention (shaders/flash_attention.wgsl): the same contract as `attention()`, computed
 * with an online softmax so no [B, Lq, Lk] score or probability matrix is ever stored; the backward recomputes
 * the probabilities from each query row's saved logsumexp (FlashAttention-2, Dao 2023).
 */
import { record, type Tensor } from "../../engine.js";
import { grid1d } from "../../shape.js";
import { type AttentionOptions, checkAttentionInputs } from "./checks.js";

/** Output columns one invocation accumulates (CHUNK4 vec4s in the WGSL); wider rows use the grid's z. */
const CHUNK_COLUMNS = 256;

const KERNEL = "flash_attention";

/**
 * softmax(q·kᵀ·scale)·v for q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv] (B = batch·heads), returning [B, Lq, dv]:
 * the same result as `attention()` within f32 rounding, with the same shape checks. Memory beyond the output
 * is one float per query row (its logsumexp, kept for the backward while a tape records the op). Gradients
 * flow to q, k and v (FlashAttention-2's recomputing backward: one kernel for dQ, one for dK and dV).
 */
export function flashAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const op = "flashAttention";
  const scale = checkAttentionInputs(op, q, k, v, options);
  const [batch, lq, d] = q.shape;
  const lk = k.shape[1];
  const dv = v.shape[2];
  const engine = q.engine;
  const uniforms = { batch, lq, lk, d, dv, scale };
  // On a CPU adapter each workgroup runs as one task on one core: small workgroups spread the few, heavy
  // invocations (64 for [1, 256, 256]) over every core.
  const workgroupSize = engine.adapter.isSoftware ? 4 : 64;
  const constants = { WG: workgroupSize };
  // The forward and dQ kernels take four query rows per invocation, the dK/dV kernel four key rows.
  const queryGroups = grid1d(batch * Math.ceil(lq / 4), workgroupSize);
  const keyGroups = grid1d(batch * Math.ceil(lk / 4), workgroupSize);
  const chunks = (columns: number) => Math.max(1, Math.ceil(columns / CHUNK_COLUMNS));

  const out = engine.empty([batch, lq, dv], op);
  const lse = engine.empty([batch, lq], `${op} logsumexp`);
  engine.run(`${KERNEL}/flash_attention_forward`, { q, k, v, out, lseOut: lse }, uniforms, [...queryGroups, chunks(dv)], constants);
  const recorded = record(op, out, [q, k, v], (gradOut) => {
    // D_i = Σ dO ⊙ O over row i, read by both gradient kernels.
    const delta = engine.empty([batch, lq], `${op} backward`);
    engine.run(
      `${KERNEL}/flash_attention_delta`,
      { o: out, gradOut, deltaOut: delta },
      uniforms,
      grid1d(batch * lq, workgroupSize),
      constants,
    );
    let gradQ: Tensor | null = null;
    if (q.requiresGrad) {
      gradQ = engine.empty(q.shape, `${op} backward`);
      engine.run(
        `${KERNEL}/flash_attention_grad_q`,
        { q, k, v, gradOut, lse, delta, gradQ },
        uniforms,
        [...queryGroups, chunks(d)],
        constants,
      );
    }
    let gradK: Tensor | null = null;
    let gradV: Tensor | null = null;
    if (k.requiresGrad || v.requiresGrad) {
      gradK = engine.empty(k.shape, `${op} backward`);
      gradV = engine.empty(v.shape, `${op} backward`);
      engine.run(
        `${KERNEL}/flash_attention_grad_kv`,
        { q, k, v, gradOut, lse, delta, gradK, gradV },
        uniforms,
        [...keyGroups, chunks(Math.max(d, dv))],
        constants,
      );
      // One kernel writes both; drop the one no input asked for.
      if (!k.requiresGrad) {
        gradK.dispose();
        gradK = null;
      }
      if (!v.requiresGrad) {
        gradV.dispose();
        gradV = null;
      }
    }
    delta.dispose();
    return [gradQ, gradK, gradV];
  });
  // Without a tape node nothing will read the logsumexp; with one it lives in the current scope, like attention()'s
  // probabilities.
  if (!recorded.node) lse.dispose();
  return recorded;
}
