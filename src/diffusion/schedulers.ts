/**
 * DDPMScheduler and DDIMScheduler with diffusers' names and semantics: `setTimesteps`, `addNoise`, `step`.
 * All schedule math is float64 on the CPU; `step` reduces to a handful of per-step coefficients that one fused
 * GPU kernel applies (shaders/diffusion.wgsl). The scheduler never sees the model.
 */
import {
  DDIM_DEFAULTS,
  type DDIMSchedulerConfig,
  DDPM_DEFAULTS,
  type DDPMSchedulerConfig,
  type PredictionType,
  resolveSchedulerConfig,
  type TimestepSpacing,
} from "./config.js";
import { denoiseStep, qSample, type StepCoefficients } from "./kernels.js";
import { NoiseSchedule } from "./schedule.js";

export type { StepCoefficients } from "./kernels.js";

import type { Tensor } from "../engine.js";
import { add, mul, reshape } from "../ops/elementwise.js";
import { shapeString } from "../shape.js";

/** x̂₀ and ε̂ as linear functions of (x_t, model output) at training timestep t, for each prediction type. */
function predictionCoefficients(type: PredictionType, schedule: NoiseSchedule, t: number) {
  const alphaProd = schedule.alphasCumprod[t];
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  switch (type) {
    case "epsilon": // DDPM eq. 15: x̂₀ = (x_t − √(1−ᾱ_t)·ε_θ) / √ᾱ_t
      return { x0FromSample: 1 / a, x0FromModel: -b / a, epsFromSample: 0, epsFromModel: 1 };
    case "sample":
      return { x0FromSample: 0, x0FromModel: 1, epsFromSample: 1 / b, epsFromModel: -a / b };
    case "v_prediction": // Salimans & Ho 2022: v = √ᾱ·ε − √(1−ᾱ)·x₀
      return { x0FromSample: a, x0FromModel: -b, epsFromSample: b, epsFromModel: a };
    case "posterior_mean": {
      // The model is μ̃_θ = c₁·x̂₀ + c₂·x_t (DDPM eq. 7 with the training chain's coefficients at t), so the implied
      // x̂₀ = (μ̃_θ − c₂·x_t) / c₁ and ε̂ = (x_t − √ᾱ_t·x̂₀) / √(1−ᾱ_t) (DDPM eq. 4 solved for ε).
      // Unclipped, a full DDPM chain's step is then μ̃_θ + σ_t·z; clip_sample clips this x̂₀ and the step's mean is formed
      // from the clipped value, as for every type (so the mean stays within c₁·[−r, r] + c₂·x_t; Ho et al.'s code
      // leaves an "xprev" model's mean unclipped).
      const c1 = schedule.posteriorMeanCoef1[t];
      const c2 = schedule.posteriorMeanCoef2[t];
      return {
        x0FromSample: -c2 / c1,
        x0FromModel: 1 / c1,
        epsFromSample: (1 + (a * c2) / c1) / b,
        epsFromModel: -a / (c1 * b),
      };
    }
  }
}

/** diffusers' set_timesteps spacing rules, as descending integer timesteps. */
function spacedTimesteps(spacing: TimestepSpacing, T: number, steps: number, stepsOffset: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`setTimesteps: num_inference_steps = ${steps} must be an integer in [1, num_train_timesteps = ${T}]`);
  }
  const out: number[] = [];
  if (spacing === "linspace") {
    // np.linspace(0, T − 1, steps).round(): numpy computes i·step with step = (T − 1)/(steps − 1), sets the last
    // value to T − 1 exactly, and rounds halves to even (T = 1000, steps = 7 gives 832, not 833)
    const step = steps === 1 ? 0 : (T - 1) / (steps - 1);
    for (let i = 0; i < steps; i++) out.push(roundHalfEven(steps > 1 && i === steps - 1 ? T - 1 : i * step));
    return out.reverse();
  }
  if (spacing === "leading") {
    const ratio = Math.floor(T / steps);
    for (let i = 0; i < steps; i++) out.push(i * ratio + stepsOffset);
    return out.reverse();
  }
  // trailing: np.round(np.arange(T, 0, −T/steps)) − 1. numpy's arange fills T + i·δ with δ = (T − T/steps) − T
  // (its second value minus its first), which can differ from −T/steps in the last bit and decide a rounding.
  // When T/(T/steps) rounds above steps, numpy also yields one more value ≈ 0 (so diffusers gets a spurious
  // timestep −1, e.g. T = 50, steps = 29); we stop at `steps` values.
  const delta = T - T / steps - T;
  for (let i = 0; i < steps; i++) out.push(roundHalfEven(T + i * delta) - 1);
  return out;
}

