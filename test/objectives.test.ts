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
import { type Engine, ops } from "../src/index.js";
import type { Dataset } from "../src/io/dataset.js";
import type { ImageDataset } from "../src/io/images.js";
import { encodePng } from "../src/io/images.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { evalJob } from "../src/jobs/eval.js";
import { loadModelForSampling, sampleJob } from "../src/jobs/sample.js";
import { trainJob } from "../src/jobs/train.js";
import { checkObjective, checkTrainConfig, TRAIN_DEFAULTS } from "../src/train.js";
import { testEngine } from "./helpers/engine.js";
import { PointDenoiser, trainPointDenoiser } from "./helpers/point-denoiser.js";
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

/**
 * 300 steps of `loss` on 2,048 mixture points (batch 64), as trainLoop runs them; the logged losses, the seconds
 * taken and the step count.
 */
async function trainPoints(model: PointDenoiser, scheduler: DDPMScheduler, loss: "vlb" | "hybrid") {
  const data: Dataset = { images: quantisedMixture(2048, 1), labels: null, count: 2048, channels: 2, height: 1, width: 1 };
  const config = { ...TRAIN_DEFAULTS, loss, steps: 300, batchSize: 64, learningRate: 3e-3, warmupSteps: 20, logEvery: 50 };
  const started = performance.now();
  const { state, losses } = await trainPointDenoiser(engine, model, scheduler, data, config);
  state.optimizer.dispose();
  state.ema.dispose();
  return { losses, seconds: (performance.now() - started) / 1000, steps: config.steps };
}

describe("the training objective setting", () => {
  it("defaults to simple, accepts vlb and hybrid, and refuses anything else naming the accepted values", () => {
    expect(TRAIN_DEFAULTS.loss).toBe("simple");
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "vlb" })).not.toThrow();
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "hybrid" })).not.toThrow();
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "kl" as "vlb" })).toThrow(
      'training config: loss = "kl" must be one of "simple", "vlb", "hybrid"',
    );
  });

  it("hybrid needs a learned variance, and a learned variance needs hybrid or vlb", () => {
    expect(() => checkObjective("hybrid", new DDPMScheduler({ variance_type: "fixed_large" }))).toThrow(
      "--loss hybrid learns the variance: it needs variance_type learned_range, the scheduler's is fixed_large",
    );
    const learned = new DDPMScheduler({ variance_type: "learned_range" });
    expect(() => checkObjective("simple", learned)).toThrow(/--loss simple trains no variance/);
    expect(() => checkObjective("hybrid", learned)).not.toThrow();
    expect(() => checkObjective("vlb", learned)).not.toThrow();
  });
});

describe("training on the variational bound lowers the bound", () => {
  const T = 20;
  const heldOut = quantisedMixture(64, 77);
  for (const prediction of ["epsilon", "posterior_mean"] as PredictionType[]) {
    it(`${prediction}: the exact bound of held-out points falls`, { timeout: 300_000 }, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2", prediction_type: prediction });
      const model = new PointDenoiser(engine, 3);
      const x0 = engine.tensor(heldOut, [64, 2, 1, 1]).keep();
      const bound = async () =>
        (await variationalBound({ scheduler, model: (x, t) => model.forward(x, t), x0, mode: "exact", seed: 5 })).bitsPerDim;
      const before = await bound();
      const { losses, seconds, steps } = await trainPoints(model, scheduler, "vlb");
      const after = await bound();
      console.log(
        `${prediction} + L_vlb: bound ${before.toFixed(3)} → ${after.toFixed(3)} bits/dim in ${steps} steps (${seconds.toFixed(1)} s); ` +
          `losses ${losses.map((l) => l.toFixed(3)).join(" ")}`,
      );
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(after).toBeLessThan(before - 0.5);
      model.dispose();
      x0.dispose();
    });
  }
});

