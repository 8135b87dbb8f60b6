/**
 * Float64 reference of the DDPM variational bound, written as Ho et al.'s code computes it (diffusion_tf/
 * diffusion_utils_2.py: normal_kl, q_posterior_mean_variance, p_mean_variance with clip_denoised, _vb_terms_bpd,
 * _prior_bpd, calc_bpd_loop; utils.py: approx_standard_normal_cdf, discretized_gaussian_log_likelihood): plain
 * formulas, full means (the x_t parts included), no rearrangement. Only β comes from outside; every derived table
 * is rebuilt here from it. A "posterior_mean" model outputs μ̃ itself; its x̂₀ is the one that μ̃ implies, and with
 * clipping its mean is μ̃_t(x_t, clip(x̂₀)), the engine's rule for every type (Ho et al.'s code leaves an "xprev"
 * model's mean unclipped). `clip = false` is their training_losses' clip_denoised = False. "learned_range" is
 * improved-diffusion's (Nichol & Dhariwal 2021; gaussian_diffusion.py p_mean_variance): the model's variance value v
 * gives model_log_variance = frac·log β_t + (1 − frac)·posterior_log_variance_clipped[t], frac = (v + 1)/2.
 */

export type ReferenceVarianceType = "fixed_small" | "fixed_large" | "learned_range";
export type ReferencePrediction = "epsilon" | "sample" | "v_prediction" | "posterior_mean";

/** KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)), elementwise, nats. */
export function normalKL(mean1: number, logvar1: number, mean2: number, logvar2: number): number {
  return 0.5 * (-1 + logvar2 - logvar1 + Math.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * Math.exp(-logvar2));
}

