/**
 * Training (Ho et al. 2020, Algorithm 1) as a loop:
 *   batch → t ~ U{0..T−1} (or importance-sampled) → fused q_sample (x_t and the target) → U-Net
 *   → L_simple, L_vlb or L_hybrid → backward → global-norm clipping → AdamW (warmup, then constant or cosine) → EMA
 *   → (checkpoint)
 * `trainLoop` takes any denoiser; the CLI's training job (src/jobs/train.ts) wires the U-Net, the data and the
 * checkpoints to it. Every random choice is counter-based on (seed, step) — importance-sampled timesteps on the
 * loss history too, which the checkpoint saves — so a resumed run continues exactly as an uninterrupted one would.
 */
import { hybridLoss, hybridPerImage, variationalBoundLoss, variationalBoundPerImage } from "./diffusion/bound.js";
import type { DDPMScheduler } from "./diffusion/schedulers.js";
import { LossSecondMomentSampler } from "./diffusion/timestep-sampler.js";
import type { Engine, Tensor } from "./engine.js";
import type { TuneResult } from "./gpu/tuner.js";
import type { Dataset } from "./io/dataset.js";
import type { Denoiser } from "./nn/module.js";
import { mean, mseLoss, mul } from "./ops/index.js";
import { AdamW } from "./optim/adamw.js";
import { clipFactor, EMA } from "./optim/ema.js";

/**
 * The training objective: "simple" is L_simple (Ho et al. eq. 14), the unweighted mean squared error between the
 * model output and its target; "vlb" is the true variational bound's term at the sampled timestep (eq. 5: the KL of
 * eq. 8–12 for t ≥ 1, the discretised decoder −log p_θ(x₀ | x₁) at t = 0) with the scheduler's variances (fixed, or
 * learned with the gradient reaching both halves of the output); "hybrid" is L_hybrid = L_simple + λ·L_vlb
 * (Nichol & Dhariwal 2021 eq. 16, λ = 0.001) for a learned-variance model (variance_type learned_range, 2·C output
 * channels): L_simple on the prediction channels, the bound's term on the variance channels only.
 */
export type TrainLoss = "simple" | "vlb" | "hybrid";

const TRAIN_LOSSES: readonly TrainLoss[] = ["simple", "vlb", "hybrid"];

/**
 * The learning rate after the warmup: "constant" (Ho et al.), or "cosine", a half cosine from the peak down to 0
 * at `steps` (Loshchilov & Hutter 2017, without restarts), which lets a short run end on small, averaging steps.
 */
export type LearningRateSchedule = "constant" | "cosine";

const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = ["constant", "cosine"];

/**
 * How t is drawn: "uniform" is t ~ U{0..T−1} (Ho et al. Algorithm 1); "importance" is Nichol & Dhariwal 2021's
 * loss-aware sampling (§3.3, src/diffusion/timestep-sampler.ts), p_t ∝ √E[L_t²] with each term weighted by 1/(T·p_t),
 * for the losses `reweightsTimesteps` accepts.
 */
export type TimestepSampling = "uniform" | "importance";

const TIMESTEP_SAMPLINGS: readonly TimestepSampling[] = ["uniform", "importance"];

/**
 * The losses importance sampling of t applies to: every one but L_simple, whose weighting over t is part of its
 * definition (Ho et al. §3.4); the others estimate a sum of the bound's terms over t, which stays unbiased when each
 * term is weighted by 1/(T·p_t).
 */
function reweightsTimesteps(loss: TrainLoss): boolean {
  return loss !== "simple";
}

