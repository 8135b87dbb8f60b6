/**
 * The fused diffusion kernels against float64 on the CPU: q_sample (x_t and the training target in one dispatch)
 * and the denoising step (prev_sample and pred_original_sample), each with the noise the kernel draws read back
 * through randn (the same Philox stream), so the comparison is exact up to f32 rounding.
 *
 * No test framework in here: a failed check throws an OpCheckFailure, so test/diffusion-kernels.test.ts and the
 * in-page suite (test/browser/kernel-cases.ts) run the same checks.
 */
import { type DDIMScheduler, DDPMScheduler, stepReference } from "../../src/diffusion/schedulers.js";
import type { Engine } from "../../src/index.js";
import { rng, uniformData } from "../reference/tensor.js";
import { assertClose, check } from "./op-check.js";
import { take } from "./readback.js";

const Q_SAMPLE_TOL = { atol: 1e-6, rtol: 1e-5 };
const STEP_TOL = { atol: 2e-6, rtol: 1e-5 };

/**
 * noisyTrainingPair for every prediction type (ε, x₀, v) on three samples at t = 0, 499 and 999: x_t = √ᾱ·x₀ +
 * √(1−ᾱ)·ε and the target per sample, ε being the noise randn draws from the same seed and stream.
 */
export async function checkQSample(engine: Engine): Promise<void> {
  for (const prediction of ["epsilon", "sample", "v_prediction"] as const) {
    const scheduler = new DDPMScheduler({ prediction_type: prediction });
    const shape = [3, 1, 5, 3]; // 15 elements per sample: Philox blocks of 4 straddle samples
    const x0Data = uniformData(45, rng(1));
    const timesteps = [0, 499, 999];
    const { noisy, target, noise } = engine.tidy(() => {
      const x0 = engine.tensor(Float32Array.from(x0Data), shape);
      // stream 5 of seed 42 through randn: engine streams are per call, so it is drawn explicitly
      return { ...scheduler.noisyTrainingPair(x0, timesteps, 42, 5), noise: engine.randn(shape, { seed: 42, stream: 5 }) };
    });
    const [n, t, e] = [await take(noisy), await take(target), await take(noise)];
    const expectedNoisy = new Float64Array(45);
    const expectedTarget = new Float64Array(45);
    for (let i = 0; i < 45; i++) {
      const step = timesteps[Math.floor(i / 15)];
      const a = scheduler.schedule.sqrtAlphasCumprod[step];
      const b = scheduler.schedule.sqrtOneMinusAlphasCumprod[step];
      expectedNoisy[i] = a * x0Data[i] + b * e[i];
      expectedTarget[i] = prediction === "epsilon" ? e[i] : prediction === "sample" ? x0Data[i] : a * e[i] - b * x0Data[i];
    }
    assertClose(n, expectedNoisy, Q_SAMPLE_TOL, `${prediction} x_t`);
    assertClose(t, expectedTarget, Q_SAMPLE_TOL, `${prediction} target`);
  }
}

/**
 * The fused denoising step at the first, middle and last of 50 inference timesteps: prev_sample against the float64
 * step (stepReference) with the noise randn draws from the same seed and stream, pred_original_sample against its
 * x₀ part, and no noise at t = 0.
 */
export async function checkFusedStep(engine: Engine, name: string, scheduler: DDPMScheduler | DDIMScheduler, eta: number): Promise<void> {
  const shape = [2, 3, 7, 1];
  const size = 42;
  scheduler.setTimesteps(50);
  for (const t of [scheduler.timesteps[0], scheduler.timesteps[25], scheduler.timesteps[scheduler.timesteps.length - 1]]) {
    const sampleData = uniformData(size, rng(t + 1), -2, 2);
    const modelData = uniformData(size, rng(t + 2), -2, 2);
    const { prev, x0, noise } = engine.tidy(() => {
      const sample = engine.tensor(Float32Array.from(sampleData), shape);
      const model = engine.tensor(Float32Array.from(modelData), shape);
      const out = scheduler.step(model, t, sample, { seed: 9, eta, returnPredOriginal: true });
      check(out.predOriginalSample !== null, `${name} t=${t}: no pred_original_sample`);
      return { prev: out.prevSample, x0: out.predOriginalSample, noise: engine.randn(shape, { seed: 9, stream: t }) };
    });
    const c = scheduler.stepCoefficients(t, eta);
    const expected = stepReference(c, sampleData, modelData, await take(noise));
    assertClose(await take(prev), expected, STEP_TOL, `${name} t=${t}`);
    const expectedX0 = stepReference({ ...c, outFromX0: 1, outFromSample: 0, outFromEps: 0, sigma: 0 }, sampleData, modelData);
    assertClose(await take(x0), expectedX0, STEP_TOL, `${name} x0 t=${t}`);
    if (t === 0) check(c.sigma === 0, `${name}: σ = ${c.sigma} at t = 0`);
  }
}
