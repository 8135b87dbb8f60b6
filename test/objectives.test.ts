/**
 * Training objectives (TrainConfig.loss): "simple" is L_simple, "vlb" the variational bound's term at the sampled
 * timestep (src/diffusion/bound.ts, variationalBoundLoss). The loss itself is checked against float64 with
 * finite-difference gradients in test/bound.test.ts; here, the setting is validated, and training a small denoiser
 * on the bound lowers the exact bound of held-out data, for ε- and μ̃-prediction (Ho et al. Table 2's bound rows).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { variationalBound } from "../src/diffusion/bound.js";
import type { PredictionType } from "../src/diffusion/config.js";
import { DDPMScheduler } from "../src/diffusion/schedulers.js";
import type { Engine } from "../src/index.js";
import type { Dataset } from "../src/io/dataset.js";
import { encodePng } from "../src/io/images.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { trainJob } from "../src/jobs/train.js";
import { checkTrainConfig, createTrainState, TRAIN_DEFAULTS, trainLoop } from "../src/train.js";
import { testEngine } from "./helpers/engine.js";
import { PointDenoiser } from "./helpers/point-denoiser.js";
import { tinyUNet } from "./helpers/unet-configs.js";
import { rng } from "./reference/tensor.js";

let engine: Engine;
let root: string;
beforeAll(async () => {
  engine = await testEngine();
  root = mkdtempSync(join(tmpdir(), "ddpm-objectives-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Points of a mixture of four Gaussians, quantised to the 256 levels of [−1, 1] the bound's decoder expects. */
function quantisedMixture(count: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const centre = [0.5 * Math.sign(random() - 0.5), 0.5 * Math.sign(random() - 0.5)];
    for (let j = 0; j < 2; j++) {
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const level = Math.round((centre[j] + 0.1 * normal + 1) * 127.5);
      out[2 * i + j] = Math.min(Math.max(level, 0), 255) / 127.5 - 1;
    }
  }
  return out;
}

describe("the training objective setting", () => {
  it("defaults to simple, accepts vlb, and refuses anything else naming the accepted values", () => {
    expect(TRAIN_DEFAULTS.loss).toBe("simple");
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "vlb" })).not.toThrow();
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "kl" as "vlb" })).toThrow(
      'training config: loss = "kl" must be one of "simple", "vlb"',
    );
  });
});

describe("training on the variational bound lowers the bound", () => {
  const T = 20;
  const heldOut = quantisedMixture(64, 77);
  for (const prediction of ["epsilon", "posterior_mean"] as PredictionType[]) {
    it(`${prediction}: the exact bound of held-out points falls`, { timeout: 300_000 }, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2", prediction_type: prediction });
      const data: Dataset = { images: quantisedMixture(2048, 1), labels: null, count: 2048, channels: 2, height: 1, width: 1 };
      const model = new PointDenoiser(engine, 3);
      const x0 = engine.tensor(heldOut, [64, 2, 1, 1]).keep();
      const bound = async () =>
        (await variationalBound({ scheduler, model: (x, t) => model.forward(x, t), x0, mode: "exact", seed: 5 })).bitsPerDim;
      const before = await bound();
      const config = {
        ...TRAIN_DEFAULTS,
        loss: "vlb" as const,
        steps: 300,
        batchSize: 64,
        learningRate: 3e-3,
        warmupSteps: 20,
        logEvery: 50,
      };
      const state = createTrainState(engine, model, config);
      const losses: number[] = [];
      const started = performance.now();
      await trainLoop({
        engine,
        model: { forward: (x, t) => model.forward(x, t), parameters: () => model.parameters() },
        scheduler,
        data,
        config,
        state,
        conditional: false,
        onLog: (r) => {
          losses.push(r.loss);
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const after = await bound();
      console.log(
        `${prediction} + L_vlb: bound ${before.toFixed(3)} → ${after.toFixed(3)} bits/dim in ${config.steps} steps (${seconds.toFixed(1)} s); ` +
          `losses ${losses.map((l) => l.toFixed(3)).join(" ")}`,
      );
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(after).toBeLessThan(before - 0.5);
      state.optimizer.dispose();
      state.ema.dispose();
      model.dispose();
      x0.dispose();
    });
  }
});

describe("ddpm train --loss vlb --prediction posterior_mean", () => {
  it("saves both settings, resumes exactly, and refuses a loss change on resume", { timeout: 300_000 }, async () => {
    const dataDir = join(root, "data");
    mkdirSync(dataDir);
    const random = rng(11);
    for (let i = 0; i < 6; i++) {
      writeFileSync(
        join(dataDir, `img${i}.png`),
        encodePng(
          new Uint8Array(64).map(() => Math.floor(random() * 256)),
          8,
          8,
          1,
        ),
      );
    }
    const job = (out: string, steps: number, options: { resume?: boolean; loss?: "simple" | "vlb" } = {}) =>
      trainJob({
        engine,
        out,
        data: dataDir,
        channels: 1,
        preset: { size: 8, model: tinyUNet(), train: { batchSize: 3, learningRate: 1e-3, warmupSteps: 2, logEvery: 1 } },
        train: { steps, checkpointEvery: 100, loss: options.loss ?? (options.resume ? undefined : "vlb") },
        scheduler: options.resume ? {} : { num_train_timesteps: 50, prediction_type: "posterior_mean" },
        resume: options.resume,
        samples: 0,
        log: () => {},
      });
    const weights = (out: string) =>
      parseSafetensors(new Uint8Array(readFileSync(join(out, "checkpoint", "training", "unet", "diffusion_pytorch_model.safetensors"))))
        .tensors;
    const straight = join(root, "straight");
    const resumed = join(root, "resumed");
    const full = await job(straight, 4);
    await job(resumed, 2);
    const state = JSON.parse(readFileSync(join(resumed, "checkpoint", "training_state.json"), "utf8"));
    expect(state.train.loss).toBe("vlb");
    const schedulerConfig = JSON.parse(readFileSync(join(resumed, "checkpoint", "scheduler", "scheduler_config.json"), "utf8"));
    expect(schedulerConfig.prediction_type).toBe("posterior_mean");
    await expect(job(resumed, 4, { resume: true, loss: "simple" })).rejects.toThrow(/--loss simple \(the checkpoint's: vlb\)/);
    const continued = await job(resumed, 4, { resume: true });
    expect(continued.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
    for (const [key, value] of weights(straight)) expect(weights(resumed).get(key)!.data, key).toEqual(value.data);
  });
});
