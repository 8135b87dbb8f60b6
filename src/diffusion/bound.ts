/**
 * The variational bound on the negative log-likelihood, in bits per dimension (Ho et al. 2020, eq. 5 and Table 2;
 * their code's `calc_bpd_loop`, `_vb_terms_bpd` and `_prior_bpd` in diffusion_tf/diffusion_utils_2.py):
 *
 *   L = KL(q(x_T | x₀) ‖ N(0, I))                               prior
 *     + Σ_{t>1} KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t))    kl
 *     − log p_θ(x₀ | x₁)                                        decoder
 *
 * with Ho et al.'s 1-based t (diffusers' 0-based timestep t is their t + 1: their decoder term is our timestep 0).
 * p_θ's mean is the posterior mean μ̃_t(x_t, x̂₀) at the model's x̂₀, clipped to [−1, 1] (calc_bpd_loop's
 * clip_denoised = True; for a posterior_mean model, the x̂₀ its output implies, so the mean is its output wherever
 * that x̂₀ lies in [−1, 1]); its variance follows the scheduler's variance_type: fixed_small → β̃_t (log clipped at
 * β̃_1 for the first timestep), fixed_large → β_t, except β̃_1 at the first timestep, as their code does "to get a
 * better decoder log likelihood"; learned_range → per element, log σ_p² = frac·log β_t + (1 − frac)·log β̃_t with
 * frac = (v + 1)/2 from the model's variance channels and log β̃_t clipped at β̃_1 (Nichol & Dhariwal 2021 eq. 15,
 * improved-diffusion's p_mean_variance; the KL is then against a per-element σ_p², and the decoder's scale is σ_p).
 * The decoder is their discretised Gaussian on 256 levels. Every term is a mean over the image's dimensions in
 * nats, divided by ln 2.
 *
 * The per-element terms come from one kernel (shaders/bound.wgsl); each image's sum comes from ops.sum, so only
 * N numbers per timestep are read back. Schedule coefficients are float64 on the CPU (uploaded as float32). The same
 * kernel, with its backward and x̂₀ unclipped, is the L_vlb training loss (`variationalBoundLoss`).
 */

import { type Engine, record, type Tensor } from "../engine.js";
import { scale } from "../ops/elementwise.js";
import { mean, sum } from "../ops/reduce.js";
import { grid1d, shapeString } from "../shape.js";
import type { DDPMScheduler } from "./schedulers.js";

/** "exact" evaluates all T timesteps; "estimate" samples `samples` timesteps per image. */
type BoundMode = "exact" | "estimate";

export interface VariationalBoundOptions {
  scheduler: DDPMScheduler;
  /**
   * Returns the model output for the scheduler's prediction_type (ε, x₀, v or μ̃), one timestep per image; with a
   * learned variance, [N, 2C, …]: the prediction, then the variance values.
   */
  model: (xt: Tensor, timesteps: number[]) => Tensor;
  /** Data [N, C, H, W] (any rank ≥ 2: the first axis is the batch) in [−1, 1], quantised to 256 levels. */
  x0: Tensor;
  mode: BoundMode;
  /** Timesteps t ≥ 1 sampled per image in "estimate" mode (default 1); L₀ is always computed exactly. */
  samples?: number;
  /** Seed of the noise (and, when estimating, of the sampled timesteps). Default 0. */
  seed?: number;
  /** Called after each model evaluation with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface VariationalBoundResult {
  /** The bound in bits per dimension, mean over images. */
  bitsPerDim: number;
  /** The bound of each image, bits per dimension. */
  perImage: Float64Array;
  /** KL(q(x_T | x₀) ‖ N(0, I)), bits per dimension, mean over images (always exact). */
  prior: number;
  /** −log p(x₀ | x₁), bits per dimension, mean over images (estimated in "estimate" mode). */
  decoder: number;
  /** The sum of the KL terms of the other timesteps, bits per dimension, mean over images. */
  kl: number;
  /** The mode that produced these numbers (the one asked for). */
  mode: BoundMode;
  /**
   * The estimate's standard error around the exact bound of the same images, in bits/dim (0 when exact; NaN for an
   * estimate from a single sampled timestep).
   */
  standardError: number;
  /** Model evaluations (one per timestep, batched over the images): T when exact, `samples` when estimating. */
  timestepsEvaluated: number;
}

