/**
 * Float64 reference for the optimiser: PyTorch's AdamW (decoupled weight decay, bias correction), optionally
 * followed at each step by the EMA of the weights (shadow ← decay·shadow + (1 − decay)·param). Plain loops.
 */

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * AdamW steps from p0 with the gradient grads[step] scaled by scales[step] at each step:
 *   m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  p ← p − lr·(m̂/(√v̂ + ε) + λ·p)
 * with m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ). With `emaDecay`, the shadow (starting at p0) follows each step.
 */
export function adamw(
  p0: ArrayLike<number>,
  grads: ArrayLike<number>[],
  scales: number[],
  options: AdamWOptions,
  emaDecay?: number,
): { param: Float64Array; m: Float64Array; v: Float64Array; shadow: Float64Array } {
  const n = p0.length;
  const param = Float64Array.from(p0);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const shadow = Float64Array.from(p0);
  for (let step = 0; step < grads.length; step++) {
    const t = step + 1;
    for (let i = 0; i < n; i++) {
      const g = grads[step][i] * scales[step];
      m[i] = options.beta1 * m[i] + (1 - options.beta1) * g;
      v[i] = options.beta2 * v[i] + (1 - options.beta2) * g * g;
      const mHat = m[i] / (1 - options.beta1 ** t);
      const vHat = v[i] / (1 - options.beta2 ** t);
      param[i] -= options.lr * (mHat / (Math.sqrt(vHat) + options.eps) + options.weightDecay * param[i]);
      if (emaDecay !== undefined) shadow[i] = emaDecay * shadow[i] + (1 - emaDecay) * param[i];
    }
  }
  return { param, m, v, shadow };
}