export function approxStandardNormalCdf(x: number): number {
  return 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** log p(x) of the Gaussian discretised to 256 levels in [−1, 1], Ho et al.'s rules for the edge bins. */
export function discretizedGaussianLogLikelihood(x: number, mean: number, logScale: number): number {
  const centered = x - mean;
  const invStdv = Math.exp(-logScale);
  const cdfPlus = approxStandardNormalCdf(invStdv * (centered + 1 / 255));
  const cdfMin = approxStandardNormalCdf(invStdv * (centered - 1 / 255));
  const logCdfPlus = Math.log(Math.max(cdfPlus, 1e-12));
  const logOneMinusCdfMin = Math.log(Math.max(1 - cdfMin, 1e-12));
  const cdfDelta = cdfPlus - cdfMin;
  return x < -0.999 ? logCdfPlus : x > 0.999 ? logOneMinusCdfMin : Math.log(Math.max(cdfDelta, 1e-12));
}

/** The diffusion's tables, as Ho et al.'s GaussianDiffusion2 builds them (0-based t). */
export class ReferenceDiffusion {
  readonly T: number;
  readonly alphasCumprod: Float64Array;
  readonly alphasCumprodPrev: Float64Array;
  readonly posteriorVariance: Float64Array;
  readonly posteriorLogVarianceClipped: Float64Array;
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;
  /** log σ_p² per t for a fixed variance type (for learned_range: that of v = −1, the lower end). */
  readonly modelLogVariance: Float64Array;

  constructor(
    readonly betas: Float64Array,
    readonly varianceType: ReferenceVarianceType,
    readonly prediction: ReferencePrediction,
    readonly clip = true,
  ) {
    const T = betas.length;
    this.T = T;
    this.alphasCumprod = new Float64Array(T);
    let product = 1;
    for (let t = 0; t < T; t++) {
      product *= 1 - betas[t];
      this.alphasCumprod[t] = product;
    }
    this.alphasCumprodPrev = Float64Array.from([1, ...this.alphasCumprod.slice(0, -1)]);
    this.posteriorVariance = betas.map((b, t) => (b * (1 - this.alphasCumprodPrev[t])) / (1 - this.alphasCumprod[t]));
    this.posteriorLogVarianceClipped = this.posteriorVariance.map((v, t) => Math.log(t === 0 ? this.posteriorVariance[1] : v));
    this.posteriorMeanCoef1 = betas.map((b, t) => (b * Math.sqrt(this.alphasCumprodPrev[t])) / (1 - this.alphasCumprod[t]));
    this.posteriorMeanCoef2 = betas.map((b, t) => ((1 - this.alphasCumprodPrev[t]) * Math.sqrt(1 - b)) / (1 - this.alphasCumprod[t]));
    this.modelLogVariance =
      varianceType === "fixed_large"
        ? betas.map((b, t) => Math.log(t === 0 ? this.posteriorVariance[1] : b))
        : this.posteriorLogVarianceClipped;
  }

  /** log σ_p² at t for the model's variance value v (learned_range), or the fixed one. */
  logVariance(t: number, v?: number): number {
    if (this.varianceType !== "learned_range") return this.modelLogVariance[t];
    if (v === undefined) throw new Error("learned_range: the model's variance value is needed");
    const frac = (v + 1) / 2;
    return frac * Math.log(this.betas[t]) + (1 - frac) * this.posteriorLogVarianceClipped[t];
  }

  qSample(x0: number, t: number, noise: number): number {
    return Math.sqrt(this.alphasCumprod[t]) * x0 + Math.sqrt(1 - this.alphasCumprod[t]) * noise;
  }

  /** x̂₀ from the model output, clipped to [−1, 1] unless `clip` is false. */
  predictX0(xt: number, t: number, m: number): number {
    const a = Math.sqrt(this.alphasCumprod[t]);
    const b = Math.sqrt(1 - this.alphasCumprod[t]);
    const x0 =
      this.prediction === "epsilon"
        ? (xt - b * m) / a
        : this.prediction === "sample"
          ? m
          : this.prediction === "v_prediction"
            ? a * xt - b * m
            : (m - this.posteriorMeanCoef2[t] * xt) / this.posteriorMeanCoef1[t];
    return this.clip ? Math.min(Math.max(x0, -1), 1) : x0;
  }

  /** μ̃_t(x_t, x₀) (DDPM eq. 7): a posterior_mean model's target. */
  posteriorMean(t: number, x0: number, xt: number): number {
    return this.posteriorMeanCoef1[t] * x0 + this.posteriorMeanCoef2[t] * xt;
  }

  /**
   * The bound's term at timestep t for one element, nats: decoder NLL at t = 0, else the KL; `v` is the model's
   * variance value (learned_range).
   */
  term(t: number, x0: number, xt: number, m: number, v?: number): number {
    const trueMean = this.posteriorMeanCoef1[t] * x0 + this.posteriorMeanCoef2[t] * xt;
    const modelMean =
      this.prediction === "posterior_mean" && !this.clip
        ? m
        : this.posteriorMeanCoef1[t] * this.predictX0(xt, t, m) + this.posteriorMeanCoef2[t] * xt;
    const logVariance = this.logVariance(t, v);
    if (t === 0) return -discretizedGaussianLogLikelihood(x0, modelMean, 0.5 * logVariance);
    return normalKL(trueMean, this.posteriorLogVarianceClipped[t], modelMean, logVariance);
  }

  /** KL(q(x_T | x₀) ‖ N(0, 1)) for one element, nats. */
  prior(x0: number): number {
    const aBar = this.alphasCumprod[this.T - 1];
    return normalKL(Math.sqrt(aBar) * x0, Math.log(1 - aBar), 0, 0);
  }

  /**
   * Ho et al.'s calc_bpd_loop for a batch, bits per dimension: noise(t) gives the ε used at timestep t (flat,
   * like x0), model(xt, t) the model output (twice x0's length for learned_range: per image the prediction, then
   * the variance values).
   */
  bound(
    x0: Float64Array,
    batch: number,
    noise: (t: number) => ArrayLike<number>,
    model: (xt: Float64Array, t: number) => ArrayLike<number>,
  ): { perImage: Float64Array; prior: Float64Array; decoder: Float64Array; kl: Float64Array } {
    const dims = x0.length / batch;
    const perDim = (values: (i: number) => number) =>
      Float64Array.from({ length: batch }, (_, b) => {
        let total = 0;
        for (let j = 0; j < dims; j++) total += values(b * dims + j);
        return total / dims / Math.LN2;
      });
    const prior = perDim((i) => this.prior(x0[i]));
    const decoder = new Float64Array(batch);
    const kl = new Float64Array(batch);
    for (let t = this.T - 1; t >= 0; t--) {
      const eps = noise(t);
      const xt = x0.map((x, i) => this.qSample(x, t, eps[i]));
      const m = model(xt, t);
      // a learned-variance output holds, per image, the prediction then the variance values
      const learned = m.length === 2 * x0.length;
      const at = (i: number) => (learned ? i + dims * Math.floor(i / dims) : i);
      const terms = perDim((i) => this.term(t, x0[i], xt[i], m[at(i)], learned ? m[at(i) + dims] : undefined));
      for (let b = 0; b < batch; b++) (t === 0 ? decoder : kl)[b] += terms[b];
    }
    return { perImage: prior.map((p, b) => p + decoder[b] + kl[b]), prior, decoder, kl };
  }
}