/** Every number a user can set for training, with defaults. Saved with each checkpoint. */
export interface TrainConfig {
  steps: number;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  /** After the warmup (LearningRateSchedule); the cosine reaches 0 at `steps`. */
  learningRateSchedule: LearningRateSchedule;
  /** Global-norm clipping threshold (Ho et al.: 1.0). */
  gradClip: number;
  weightDecay: number;
  emaDecay: number;
  /** Random horizontal flips (not for digits). */
  randomFlip: boolean;
  /** Seeds data order, timesteps, noise and dropout. */
  seed: number;
  /** Read the loss back (and check it is finite) every this many steps. */
  logEvery: number;
  /** Write a checkpoint every this many steps (0: only at the end). */
  checkpointEvery: number;
  /**
   * Class-conditional training: the probability of replacing a label with the "no class" label (the dataset's
   * `numClasses`), which trains the unconditional model alongside the conditional one for classifier-free guidance
   * (Ho & Salimans 2022). 0 trains a purely conditional model.
   */
  labelDropout: number;
  /** The objective (TrainLoss). */
  loss: TrainLoss;
  /** How the timestep of each sample is drawn (TimestepSampling); "importance" needs a loss other than "simple". */
  timestepSampling: TimestepSampling;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  steps: 1000,
  batchSize: 32,
  learningRate: 2e-4,
  warmupSteps: 100,
  learningRateSchedule: "constant",
  gradClip: 1,
  weightDecay: 0,
  emaDecay: 0.999,
  randomFlip: false,
  seed: 0,
  logEvery: 10,
  checkpointEvery: 0,
  labelDropout: 0,
  loss: "simple",
  timestepSampling: "uniform",
};

/** What each TrainConfig value must be; `checkTrainConfig` names every value that is not. */
const TRAIN_CONFIG_CHECKS: Record<keyof TrainConfig, { ok: (v: unknown) => boolean; what: string }> = {
  steps: { ok: (v) => Number.isInteger(v) && (v as number) >= 0, what: "an integer ≥ 0" },
  batchSize: { ok: (v) => Number.isInteger(v) && (v as number) >= 1, what: "an integer ≥ 1" },
  learningRate: { ok: (v) => typeof v === "number" && v > 0 && Number.isFinite(v), what: "a positive number" },
  warmupSteps: { ok: (v) => Number.isInteger(v) && (v as number) >= 0, what: "an integer ≥ 0" },
  learningRateSchedule: {
    ok: (v) => LEARNING_RATE_SCHEDULES.includes(v as LearningRateSchedule),
    what: `one of ${LEARNING_RATE_SCHEDULES.map((l) => JSON.stringify(l)).join(", ")}`,
  },
  gradClip: { ok: (v) => typeof v === "number" && v >= 0 && Number.isFinite(v), what: "a number ≥ 0 (0: no clipping)" },
  weightDecay: { ok: (v) => typeof v === "number" && v >= 0 && Number.isFinite(v), what: "a number ≥ 0" },
  emaDecay: { ok: (v) => typeof v === "number" && v >= 0 && v < 1, what: "a number in [0, 1)" },
  randomFlip: { ok: (v) => typeof v === "boolean", what: "true or false" },
  seed: { ok: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32, what: "an integer in [0, 2³²)" },
  logEvery: { ok: (v) => Number.isInteger(v) && (v as number) >= 1, what: "an integer ≥ 1" },
  checkpointEvery: { ok: (v) => Number.isInteger(v) && (v as number) >= 0, what: "an integer ≥ 0 (0: only at the end)" },
  labelDropout: { ok: (v) => typeof v === "number" && v >= 0 && v < 1, what: "a number in [0, 1)" },
  loss: { ok: (v) => TRAIN_LOSSES.includes(v as TrainLoss), what: `one of ${TRAIN_LOSSES.map((l) => JSON.stringify(l)).join(", ")}` },
  timestepSampling: {
    ok: (v) => TIMESTEP_SAMPLINGS.includes(v as TimestepSampling),
    what: `one of ${TIMESTEP_SAMPLINGS.map((l) => JSON.stringify(l)).join(", ")}`,
  },
};

