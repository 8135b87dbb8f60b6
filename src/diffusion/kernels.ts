/**
 * The fused DDPM kernels (shaders/diffusion.wgsl) behind the schedulers: q_sample for training and the
 * one-dispatch denoising step for sampling. No tape: these sit outside the differentiated graph.
 */

import type { Engine, Tensor } from "../engine.js";
import { grid1d, shapeString } from "../shape.js";

/**
 * One denoising step as coefficients of the fused kernel:
 *   x̂₀ = clip(x0FromSample·x_t + x0FromModel·m),  ε̂ = epsFromSample·x_t + epsFromModel·m,
 *   x_{t−1} = outFromX0·x̂₀ + outFromSample·x_t + outFromEps·ε̂ + sigma·z.
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

/** One fused reverse step; also returns x̂₀ when `withPredOriginal`. */
export function denoiseStep(
  current: Tensor,
  modelOutput: Tensor,
  c: StepCoefficients,
  seed: number,
  stream: number,
  withPredOriginal = false,
): { prevSample: Tensor; predOriginalSample: Tensor | null } {
  if (current.shape.join() !== modelOutput.shape.join()) {
    throw new Error(`step: sample ${shapeString(current.shape)} and model output ${shapeString(modelOutput.shape)} differ`);
  }
  const engine = current.engine;
  const prevSample = engine.empty(current.shape, "step");
  const predOriginal = withPredOriginal ? engine.empty(current.shape, "step x0") : null;
  const uniforms = {
    n: current.size,
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
  };
  const buffers: Record<string, Tensor> = { current, modelOutput, prevSample };
  if (predOriginal) buffers.predOriginal = predOriginal;
  engine.run(predOriginal ? "diffusion/denoise_step_x0" : "diffusion/denoise_step", buffers, uniforms, grid1d(Math.ceil(current.size / 4)));
  return { prevSample, predOriginalSample: predOriginal };
}
