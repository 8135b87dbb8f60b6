/**
 * The fused DDPM kernels (shaders/diffusion.wgsl) behind the schedulers: q_sample for training and the
 * one-dispatch denoising step for sampling. No tape: these sit outside the differentiated graph.
 */

import type { Engine, Tensor } from "../engine.js";
import { grid1d, shapeString } from "../shape.js";

/**
 * One denoising step as coefficients of the fused kernel:
 *   x̂₀ = clip(x0FromSample·x_t + x0FromModel·m),  ε̂ = epsFromSample·x_t + epsFromModel·m,
 *   x_{t−1} = outFromX0·x̂₀ + outFromSample·x_t + outFromEps·ε̂ + σ·z,
 * with σ = sigma, or with `learnedVariance` σ = sigma·exp(½(frac·maxLog + (1 − frac)·minLog)) per element,
 * frac = (v + 1)/2 for the model's variance value v (Nichol & Dhariwal 2021 eq. 15; diffusers' learned_range).
 */
export interface StepCoefficients {
  x0FromSample: number;
  x0FromModel: number;
  epsFromSample: number;
  epsFromModel: number;
  clip: boolean;
  clipRange: number;
  outFromX0: number;
  outFromSample: number;
  outFromEps: number;
  sigma: number;
  /** log β̃_t (clamped at 1e-20) and log β_t of the step: σ² is interpolated between them by the model's variance channels. */
  learnedVariance?: { minLog: number; maxLog: number };
}

function splitSeed(seed: number): { seedLo: number; seedHi: number } {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be an integer in [0, 2^53), got ${seed}`);
  return { seedLo: seed % 2 ** 32, seedHi: Math.floor(seed / 2 ** 32) };
}

/** Per-sample coefficients of x_t and of the training target, as (x₀, ε) weights. */
export interface QSampleCoefficients {
  signal: number;
  noise: number;
  targetFromX0: number;
  targetFromNoise: number;
}

/**
 * x_t = signal·x₀ + noise·ε and target = targetFromX0·x₀ + targetFromNoise·ε with ε ~ N(0, I) drawn in the kernel
 * (Philox block (i, stream) under `seed`, the same numbers engine.randn(shape, {seed}) gives for stream 0).
 */
export function qSample(
  engine: Engine,
  x0: Tensor,
  perSample: QSampleCoefficients[],
  seed: number,
  stream = 0,
): { noisy: Tensor; target: Tensor } {
  const n = x0.shape[0];
  if (x0.rank < 1 || perSample.length !== n) {
    throw new Error(`qSample: ${perSample.length} per-sample coefficients for x₀ of shape ${shapeString(x0.shape)}`);
  }
  const table = new Float32Array(4 * n);
  for (const [i, c] of perSample.entries()) table.set([c.signal, c.noise, c.targetFromX0, c.targetFromNoise], 4 * i);
  const coefficients = engine.tensor(table, [n, 4]);
  const noisy = engine.empty(x0.shape, "qSample");
  const target = engine.empty(x0.shape, "qSample target");
  engine.run(
    "diffusion/q_sample",
    { x0, coefficients, noisy, trainTarget: target },
    { n: x0.size, perSample: x0.size / n, ...splitSeed(seed), stream: stream >>> 0 },
    grid1d(Math.ceil(x0.size / 4)),
  );
  coefficients.dispose();
  return { noisy, target };
}

/**
 * One fused reverse step; also returns x̂₀ when `withPredOriginal`. The model output is [N, C, …] like the sample,
 * or [N, 2C, …] (a learned-variance model): the step reads its first C channels as the prediction and, with
 * `c.learnedVariance`, its second C as the variance values. `noise`, when given, is the z of σ·z (same shape as the
 * sample) instead of the Philox draw.
 */
export function denoiseStep(
  current: Tensor,
  modelOutput: Tensor,
  c: StepCoefficients,
  seed: number,
  stream: number,
  withPredOriginal = false,
  noise?: Tensor,
): { prevSample: Tensor; predOriginalSample: Tensor | null } {
  const sameShape = current.shape.join() === modelOutput.shape.join();
  const doubled =
    current.rank >= 2 &&
    modelOutput.rank === current.rank &&
    modelOutput.shape[1] === 2 * current.shape[1] &&
    modelOutput.shape.every((d, i) => i === 1 || d === current.shape[i]);
  if (!sameShape && !doubled) {
    throw new Error(`step: sample ${shapeString(current.shape)} and model output ${shapeString(modelOutput.shape)} differ`);
  }
  if (c.learnedVariance && !doubled) {
    throw new Error(
      `step: a learned variance needs a model output of 2·C channels (${2 * current.shape[1]}), got ${shapeString(modelOutput.shape)}`,
    );
  }
  if (noise && noise.shape.join() !== current.shape.join()) {
    throw new Error(`step: noise ${shapeString(noise.shape)} and sample ${shapeString(current.shape)} differ`);
  }
  const engine = current.engine;
  const perSample = current.size / current.shape[0];
  const prevSample = engine.empty(current.shape, "step");
  const predOriginal = withPredOriginal && !noise ? engine.empty(current.shape, "step x0") : null;
  const uniforms = {
    n: current.size,
    perSample,
    modelPerSample: doubled ? 2 * perSample : perSample,
    learned: c.learnedVariance ? 1 : 0,
    ...splitSeed(seed),
    stream: stream >>> 0,
    x0FromSample: c.x0FromSample,
    x0FromModel: c.x0FromModel,
    epsFromSample: c.epsFromSample,
    epsFromModel: c.epsFromModel,
    clip: c.clip ? 1 : 0,
    clipRange: c.clipRange,
    outFromX0: c.outFromX0,
    outFromSample: c.outFromSample,
    outFromEps: c.outFromEps,
    sigma: c.sigma,
    minLog: c.learnedVariance?.minLog ?? 0,
    maxLog: c.learnedVariance?.maxLog ?? 0,
  };
  if (noise) {
    engine.run("diffusion/denoise_step_noise", { current, modelOutput, prevSample, stepNoise: noise }, uniforms, grid1d(current.size));
    return { prevSample, predOriginalSample: null };
  }
  const buffers: Record<string, Tensor> = { current, modelOutput, prevSample };
  if (predOriginal) buffers.predOriginal = predOriginal;
  engine.run(predOriginal ? "diffusion/denoise_step_x0" : "diffusion/denoise_step", buffers, uniforms, grid1d(Math.ceil(current.size / 4)));
  return { prevSample, predOriginalSample: predOriginal };
}
