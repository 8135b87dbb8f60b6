import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/index.js";
import { DDIMScheduler, DDPMScheduler, stepReference } from "../src/diffusion/schedulers.js";
import { expectClose } from "./helpers/check-op.js";
import { testEngine } from "./helpers/engine.js";
import { rng, uniformData } from "./reference/tensor.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("fused q_sample", () => {
  it("draws the same noise as randn and forms x_t and the target per sample", async () => {
    for (const prediction of ["epsilon", "sample", "v_prediction"] as const) {
      const scheduler = new DDPMScheduler({ prediction_type: prediction });
      const shape = [3, 1, 5, 3]; // 15 elements per sample: blocks of 4 straddle samples
      const x0Data = uniformData(45, rng(1));
      const timesteps = [0, 499, 999];
      const { noisy, target, noise, x0 } = engine.tidy(() => {
        const x0 = engine.tensor(Float32Array.from(x0Data), shape);
        const pair = scheduler.noisyTrainingPair(x0, timesteps, 42, 5);
        // stream 5 of seed 42 through randn: engine streams are per call, so draw it explicitly
        return { ...pair, noise: engine.randn(shape, { seed: 42, stream: 5 }), x0 };
      });
      const [n, t, e] = [await noisy.data(), await target.data(), await noise.data()];
      const expectedNoisy = new Float64Array(45);
      const expectedTarget = new Float64Array(45);
      for (let i = 0; i < 45; i++) {
        const step = timesteps[Math.floor(i / 15)];
        const a = scheduler.schedule.sqrtAlphasCumprod[step];
        const b = scheduler.schedule.sqrtOneMinusAlphasCumprod[step];
        expectedNoisy[i] = a * x0Data[i] + b * e[i];
        expectedTarget[i] = prediction === "epsilon" ? e[i] : prediction === "sample" ? x0Data[i] : a * e[i] - b * x0Data[i];
      }
      expectClose(n, expectedNoisy, { atol: 1e-6, rtol: 1e-5 }, `${prediction} x_t`);
      expectClose(t, expectedTarget, { atol: 1e-6, rtol: 1e-5 }, `${prediction} target`);
      for (const tensor of [noisy, target, noise, x0]) tensor.dispose();
    }
  });
});

describe("fused denoising step", () => {
  const shape = [2, 3, 7, 1];
  const size = 42;
  const cases: [string, DDPMScheduler | DDIMScheduler, number][] = [
    ["DDPM epsilon fixed_small clip", new DDPMScheduler(), 0],
    ["DDPM v fixed_large no clip", new DDPMScheduler({ prediction_type: "v_prediction", variance_type: "fixed_large", clip_sample: false }), 0],
    ["DDPM sample", new DDPMScheduler({ prediction_type: "sample", beta_schedule: "squaredcos_cap_v2" }), 0],
    ["DDIM eta 0", new DDIMScheduler(), 0],
    ["DDIM eta 1 v", new DDIMScheduler({ prediction_type: "v_prediction" }), 1],
  ];
  for (const [name, scheduler, eta] of cases) {
    it(`${name} matches the float64 step with the same noise`, async () => {
      scheduler.setTimesteps(50);
      for (const t of [scheduler.timesteps[0], scheduler.timesteps[25], scheduler.timesteps.at(-1)!]) {
        const sampleData = uniformData(size, rng(t + 1), -2, 2);
        const modelData = uniformData(size, rng(t + 2), -2, 2);
        const { prev, x0, noise } = engine.tidy(() => {
          const sample = engine.tensor(Float32Array.from(sampleData), shape);
          const model = engine.tensor(Float32Array.from(modelData), shape);
          const out = scheduler.step(model, t, sample, { seed: 9, eta, returnPredOriginal: true });
          return { prev: out.prevSample, x0: out.predOriginalSample!, noise: engine.randn(shape, { seed: 9, stream: t }) };
        });
        const c = scheduler.stepCoefficients(t, eta);
        const expected = stepReference(c, sampleData, modelData, await noise.data());
        expectClose(await prev.data(), expected, { atol: 2e-6, rtol: 1e-5 }, `${name} t=${t}`);
        const expectedX0 = stepReference({ ...c, outFromX0: 1, outFromSample: 0, outFromEps: 0, sigma: 0 }, sampleData, modelData);
        expectClose(await x0.data(), expectedX0, { atol: 2e-6, rtol: 1e-5 }, `${name} x0 t=${t}`);
        if (t === 0) expect(c.sigma).toBe(0);
        for (const tensor of [prev, x0, noise]) tensor.dispose();
      }
    });
  }
});
