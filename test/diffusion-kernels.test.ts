/**
 * The fused diffusion kernels (q_sample and the denoising step) against float64 on the CPU with the same noise.
 * The checks live in ./helpers/diffusion-checks.ts, which the in-page suite (test/browser/kernel-cases.ts) runs too.
 */
import { beforeAll, describe, it } from "vitest";
import { DDIMScheduler, DDPMScheduler } from "../src/diffusion/schedulers.js";
import type { Engine } from "../src/index.js";
import { checkFusedStep, checkQSample } from "./helpers/diffusion-checks.js";
import { testEngine } from "./helpers/engine.js";

let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
});

describe("fused q_sample", () => {
  it("draws the same noise as randn and forms x_t and the target per sample", () => checkQSample(engine));
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
  ];
  for (const [name, scheduler, eta] of cases) {
    it(`${name} matches the float64 step with the same noise`, () => checkFusedStep(engine, name, scheduler, eta));
  }
});
