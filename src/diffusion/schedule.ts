/**
 * Beta schedules and every table derived from them, computed once on the CPU in float64.
 * Names follow diffusers (DDPMScheduler) and the equations cite Ho et al. 2020 ("DDPM").
 */

export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2" | "sigmoid" | "exponential";

export const BETA_SCHEDULES: readonly BetaSchedule[] = ["linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid", "exponential"];

function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? start : start + ((end - start) * i) / (n - 1);
  return out;
}

/** betas from a cumulative-product function ᾱ(s), s ∈ [0, 1], capped at maxBeta (Nichol & Dhariwal 2021, eq. 17). */
function betasForAlphaBar(T: number, alphaBar: (s: number) => number, maxBeta = 0.999): Float64Array {
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) betas[i] = Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), maxBeta);
  return betas;
}

/** β₁..β_T for a named schedule (diffusers' definitions). */
export function makeBetas(schedule: BetaSchedule, T: number, betaStart = 1e-4, betaEnd = 0.02): Float64Array {
  if (!Number.isInteger(T) || T < 1) throw new Error(`schedule: num_train_timesteps must be a positive integer, got ${T}`);
  switch (schedule) {
    case "linear":
      // DDPM §4: β from 1e-4 to 0.02, linearly
      return linspace(betaStart, betaEnd, T);
    case "scaled_linear":
      return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), T).map((b) => b * b);
    case "squaredcos_cap_v2":
      // Nichol & Dhariwal 2021, eq. 17: ᾱ(t) = cos²(((t/T + s)/(1 + s))·π/2), s = 0.008
      return betasForAlphaBar(T, (s) => Math.cos(((s + 0.008) / 1.008) * (Math.PI / 2)) ** 2);
    case "sigmoid":
      return linspace(-6, 6, T).map((x) => (1 / (1 + Math.exp(-x))) * (betaEnd - betaStart) + betaStart);
    case "exponential":
      return betasForAlphaBar(T, (s) => Math.exp(s * -12));
    default:
      throw new Error(`schedule: unknown beta_schedule '${schedule as string}' (expected one of ${BETA_SCHEDULES.join(", ")})`);
  }
}

/** The tables of the forward process and its posterior, indexed by t = 0..T−1 (diffusers' 0-based t). */
export class NoiseSchedule {
  readonly T: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  /** ᾱ_t = ∏_{s≤t} α_s (DDPM eq. 4). */
  readonly alphasCumprod: Float64Array;
  /** ᾱ_{t−1}, with ᾱ_{−1} = 1. */
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the posterior variance (DDPM eq. 7). */
  readonly posteriorVariance: Float64Array;
  /** log β̃_t with β̃_0 replaced by β̃_1 (β̃_0 = 0), as in Ho et al.'s code. */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** μ̃_t = posteriorMeanCoef1 · x₀ + posteriorMeanCoef2 · x_t (DDPM eq. 7). */
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;

  constructor(betas: Float64Array) {
    const T = betas.length;
    for (let t = 0; t < T; t++) {
      if (!(betas[t] > 0 && betas[t] < 1)) throw new Error(`schedule: beta[${t}] = ${betas[t]} is outside (0, 1)`);
    }
    this.T = T;
    this.betas = betas;
    this.alphas = betas.map((b) => 1 - b);
    this.alphasCumprod = new Float64Array(T);
    let product = 1;
    for (let t = 0; t < T; t++) this.alphasCumprod[t] = product *= this.alphas[t];
    this.alphasCumprodPrev = new Float64Array(T);
    for (let t = 0; t < T; t++) this.alphasCumprodPrev[t] = t === 0 ? 1 : this.alphasCumprod[t - 1];
    this.sqrtAlphasCumprod = this.alphasCumprod.map(Math.sqrt);
    this.sqrtOneMinusAlphasCumprod = this.alphasCumprod.map((a) => Math.sqrt(1 - a));
    this.posteriorVariance = new Float64Array(T);
    this.posteriorMeanCoef1 = new Float64Array(T);
    this.posteriorMeanCoef2 = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const abar = this.alphasCumprod[t];
      const abarPrev = this.alphasCumprodPrev[t];
      this.posteriorVariance[t] = ((1 - abarPrev) / (1 - abar)) * betas[t];
      this.posteriorMeanCoef1[t] = (betas[t] * Math.sqrt(abarPrev)) / (1 - abar);
      this.posteriorMeanCoef2[t] = ((1 - abarPrev) * Math.sqrt(this.alphas[t])) / (1 - abar);
    }
    this.posteriorLogVarianceClipped = this.posteriorVariance.map((v, t) =>
      Math.log(t === 0 ? (T > 1 ? this.posteriorVariance[1] : betas[0]) : v),
    );
  }

  static named(schedule: BetaSchedule, T: number, betaStart?: number, betaEnd?: number): NoiseSchedule {
    return new NoiseSchedule(makeBetas(schedule, T, betaStart, betaEnd));
  }
}
