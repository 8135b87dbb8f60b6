/**
 * Importance sampling of the training timestep (TrainConfig.timestepSampling "importance", Nichol & Dhariwal 2021
 * §3.3; src/diffusion/timestep-sampler.ts): its probabilities, weights and draws against the float64 reference
 * (test/reference/timestep-sampler.ts) on hand-made histories; the weighted bound term as an unbiased estimate of the
 * uniform one on a fixed model; a training run split by a checkpoint and --resume equal to the straight run (weights
 * and history); a non-finite bound loss stopping training at its step; and the setting's refusals.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { variationalBoundLoss, variationalBoundPerImage } from "../src/diffusion/bound.js";
import { DDPMScheduler } from "../src/diffusion/schedulers.js";
import { LossSecondMomentSampler } from "../src/diffusion/timestep-sampler.js";
import { type Engine, ops } from "../src/index.js";
import type { Dataset } from "../src/io/dataset.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { trainJob } from "../src/jobs/train.js";
import { checkTrainConfig, createTrainState, hashUniform, TRAIN_DEFAULTS, type TrainConfig, trainLoop } from "../src/train.js";
import { testEngine } from "./helpers/engine.js";
import { PointDenoiser } from "./helpers/point-denoiser.js";
import { TINY_PRESET, writePngFolder } from "./helpers/tiny-run.js";
import { rng } from "./reference/tensor.js";
import { referenceDraw, referenceProbabilities } from "./reference/timestep-sampler.js";

let engine: Engine;
let root: string;
beforeAll(async () => {
  engine = await testEngine();
  root = mkdtempSync(join(tmpdir(), "ddpm-timestep-sampler-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A sampler fed `seen[t]` at each timestep, in round-robin batches (the order in which training would feed it). */
function samplerWith(seen: number[][]): LossSecondMomentSampler {
  const sampler = new LossSecondMomentSampler(seen.length);
  const longest = Math.max(...seen.map((s) => s.length));
  for (let k = 0; k < longest; k++) {
    const timesteps = seen.flatMap((s, t) => (k < s.length ? [t] : []));
    sampler.update(
      timesteps,
      timesteps.map((t) => seen[t][k]),
    );
  }
  return sampler;
}

/** f32-representable losses spanning several orders of magnitude (as L_t does over t). */
function histories(T: number, lengths: (t: number) => number, seed: number): number[][] {
  const random = rng(seed);
  return Array.from({ length: T }, (_, t) =>
    Array.from({ length: lengths(t) }, () => Math.fround(10 ** (4 * random() - 3) * (random() < 0.2 ? -1 : 1))),
  );
}

function expectRelative(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      tolerance * Math.abs(expected[i]),
    );
  }
}

const uniforms = (count: number, seed: number) => Array.from({ length: count }, (_, i) => hashUniform(seed, 0, i, 3));

