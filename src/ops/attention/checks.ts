/** What every attention variant checks of its inputs. */
import type { Tensor } from "../../engine.js";
import { shapeString } from "../../shape.js";

export interface AttentionOptions {
  /** Multiplies q·kᵀ before the softmax; 1/√d for the usual scaled dot-product attention. */
  scale: number;
}

/**
 * q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv], one engine, a finite scale; throws an Error naming `op` and the
 * shapes. Returns the scale.
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