/** The coefficients of one image's term in shaders/bound.wgsl (see its header for the math). */
export interface BoundTermCoefficients {
  x0FromSample: number;
  x0FromModel: number;
  meanFromX0: number;
  meanFromPred: number;
  klConstant: number;
  invVariance: number;
  invStd: number;
  isDecoder: boolean;
  /**
   * A learned variance (learned_range): log σ_p² = minLog + frac·logRange per element, frac = (v + 1)/2, and
   * minLogGap = minLog − log β̃_t (0 for t ≥ 1), so Δ = log σ_p² − log β̃_t = minLogGap + frac·logRange; klConstant,
   * invVariance and invStd are then unused.
   */
  learnedVariance?: { minLog: number; logRange: number; minLogGap: number };
}

/** log σ_p² of p_θ(x_{t−1} | x_t) for the scheduler's fixed variance types (Ho et al.'s fixedsmall / fixedlarge tables). */
function modelLogVariance(scheduler: DDPMScheduler, t: number): number {
  const s = scheduler.schedule;
  switch (scheduler.config.variance_type) {
    case "fixed_small":
    case "fixed_small_log":
      return s.posteriorLogVarianceClipped[t];
    case "fixed_large":
    case "fixed_large_log":
      // log(append(β̃_1, β_2..β_T)) in their 1-based notation
      return t === 0 ? s.posteriorLogVarianceClipped[0] : Math.log(s.betas[t]);
    case "learned_range":
      throw new Error("modelLogVariance: a learned variance is the model's, per element");
  }
}

/**
 * The coefficients of the bound's term at timestep t (0-based): the decoder NLL at t = 0, else
 * KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t)).
 */
export function boundTermCoefficients(scheduler: DDPMScheduler, t: number): BoundTermCoefficients {
  if (!Number.isInteger(t) || t < 0 || t >= scheduler.T) throw new Error(`variationalBound: timestep ${t} is outside [0, ${scheduler.T})`);
  const s = scheduler.schedule;
  const { x0FromSample, x0FromModel } = scheduler.predictionCoefficients(t);
  // p(x₀ | x₁) has mean μ̃(x₁, x̂₀) = coef1·x̂₀ (coef2 = 0 at the first timestep); for t ≥ 1 μ_q − μ_p = c₁·(x₀ − x̂₀)
  const mean = { x0FromSample, x0FromModel, meanFromX0: t === 0 ? 1 : s.posteriorMeanCoef1[t], meanFromPred: s.posteriorMeanCoef1[t] };
  if (scheduler.learnsVariance) {
    // improved-diffusion: min_log = posterior_log_variance_clipped[t], max_log = log β_t (β, not the clamped β̃, at t = 0)
    const minLog = s.posteriorLogVarianceClipped[t];
    return {
      ...mean,
      klConstant: 0,
      invVariance: 0,
      invStd: 0,
      isDecoder: t === 0,
      learnedVariance: { minLog, logRange: Math.log(s.betas[t]) - minLog, minLogGap: 0 },
    };
  }
  const logVariance = modelLogVariance(scheduler, t);
  if (t === 0) {
    return { ...mean, klConstant: 0, invVariance: 0, invStd: Math.exp(-0.5 * logVariance), isDecoder: true };
  }
  // KL between N(μ̃(x_t, x₀), β̃_t) and N(μ̃(x_t, x̂₀), σ_p²):
  //   ½(−1 + Δ + e^{−Δ}) + ½(μ_q − μ_p)²/σ_p², Δ = log σ_p² − log β̃_t
  const delta = logVariance - s.posteriorLogVarianceClipped[t];
  return {
    ...mean,
    klConstant: 0.5 * (delta + Math.expm1(-delta)),
    invVariance: Math.exp(-logVariance),
    invStd: 0,
    isDecoder: false,
  };
}