/** numpy.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

abstract class SchedulerBase<C extends DDPMSchedulerConfig | DDIMSchedulerConfig> {
  readonly schedule: NoiseSchedule;
  /** The timesteps of the sampling loop, descending; all T of them until setTimesteps is called. */
  timesteps: number[];
  numInferenceSteps: number | null = null;

  protected constructor(readonly config: C) {
    this.schedule = NoiseSchedule.named(config.beta_schedule, config.num_train_timesteps, config.beta_start, config.beta_end);
    this.timesteps = [...Array(config.num_train_timesteps).keys()].reverse();
  }

  get T(): number {
    return this.config.num_train_timesteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    this.timesteps = spacedTimesteps(c.timestep_spacing, c.num_train_timesteps, numInferenceSteps, c.steps_offset);
    this.numInferenceSteps = numInferenceSteps;
  }

  /** The timestep the sampling loop moves to from t. */
  previousTimestep(t: number): number {
    return t - Math.floor(this.T / (this.numInferenceSteps ?? this.T));
  }

  /** √ᾱ_t and √(1−ᾱ_t): q(x_t | x₀) = N(√ᾱ_t·x₀, (1−ᾱ_t)·I) (DDPM eq. 4). */
  noiseCoefficients(t: number): { signal: number; noise: number } {
    this.checkTimestep(t);
    return { signal: this.schedule.sqrtAlphasCumprod[t], noise: this.schedule.sqrtOneMinusAlphasCumprod[t] };
  }

  /**
   * The training target as coefficients of (x₀, ε): ε for epsilon, x₀ for sample,
   * v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ for v_prediction, and for posterior_mean
   * μ̃_t(x_t, x₀) = c₁·x₀ + c₂·x_t = (c₁ + c₂√ᾱ_t)·x₀ + c₂√(1−ᾱ_t)·ε (DDPM eq. 7 with x_t from eq. 4).
   */
  targetCoefficients(t: number): { fromX0: number; fromNoise: number } {
    const { signal, noise } = this.noiseCoefficients(t);
    switch (this.config.prediction_type) {
      case "epsilon":
        return { fromX0: 0, fromNoise: 1 };
      case "sample":
        return { fromX0: 1, fromNoise: 0 };
      case "v_prediction":
        return { fromX0: -noise, fromNoise: signal };
      case "posterior_mean": {
        const c1 = this.schedule.posteriorMeanCoef1[t];
        const c2 = this.schedule.posteriorMeanCoef2[t];
        return { fromX0: c1 + c2 * signal, fromNoise: c2 * noise };
      }
    }
  }

  /**
   * x̂₀ = x0FromSample·x_t + x0FromModel·m and ε̂ = epsFromSample·x_t + epsFromModel·m: what the model output m at
   * training timestep t implies for the configured prediction_type (before any clipping).
   */
  predictionCoefficients(t: number): { x0FromSample: number; x0FromModel: number; epsFromSample: number; epsFromModel: number } {
    this.checkTimestep(t);
    return predictionCoefficients(this.config.prediction_type, this.schedule, t);
  }

  /** q(x_t | x₀) with the given noise (diffusers add_noise): √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, one t per sample. */
  addNoise(original: Tensor, noise: Tensor, timesteps: ArrayLike<number>): Tensor {
    const n = original.shape[0];
    if (timesteps.length !== n) throw new Error(`addNoise: ${timesteps.length} timesteps for a batch of ${n}`);
    const engine = original.engine;
    const perSample = Array.from(timesteps, (t) => this.noiseCoefficients(t));
    const shape = [n, ...original.shape.slice(1).map(() => 1)];
    const signal = engine.tensor(
      perSample.map((c) => c.signal),
      [n],
    );
    const noiseScale = engine.tensor(
      perSample.map((c) => c.noise),
      [n],
    );
    return add(mul(original, reshape(signal, shape)), mul(noise, reshape(noiseScale, shape)));
  }

  /**
   * Algorithm 1, lines 3–5, fused: draw ε in the kernel and return x_t and the training target (ε, x₀ or v per
   * prediction_type) for one timestep per sample. The same (seed, stream) gives the same noise.
   */
  noisyTrainingPair(x0: Tensor, timesteps: ArrayLike<number>, seed: number, stream = 0): { noisy: Tensor; target: Tensor } {
    const perSample = Array.from(timesteps, (t) => {
      const { signal, noise } = this.noiseCoefficients(t);
      const target = this.targetCoefficients(t);
      return { signal, noise, targetFromX0: target.fromX0, targetFromNoise: target.fromNoise };
    });
    return qSample(x0.engine, x0, perSample, seed, stream);
  }

  /**
   * One reverse step from x_t to x_{t−1} given the model output, as one fused dispatch. The noise z is Philox
   * block stream t under `seed`, so a sampling run is reproducible from its seed, or `noise` when given (then no
   * x̂₀ is returned). A [N, 2C, …] output (a learned-variance model) is read as the prediction in its first C
   * channels and the variance values in the rest; DDIM uses the prediction only.
   */
  step(
    modelOutput: Tensor,
    t: number,
    sample: Tensor,
    options: { seed?: number; eta?: number; returnPredOriginal?: boolean; noise?: Tensor } = {},
  ): { prevSample: Tensor; predOriginalSample: Tensor | null } {
    const c = this.stepCoefficients(t, options.eta);
    return denoiseStep(sample, modelOutput, c, options.seed ?? 0, t, options.returnPredOriginal ?? false, options.noise);
  }

  protected checkTimestep(t: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.T) throw new Error(`timestep ${t} is outside [0, ${this.T})`);
  }

  /** diffusers' scheduler_config.json content. */
  abstract toJSON(): Record<string, unknown>;
  abstract stepCoefficients(t: number, eta?: number): StepCoefficients;
}

