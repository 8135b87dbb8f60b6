/**
 * The ONNX export (src/nn/onnx.ts, src/io/onnx.ts, `ddpm export`): U-Nets of several configs, awkward ones
 * included, exported with their weights and run in ONNX Runtime Web's WASM provider (ORT's own CPU kernels),
 * against our forward pass on the same inputs; the export's refusals; the CLI job's file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import { afterAll, describe, expect, it } from "vitest";
import { DDPMScheduler, type Engine, exportUNetOnnx, type StateDict, UNet2DModel } from "../src/index.js";
import { writeDiffusersUNet, writeSchedulerConfig } from "../src/io/diffusers.js";
import { writeFilesAtomic } from "../src/io/fs.js";
import { exportOnnxJob } from "../src/jobs/export.js";
import { testEngine } from "./helpers/engine.js";
import { goldenOutputViolation } from "./helpers/golden-unet.js";

/** ORT on one thread: the test machine's cores belong to the other test files. */
ort.env.wasm.numThreads = 1;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  config: Record<string, unknown>;
  shape: [number, number, number, number];
  timesteps: number[];
}

const CASES: Case[] = [
  {
    name: "class-conditional, multi-head attention at both levels and in the mid block",
    config: {
      sample_size: 8,
      in_channels: 1,
      out_channels: 1,
      block_out_channels: [8, 16],
      layers_per_block: 1,
      norm_num_groups: 4,
      down_block_types: ["AttnDownBlock2D", "AttnDownBlock2D"],
      up_block_types: ["AttnUpBlock2D", "AttnUpBlock2D"],
      attention_head_dim: 4,
      num_class_embeds: 11,
    },
    shape: [3, 1, 8, 8],
    timesteps: [0, 517.5, 999],
  },
  {
    name: "google/ddpm-cifar10-32's options: one head, right/bottom padding, freq_shift 1, no flip, eps 1e-6",
    config: {
      in_channels: 3,
      out_channels: 3,
      block_out_channels: [8, 16, 16],
      layers_per_block: 2,
      norm_num_groups: 8,
      down_block_types: ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
      attention_head_dim: null,
      norm_eps: 1e-6,
      flip_sin_to_cos: false,
      freq_shift: 1,
      downsample_padding: 0,
    },
    shape: [2, 3, 8, 8],
    timesteps: [13, 760],
  },
  {
    name: "odd time embedding width, learned-range output channels, centred input, a non-square image, batch 1",
    config: {
      in_channels: 2,
      out_channels: 4,
      block_out_channels: [9, 12],
      layers_per_block: 1,
      norm_num_groups: 3,
      down_block_types: ["DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D"],
      attention_head_dim: 3,
      attn_norm_num_groups: 1,
      center_input_sample: true,
      time_embedding_dim: 20,
    },
    shape: [1, 2, 6, 10],
    timesteps: [421],
  },
  {
    name: "no attention anywhere (add_attention false)",
    config: {
      in_channels: 1,
      out_channels: 1,
      block_out_channels: [8, 8, 8],
      layers_per_block: 1,
      norm_num_groups: 2,
      down_block_types: ["DownBlock2D", "DownBlock2D", "DownBlock2D"],
      up_block_types: ["UpBlock2D", "UpBlock2D", "UpBlock2D"],
      add_attention: false,
    },
    shape: [2, 1, 12, 4],
    timesteps: [1, 2],
  },
];

/** Our forward and ORT's on the same inputs and weights. */
async function bothOutputs(engine: Engine, model: UNet2DModel, bytes: Uint8Array, c: Case, seed: number) {
  const labels = model.config.num_class_embeds ? c.timesteps.map((_, i) => (i * 4) % model.config.num_class_embeds!) : undefined;
  const x = engine.randn(c.shape, { seed });
  const sample = await x.data();
  const output = engine.noGrad(() => model.forward({ sample: x, timesteps: c.timesteps, classLabels: labels }));
  const ours = await output.data();
  x.dispose();
  output.dispose();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const n = c.shape[0];
  const feeds: Record<string, ort.Tensor> = {
    sample: new ort.Tensor("float32", sample, c.shape),
    timestep: new ort.Tensor("float32", Float32Array.from(c.timesteps), [n]),
  };
  if (labels) feeds.class_labels = new ort.Tensor("int64", BigInt64Array.from(labels, BigInt), [n]);
  const result = await session.run(feeds);
  const theirs = result.out_sample;
  await session.release();
  return { ours, theirs: theirs.data as Float32Array, dims: [...theirs.dims], inputs: session.inputNames, outputs: session.outputNames };
}

/** A model whose weights are all far from their initial values (group norms' γ and β included). */
async function perturbedModel(engine: Engine, config: Record<string, unknown>, seed: number): Promise<UNet2DModel> {
  const model = new UNet2DModel(engine, config, seed).eval();
  const state: StateDict = await model.stateDict();
  let k = seed + 1;
  for (const { data } of state.values()) for (let i = 0; i < data.length; i++) data[i] += 0.1 * Math.sin(++k * 12.9898);
  model.loadStateDict(state);
  return model;
}