/** The prior term KL(N(√ᾱ_T·x₀, 1 − ᾱ_T) ‖ N(0, 1)) as kernel coefficients (model and x_t unused). */
export function priorTermCoefficients(scheduler: DDPMScheduler): BoundTermCoefficients {
  const alphaBar = scheduler.schedule.alphasCumprod[scheduler.T - 1];
  return {
    x0FromSample: 0,
    x0FromModel: 0,
    meanFromX0: Math.sqrt(alphaBar),
    meanFromPred: 0,
    // ½(−1 + 0 − log(1 − ᾱ) + (1 − ᾱ)) = ½(−ᾱ − log(1 − ᾱ))
    klConstant: 0.5 * (-alphaBar - Math.log1p(-alphaBar)),
    invVariance: 1,
    invStd: 0,
    isDecoder: false,
  };
}

/** Whether the model output matches x₀'s shape, or has twice its channels (a learned-variance model). */
function outputLayout(x0: Tensor, modelOutput: Tensor): "same" | "doubled" | null {
  if (modelOutput.shape.join() === x0.shape.join()) return "same";
  const doubled =
    modelOutput.rank === x0.rank &&
    modelOutput.shape[1] === 2 * x0.shape[1] &&
    modelOutput.shape.every((d, i) => i === 1 || d === x0.shape[i]);
  return doubled ? "doubled" : null;
}

/**
 * The bound's per-element terms in nats (shaders/bound.wgsl), one coefficient set per image; same shape as x0.
 * `clipDenoised` (default true, as calc_bpd_loop) clamps x̂₀ to [−1, 1]; the training loss uses false, as Ho et al.'s
 * training_losses does. Differentiable with respect to the model output (x₀ and x_t are constants): its backward is
 * vb_terms_backward, whose gradient is 0 where the clamp is active. With learned-variance coefficients the model
 * output is [N, 2C, …] (prediction, then variance values) and the gradient reaches both halves.
 */
export function boundTerms(
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  perImage: BoundTermCoefficients[],
  options: { clipDenoised?: boolean } = {},
): Tensor {
  const n = x0.shape[0];
  if (x0.rank < 2 || perImage.length !== n) {
    throw new Error(`boundTerms: ${perImage.length} coefficient sets for x₀ of shape ${shapeString(x0.shape)}`);
  }
  if (xt.shape.join() !== x0.shape.join())
    throw new Error(`boundTerms: x_t has shape ${shapeString(xt.shape)}, x₀ ${shapeString(x0.shape)}`);
  const learned = perImage.filter((c) => c.learnedVariance).length;
  if (learned > 0 && learned < n) throw new Error("boundTerms: the coefficient sets mix learned and fixed variances");
  const layout = outputLayout(x0, modelOutput);
  if (layout !== (learned ? "doubled" : "same")) {
    const channels = (learned ? 2 : 1) * x0.shape[1];
    throw new Error(
      `boundTerms: model output has shape ${shapeString(modelOutput.shape)}, x₀ ${shapeString(x0.shape)}` +
        ` (${learned ? "a learned" : "a fixed"} variance takes ${channels} channels)`,
    );
  }
  const clip = (options.clipDenoised ?? true) ? 1 : 0;
  if (learned) return learnedTerms(x0, xt, modelOutput, perImage, { clip, target: null, vbWeight: 1, meanGradient: true });
  const engine = x0.engine;
  const table = new Float32Array(8 * n);
  for (const [i, c] of perImage.entries()) {
    table.set(
      [c.x0FromSample, c.x0FromModel, c.meanFromX0, c.meanFromPred, c.klConstant, c.invVariance, c.invStd, c.isDecoder ? 1 : 0],
      8 * i,
    );
  }
  const uniforms = { n: x0.size, perSample: x0.size / n, clip };
  const coefficients = engine.tensor(table, [n, 8]);
  const terms = engine.empty(x0.shape, "boundTerms");
  engine.run("bound/vb_terms", { x0, noisy: xt, modelOutput, coefficients, terms }, uniforms, grid1d(x0.size));
  coefficients.dispose();
  return record("boundTerms", terms, [modelOutput], (gradTerms) => {
    // the table is uploaded again (8 numbers per image) rather than kept alive until the backward pass
    const again = engine.tensor(table, [n, 8]);
    const gradModel = engine.empty(x0.shape, "boundTerms backward");
    engine.run(
      "bound/vb_terms_backward",
      { x0, noisy: xt, modelOutput, coefficients: again, gradTerms, gradModel },
      uniforms,
      grid1d(x0.size),
    );
    again.dispose();
    return [gradModel];
  });
}

