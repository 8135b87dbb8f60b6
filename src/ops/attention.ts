/**
 * Softmax (shaders/softmax.wgsl) and scaled dot-product attention, composed from the batched matmul and
 * the softmax (a fused attention kernel is a later performance step; this one is the correct baseline).
 */
import { record } from "../autograd.js";
import { type Tensor, shapeString } from "../tensor.js";
import { matmul } from "./matmul.js";
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
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1): softmax(q·kᵀ·scale)·v for q [B, Lq, d],
 * k [B, Lk, d], v [B, Lk, dv] with B = batch·heads; returns [B, Lq, dv]. Gradients flow to q, k and v
 * through the matmuls and the softmax. The [B, Lq, Lk] score and probability matrices are materialised
 * (with a tape they live in the current scope, as the backward reads the probabilities; without one
 * they are freed at once).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const op = "attention";
  const shapes = `q ${shapeString(q.shape)}, k ${shapeString(k.shape)}, v ${shapeString(v.shape)}`;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) throw new Error(`${op}: q, k and v must be [B, L, d], got ${shapes}`);
  if (q.engine !== k.engine || q.engine !== v.engine) throw new Error(`${op}: q, k and v belong to different engines`);
  if (k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0]) throw new Error(`${op}: batch sizes differ in ${shapes}`);
  if (k.shape[2] !== q.shape[2]) throw new Error(`${op}: q and k feature sizes differ in ${shapes}`);
  if (v.shape[1] !== k.shape[1]) throw new Error(`${op}: k and v lengths differ in ${shapes}`);
  const scale = options?.scale;
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new Error(`${op}: options.scale must be a finite number, got ${scale}`);
  const scores = matmul(q, k, { transposeB: true });
  const probabilities = scaledSoftmax("attention softmax", scores, -1, scale);
  const out = matmul(probabilities, v);
  // Free the [B, Lq, Lk] intermediates no backward will read: the scores unless the tape runs through them
  // (disposing would cut it), the probabilities unless the output has a tape node.
  if (!scores.requiresGrad) scores.dispose();
  if (!out.node) probabilities.dispose();
  return out;
}
