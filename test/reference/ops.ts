/** Float64 references for the foundation ops: broadcasting arithmetic, unary functions, reductions, matmul. */
import { coords, type Ref, sizeOf, strides } from "./tensor.js";

export function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error("not broadcastable");
    out.push(Math.max(da, db));
  }
  return out;
}

/** Read `t` at output coordinates `c` of a broadcast result. */
function at(t: Ref, c: number[]): number {
  const s = strides(t.shape);
  const offset = c.length - t.shape.length;
  let index = 0;
  for (let d = 0; d < t.shape.length; d++) index += (t.shape[d] === 1 ? 0 : c[d + offset]) * s[d];
  return t.data[index];
}

export function binary(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, shape);
    data[i] = f(at(a, c), at(b, c));
  }
  return { data, shape };
}

export function unary(a: Ref, f: (x: number) => number): Ref {
  return { data: a.data.map(f), shape: [...a.shape] };
}

export const silu = (x: number) => x / (1 + Math.exp(-x));

export function sum(a: Ref, axes: number[], keepDims = false, scaleBy = 1): Ref {
  const keptShape = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = new Float64Array(sizeOf(keptShape));
  const ks = strides(keptShape);
  for (let i = 0; i < a.data.length; i++) {
    const c = coords(i, a.shape);
    let o = 0;
    for (let d = 0; d < c.length; d++) o += (axes.includes(d) ? 0 : c[d]) * ks[d];
    data[o] += a.data[i];
  }
  for (let i = 0; i < data.length; i++) data[i] *= scaleBy;
  return { data, shape: keepDims ? keptShape : a.shape.filter((_, d) => !axes.includes(d)) };
}

export function mean(a: Ref, axes: number[], keepDims = false): Ref {
  const count = axes.reduce((p, d) => p * a.shape[d], 1);
  return sum(a, axes, keepDims, 1 / count);
}

/** The reductions by the name of the op they check (ops.sum, ops.mean). */
export const reductions = { sum, mean } as const;

/** Batched a·b over the last two axes, with optional transposes and batch broadcasting. */
export function matmul(a: Ref, b: Ref, transposeA = false, transposeB = false): Ref {
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const M = transposeA ? ac : ar;
  const K = transposeA ? ar : ac;
  const N = transposeB ? br : bc;
  const batchA = sizeOf(a.shape) / (ar * ac);
  const batchB = sizeOf(b.shape) / (br * bc);
  const batch = Math.max(batchA, batchB);
  const batchShape = (batchA >= batchB ? a : b).shape.slice(0, -2);
  const data = new Float64Array(batch * M * N);
  for (let n = 0; n < batch; n++) {
    const aBase = batchA === 1 ? 0 : n * ar * ac;
    const bBase = batchB === 1 ? 0 : n * br * bc;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = a.data[aBase + (transposeA ? k * ac + i : i * ac + k)];
          const bv = b.data[bBase + (transposeB ? j * bc + k : k * bc + j)];
          acc += av * bv;
        }
        data[n * M * N + i * N + j] = acc;
      }
    }
  }
  return { data, shape: [...batchShape, M, N] };
}

/** y = x·Wᵀ + b over the last axis. */
export function linear(x: Ref, weight: Ref, bias?: Ref): Ref {
  const [outF, inF] = weight.shape;
  const rows = sizeOf(x.shape) / inF;
  const data = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let acc = bias ? bias.data[o] : 0;
      for (let i = 0; i < inF; i++) acc += x.data[r * inF + i] * weight.data[o * inF + i];
      data[r * outF + o] = acc;
    }
  }
  return { data, shape: [...x.shape.slice(0, -1), outF] };
}
