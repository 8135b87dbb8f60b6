/**
 * Float64 checks the bench runs before it times a kernel (browser-safe): AdamW, a directional-derivative check for any gradient whose forward has a
 * float64 reference in test/reference/, and the error measure every check reports.
 */
import type { Ref } from "../test/reference/tensor.js";

/**
 * Largest |actual − expected| / (max|expected| · rtol + atol): ≤ 1 passes. The scale is the largest
 * reference value, because f32 sums of many terms err relative to their terms, not to each (possibly
 * cancelling) result.
 */
export function violation(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): number {
  if (actual.length !== expected.length) throw new Error(`violation: ${actual.length} values against ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    worst = Math.max(worst, Number.isNaN(error) ? Infinity : error / (scale * rtol + atol));
  }
  return worst;
}

/** AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) for one step, in float64: returns param, m, v. */
export function adamwStep(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
): { param: Float64Array; m: Float64Array; v: Float64Array } {
  const n = param.length;
  const out = { param: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  const c1 = 1 - o.beta1 ** o.step;
  const c2 = 1 - o.beta2 ** o.step;
  for (let i = 0; i < n; i++) {
    const decayed = param[i] * (1 - o.lr * o.weightDecay);
    const mi = o.beta1 * m[i] + (1 - o.beta1) * grad[i];
    const vi = o.beta2 * v[i] + (1 - o.beta2) * grad[i] * grad[i];
    out.m[i] = mi;
    out.v[i] = vi;
    out.param[i] = decayed - (o.lr * (mi / c1)) / (Math.sqrt(vi / c2) + o.eps);
  }
  return out;
}

/** Deterministic directions for the directional check (values in [−1, 1)). */
function direction(n: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Check gradients of L(inputs) = Σ gradOut ⊙ f(inputs) in a few random directions: for each direction u (one
 * block per input), Σᵢ ⟨gradᵢ, uᵢ⟩ must match the float64 central difference (L(x + h·u) − L(x − h·u)) / 2h.
 * Returns the worst |difference| / (1e-3 · Σᵢ Σ |gradᵢ ⊙ uᵢ| + 1e-6): ≤ 1 passes. The scale is the sum of the
 * absolute terms, so cancellation in the inner product cannot hide an error nor fail a correct gradient.
 */
export function directionalCheck(
  f: (inputs: Ref[]) => Ref,
  inputs: Ref[],
  gradOut: Ref,
  grads: ArrayLike<number>[],
  directions = 2,
): number {
  const loss = (xs: Ref[]) => {
    const y = f(xs);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += y.data[i] * gradOut.data[i];
    return s;
  };
  let worst = 0;
  for (let d = 0; d < directions; d++) {
    const us = inputs.map((x, i) => direction(x.data.length, 1000 * d + i + 1));
    let predicted = 0;
    let scale = 0;
    grads.forEach((g, i) => {
      for (let j = 0; j < g.length; j++) {
        predicted += g[j] * us[i][j];
        scale += Math.abs(g[j] * us[i][j]);
      }
    });
    const h = 1e-4;
    const shifted = (sign: number) => inputs.map((x, i) => ({ data: x.data.map((v, j) => v + sign * h * us[i][j]), shape: x.shape }));
    const numeric = (loss(shifted(1)) - loss(shifted(-1))) / (2 * h);
    worst = Math.max(worst, Math.abs(predicted - numeric) / (1e-3 * scale + 1e-6));
  }
  return worst;
}
