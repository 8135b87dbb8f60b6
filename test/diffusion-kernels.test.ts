/**
 * The fused diffusion kernels (q_sample and the denoising step) against float64 on the CPU with the same noise.
 * The checks live in ./helpers/diffusion-checks.ts, which the in-page suite (test/browser/kernel-cases.ts) runs too;
 * the posterior_mean cases below check the kernels against tables rebuilt from β alone (test/reference/bound.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DDIMScheduler, DDPMScheduler, stepReference } from "../src/diffusion/schedulers.js";
import type { Engine } from "../src/index.js";
import { expectClose } from "./helpers/check-op.js";
import { checkFusedStep, checkQSample } from "./helpers/diffusion-checks.js";
import { testEngine } from "./helpers/engine.js";
import { take } from "./helpers/readback.js";
import { ReferenceDiffusion } from "./reference/bound.js";
import { rng, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("fused q_sample", () => {
  it("draws the same noise as randn and forms x_t and the target per sample", () => checkQSample(engine));

  it("posterior_mean: the target is μ̃_t(x_t, x₀) = c₁·x₀ + c₂·x_t (DDPM eq. 7), t = 0, 1, 500, 999", async () => {
    for (const schedule of ["linear", "squaredcos_cap_v2"] as const) {
      const scheduler = new DDPMScheduler({ prediction_type: "posterior_mean", beta_schedule: schedule });
      const reference = new ReferenceDiffusion(scheduler.schedule.betas, "fixed_small", "posterior_mean");
      const shape = [4, 1, 3, 5]; // 15 per sample: Philox blocks of 4 straddle samples
      const x0Data = uniformData(60, rng(3));
      const timesteps = [0, 1, 500, 999];
      const { noisy, target, noise } = engine.tidy(() => {
        const x0 = engine.tensor(Float32Array.from(x0Data), shape);
        return { ...scheduler.noisyTrainingPair(x0, timesteps, 7, 2), noise: engine.randn(shape, { seed: 7, stream: 2 }) };
      });
      const [xt, mu, eps] = [await take(noisy), await take(target), await take(noise)];
      const expectedXt = x0Data.map((x, i) => reference.qSample(x, timesteps[Math.floor(i / 15)], eps[i]));
      // against the float64 x_t of the same noise, so the target's error is the kernel's alone
      const expectedMean = x0Data.map((x, i) => reference.posteriorMean(timesteps[Math.floor(i / 15)], x, expectedXt[i]));
      expectClose(xt, expectedXt, { atol: 1e-6, rtol: 1e-5 }, `${schedule} x_t`);
      expectClose(mu, expectedMean, { atol: 1e-6, rtol: 1e-5 }, `${schedule} μ̃ target`);
    }
  });
});

describe("fused denoising step", () => {
  const cases: [string, DDPMScheduler | DDIMScheduler, number][] = [
    ["DDPM epsilon fixed_small clip", new DDPMScheduler(), 0],
    [
      "DDPM v fixed_large no clip",
      new DDPMScheduler({ prediction_type: "v_prediction", variance_type: "fixed_large", clip_sample: false }),
      0,
    ],
    ["DDPM sample", new DDPMScheduler({ prediction_type: "sample", beta_schedule: "squaredcos_cap_v2" }), 0],
    ["DDIM eta 0", new DDIMScheduler(), 0],
    ["DDIM eta 1 v", new DDIMScheduler({ prediction_type: "v_prediction" }), 1],
    ["DDPM posterior_mean clip", new DDPMScheduler({ prediction_type: "posterior_mean" }), 0],
    [
      "DDPM posterior_mean fixed_large no clip",
      new DDPMScheduler({ prediction_type: "posterior_mean", variance_type: "fixed_large", clip_sample: false }),
      0,
    ],
    ["DDIM eta 0.5 posterior_mean no clip", new DDIMScheduler({ prediction_type: "posterior_mean", clip_sample: false }), 0.5],
  ];
  for (const [name, scheduler, eta] of cases) {
    it(`${name} matches the float64 step with the same noise`, () => checkFusedStep(engine, name, scheduler, eta));
  }

  it("posterior_mean, all T steps, no clipping: x_{t−1} = μ̃_θ + σ_t·z (Algorithm 2 with the model's mean)", async () => {
    const scheduler = new DDPMScheduler({ prediction_type: "posterior_mean", clip_sample: false, beta_schedule: "squaredcos_cap_v2" });
    const shape = [3, 1, 1, 7];
    for (const t of [999, 500, 1, 0]) {
      const sampleData = uniformData(21, rng(t + 11), -2, 2);
      const meanData = uniformData(21, rng(t + 12), -2, 2);
      const { prev, noise } = engine.tidy(() => {
        const out = scheduler.step(
          engine.tensor(Float32Array.from(meanData), shape),
          t,
          engine.tensor(Float32Array.from(sampleData), shape),
          {
            seed: 3,
          },
        );
        return { prev: out.prevSample, noise: engine.randn(shape, { seed: 3, stream: t }) };
      });
      const sigma = t > 0 ? Math.sqrt(scheduler.schedule.posteriorVariance[t]) : 0;
      const z = await take(noise);
      // the model's mean goes through x̂₀ = (μ̃ − c₂x_t)/c₁ with 1/c₁ up to ~1e3 in float32: ~1e-6 absolute at t = 999
      expectClose(
        await take(prev),
        meanData.map((m, i) => m + sigma * z[i]),
        { atol: 2e-6, rtol: 1e-6 },
        `t=${t}`,
      );
    }
  });
});

describe("fused denoising step with a learned variance (learned_range, a 2·C-channel model output)", () => {
  const T = 1000;
  const ddpm = new DDPMScheduler({ variance_type: "learned_range", beta_schedule: "squaredcos_cap_v2", clip_sample: false });
  const fixed = new DDPMScheduler({ beta_schedule: "squaredcos_cap_v2", clip_sample: false });
  const s = fixed.schedule;
  // batch 1 with 15 elements, and 3 samples of 7: Philox blocks of 4 straddle samples and the two halves
  for (const shape of [
    [1, 3, 1, 5],
    [3, 1, 7, 1],
  ]) {
    const [n, channels] = shape;
    const perSample = shape.slice(1).reduce((a, b) => a * b);
    const modelShape = [n, 2 * channels, ...shape.slice(2)];
    it(`[${shape}]: σ per element from the variance channels, the Philox noise, none at t = 0; DDIM reads the prediction`, async () => {
      for (const t of [T - 1, 500, 1, 0]) {
        const sampleData = uniformData(n * perSample, rng(t + 21), -2, 2);
        const modelData = uniformData(2 * n * perSample, rng(t + 22), -1.5, 1.5);
        const prediction = Array.from({ length: n * perSample }, (_, i) => modelData[i + perSample * Math.floor(i / perSample)]);
        const { prev, noise, ddim, ddimOfPrediction } = engine.tidy(() => {
          const sample = engine.tensor(Float32Array.from(sampleData), shape);
          const model = engine.tensor(Float32Array.from(modelData), modelShape);
          const ddimScheduler = DDIMScheduler.fromDDPM(ddpm);
          ddimScheduler.setTimesteps(50);
          const ddimT = ddimScheduler.timesteps[t === 0 ? 49 : 10];
          return {
            prev: ddpm.step(model, t, sample, { seed: 4 }).prevSample,
            noise: engine.randn(shape, { seed: 4, stream: t }),
            ddim: ddimScheduler.step(model, ddimT, sample, { eta: 0.5, seed: 4 }).prevSample,
            ddimOfPrediction: ddimScheduler.step(engine.tensor(Float32Array.from(prediction), shape), ddimT, sample, { eta: 0.5, seed: 4 })
              .prevSample,
          };
        });
        const z = await take(noise);
        // the mean is the fixed-variance step's deterministic part; σ² = exp(frac·log β_t + (1 − frac)·log β̃_t)
        const mean = stepReference({ ...fixed.stepCoefficients(t), sigma: 0 }, sampleData, prediction);
        const expected = mean.map((m, i) => {
          if (t === 0) return m;
          const frac = (modelData[i + perSample * Math.floor(i / perSample) + perSample] + 1) / 2;
          const logVariance = frac * Math.log(s.betas[t]) + (1 - frac) * Math.log(s.posteriorVariance[t]);
          return m + Math.exp(0.5 * logVariance) * z[i];
        });
        expectClose(await take(prev), expected, { atol: 2e-6, rtol: 1e-5 }, `DDPM t=${t}`);
        expect(await take(ddim), `DDIM t=${t}`).toEqual(await take(ddimOfPrediction));
      }
    });
  }
});