describe("the sampler against the float64 reference (hand-made histories)", () => {
  it("warm-up: uniform while any timestep has fewer than 10 losses; draws are ⌊u·T⌋ with weight 1", () => {
    const seen = histories(6, (t) => (t === 4 ? 9 : 14), 1);
    const sampler = samplerWith(seen);
    expect(sampler.warmedUp).toBe(false);
    expectRelative(sampler.probabilities(), referenceProbabilities(seen), 0, "p");
    const u = uniforms(500, 2);
    const draw = sampler.draw(u);
    expect(draw.timesteps).toEqual(u.map((x) => Math.floor(x * 6)));
    expect(draw.weights.every((w) => w === 1)).toBe(true);
    // One more loss at t = 4 completes the warm-up.
    sampler.update([4], [0.5]);
    seen[4].push(0.5);
    expect(sampler.warmedUp).toBe(true);
    expectRelative(sampler.probabilities(), referenceProbabilities(seen), 1e-14, "p after warm-up");
  });

  it("warmed up: p_t ∝ √E[L_t²] over the last 10 losses, mixed with 0.001 uniform; weights 1/(T·p_t); draws invert the CDF", () => {
    // Rows longer than 10 check that only the last 10 losses count (the oldest drop out).
    const seen = histories(7, (t) => 10 + 3 * t, 3);
    const sampler = samplerWith(seen);
    const p = referenceProbabilities(seen);
    expectRelative(sampler.probabilities(), p, 1e-14, "p");
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
    const u = uniforms(2000, 4);
    const draw = sampler.draw(u);
    expect(draw.timesteps).toEqual(u.map((x) => referenceDraw(p, x)));
    expectRelative(
      draw.weights,
      draw.timesteps.map((t) => 1 / (7 * p[t])),
      1e-14,
      "weights",
    );
  });

  it("a timestep whose history is all zeros keeps the uniform share 0.001/T (weight 1000); all zeros give uniform", () => {
    const seen = histories(5, () => 10, 5);
    seen[2] = Array(10).fill(0);
    const sampler = samplerWith(seen);
    const p = sampler.probabilities();
    expectRelative(p, referenceProbabilities(seen), 1e-14, "p");
    expect(p[2]).toBeCloseTo(0.001 / 5, 18);
    // u inside t = 2's sliver of the CDF draws it, with weight 1/(T·p₂) = 1000.
    const below = p[0] + p[1];
    const draw = sampler.draw([below + p[2] / 2]);
    expect(draw.timesteps).toEqual([2]);
    expect(draw.weights[0]).toBeCloseTo(1000, 9);
    const zeros = samplerWith(Array.from({ length: 5 }, () => Array(10).fill(0)));
    expect(zeros.warmedUp).toBe(true);
    expectRelative(zeros.probabilities(), [0.2, 0.2, 0.2, 0.2, 0.2], 0, "p of zero histories");
    expect(zeros.draw([0.99]).weights).toEqual([1]);
  });

  it("T = 1: every draw is t = 0 with weight 1, before and after the warm-up", () => {
    const sampler = new LossSecondMomentSampler(1);
    expect(sampler.draw([0, 0.5, 0.9999])).toEqual({ timesteps: [0, 0, 0], weights: [1, 1, 1] });
    sampler.update(
      Array(12).fill(0),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(sampler.warmedUp).toBe(true);
    expectRelative(sampler.probabilities(), [1], 1e-15, "p");
    const draw = sampler.draw([0, 0.5, 0.9999]);
    expect(draw.timesteps).toEqual([0, 0, 0]);
    expectRelative(draw.weights, [1, 1, 1], 1e-15, "weights");
  });

  it("counter-based draws follow p: each timestep's frequency over 40,000 draws within 5 standard errors", () => {
    const seen = histories(12, () => 10, 6);
    const sampler = samplerWith(seen);
    const p = sampler.probabilities();
    const draws = 40_000;
    const counts = new Array(12).fill(0);
    for (let step = 0; step < draws / 100; step++) {
      const u = Array.from({ length: 100 }, (_, b) => hashUniform(9, step, b, 3));
      for (const t of sampler.draw(u).timesteps) counts[t]++;
    }
    for (let t = 0; t < 12; t++) {
      const sigma = Math.sqrt(draws * p[t] * (1 - p[t]));
      expect(Math.abs(counts[t] - draws * p[t]), `t = ${t}: ${counts[t]} draws, expected ${draws * p[t]}`).toBeLessThanOrEqual(
        5 * sigma + 1,
      );
    }
  });

  it("saves to and restores from tensors exactly; refuses a history of another T or malformed counts", () => {
    const seen = histories(4, (t) => 8 + t, 7);
    const sampler = samplerWith(seen);
    const tensors = sampler.toTensors();
    const restored = LossSecondMomentSampler.fromTensors(4, tensors, "f");
    expect(restored.toTensors()).toEqual(tensors);
    expect(restored.draw(uniforms(50, 1))).toEqual(sampler.draw(uniforms(50, 1)));
    expect(() => LossSecondMomentSampler.fromTensors(5, tensors, "f")).toThrow(
      "f: loss_history is [4, 10] and loss_counts [4]; T = 5 needs [5, 10] and [5]",
    );
    const counts = tensors.get("loss_counts")!;
    const bad = new Map(tensors).set("loss_counts", { shape: counts.shape, data: Float32Array.from([1, 2, 11, 0]) });
    expect(() => LossSecondMomentSampler.fromTensors(4, bad, "f")).toThrow("f: loss_counts[2] = 11 is not in 0..10");
    expect(() => sampler.update([4], [1])).toThrow("timestep sampler: timestep 4 is outside [0, 4)");
  });
});

describe("the importance-weighted bound term is an unbiased estimate of the uniform one (a fixed model)", () => {
  it("E_{t∼p}[L_t/(T·p_t)] matches (1/T)·Σ_t L_t within 4 standard errors, with less variance than uniform t", {
    timeout: 120_000,
  }, async () => {
    const T = 20;
    const n = 64;
    const scheduler = new DDPMScheduler({ num_train_timesteps: T, beta_schedule: "squaredcos_cap_v2" });
    const model = new PointDenoiser(engine, 3);
    const random = rng(12);
    const x0 = engine.tensor(
      Float32Array.from({ length: n * 2 }, () => Math.floor(random() * 256) / 127.5 - 1),
      [n, 2, 1, 1],
    );
    /** Each image's term at t (bits/dim) under noise stream `stream`. */
    const termsAt = async (timesteps: number[], stream: number) => {
      const { perImage, loss } = engine.tidy(() =>
        engine.noGrad(() => {
          const { noisy } = scheduler.noisyTrainingPair(x0, timesteps, 1, stream);
          const output = model.forward(noisy, timesteps);
          return {
            perImage: variationalBoundPerImage(scheduler, x0, noisy, output, timesteps),
            loss: variationalBoundLoss(scheduler, x0, noisy, output, timesteps),
          };
        }),
      );
      const values = Float64Array.from(await perImage.data());
      const batchMean = await loss.item();
      perImage.dispose();
      loss.dispose();
      return { values, batchMean };
    };
    // L_t: the batch mean of the terms at each t (stream 0); the history: ten more noise draws per t.
    const L: number[] = [];
    const sampler = new LossSecondMomentSampler(T);
    for (let t = 0; t < T; t++) {
      const { values, batchMean } = await termsAt(Array(n).fill(t), 0);
      const mean = values.reduce((s, v) => s + v, 0) / n;
      // the per-image terms average to variationalBoundLoss (float32 sums in two orders)
      expect(Math.abs(mean - batchMean)).toBeLessThanOrEqual(1e-5 * Math.abs(batchMean) + 1e-7);
      L.push(mean);
      for (let k = 1; k <= 10; k++) {
        const again = await termsAt(Array(n).fill(t), k);
        sampler.update([t], [Math.fround(again.values.reduce((s, v) => s + v, 0) / n)]);
      }
    }
    expect(sampler.warmedUp).toBe(true);
    const p = sampler.probabilities();
    const uniformMean = L.reduce((s, v) => s + v, 0) / T;
    // Exactly: Σ_t p_t · L_t/(T·p_t) = (1/T)·Σ_t L_t.
    const exact = L.reduce((s, l, t) => s + p[t] * (l / (T * p[t])), 0);
    expect(Math.abs(exact - uniformMean)).toBeLessThanOrEqual(1e-12 * uniformMean);
    // Over counter-based draws: the mean of the weighted terms.
    const steps = 320;
    const draws = steps * n;
    let sum = 0;
    for (let step = 0; step < steps; step++) {
      const { timesteps, weights } = sampler.draw(Array.from({ length: n }, (_, b) => hashUniform(4, step, b, 3)));
      for (const [b, t] of timesteps.entries()) sum += weights[b] * L[t];
    }
    const estimate = sum / draws;
    const varianceImportance = L.reduce((s, l, t) => s + p[t] * (l / (T * p[t]) - uniformMean) ** 2, 0);
    const varianceUniform = L.reduce((s, l) => s + (l - uniformMean) ** 2, 0) / T;
    const standardError = Math.sqrt(varianceImportance / draws);
    console.log(
      `L_vlb over t: uniform mean ${uniformMean.toFixed(5)}, importance estimate ${estimate.toFixed(5)} ` +
        `(standard error ${standardError.toExponential(2)}); per-draw variance ${varianceImportance.toExponential(2)} ` +
        `(importance) vs ${varianceUniform.toExponential(2)} (uniform)`,
    );
    expect(Math.abs(estimate - uniformMean)).toBeLessThanOrEqual(4 * standardError + 1e-12);
    expect(varianceImportance).toBeLessThan(varianceUniform / 4);
    // The GPU's weighted batch mean (as trainLoop forms it) equals the CPU's from the per-image terms.
    const { timesteps, weights } = sampler.draw(Array.from({ length: n }, (_, b) => hashUniform(4, 999, b, 3)));
    const terms = (await termsAt(timesteps, 50)).values;
    const cpu = terms.reduce((s, v, b) => s + v * weights[b], 0) / n;
    const gpu = engine.tidy(() =>
      engine.noGrad(() => {
        const { noisy } = scheduler.noisyTrainingPair(x0, timesteps, 1, 50);
        const perImage = variationalBoundPerImage(scheduler, x0, noisy, model.forward(noisy, timesteps), timesteps);
        return ops.mean(ops.mul(perImage, engine.tensor(weights, [n])));
      }),
    );
    expect(Math.abs((await gpu.item()) - cpu)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu));
    gpu.dispose();
    x0.dispose();
    model.dispose();
  });
});

