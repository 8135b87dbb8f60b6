/** Softmax along an axis (shaders/softmax.wgsl), with an optional scale folded into the kernel. */
import { record, type Tensor } from "../engine.js";
import { grid1d, shapeString } from "../shape.js";

/** softmax(scale · x) along `axis`; `op` names it in errors and on the tape. */
export function scaledSoftmax(op: string, x: Tensor, axis: number, scale: number): Tensor {
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