describe("training on L_hybrid (learned variances) lowers the bound", () => {
  it("epsilon, learned_range: the exact bound of held-out points falls, below that of its means with σ² = β̃_t", {
    timeout: 300_000,
  }, async () => {
    const T = 20;
    const heldOut = quantisedMixture(64, 77);
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2", variance_type: "learned_range" });
    const model = new PointDenoiser(engine, 3, 4);
    const x0 = engine.tensor(heldOut, [64, 2, 1, 1]).keep();
    /** The exact bound with the model's variance values, or all of them set to `v` (−1: β̃_t, 1: β_t). */
    const bound = async (v?: number) =>
      (
        await variationalBound({
          scheduler,
          model: (x, t) => {
            const out = model.forward(x, t);
            if (v === undefined) return out;
            const mask = engine.tensor([1, 1, 0, 0], [1, 4, 1, 1]);
            return ops.add(ops.mul(out, mask), engine.tensor([0, 0, v, v], [1, 4, 1, 1]));
          },
          x0,
          mode: "exact",
          seed: 5,
        })
      ).bitsPerDim;
    const before = await bound();
    const { losses, seconds, steps } = await trainPoints(model, scheduler, "hybrid");
    const after = await bound();
    const [small, large] = [await bound(-1), await bound(1)];
    console.log(
      `L_hybrid: bound ${before.toFixed(3)} → ${after.toFixed(3)} bits/dim in ${steps} steps (${seconds.toFixed(1)} s); ` +
        `the same means with σ² = β̃_t: ${small.toFixed(3)}, β_t: ${large.toFixed(3)}; losses ${losses.map((l) => l.toFixed(3)).join(" ")}`,
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(after).toBeLessThan(before - 0.5);
    expect(after).toBeLessThan(small - 0.5);
    model.dispose();
    x0.dispose();
  });
});

describe("ddpm train --loss hybrid: a learned-range checkpoint", () => {
  it("is created with 2·C outputs and learned_range, saved, reloaded, sampled and evaluated; changes are refused", {
    timeout: 300_000,
  }, async () => {
    const dataDir = join(root, "hybrid-data");
    mkdirSync(dataDir);
    const random = rng(12);
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
    const preset = { size: 8, model: tinyUNet(), train: { batchSize: 3, learningRate: 1e-3, warmupSteps: 2, logEvery: 1 } };
    const out = join(root, "hybrid");
    const job = (options: Partial<Parameters<typeof trainJob>[0]>) =>
      trainJob({ engine, out, data: dataDir, channels: 1, preset, samples: 0, log: () => {}, ...options });
    await expect(
      job({ train: { steps: 2, loss: "hybrid" }, scheduler: { num_train_timesteps: 50, variance_type: "fixed_small" } }),
    ).rejects.toThrow("--loss hybrid learns the variance: it needs variance_type learned_range, the scheduler's is fixed_small");
    const trained = await job({ train: { steps: 3, checkpointEvery: 100, loss: "hybrid" }, scheduler: { num_train_timesteps: 50 } });
    expect(trained.history.map((h) => h.loss).every(Number.isFinite)).toBe(true);
    const checkpoint = join(out, "checkpoint");
    const read = (file: string) => JSON.parse(readFileSync(join(checkpoint, file), "utf8"));
    expect(read("unet/config.json")).toMatchObject({ in_channels: 1, out_channels: 2 });
    expect(read("scheduler/scheduler_config.json").variance_type).toBe("learned_range");
    expect(read("training_state.json").train.loss).toBe("hybrid");
    await expect(job({ resume: true, train: { steps: 4, loss: "simple" } })).rejects.toThrow(/--loss simple \(the checkpoint's: hybrid\)/);
    const resumed = await job({ resume: true, train: { steps: 4 } });
    expect(resumed.steps).toBe(4);

    const { model, scheduler } = await loadModelForSampling(engine, out, { log: () => {} });
    expect(scheduler.config.variance_type).toBe("learned_range");
    expect(model.config.out_channels).toBe(2);
    for (const steps of [0, 5]) {
      const drawn = await sampleJob({
        engine,
        model,
        scheduler,
        out: join(root, `hybrid-samples-${steps}`),
        count: 2,
        steps,
        seed: 1,
        numClasses: null,
        trajectoryName: null,
        log: () => {},
      });
      expect(readFileSync(drawn.samplesPath).length).toBeGreaterThan(0);
    }
    const images = new Float32Array(6 * 64).map((_, i) => ((i * 37) % 256) / 127.5 - 1);
    const evaluated = await evalJob({
      engine,
      model,
      scheduler,
      data: { images, labels: null, count: 6, channels: 1, height: 8, width: 8, numClasses: null, name: "levels" },
      images: 4,
      batch: 2,
      mode: "exact",
    });
    expect(Number.isFinite(evaluated.bitsPerDim) && evaluated.bitsPerDim > 0).toBe(true);
    expect(evaluated.prior + evaluated.decoder + evaluated.kl).toBeCloseTo(evaluated.bitsPerDim, 6);
    // the same folder's model with a fixed-variance scheduler is refused, naming both channel counts
    await expect(
      evalJob({
        engine,
        model,
        scheduler: new DDPMScheduler({ num_train_timesteps: 50 }),
        data: {} as ImageDataset,
        images: 1,
        batch: 1,
        mode: "exact",
      }),
    ).rejects.toThrow(
      "the model has out_channels = 2 for in_channels = 1; the scheduler's variance_type fixed_small needs out_channels = 1",
    );
    model.dispose();
  });
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