/** Ancestral sampling of Ho et al. (Algorithm 2), diffusers' DDPMScheduler. */
export class DDPMScheduler extends SchedulerBase<DDPMSchedulerConfig> {
  constructor(config: Partial<DDPMSchedulerConfig> | Record<string, unknown> = {}) {
    super(resolveSchedulerConfig("DDPMScheduler", DDPM_DEFAULTS, config as Record<string, unknown>));
  }

  toJSON(): Record<string, unknown> {
    return { _class_name: "DDPMScheduler", _diffusers_version: "0.30.0", ...this.config, trained_betas: null, thresholding: false };
  }

  /** Whether the model outputs a variance value per element beside its prediction (variance_type learned_range). */
  get learnsVariance(): boolean {
    return this.config.variance_type === "learned_range";
  }

  /** The channels a model's output must have for samples of `sampleChannels`: 2·C with a learned variance, else C. */
  modelOutputChannels(sampleChannels: number): number {
    return this.learnsVariance ? 2 * sampleChannels : sampleChannels;
  }

  /** ᾱ_{prev}, β_t' = 1 − ᾱ_t/ᾱ_prev and β̃_t' clamped at 1e-20 for the step from t (diffusers _get_variance). */
  private stepVariances(t: number): { alphaProdPrev: number; currentBeta: number; posterior: number } {
    const prevT = this.previousTimestep(t);
    const alphaProd = this.schedule.alphasCumprod[t];
    const alphaProdPrev = prevT >= 0 ? this.schedule.alphasCumprod[prevT] : 1;
    const currentBeta = 1 - alphaProd / alphaProdPrev;
    // β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (DDPM eq. 7), clamped as diffusers does
    const posterior = Math.max(((1 - alphaProdPrev) / (1 - alphaProd)) * currentBeta, 1e-20);
    return { alphaProdPrev, currentBeta, posterior };
  }

  /**
   * The range a learned variance spans at the step from t: log σ² = frac·maxLog + (1 − frac)·minLog with
   * minLog = log β̃_t, maxLog = log β_t (diffusers _get_variance, learned_range).
   */
  learnedVarianceRange(t: number): { minLog: number; maxLog: number } {
    this.checkTimestep(t);
    const { currentBeta, posterior } = this.stepVariances(t);
    return { minLog: Math.log(posterior), maxLog: Math.log(currentBeta) };
  }