describe("exportUNetOnnx in ONNX Runtime Web (WASM provider) against our forward", () => {
  for (const [index, c] of CASES.entries()) {
    it(c.name, async () => {
      const engine = await testEngine();
      const model = await perturbedModel(engine, c.config, index + 1);
      const bytes = exportUNetOnnx(c.config, await model.stateDict());
      const { ours, theirs, dims, inputs, outputs } = await bothOutputs(engine, model, bytes, c, 10 + index);
      model.dispose();
      expect(dims).toEqual([c.shape[0], model.config.out_channels, c.shape[2], c.shape[3]]);
      expect(inputs).toEqual(model.config.num_class_embeds ? ["sample", "timestep", "class_labels"] : ["sample", "timestep"]);
      expect(outputs).toEqual(["out_sample"]);
      // The outputs are not trivially small: a wrong graph could not pass by scale alone.
      expect(Math.max(...ours.map(Math.abs))).toBeGreaterThan(0.1);
      expect(goldenOutputViolation(theirs, ours)).toBeLessThan(1);
    });
  }

  it("the same graph runs at another batch size and image size (free dimensions)", async () => {
    const engine = await testEngine();
    const c = CASES[0];
    const model = await perturbedModel(engine, c.config, 7);
    const bytes = exportUNetOnnx(c.config, await model.stateDict());
    const other: Case = { ...c, shape: [1, 1, 4, 12], timesteps: [250] };
    const { ours, theirs } = await bothOutputs(engine, model, bytes, other, 3);
    model.dispose();
    expect(goldenOutputViolation(theirs, ours)).toBeLessThan(1);
  });
});

describe("exportUNetOnnx refuses weights that do not fit the config", () => {
  const config = CASES[3].config;

  it("names a missing, a misshapen and an unexpected weight", async () => {
    const engine = await testEngine();
    const model = new UNet2DModel(engine, config);
    const state = await model.stateDict();
    model.dispose();
    const missing = new Map(state);
    missing.delete("mid_block.resnets.1.conv2.bias");
    expect(() => exportUNetOnnx(config, missing)).toThrow("the weights have no 'mid_block.resnets.1.conv2.bias'");
    const misshapen = new Map(state);
    misshapen.set("conv_in.weight", { shape: [8, 2, 3, 3], data: new Float32Array(144) });
    expect(() => exportUNetOnnx(config, misshapen)).toThrow("'conv_in.weight' has shape [8, 2, 3, 3], expected [8, 1, 3, 3]");
    const extra = new Map(state);
    extra.set("class_embedding.weight", { shape: [10, 32], data: new Float32Array(320) });
    expect(() => exportUNetOnnx(config, extra)).toThrow("weights the config has no place for: class_embedding.weight");
    // A shortcut where the widths agree is unexpected too (diffusers builds none there).
    const shortcut = new Map(state);
    shortcut.set("mid_block.resnets.0.conv_shortcut.weight", { shape: [8, 8, 1, 1], data: new Float32Array(64) });
    expect(() => exportUNetOnnx(config, shortcut)).toThrow("no place for: mid_block.resnets.0.conv_shortcut.weight");
    expect(() => exportUNetOnnx({ ...config, act_fn: "gelu" }, state)).toThrow("act_fn");
    // A shift equal to half the embedding width divides by zero: refused, as the engine's own embedding refuses it.
    const shifted = new UNet2DModel(engine, { ...config, freq_shift: 4 });
    const shiftedState = await shifted.stateDict();
    shifted.dispose();
    expect(() => exportUNetOnnx({ ...config, freq_shift: 4 }, shiftedState)).toThrow("freq_shift = 4 equals half the embedding width (4)");
    expect(() => exportUNetOnnx(config, state, { metadata: { unet_config: "{}" } })).toThrow("'unet_config' is the export's own");
  });
});

describe("ddpm export (exportOnnxJob)", () => {
  it("writes a diffusers folder's U-Net with its scheduler config in the metadata, and never overwrites", async () => {
    const engine = await testEngine();
    const dir = mkdtempSync(join(tmpdir(), "ddpm-onnx-"));
    dirs.push(dir);
    const c = CASES[1];
    const model = await perturbedModel(engine, c.config, 5);
    const state = await model.stateDict();
    await writeDiffusersUNet(dir, model.configJSON(), Object.fromEntries(state));
    const scheduler = new DDPMScheduler({ num_train_timesteps: 50, prediction_type: "v_prediction" });
    await writeSchedulerConfig(dir, scheduler.toJSON());
    const out = join(dir, "unet.onnx");
    const lines: string[] = [];
    const { bytes, source } = await exportOnnxJob({ engine, dir, out, log: (line) => lines.push(line) });
    expect(source).toContain(join(dir, "unet"));
    const file = new Uint8Array(readFileSync(out));
    expect(file.length).toBe(bytes);
    // The metadata is stored as plain strings: the scheduler's prediction type and T are in the file.
    const text = new TextDecoder("latin1").decode(file);
    expect(text).toContain('"prediction_type":"v_prediction"');
    expect(text).toContain('"num_train_timesteps":50');
    const { ours, theirs } = await bothOutputs(engine, model, file, c, 21);
    model.dispose();
    expect(goldenOutputViolation(theirs, ours)).toBeLessThan(1);
    await expect(exportOnnxJob({ engine, dir, out })).rejects.toThrow(`${out} exists`);
    expect(new Uint8Array(readFileSync(out))).toEqual(file);
    // A file that appears while an export runs is not replaced either (the final step links, it does not rename).
    await expect(writeFilesAtomic([{ path: out, data: new Uint8Array(3) }], { exclusive: true })).rejects.toThrow("EEXIST");
    expect(new Uint8Array(readFileSync(out))).toEqual(file);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await expect(exportOnnxJob({ engine, dir, out: join(dir, "missing", "unet.onnx") })).rejects.toThrow("does not exist");
  });
});