describe("a non-finite bound loss stops training naming the step", () => {
  const data: Dataset = {
    images: Float32Array.from({ length: 32 }, (_, i) => (i % 5) / 2 - 1),
    labels: null,
    count: 16,
    channels: 2,
    height: 1,
    width: 1,
  };
  for (const [timestepSampling, T] of [
    ["uniform", 10],
    ["importance", 10],
    ["uniform", 1],
    ["importance", 1],
  ] as const) {
    it(`${timestepSampling} t, T = ${T}${T === 1 ? " (the decoder term alone)" : ""}: a model output of NaN${T > 1 ? ", then of Infinity" : ""}`, async () => {
      const scheduler = new DDPMScheduler({ num_train_timesteps: T });
      // An infinite mean at t = 0 alone is a finite term (the decoder floors a bin's probability at 1e-12, as Ho et al.).
      for (const poison of T > 1 ? [Number.NaN, Number.POSITIVE_INFINITY] : [Number.NaN]) {
        const model = new PointDenoiser(engine, 2);
        const config: TrainConfig = {
          ...TRAIN_DEFAULTS,
          loss: "vlb",
          timestepSampling,
          steps: 3,
          batchSize: 8,
          logEvery: 1,
          warmupSteps: 0,
        };
        const state = createTrainState(engine, model, config);
        // From the second step on, the model's output is poisoned.
        const run = trainLoop({
          engine,
          model: {
            forward: (x, t) => {
              const out = model.forward(x, t);
              return state.step >= 1 ? ops.addScalar(ops.scale(out, 0), poison) : out;
            },
            parameters: () => model.parameters(),
          },
          scheduler,
          data,
          config,
          state,
          conditional: false,
        });
        await expect(run).rejects.toThrow(/training diverged: the loss is (NaN|Infinity) at step 2/);
        state.optimizer.dispose();
        state.ema.dispose();
        model.dispose();
      }
    });
  }
});