/**
 * Per-element values simpleWeight·(m − target)² + vbWeight·(the bound's term, nats) of a learned-variance model
 * (vb_terms_learned; simpleWeight = 1 with a target, else 0), shaped like x₀, differentiable with respect to the
 * [N, 2C, …] model output; `meanGradient` false stops the bound's gradient into the prediction channels.
 */
function learnedTerms(
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  perImage: BoundTermCoefficients[],
  options: { clip: number; target: Tensor | null; vbWeight: number; meanGradient: boolean },
): Tensor {
  const engine = x0.engine;
  const n = x0.shape[0];
  const table = new Float32Array(8 * n);
  for (const [i, c] of perImage.entries()) {
    const v = c.learnedVariance!;
    table.set([c.x0FromSample, c.x0FromModel, c.meanFromX0, c.meanFromPred, v.minLog, v.logRange, v.minLogGap, c.isDecoder ? 1 : 0], 8 * i);
  }
  const uniforms = {
    n: x0.size,
    perSample: x0.size / n,
    clip: options.clip,
    meanGradient: options.meanGradient ? 1 : 0,
    simpleWeight: options.target ? 1 : 0,
    vbWeight: options.vbWeight,
  };
  // without a target, x₀ is bound in its place (read only where simpleWeight ≠ 0)
  const simpleTarget = options.target ?? x0;
  const learnedCoefficients = engine.tensor(table, [n, 8]);
  const terms = engine.empty(x0.shape, "boundTerms");
  engine.run("bound/vb_terms_learned", { x0, noisy: xt, modelOutput, learnedCoefficients, simpleTarget, terms }, uniforms, grid1d(x0.size));
  learnedCoefficients.dispose();
  return record("boundTerms", terms, [modelOutput], (gradTerms) => {
    const again = engine.tensor(table, [n, 8]);
    const gradModel = engine.empty(modelOutput.shape, "boundTerms backward");
    engine.run(
      "bound/vb_terms_learned_backward",
      { x0, noisy: xt, modelOutput, learnedCoefficients: again, simpleTarget, gradTerms, gradModel },
      uniforms,
      grid1d(x0.size),
    );
    again.dispose();
    return [gradModel];
  });
}

/**
 * The true variational bound as a training loss (Ho et al. 2020 eq. 5, their `loss_type = "kl"`): for each image the
 * bound's term at its timestep t — KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t)) for t ≥ 1, −log p_θ(x₀ | x₁) at
 * t = 0 — as a mean over the image's dimensions in bits, then the mean over the batch: a scalar [] tensor on the
 * GPU, differentiable with respect to the model output. The formulas are the bound's own (boundTermCoefficients,
 * shaders/bound.wgsl), with x̂₀ unclipped; with t uniform, T times this loss plus the constant prior is an unbiased
 * estimate of the bound in bits/dim. With a learned variance (a [N, 2C, …] output) both the prediction and the
 * variance channels get the bound's gradient (improved-diffusion's KL loss with learned sigmas).
 */