  /**
   * The variance of p(x_{t−1} | x_t) for the configured variance_type (diffusers _get_variance); for learned_range,
   * that of the model's variance value `predictedVariance`: exp(frac·log β_t + (1 − frac)·log β̃_t), frac = (v + 1)/2.
   */
  variance(t: number, predictedVariance?: number): number {
    const { currentBeta, posterior } = this.stepVariances(t);
    switch (this.config.variance_type) {
      case "fixed_small":
      case "fixed_small_log":
        return posterior;
      case "fixed_large":
      case "fixed_large_log":
        return currentBeta;
      case "learned_range": {
        if (predictedVariance === undefined) throw new Error("variance: learned_range needs the model's variance value");
        const frac = (predictedVariance + 1) / 2;
        return Math.exp(frac * Math.log(currentBeta) + (1 - frac) * Math.log(posterior));
      }
    }
  }

  /**
   * diffusers DDPMScheduler.step with the output's channel count checked: a learned variance needs 2·C channels
   * (the prediction, then the variance values), a fixed one C.
   */
  override step(
    modelOutput: Tensor,
    t: number,
    sample: Tensor,
    options: { seed?: number; eta?: number; returnPredOriginal?: boolean; noise?: Tensor } = {},
  ): { prevSample: Tensor; predOriginalSample: Tensor | null } {
    const expected = this.modelOutputChannels(sample.shape[1]);
    if (modelOutput.shape[1] !== expected) {
      throw new Error(
        `DDPM step: variance_type ${this.config.variance_type} takes a model output of ${expected} channels for ` +
          `${sample.shape[1]}-channel samples, got ${shapeString(modelOutput.shape)}`,
      );
    }
    return super.step(modelOutput, t, sample, options);
  }

  /** diffusers DDPMScheduler.step, steps 1–6, as kernel coefficients. */
  stepCoefficients(t: number): StepCoefficients {
    this.checkTimestep(t);
    // 1. alphas and betas
    const { alphaProdPrev, currentBeta } = this.stepVariances(t);
    const alphaProd = this.schedule.alphasCumprod[t];
    const betaProd = 1 - alphaProd;
    const betaProdPrev = 1 - alphaProdPrev;
    const currentAlpha = alphaProd / alphaProdPrev;
    // 2. x̂₀ from the prediction (DDPM eq. 15; for posterior_mean the x̂₀ its μ̃ implies), 3. clipped
    const prediction = predictionCoefficients(this.config.prediction_type, this.schedule, t);
    // 4–5. posterior mean μ̃_t(x_t, x̂₀) (DDPM eq. 7)
    const outFromX0 = (Math.sqrt(alphaProdPrev) * currentBeta) / betaProd;
    const outFromSample = (Math.sqrt(currentAlpha) * betaProdPrev) / betaProd;
    // 6. add σ_t·z unless t = 0; a learned σ_t is formed per element in the kernel (sigma is then its factor, 1)
    const learned = this.learnsVariance;
    const sigma = t > 0 ? (learned ? 1 : Math.sqrt(this.variance(t))) : 0;
    return {
      ...prediction,
      clip: this.config.clip_sample,
      clipRange: this.config.clip_sample_range,
      outFromX0,
      outFromSample,
      outFromEps: 0,
      sigma,
      ...(learned ? { learnedVariance: this.learnedVarianceRange(t) } : {}),
    };
  }
}

/**
 * Throw unless a model's output channels fit the scheduler's variance type: out_channels = 2·in_channels for
 * learned_range (the prediction, then the variance values), in_channels otherwise; `whose` names the model.
 */
export function checkModelChannels(scheduler: DDPMScheduler, config: { in_channels: number; out_channels: number }, whose: string): void {
  const expected = scheduler.modelOutputChannels(config.in_channels);
  if (config.out_channels !== expected) {
    throw new Error(
      `${whose} has out_channels = ${config.out_channels} for in_channels = ${config.in_channels}; the scheduler's ` +
        `variance_type ${scheduler.config.variance_type} needs out_channels = ${expected}` +
        (scheduler.learnsVariance ? " (the prediction, then the variance values)" : ""),
    );
  }
}