describe("the timestepSampling setting", () => {
  it("defaults to uniform; refuses a value it does not know and importance with L_simple, naming why", () => {
    expect(TRAIN_DEFAULTS.timestepSampling).toBe("uniform");
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, loss: "vlb", timestepSampling: "importance" })).not.toThrow();
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, timestepSampling: "bogus" as "uniform" })).toThrow(
      'training config: timestepSampling = "bogus" must be one of "uniform", "importance"',
    );
    expect(() => checkTrainConfig({ ...TRAIN_DEFAULTS, timestepSampling: "importance" })).toThrow(
      'training config: timestepSampling = "importance" needs a loss other than "simple"',
    );
  });

  it("ddpm train refuses importance with --loss simple before touching the run folder", async () => {
    const out = join(root, "refused", "run");
    await expect(
      trainJob({ engine, out, preset: TINY_PRESET, train: { steps: 2, timestepSampling: "importance" }, samples: 0, log: () => {} }),
    ).rejects.toThrow(/timestepSampling = "importance" needs a loss other than "simple"/);
    expect(existsSync(join(root, "refused"))).toBe(false);
  });
});

for (const loss of ["vlb", "hybrid"] as const) {
  describe(`ddpm train --loss ${loss} --timestep-sampling importance`, () => {
    it("8 steps + resume to 12 equals 12 straight steps (split past the warm-up), weights and history; a change is refused", {
      timeout: 300_000,
    }, async () => {
      const dataDir = writePngFolder(join(root, `data-${loss}`), 31);
      const job = (out: string, steps: number, options: { resume?: boolean; timestepSampling?: "uniform" | "importance" } = {}) =>
        trainJob({
          engine,
          out,
          data: dataDir,
          channels: 1,
          preset: { ...TINY_PRESET, train: { ...TINY_PRESET.train, batchSize: 8 } },
          train: {
            steps,
            checkpointEvery: 100,
            ...(options.resume ? {} : { loss, timestepSampling: "importance" as const }),
            ...(options.timestepSampling ? { timestepSampling: options.timestepSampling } : {}),
          },
          // T = 3 and batch 8: the 30 losses of the warm-up are in after 4–6 steps, so the split and the steps after it
          // draw from the loss history.
          scheduler: options.resume ? {} : { num_train_timesteps: 3 },
          resume: options.resume,
          samples: 0,
          log: () => {},
        });
      const file = (out: string, path: string) => parseSafetensors(new Uint8Array(readFileSync(join(out, "checkpoint", path)))).tensors;
      const straight = join(root, `straight-${loss}`);
      const split = join(root, `split-${loss}`);
      const full = await job(straight, 12);
      await job(split, 8);
      const history = file(split, "training/timestep_sampler.safetensors");
      expect([...history.get("loss_counts")!.data], "warmed up at the split").toEqual([10, 10, 10]);
      const state = JSON.parse(readFileSync(join(split, "checkpoint", "training_state.json"), "utf8"));
      expect(state.train).toMatchObject({ loss, timestepSampling: "importance" });
      await expect(job(split, 12, { resume: true, timestepSampling: "uniform" })).rejects.toThrow(
        /--timestep-sampling uniform \(the checkpoint's: importance\)/,
      );
      const continued = await job(split, 12, { resume: true });
      expect(continued.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
      for (const path of [
        "training/timestep_sampler.safetensors",
        "training/unet/diffusion_pytorch_model.safetensors",
        "unet/diffusion_pytorch_model.safetensors",
      ]) {
        const [a, b] = [file(straight, path), file(split, path)];
        expect([...b.keys()], path).toEqual([...a.keys()]);
        for (const [key, value] of a) expect(b.get(key)!.data, `${path} ${key}`).toEqual(value.data);
      }
      // Every importance-sampled checkpoint holds its history: one without it cannot continue exactly, and says so.
      rmSync(join(split, "checkpoint", "training", "timestep_sampler.safetensors"));
      await expect(job(split, 13, { resume: true })).rejects.toThrow(
        /samples t by importance but its checkpoint has no training\/timestep_sampler\.safetensors/,
      );
    });
  });
}