export function variationalBoundLoss(
  scheduler: DDPMScheduler,
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  timesteps: ArrayLike<number>,
): Tensor {
  return meanInBits(trainingTerms(scheduler, x0, xt, modelOutput, timesteps), "all");
}

/** The bound's per-element terms in nats at each image's timestep, x̂₀ unclipped: what L_vlb averages. */
function trainingTerms(scheduler: DDPMScheduler, x0: Tensor, xt: Tensor, modelOutput: Tensor, timesteps: ArrayLike<number>): Tensor {
  const perImage = Array.from(timesteps, (t) => boundTermCoefficients(scheduler, t));
  return boundTerms(x0, xt, modelOutput, perImage, { clipDenoised: false });
}

/** The mean of terms in nats over all elements ("all": []) or over each image's ("image": [N]), in bits. */
function meanInBits(terms: Tensor, over: "all" | "image"): Tensor {
  const perDimension = over === "all" ? mean(terms) : mean(terms, terms.shape.map((_, d) => d).slice(1));
  const bits = scale(perDimension, 1 / Math.LN2);
  if (!bits.node) {
    terms.dispose();
    perDimension.dispose();
  }
  return bits;
}

/**
 * L_hybrid = L_simple + λ·L_vlb (Nichol & Dhariwal 2021 eq. 16, λ = 0.001) for a learned-variance model: a scalar []
 * tensor, the mean over the batch's elements of (m − target)² + (T/1000)·term/ln 2, where m is the prediction
 * channels of the [N, 2C, …] output, target the L_simple target and term the bound's per-element term at each image's
 * timestep in nats (x̂₀ unclipped), computed and differentiated in one kernel each way (vb_terms_learned).
 *
 * Units: variationalBoundLoss is each image's L_t as a mean over its dimensions in bits, averaged over the batch —
 * improved-diffusion's terms["vb"] (`_vb_terms_bpd`, mean_flat(kl)/log 2). Their hybrid (LossType.RESCALED_MSE with
 * learned sigmas) adds terms["vb"]·num_timesteps/1000 to terms["mse"] = mean_flat((target − m)²); with t uniform,
 * T·L_t estimates L_vlb = Σ_t L_t, so that is λ·L_vlb with λ = 0.001. Here: mseLoss(m, target) +
 * (T/1000)·variationalBoundLoss, fused. As their `frozen_out`, the bound's gradient reaches only the variance
 * channels; the prediction channels get exactly L_simple's gradient, 2(m − target)/(N·C·H·W).
 */
export function hybridLoss(
  scheduler: DDPMScheduler,
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  target: Tensor,
  timesteps: ArrayLike<number>,
): Tensor {
  const terms = hybridTerms(scheduler, x0, xt, modelOutput, target, timesteps);
  const loss = mean(terms);
  if (!loss.node) terms.dispose();
  return loss;
}

/**
 * Each image's L_hybrid summand (what hybridLoss averages over the batch): [N], the mean over the image's
 * dimensions of (m − target)² + (T/1000)·term/ln 2, differentiable as hybridLoss is.
 */
export function hybridPerImage(
  scheduler: DDPMScheduler,
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  target: Tensor,
  timesteps: ArrayLike<number>,
): Tensor {
  const terms = hybridTerms(scheduler, x0, xt, modelOutput, target, timesteps);
  const perImage = mean(terms, terms.shape.map((_, d) => d).slice(1));
  if (!perImage.node) terms.dispose();
  return perImage;
}

