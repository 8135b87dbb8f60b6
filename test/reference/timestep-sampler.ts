/**
 * Float64 reference of loss-aware timestep sampling (Nichol & Dhariwal 2021 §3.3, improved-diffusion's
 * LossSecondMomentResampler), written from the paper's description with plain loops: each timestep keeps the last
 * `history` losses; until every timestep has them all, p is uniform; then p_t ∝ √(mean of L_t²), mixed with
 * `uniformMix` of the uniform distribution, and a term drawn at t is weighted by 1/(T·p_t).
 */

/** The losses seen at each timestep, in order; the last `history` of each count. */
export function referenceProbabilities(seen: number[][], history = 10, uniformMix = 0.001): number[] {
  const T = seen.length;
  const uniform = Array.from({ length: T }, () => 1 / T);
  if (seen.some((losses) => losses.length < history)) return uniform;
  const rootMeanSquare = seen.map((losses) => {
    const kept = losses.slice(losses.length - history);
    return Math.sqrt(kept.reduce((s, l) => s + l * l, 0) / history);
  });
  const total = rootMeanSquare.reduce((s, v) => s + v, 0);
  if (total === 0) return uniform;
  return rootMeanSquare.map((v) => (v / total) * (1 - uniformMix) + uniformMix / T);
}

/** The timestep whose cumulative-probability interval holds u (u in [0, 1)), by a linear scan. */
export function referenceDraw(p: number[], u: number): number {
  const total = p.reduce((s, v) => s + v, 0);
  let cumulative = 0;
  for (let t = 0; t < p.length; t++) {
    cumulative += p[t];
    if (u * total < cumulative) return t;
  }
  return p.length - 1;
}
