/**
 * Classifier-free guidance (Ho & Salimans 2022): label dropout during training replaces a label by the "no class"
 * label (numClasses) with the stated probability; sampling combines the unconditional and conditional outputs as
 * u + s·(c − u) (diffusers' guidance_scale), and refuses guidance a model was not trained for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DDPMScheduler, type Engine, type Tensor, UNet2DModel } from "../src/index.js";
import type { Dataset } from "../src/io/dataset.js";
import { encodePng } from "../src/io/images.js";
import { sampleJob } from "../src/jobs/sample.js";
import { trainJob } from "../src/jobs/train.js";
import type { Preset } from "../src/presets.js";
import { guidedDenoiser } from "../src/sample.js";
import { hashUniform, makeBatch, TRAIN_DEFAULTS } from "../src/train.js";
import { testEngine } from "./helpers/engine.js";
import { tinyUNet } from "./helpers/unet-configs.js";
import { rng } from "./reference/tensor.js";

let engine: Engine;
let root: string;
beforeAll(async () => {
  engine = await testEngine();
  root = mkdtempSync(join(tmpdir(), "ddpm-guidance-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const labelled = (count: number, numClasses: number | null): Dataset => ({
  images: new Float32Array(count * 4),
  labels: Int32Array.from({ length: count }, (_, i) => i % 10),
  count,
  channels: 1,
  height: 2,
  width: 2,
  numClasses,
});

describe("label dropout", () => {
  it("replaces labels by the 'no class' label at the stated rate, and keeps the others", () => {
    const data = labelled(1000, 10);
    const config = { ...TRAIN_DEFAULTS, batchSize: 10, labelDropout: 0.25, seed: 3 };
    let dropped = 0;
    let total = 0;
    for (let step = 0; step < 200; step++) {
      const { labels } = makeBatch(data, config, step);
      labels!.forEach((label, b) => {
        total++;
        if (label === 10) dropped++;
        else expect(label).toBe(data.labels![Math.floor(hashUniform(config.seed, step, b, 1) * data.count)]);
      });
    }
    // 2000 Bernoulli(0.25) draws: the standard deviation of the rate is ~0.0097; allow ±4σ.
    expect(Math.abs(dropped / total - 0.25)).toBeLessThan(0.04);
    const none = makeBatch(data, { ...config, labelDropout: 0 }, 0).labels!;
    expect(none.every((l) => l < 10)).toBe(true);
  });

  it("needs the dataset's number of classes", () => {
    expect(() => makeBatch(labelled(10, null), { ...TRAIN_DEFAULTS, batchSize: 2, labelDropout: 0.1 }, 0)).toThrow(/number of classes/);
  });
});

describe("guided sampling", () => {
  const config = { ...tinyUNet(), sample_size: 8, in_channels: 1, out_channels: 1, num_class_embeds: 3 };

  it("is u + s·(c − u); s = 1 is the conditional output and s = 0 the unconditional one", async () => {
    const model = new UNet2DModel(engine, config, 5);
    const x = engine.randn([2, 1, 8, 8], { seed: 9 }).keep();
    const t = [5, 40];
    const run = async (f: (x: Tensor, t: number[]) => Tensor) => {
      const out = engine.noGrad(() => f(x, t));
      const data = await out.data();
      out.dispose();
      return data;
    };
    const c = await run((xs, ts) => model.forward({ sample: xs, timesteps: ts, classLabels: [0, 1] }));
    const u = await run((xs, ts) => model.forward({ sample: xs, timesteps: ts, classLabels: [2, 2] }));
    // The class embedding must matter, or this test could not tell c from u.
    expect(Math.max(...c.map((v, i) => Math.abs(v - u[i])))).toBeGreaterThan(1e-3);
    const guided = await run(guidedDenoiser(model, [0, 1], 2.5, 2));
    const scale = Math.max(1, ...c.map(Math.abs));
    for (const [i, v] of guided.entries()) expect(Math.abs(v - (u[i] + 2.5 * (c[i] - u[i]))), `element ${i}`).toBeLessThan(1e-5 * scale);
    expect(await run(guidedDenoiser(model, [0, 1], 1, 2))).toEqual(c);
    expect(await run(guidedDenoiser(model, [0, 1], 0, 2))).toEqual(u);
    x.dispose();
    model.dispose();
  });

  it("a learned-variance model (2·C outputs): guides the prediction channels, keeps the conditional variance channels", async () => {
    const model = new UNet2DModel(engine, { ...config, out_channels: 2 }, 7);
    const x = engine.randn([2, 1, 8, 8], { seed: 3 }).keep();
    const t = [5, 40];
    const run = async (f: (x: Tensor, t: number[]) => Tensor) => {
      const out = engine.noGrad(() => f(x, t));
      const data = await out.data();
      out.dispose();
      return data;
    };
    const c = await run((xs, ts) => model.forward({ sample: xs, timesteps: ts, classLabels: [0, 1] }));
    const u = await run((xs, ts) => model.forward({ sample: xs, timesteps: ts, classLabels: [2, 2] }));
    const guided = await run(guidedDenoiser(model, [0, 1], 2.5, 2));
    const scale = Math.max(1, ...c.map(Math.abs));
    // per sample [prediction 64 | variance 64]
    for (const [i, v] of guided.entries()) {
      const prediction = i % 128 < 64;
      const expected = prediction ? u[i] + 2.5 * (c[i] - u[i]) : c[i];
      if (prediction) expect(Math.abs(v - expected), `element ${i}`).toBeLessThan(1e-5 * scale);
      else expect(v, `element ${i}`).toBe(expected);
    }
    expect(Math.max(...c.map((v, i) => (i % 128 >= 64 ? Math.abs(v - u[i]) : 0)))).toBeGreaterThan(1e-4);
    x.dispose();
    model.dispose();
  });

  it("guides a posterior_mean model's μ̃ linearly: the unclipped step of u + s·(c − u) is the same mix of the two steps", async () => {
    const model = new UNet2DModel(engine, config, 6);
    const scheduler = new DDPMScheduler({ prediction_type: "posterior_mean", clip_sample: false, num_train_timesteps: 50 });
    const x = engine.randn([2, 1, 8, 8], { seed: 4 }).keep();
    const t = 30;
    const stepOf = async (f: (x: Tensor, t: number[]) => Tensor) => {
      const prev = engine.noGrad(() => scheduler.step(f(x, [t, t]), t, x, { seed: 8 }).prevSample);
      const data = await prev.data();
      prev.dispose();
      return data;
    };
    const s = 3;
    const c = await stepOf(guidedDenoiser(model, [0, 1], 1, 2));
    const u = await stepOf(guidedDenoiser(model, [0, 1], 0, 2));
    const guided = await stepOf(guidedDenoiser(model, [0, 1], s, 2));
    expect(Math.max(...c.map((v, i) => Math.abs(v - u[i])))).toBeGreaterThan(1e-4);
    // x_{t−1} = μ̃_θ + σ_t·z with the same z in all three, so the guided step is u + s·(c − u) of the steps
    const scale = Math.max(1, ...c.map(Math.abs));
    for (const [i, v] of guided.entries()) expect(Math.abs(v - (u[i] + s * (c[i] - u[i]))), `element ${i}`).toBeLessThan(2e-5 * scale);
    x.dispose();
    model.dispose();
  });

  it("refuses guidance without a 'no class' label, or on an unconditional model", async () => {
    const model = new UNet2DModel(engine, config, 5);
    const scheduler = new DDPMScheduler({ num_train_timesteps: 20 });
    const base = { engine, model, scheduler, out: join(root, "s"), count: 2, steps: 2, seed: 0, numClasses: 2, log: () => {} };
    await expect(sampleJob({ ...base, guidance: 3, unconditionalLabel: null })).rejects.toThrow(/"no class" label \(0\.\.2\), got null/);
    await expect(sampleJob({ ...base, guidance: 3, unconditionalLabel: 7 })).rejects.toThrow(/got 7/);
    model.dispose();
    const plain = new UNet2DModel(engine, { ...config, num_class_embeds: null }, 5);
    await expect(sampleJob({ ...base, model: plain, numClasses: null, guidance: 3, unconditionalLabel: 2 })).rejects.toThrow(
      /needs a class-conditional model/,
    );
    plain.dispose();
  });

  it("training refuses a guidance scale the model cannot have (no labels, so no label dropout)", async () => {
    const dataDir = join(root, "pngs");
    mkdirSync(dataDir);
    const random = rng(4);
    for (let i = 0; i < 3; i++)
      writeFileSync(
        join(dataDir, `i${i}.png`),
        encodePng(
          new Uint8Array(64).map(() => Math.floor(random() * 256)),
          8,
          8,
          1,
        ),
      );
    const preset: Preset = {
      size: 8,
      model: tinyUNet(),
      train: { batchSize: 2, logEvery: 1 },
    };
    await expect(
      trainJob({
        engine,
        out: join(root, "t"),
        data: dataDir,
        channels: 1,
        preset,
        train: { steps: 1 },
        guidance: 3,
        samples: 0,
        log: () => {},
      }),
    ).rejects.toThrow(/needs a class-conditional model trained with label dropout/);
  });
});