/** The per-element summands of L_hybrid, [N, C, …] (see hybridLoss). */
function hybridTerms(
  scheduler: DDPMScheduler,
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  target: Tensor,
  timesteps: ArrayLike<number>,
): Tensor {
  if (!scheduler.learnsVariance) {
    throw new Error(
      `hybridLoss: the hybrid objective learns the variance; the scheduler's variance_type is ${scheduler.config.variance_type}`,
    );
  }
  if (target.shape.join() !== x0.shape.join() || xt.shape.join() !== x0.shape.join()) {
    throw new Error(
      `hybridLoss: target ${shapeString(target.shape)} and x_t ${shapeString(xt.shape)} must be shaped as x₀ ${shapeString(x0.shape)}`,
    );
  }
  if (outputLayout(x0, modelOutput) !== "doubled") {
    throw new Error(
      `hybridLoss: the model output has shape ${shapeString(modelOutput.shape)}; a learned variance takes ${2 * x0.shape[1]} ` +
        `channels for x₀ of shape ${shapeString(x0.shape)}`,
    );
  }
  const perImage = Array.from(timesteps, (t) => boundTermCoefficients(scheduler, t));
  if (perImage.length !== x0.shape[0]) throw new Error(`hybridLoss: ${perImage.length} timesteps for a batch of ${x0.shape[0]}`);
  const vbWeight = scheduler.T / 1000 / Math.LN2;
  return learnedTerms(x0, xt, modelOutput, perImage, { clip: 0, target, vbWeight, meanGradient: false });
}

/**
 * Each image's L_vlb term (what variationalBoundLoss averages over the batch): [N] in bits/dim on the GPU,
 * differentiable with respect to the model output (both layouts, as variationalBoundLoss). Importance sampling of t
 * (Nichol & Dhariwal 2021 §3.3) weights these terms by 1/(T·p_t) and reads them back to update its loss history.
 */
export function variationalBoundPerImage(
  scheduler: DDPMScheduler,
  x0: Tensor,
  xt: Tensor,
  modelOutput: Tensor,
  timesteps: ArrayLike<number>,
): Tensor {
  return meanInBits(trainingTerms(scheduler, x0, xt, modelOutput, timesteps), "image");
}

/** Each image's summed terms in nats, read back. */
async function perImageNats(engine: Engine, make: () => Tensor): Promise<Float64Array> {
  const sums = engine.tidy(() =>
    engine.noGrad(() => {
      const terms = make();
      return sum(terms, terms.shape.map((_, d) => d).slice(1));
    }),
  );
  const values = Float64Array.from(await sums.data());
  sums.dispose();
  return values;
}