/** Song et al. 2021 (DDIM) with diffusers' DDIMScheduler semantics; eta = 0 is deterministic. */
export class DDIMScheduler extends SchedulerBase<DDIMSchedulerConfig> {
  constructor(config: Partial<DDIMSchedulerConfig> | Record<string, unknown> = {}) {
    super(resolveSchedulerConfig("DDIMScheduler", DDIM_DEFAULTS, config as Record<string, unknown>));
  }

  /**
   * DDIM over the noise schedule a DDPM scheduler was trained with, as diffusers' `DDIMScheduler.from_config`:
   * every key the two configs share is kept (the schedule, the prediction type, clipping, timestep spacing and
   * offset); DDIM's own keys keep their defaults.
   */
  static fromDDPM(ddpm: DDPMScheduler): DDIMScheduler {
    const shared = Object.keys(DDIM_DEFAULTS).filter((key) => key in ddpm.config);
    const source = ddpm.config as unknown as Record<string, unknown>;
    return new DDIMScheduler(Object.fromEntries(shared.map((key) => [key, source[key]])));
  }

  toJSON(): Record<string, unknown> {
    return { _class_name: "DDIMScheduler", _diffusers_version: "0.30.0", ...this.config, trained_betas: null, thresholding: false };
  }

  stepCoefficients(t: number, eta = 0): StepCoefficients {
    this.checkTimestep(t);
    if (!(eta >= 0)) throw new Error(`DDIM: eta must be ≥ 0, got ${eta}`);
    const prevT = this.previousTimestep(t);
    const alphaProd = this.schedule.alphasCumprod[t];
    const finalAlphaProd = this.config.set_alpha_to_one ? 1 : this.schedule.alphasCumprod[0];
    const alphaProdPrev = prevT >= 0 ? this.schedule.alphasCumprod[prevT] : finalAlphaProd;
    const betaProd = 1 - alphaProd;
    const betaProdPrev = 1 - alphaProdPrev;
    const prediction = predictionCoefficients(this.config.prediction_type, this.schedule, t);
    // σ_t = η·√((1−ᾱ_{t−1})/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_{t−1}) (Song et al. eq. 16)
    const variance = (betaProdPrev / betaProd) * (1 - alphaProd / alphaProdPrev);
    const sigma = eta * Math.sqrt(variance);
    // x_{t−1} = √ᾱ_{t−1}·x̂₀ + √(1−ᾱ_{t−1}−σ²)·ε̂ + σ·z (Song et al. eq. 12)
    return {
      ...prediction,
      clip: this.config.clip_sample,
      clipRange: this.config.clip_sample_range,
      outFromX0: Math.sqrt(alphaProdPrev),
      outFromSample: 0,
      outFromEps: Math.sqrt(Math.max(1 - alphaProdPrev - sigma * sigma, 0)),
      sigma,
    };
  }
}

/**
 * Apply step coefficients on the CPU in float64 (the reference the GPU kernel is tested against). A model output
 * twice the sample's length holds, per sample of `perSample` elements, the prediction then the variance values.
 */
export function stepReference(
  c: StepCoefficients,
  sample: ArrayLike<number>,
  model: ArrayLike<number>,
  noise?: ArrayLike<number>,
  perSample = sample.length,
): Float64Array {
  const out = new Float64Array(sample.length);
  const doubled = model.length === 2 * sample.length;
  for (let i = 0; i < sample.length; i++) {
    const at = doubled ? i + perSample * Math.floor(i / perSample) : i;
    let x0 = c.x0FromSample * sample[i] + c.x0FromModel * model[at];
    if (c.clip) x0 = Math.min(Math.max(x0, -c.clipRange), c.clipRange);
    const eps = c.epsFromSample * sample[i] + c.epsFromModel * model[at];
    let sigma = c.sigma;
    if (c.learnedVariance && sigma !== 0) {
      const frac = (model[at + perSample] + 1) / 2;
      sigma *= Math.exp(0.5 * (frac * c.learnedVariance.maxLog + (1 - frac) * c.learnedVariance.minLog));
    }
    out[i] = c.outFromX0 * x0 + c.outFromSample * sample[i] + c.outFromEps * eps + (noise && sigma ? sigma * noise[i] : 0);
  }
  return out;
}