/** Throw naming every value of `config` that is out of range or of the wrong type (before any work is spent). */
export function checkTrainConfig(config: TrainConfig): void {
  const problems = Object.entries(TRAIN_CONFIG_CHECKS)
    .filter(([key, check]) => !check.ok(config[key as keyof TrainConfig]))
    .map(([key, check]) => `${key} = ${JSON.stringify(config[key as keyof TrainConfig])} must be ${check.what}`);
  if (config.timestepSampling === "importance" && !reweightsTimesteps(config.loss)) {
    problems.push(
      `timestepSampling = "importance" needs a loss other than ${JSON.stringify(config.loss)} ` +
        "(it reweights the variational bound's terms: use --loss vlb or hybrid)",
    );
  }
  if (problems.length) throw new Error(`training config: ${problems.join("; ")}`);
}

/**
 * Throw unless the objective fits the scheduler's variance: "hybrid" trains a learned variance (learned_range), and
 * "simple" would leave a learned variance untrained.
 */
export function checkObjective(loss: TrainLoss, scheduler: DDPMScheduler): void {
  const variance = scheduler.config.variance_type;
  if (loss === "hybrid" && !scheduler.learnsVariance) {
    throw new Error(`--loss hybrid learns the variance: it needs variance_type learned_range, the scheduler's is ${variance}`);
  }
  if (loss === "simple" && scheduler.learnsVariance) {
    throw new Error("--loss simple trains no variance: a learned_range scheduler needs --loss hybrid (or vlb)");
  }
}

/** The optimiser side of training, kept across resumes. */
export interface TrainState {
  step: number;
  optimizer: AdamW;
  ema: EMA;
  /** The loss history of importance-sampled timesteps (timestepSampling "importance"; trainLoop makes a fresh one). */
  timestepSampler?: LossSecondMomentSampler;
}

export interface StepReport {
  step: number;
  loss: number;
  learningRate: number;
  gradNorm: number;
  seconds: number;
}

/** Counter-based integers for data order and timesteps: the same (seed, step, i) gives the same draw. */
export function hashUniform(seed: number, step: number, i: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (i * 0x27d4eb2f + salt), 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Learning rate at a step: linear warmup from 0 to `learningRate` over `warmupSteps`, then constant (Ho et al.)
 * or a half cosine that reaches 0 at `steps`.
 */
export function learningRateAt(config: TrainConfig, step: number): number {
  const peak = config.learningRate;
  if (step < config.warmupSteps) return (peak * (step + 1)) / config.warmupSteps;
  if (config.learningRateSchedule !== "cosine") return peak;
  const span = config.steps - config.warmupSteps;
  const progress = span > 0 ? Math.min(1, (step - config.warmupSteps) / span) : 1;
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}

/**
 * One batch: images (optionally flipped) and labels, chosen by (seed, step). With `labelDropout`, a label is
 * replaced by the "no class" label `data.numClasses` with that probability.
 */
export function makeBatch(data: Dataset, config: TrainConfig, step: number): { images: Float32Array; labels: number[] | null } {
  const { channels, height, width } = data;
  const dropout = data.labels ? (config.labelDropout ?? 0) : 0;
  if (dropout > 0 && !(Number.isInteger(data.numClasses) && data.numClasses! > 0)) {
    throw new Error("training: label dropout needs the dataset's number of classes (the 'no class' label is numClasses)");
  }
  const per = channels * height * width;
  const images = new Float32Array(config.batchSize * per);
  const labels: number[] | null = data.labels ? [] : null;
  for (let b = 0; b < config.batchSize; b++) {
    const index = Math.floor(hashUniform(config.seed, step, b, 1) * data.count);
    const source = data.images.subarray(index * per, (index + 1) * per);
    const flip = config.randomFlip && hashUniform(config.seed, step, b, 2) < 0.5;
    if (!flip) images.set(source, b * per);
    else {
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            images[b * per + (c * height + y) * width + x] = source[(c * height + y) * width + (width - 1 - x)];
          }
        }
      }
    }
    labels?.push(dropout > 0 && hashUniform(config.seed, step, b, 4) < dropout ? data.numClasses! : data.labels![index]);
  }
  return { images, labels };
}