/** mulberry32: a small seeded generator for the sampled timesteps (uniform in [0, 1)). */
function uniformSource(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The variational bound of a model on data x₀, in bits per dimension. The returned `mode` says which was used:
 *
 * - "exact": all T timesteps, as Ho et al.'s calc_bpd_loop; x_t is drawn by the scheduler's fused q_sample with
 *   Philox stream t under `seed` (the noise `engine.randn(x0.shape, { seed, stream: t })` gives).
 * - "estimate": the decoder term L₀ exactly (stream 0, as "exact" draws it), then `samples` rounds, stratified: the
 *   range [1, T) is cut into `samples` equal strata, and in round k every image gets its own timestep, uniform in
 *   stratum k (drawn on the CPU from `seed`); x_t uses Philox stream T + k, and each term is weighted by the
 *   stratum's width (T − 1) / samples: an unbiased estimate of the sum over t ≥ 1, with far less variance than
 *   independent uniform draws (L_t changes by orders of magnitude over t). Computing L₀ exactly removes the largest
 *   single term. The prior is exact. `standardError` estimates the estimate's spread around the exact bound of the
 *   same images, by collapsing adjacent strata in pairs (each pair read as one stratum sampled twice; conservative).
 */
export async function variationalBound(options: VariationalBoundOptions): Promise<VariationalBoundResult> {
  const { scheduler, model, x0, mode } = options;
  const seed = options.seed ?? 0;
  const samples = options.samples ?? 1;
  if (mode !== "exact" && mode !== "estimate")
    throw new Error(`variationalBound: mode must be "exact" or "estimate", got ${JSON.stringify(mode)}`);
  if (mode === "estimate" && !(Number.isInteger(samples) && samples >= 1)) {
    throw new Error(`variationalBound: samples must be a positive integer, got ${samples}`);
  }
  if (x0.rank < 2) throw new Error(`variationalBound: x0 must be [N, C, H, W] (rank ≥ 2), got ${shapeString(x0.shape)}`);
  const engine = x0.engine;
  const T = scheduler.T;
  const n = x0.shape[0];
  const nats = 1 / ((x0.size / n) * Math.LN2); // summed nats → bits per dimension

  const evaluate = (timesteps: number[], stream: number): Promise<Float64Array> =>
    perImageNats(engine, () => {
      const { noisy, target } = scheduler.noisyTrainingPair(x0, timesteps, seed, stream);
      target.dispose();
      const output = model(noisy, timesteps);
      if (outputLayout(x0, output) !== (scheduler.learnsVariance ? "doubled" : "same")) {
        throw new Error(
          `variationalBound: the model returned ${shapeString(output.shape)} for x_t of shape ${shapeString(x0.shape)}` +
            ` (variance_type ${scheduler.config.variance_type} takes ${scheduler.modelOutputChannels(x0.shape[1])} channels)`,
        );
      }
      return boundTerms(
        x0,
        noisy,
        output,
        timesteps.map((t) => boundTermCoefficients(scheduler, t)),
      );
    });

  const priorPerImage = (await perImageNats(engine, () => boundTerms(x0, x0, x0, Array(n).fill(priorTermCoefficients(scheduler))))).map(
    (v) => v * nats,
  );
  const decoder = new Float64Array(n);
  const kl = new Float64Array(n);
  const total = mode === "exact" ? T : samples + 1;
  /** Each estimate round's weighted term per image (for the standard error). */
  const weighted = Array.from({ length: mode === "exact" ? 0 : samples }, () => new Float64Array(n));
  if (mode === "exact") {
    for (let t = T - 1; t >= 0; t--) {
      const terms = await evaluate(Array(n).fill(t), t);
      for (let i = 0; i < n; i++) (t === 0 ? decoder : kl)[i] += terms[i] * nats;
      options.onProgress?.(T - t, total);
    }
  } else {
    const decoderTerms = await evaluate(Array(n).fill(0), 0);
    for (let i = 0; i < n; i++) decoder[i] = decoderTerms[i] * nats;
    options.onProgress?.(1, total);
    if (T > 1) {
      const uniform = uniformSource(seed);
      const width = (T - 1) / samples;
      for (let k = 0; k < samples; k++) {
        const timesteps = Array.from({ length: n }, () => 1 + Math.min(Math.floor((k + uniform()) * width), T - 2));
        const terms = await evaluate(timesteps, T + k);
        for (let i = 0; i < n; i++) {
          weighted[k][i] = terms[i] * nats * width;
          kl[i] += weighted[k][i];
        }
        options.onProgress?.(k + 2, total);
      }
    }
  }
  const perImage = priorPerImage.map((p, i) => p + decoder[i] + kl[i]);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / n;
  return {
    bitsPerDim: mean(perImage),
    perImage,
    prior: mean(priorPerImage),
    decoder: mean(decoder),
    kl: mean(kl),
    mode,
    timestepsEvaluated: total,
    standardError: mode === "exact" ? 0 : stratifiedStandardError(weighted, n),
  };
}

/**
 * The standard error of the mean over images of Σ_k weighted[k][i] as an estimate of the exact sum, one sample per
 * stratum: strata are collapsed in adjacent pairs (an odd last stratum joins the pair before it), and a pair with
 * values a, b contributes (a − b)² to an image's variance. NaN with a single stratum (no spread to measure).
 */
function stratifiedStandardError(weighted: Float64Array[], n: number): number {
  const strata = weighted.length;
  if (strata < 2) return Number.NaN;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k + 1 < strata; k += 2) {
      const last = k + 3 === strata; // three left: the pair (k, k+1) and the odd one against k+1
      variance += (weighted[k][i] - weighted[k + 1][i]) ** 2;
      if (last) variance += (weighted[k + 1][i] - weighted[k + 2][i]) ** 2;
    }
  }
  return Math.sqrt(variance) / n;
}
