/**
 * Matrix products: batched matmul with optional transposes and batch broadcasting, and linear (x·Wᵀ + b, PyTorch's
 * weight layout [out, in], as diffusers checkpoints store it). The kernel is chosen per shape (./variants.ts).
 */
import { record, type Tensor } from "../../engine.js";
import { shapeString } from "../../shape.js";
import { add, reshape } from "../elementwise.js";
import { sum } from "../reduce.js";
import { denseOperand, type Operand, transposeOperand } from "./operand.js";
import { dispatchMatmul } from "./variants.js";

export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped). */
  transposeA?: boolean;
  /** Use bᵀ (the last two axes swapped). */
  transposeB?: boolean;
}

function operand(op: string, t: Tensor, transpose: boolean, which: string): Operand {
  if (t.rank < 2) throw new Error(`${op}: ${which} must have at least 2 dimensions, got ${shapeString(t.shape)}`);
  const r = t.shape[t.rank - 2];
  const c = t.shape[t.rank - 1];
  return denseOperand(t.size / (r * c || 1), r, c, transpose);
}

/**
 * a·b over the last two axes. Leading (batch) axes must match, or one side has none / a single batch,
 * which is then broadcast. The result has the batch shape of the batched side.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const op = "matmul";
  const ta = options.transposeA ?? false;
  const tb = options.transposeB ?? false;
  const A = operand(op, a, ta, "a");
  const B = operand(op, b, tb, "b");
  const shapes = `${shapeString(a.shape)}${ta ? "ᵀ" : ""} · ${shapeString(b.shape)}${tb ? "ᵀ" : ""}`;
  if (A.cols !== B.rows) throw new Error(`${op}: inner dimensions differ in ${shapes}`);
  if (A.batch !== B.batch && A.batch !== 1 && B.batch !== 1) throw new Error(`${op}: batch sizes differ in ${shapes}`);
  const batch = Math.max(A.batch, B.batch);
  const batchShape = (A.batch >= B.batch ? a : b).shape.slice(0, -2);
  const out = a.engine.empty([...batchShape, A.rows, B.cols], op);
  if (batch > 65535) throw new Error(`${op}: ${batch} batches exceed the 65535 workgroups a dispatch allows per dimension`);
  dispatchMatmul(a, A, b, B, out, batch);

  return record(op, out, [a, b], (g) => {
    // C = A·B  ⇒  dA = dC·Bᵀ, dB = Aᵀ·dC, then undo each operand's transpose and batch broadcast.
    const G: Operand = { batch, rows: A.rows, cols: B.cols, strides: [A.rows * B.cols, B.cols, 1] };
    const grads: (Tensor | null)[] = [null, null];
    if (a.requiresGrad) {
      // dA (as used, M×K) = G·Bᵀ; when a is stored transposed we want (G·Bᵀ)ᵀ = B·Gᵀ instead (K×M).
      const full = g.engine.empty([batch, ta ? A.cols : A.rows, ta ? A.rows : A.cols], "matmul backward a");
      if (ta) dispatchMatmul(b, B, g, transposeOperand(G, true), full, batch);
      else dispatchMatmul(g, G, b, transposeOperand(B, true), full, batch);
      grads[0] = reduceBatch(full, A.batch, batch, a);
    }
    if (b.requiresGrad) {
      // dB (as used, K×N) = Aᵀ·G; when b is stored transposed, (Aᵀ·G)ᵀ = Gᵀ·A (N×K).
      const full = g.engine.empty([batch, tb ? B.cols : B.rows, tb ? B.rows : B.cols], "matmul backward b");
      if (tb) dispatchMatmul(g, transposeOperand(G, true), a, A, full, batch);
      else dispatchMatmul(a, transposeOperand(A, true), g, G, full, batch);
      grads[1] = reduceBatch(full, B.batch, batch, b);
    }
    return grads;
  });
}

/** A gradient computed per batch [batch, r, c], summed over the batch when the operand was broadcast. */
function reduceBatch(full: Tensor, ownBatch: number, batch: number, like: Tensor): Tensor {
  if (ownBatch === batch) {
    const out = full.engine.view(full, like.shape, "matmul backward");
    full.dispose();
    return out;
  }
  const summed = sum(full, 0);
  full.dispose();
  const out = summed.engine.view(summed, like.shape, "matmul backward");
  summed.dispose();
  return out;
}

/** y = x·Wᵀ + b over the last axis of x; weight is [out, in], bias is [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${shapeString(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape[x.rank - 1] !== inFeatures) {
    throw new Error(
      `linear: input ${shapeString(x.shape)} does not end in in_features = ${inFeatures} (weight ${shapeString(weight.shape)})`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) {
    throw new Error(`linear: bias ${shapeString(bias.shape)} does not match out_features = ${outFeatures}`);
  }
  const flat = x.rank === 2 ? x : reshape(x, [-1, inFeatures]);
  const product = matmul(flat, weight, { transposeB: true });
  const withBias = bias ? add(product, bias) : product;
  return x.rank === 2 ? withBias : reshape(withBias, [...x.shape.slice(0, -1), outFeatures]);
}