export function createTrainState(engine: Engine, model: { parameters(): Tensor[] }, config: TrainConfig): TrainState {
  const params = model.parameters();
  return {
    step: 0,
    optimizer: new AdamW(engine, params, { lr: config.learningRate, weightDecay: config.weightDecay }),
    ema: new EMA(engine, params, config.emaDecay),
  };
}

/**
 * Run training steps from `state.step` to `config.steps`. `onLog` receives the loss every `logEvery` steps (the
 * only readback, besides importance sampling's N terms every step); `onCheckpoint` runs every `checkpointEvery`
 * steps and at the end. A NaN or infinite loss (or importance-sampled term) stops training with an error naming the
 * step; the last checkpoint written stays as it was.
 */
export async function trainLoop(options: {
  engine: Engine;
  model: Denoiser;
  scheduler: DDPMScheduler;
  data: Dataset;
  config: TrainConfig;
  state: TrainState;
  /** Train class-conditionally: pass the batch's labels to the model. */
  conditional: boolean;
  onLog?: (report: StepReport) => void | Promise<void>;
  onCheckpoint?: (state: TrainState) => Promise<void>;
  /** Stop early when this returns true (checked every step). */
  shouldStop?: () => boolean;
  /** Told what the kernel autotune after the first step measured (only when it had shapes to measure). */
  onAutotune?: (results: TuneResult[], seconds: number) => void;
}): Promise<void> {
  const { engine, model, scheduler, data, config, state } = options;
  checkObjective(config.loss, scheduler);
  const T = scheduler.T;
  const shape = [config.batchSize, data.channels, data.height, data.width];
  const started = performance.now();
  let lastCheckpoint = state.step;
  if (config.timestepSampling === "importance") state.timestepSampler ??= new LossSecondMomentSampler(T);
  const sampler = config.timestepSampling === "importance" ? state.timestepSampler! : null;
  if (sampler && sampler.T !== T) throw new Error(`training: the timestep sampler's history has T = ${sampler.T}, the scheduler ${T}`);
  const diverged = (loss: number, step: number) =>
    new Error(
      `training diverged: the loss is ${loss} at step ${step}` +
        (lastCheckpoint > 0 ? `; the last good checkpoint is from step ${lastCheckpoint}` : "; no checkpoint was written"),
    );
  // One step's work, recorded (or, inside engine.precompile, only collected).
  const recordStep = (step: number, batch: { images: Float32Array; labels: number[] | null }, logNow: boolean) =>
    engine.tidy(() => {
      const learningRate = learningRateAt(config, step);
      const uniforms = Array.from({ length: config.batchSize }, (_, b) => hashUniform(config.seed, step, b, 3));
      // t ~ U{0..T−1}, or t ~ p_t of the loss history with weights 1/(T·p_t): a function of (seed, step, b) and the history
      const { timesteps, weights } = sampler
        ? sampler.draw(uniforms)
        : { timesteps: uniforms.map((u) => Math.floor(u * T)), weights: null };
      const x0 = engine.tensor(batch.images, shape);
      // Algorithm 1, lines 2–5: x₀ ~ q(x₀), t ~ U, ε ~ N(0, I), x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε
      const { noisy, target } = scheduler.noisyTrainingPair(x0, timesteps, config.seed, step);
      const output = model.forward(noisy, timesteps, options.conditional ? (batch.labels ?? undefined) : undefined, step);
      // Importance-sampled t (Nichol & Dhariwal 2021 eq. 18): the batch mean of each sample's term times 1/(T·p_t)
      const terms = weights ? perSampleLoss(config.loss, scheduler, x0, noisy, output, target, timesteps) : null;
      const weighted = terms && weights ? mean(mul(terms, engine.tensor(weights, [weights.length]))) : null;
      // L_simple (Ho et al. eq. 14), the bound's term at t (eq. 5), or L_hybrid (Nichol & Dhariwal eq. 16), computed
      // on the GPU from x₀, x_t, the target and the output
      const loss =
        weighted ??
        (config.loss === "vlb"
          ? variationalBoundLoss(scheduler, x0, noisy, output, timesteps)
          : config.loss === "hybrid"
            ? hybridLoss(scheduler, x0, noisy, output, target, timesteps)
            : mseLoss(output, target));
      state.optimizer.zeroGrad();
      engine.backward(loss);
      const grads = state.optimizer.params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      const clip = clipFactor(engine, grads, config.gradClip);
      // AdamW and the EMA of the weights in one dispatch per parameter
      state.optimizer.step({ lr: learningRate, gradScale: clip, ema: state.ema });
      // The gradients are dead now: their buffers serve the rest of the step and the next one (no new buffers).
      state.optimizer.zeroGrad();
      return { ...(logNow ? { loss, clip } : {}), terms, timesteps };
    });
  if (state.step < config.steps) {
    // Compile the step's pipelines ahead, concurrently, so the first step does not stall on each in turn.
    const stepCount = state.optimizer.stepCount;
    await engine.precompile(() => recordStep(state.step, makeBatch(data, config, state.step), false));
    state.optimizer.stepCount = stepCount;
    state.optimizer.zeroGrad();
  }
  let tuned = false;
  while (state.step < config.steps) {
    if (options.shouldStop?.()) break;
    const step = state.step;
    const learningRate = learningRateAt(config, step);
    const batch = makeBatch(data, config, step);
    // The loss is also checked before every checkpoint, so a diverged model is never saved.
    const checkpointNext = config.checkpointEvery > 0 && (step + 1) % config.checkpointEvery === 0;
    const logNow = (step + 1) % config.logEvery === 0 || step + 1 === config.steps || checkpointNext;
    const result = recordStep(step, batch, logNow);
    state.step++;
    if (sampler && result.terms) {
      // The sampler's price: the batch's N loss terms are read back every step (one GPU round trip per step, where
      // uniform t reads back only every logEvery steps), since the next step's p_t depends on them.
      const terms = await result.terms.data();
      result.terms.dispose();
      const bad = terms.find((v) => !Number.isFinite(v));
      if (bad !== undefined) throw diverged(bad, step + 1);
      sampler.update(result.timesteps, terms);
    }
    if (result.loss && result.clip) {
      const [loss, clipValues] = [await result.loss.item(), await result.clip.data()];
      result.loss.dispose();
      result.clip.dispose();
      if (!Number.isFinite(loss)) throw diverged(loss, step + 1);
      const now = performance.now();
      await options.onLog?.({ step: state.step, loss, learningRate, gradNorm: clipValues[1], seconds: (now - started) / 1000 });
    } else {
      engine.flush();
    }
    if (!tuned) {
      // After the first step every shape has been met: measure the kernel variants of those not tuned before.
      tuned = true;
      const begun = performance.now();
      const results = await engine.autotune();
      if (results.length) options.onAutotune?.(results, (performance.now() - begun) / 1000);
    }
    if (options.onCheckpoint && config.checkpointEvery > 0 && state.step % config.checkpointEvery === 0 && state.step < config.steps) {
      await options.onCheckpoint(state);
      lastCheckpoint = state.step;
    }
  }
  if (options.onCheckpoint) await options.onCheckpoint(state);
}

/** Each sample's term [N] of a loss that importance sampling of t reweights (reweightsTimesteps). */
function perSampleLoss(
  loss: TrainLoss,
  scheduler: DDPMScheduler,
  x0: Tensor,
  noisy: Tensor,
  output: Tensor,
  target: Tensor,
  timesteps: number[],
): Tensor {
  switch (loss) {
    case "vlb":
      return variationalBoundPerImage(scheduler, x0, noisy, output, timesteps);
    case "hybrid":
      // improved-diffusion weights (and records) the whole per-sample loss, L_simple's part included
      return hybridPerImage(scheduler, x0, noisy, output, target, timesteps);
    case "simple":
      throw new Error('training: importance sampling of t needs a loss other than "simple"');
  }
}
