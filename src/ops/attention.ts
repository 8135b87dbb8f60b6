/**
 * Softmax (shaders/softmax.wgsl) and scaled dot-product attention, composed from the batched matmul and
 * the softmax (the correct baseline; ./flash-attention.ts is the fused variant with the same contract).
 */
import { record } from "../autograd.js";
import { type Tensor, shapeString } from "../tensor.js";
import { matmul } from "./matmul.js";
import { flashAttention } from "./flash-attention.js";
import { sum } from "./reduce.js";
import type { Variant } from "../gpu/tuner.js";
import { grid1d } from "./shape.js";

/** softmax(scale · x) along `axis`; `scale` is folded into the kernel. */
function scaledSoftmax(op: string, x: Tensor, axis: number, scale: number): Tensor {
  if (x.rank === 0) throw new Error(`${op}: input must have at least one dimension, got ${shapeString(x.shape)}`);
  const a = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= x.rank) {
    throw new Error(`${op}: axis ${axis} is out of range for ${shapeString(x.shape)}`);
  }
  const len = x.shape[a];
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const rows = outer * inner;
  const uniforms = { rows, len, inner, scale };
  const engine = x.engine;
  const out = engine.empty(x.shape, op);
  engine.run("softmax/softmax_forward", { x, out }, uniforms, grid1d(rows));
  return record(op, out, [x], (gradOut) => {
    const gradX = engine.empty(x.shape, `${op} backward`);
    engine.run("softmax/softmax_backward", { y: out, gradOut, gradX }, uniforms, grid1d(rows));
    return [gradX];
  });
}

/**
 * exp(x) / Σ exp(x) along `axis` (default the last), computed stably (the row maximum is subtracted).
 * Backward: dx = y ⊙ (dy − Σ dy ⊙ y) along the axis.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return scaledSoftmax("softmax", x, axis, 1);
}

export interface AttentionOptions {
  /** Multiplies q·kᵀ before the softmax; 1/√d for the usual scaled dot-product attention. */
  scale: number;
}

/**
 * @internal The shape checks every attention variant shares (q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv], one
 * engine, a finite scale); throws an Error naming `op` and the shapes. Returns the scale.
 */
export function checkAttentionInputs(op: string, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): number {
  const shapes = `q ${shapeString(q.shape)}, k ${shapeString(k.shape)}, v ${shapeString(v.shape)}`;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) throw new Error(`${op}: q, k and v must be [B, L, d], got ${shapes}`);
  if (q.engine !== k.engine || q.engine !== v.engine) throw new Error(`${op}: q, k and v belong to different engines`);
  if (k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0]) throw new Error(`${op}: batch sizes differ in ${shapes}`);
  if (k.shape[2] !== q.shape[2]) throw new Error(`${op}: q and k feature sizes differ in ${shapes}`);
  if (v.shape[1] !== k.shape[1]) throw new Error(`${op}: k and v lengths differ in ${shapes}`);
  const scale = options?.scale;
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new Error(`${op}: options.scale must be a finite number, got ${scale}`);
  return scale;
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1): softmax(q·kᵀ·scale)·v for q [B, Lq, d],
 * k [B, Lk, d], v [B, Lk, dv] with B = batch·heads; returns [B, Lq, dv]; gradients flow to q, k and v. Two
 * variants compute it, chosen per adapter and shape by the tuner (family "attention"): "composed" (matmul,
 * softmax, matmul: the [B, Lq, Lk] probabilities are materialised and kept for the backward) and "flash" (one
 * online-softmax kernel, src/ops/flash-attention.ts: one float per query row kept; its backward recomputes the
 * scores). Without a measurement, CPU adapters train with "composed" (the recomputation costs more than it saves
 * there: fwd+bwd measured 1.1–1.3× slower) and infer with "flash" (1.3× faster); GPUs use "flash".
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  checkAttentionInputs("attention", q, k, v, options);
  const engine = q.engine;
  const training = engine.gradEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad);
  const [batch, lq, d] = q.shape;
  const [lk, dv] = [k.shape[1], v.shape[2]];
  const variant = engine.tuner.choose({
    family: "attention",
    key: `${batch}×${lq}×${lk} d${d} dv${dv}${training ? " train" : ""}`,
    candidates: ATTENTION_CANDIDATES,
    heuristic: engine.adapter.isSoftware && training ? ATTENTION_VARIANTS.composed : ATTENTION_VARIANTS.flash,
    trial: (candidate) => {
      const inputs = [q, k, v].map((t, i) => {
        const r = engine.randn(t.shape, { seed: 11 + i });
        r.requiresGrad = training;
        return r;
      });
      return {
        run: () => {
          engine.tidy(() => {
            const out = candidate.compute(inputs[0], inputs[1], inputs[2], options);
            if (training) engine.backward(sum(out));
          });
          for (const t of inputs) {
            t.grad?.dispose();
            t.grad = null;
          }
        },
        dispose: () => inputs.forEach((t) => t.dispose()),
      };
    },
  });
  return variant.compute(q, k, v, options);
}

/**
 * @internal attention() as matmul, softmax, matmul (the "composed" variant). The [B, Lq, Lk] score and probability
 * matrices are materialised (with a tape they live in the current scope, as the backward reads the
 * probabilities; without one they are freed at once).
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

interface AttentionVariant extends Variant {
  compute: (q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions) => Tensor;
}

/** @internal The attention family's variants. */
export const ATTENTION_VARIANTS = {
  composed: { name: "composed", compute: composedAttention },
  flash: { name: "flash", compute: (q, k, v, options) => flashAttention(q, k, v, options) },
} as const satisfies Record<string, AttentionVariant>;
const ATTENTION_CANDIDATES: readonly AttentionVariant[] = Object.values(ATTENTION_VARIANTS);
