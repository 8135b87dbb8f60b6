/**
 * Run folders and checkpoints, in-process: what resume keeps and refuses, the lock, an interrupted swap, a
 * diffusers model in the way, temporaries, scheduler configs, non-finite weights, half-present EMA folders,
 * fine-tuning from a diffusers folder, the checkpoint layout pipelines read, and the old layout. The same rules
 * through the CLI, with real processes killed at the dangerous points, are in test/cli.test.ts.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointKind, readCheckpoint, recoverCheckpoint, saveCheckpoint } from "../src/checkpoint.js";
import { DDPMScheduler } from "../src/diffusion/schedulers.js";
import type { Engine } from "../src/index.js";
import { lockFolder } from "../src/io/lock.js";
import { parseSafetensors, serializeSafetensors } from "../src/io/safetensors.js";
import { loadModelForSampling } from "../src/jobs/sample.js";
import { trainJob } from "../src/jobs/train.js";
import { resolveUNetConfig, UNet2DModel } from "../src/nn/unet.js";
import * as ops from "../src/ops/index.js";
import { createTrainState, TRAIN_DEFAULTS } from "../src/train.js";
import { testEngine } from "./helpers/engine.js";
import { TINY_PRESET, writePngFolder } from "./helpers/tiny-run.js";
import { tinyUNet } from "./helpers/unet-configs.js";

let engine: Engine;
let root: string;
let dataDir: string;
beforeAll(async () => {
  engine = await testEngine();
  root = mkdtempSync(join(tmpdir(), "ddpm-run-folder-"));
  dataDir = writePngFolder(join(root, "data"), 21);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tiny = TINY_PRESET;

const lines: string[] = [];
const log = (line: string) => lines.push(line);

function job(out: string, steps: number, extra: Partial<Parameters<typeof trainJob>[0]> = {}) {
  return trainJob({
    engine,
    out,
    data: dataDir,
    channels: 1,
    preset: tiny,
    scheduler: { num_train_timesteps: 50 },
    samples: 0,
    log,
    ...extra,
    train: { steps, checkpointEvery: 100, ...extra.train },
  });
}

const tensors = (file: string) => parseSafetensors(new Uint8Array(readFileSync(file))).tensors;

/** A PID that belonged to a process which has ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("resume takes every setting from the checkpoint", () => {
  it("refuses a setting that would change the run, naming the saved value; takes steps and checkpoint interval", async () => {
    const out = join(root, "resume-rules");
    await job(out, 2, { train: { seed: 7, randomFlip: true, checkpointEvery: 1 } });
    await expect(job(out, 4, { resume: true, train: { seed: 3 } })).rejects.toThrow(/--seed 3 \(the checkpoint's: 7\)/);
    await expect(job(out, 4, { resume: true, train: { batchSize: 2 } })).rejects.toThrow(/--batch 2 \(the checkpoint's: 3\)/);
    await expect(job(out, 4, { resume: true, scheduler: { num_train_timesteps: 40 } })).rejects.toThrow(
      /num_train_timesteps 40 \(the checkpoint's: 50\)/,
    );
    await expect(job(out, 4, { resume: true, size: 16 })).rejects.toThrow(/--size 16 \(the checkpoint's: 8\)/);
    // The same value given again is no change; steps and the interval are taken and reported.
    lines.length = 0;
    const result = await trainJob({ engine, out, resume: true, train: { steps: 3, seed: 7, checkpointEvery: 2 }, samples: 0, log });
    expect(result.steps).toBe(3);
    expect(lines.join("\n")).toMatch(
      /every setting from the checkpoint; from the command line: --steps 3 \(was 2\), --checkpoint-every 2 \(was 1\)/,
    );
    const state = JSON.parse(readFileSync(join(out, "checkpoint", "training_state.json"), "utf8"));
    expect(state.train).toMatchObject({ seed: 7, randomFlip: true, checkpointEvery: 2, steps: 3, batchSize: 3 });
    expect(state.data.source).toBe(dataDir);
  });

  it("a cosine learning rate keeps the run's length: another --steps on resume is refused, the same is taken", async () => {
    const out = join(root, "resume-cosine");
    await job(out, 2, { train: { learningRateSchedule: "cosine", checkpointEvery: 1 } });
    await expect(job(out, 4, { resume: true })).rejects.toThrow(
      /--steps 4 \(the checkpoint's: 2; a cosine learning rate decays to 0 at the run's steps\)/,
    );
    await expect(job(out, 2, { resume: true, train: { learningRateSchedule: "constant" } })).rejects.toThrow(
      /--lr-schedule constant \(the checkpoint's: cosine\)/,
    );
    expect((await job(out, 2, { resume: true })).steps).toBe(2);
  });
});

describe("the run folder's lock", () => {
  it("a second writer is refused naming the first; a stale lock (a dead PID) is taken over", async () => {
    const dir = join(root, "locked");
    const first = await lockFolder(dir, "first");
    await expect(lockFolder(dir, "second")).rejects.toThrow(
      new RegExp(`in use by another run: PID ${process.pid} on ${hostname()} \\(first`),
    );
    await expect(job(dir, 1)).rejects.toThrow(/in use by another run/);
    await first.release();
    expect(existsSync(join(dir, ".lock"))).toBe(false);

    const pid = deadPid();
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid, host: hostname(), started: "earlier", command: "killed" }));
    const messages: string[] = [];
    const taken = await lockFolder(dir, "third", (line) => messages.push(line));
    expect(messages).toEqual([`${join(dir, ".lock")}: removed a stale lock of PID ${pid} (no such process)`]);
    expect(JSON.parse(readFileSync(join(dir, ".lock"), "utf8")).pid).toBe(process.pid);
    await taken.release();

    // Two runs finding the same stale lock at once: exactly one takes it over.
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: deadPid(), host: hostname(), started: "earlier", command: "killed" }));
    const racing = await Promise.allSettled([lockFolder(dir, "a"), lockFolder(dir, "b")]);
    expect(racing.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const winner = racing.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<Awaited<ReturnType<typeof lockFolder>>>;
    await winner.value.release();
    expect(existsSync(join(dir, ".lock"))).toBe(false);

    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: 1, host: "elsewhere", started: "earlier", command: "x" }));
    await expect(lockFolder(dir, "fourth")).rejects.toThrow(/locked by PID 1 on another host, elsewhere.*delete .*\.lock/);
    rmSync(join(dir, ".lock"));
  });
});

describe("an interrupted swap, a diffusers model in the way, temporaries", () => {
  it("only checkpoint.old left: samplers read it, a fresh run recovers it and refuses, resume continues it", async () => {
    const out = join(root, "swap");
    await job(out, 1);
    renameSync(join(out, "checkpoint"), join(out, "checkpoint.old"));
    const messages: string[] = [];
    const loaded = await loadModelForSampling(engine, join(out, "checkpoint"), { log: (l) => messages.push(l) });
    expect(messages[0]).toMatch(/checkpoint is missing; reading .*checkpoint\.old, left by a checkpoint save that was interrupted/);
    loaded.model.dispose();
    lines.length = 0;
    await expect(job(out, 2)).rejects.toThrow(/already holds a checkpoint: pass --resume/);
    expect(lines.join("\n")).toMatch(/recovered .*checkpoint from .*checkpoint\.old/);
    expect(existsSync(join(out, "checkpoint.old"))).toBe(false);
    const resumed = await job(out, 2, { resume: true });
    expect(resumed.steps).toBe(2);
  });

  it("a diffusers model (no training state) or other files in checkpoint/ are never trained over", async () => {
    const out = join(root, "diffusers-in-the-way");
    mkdirSync(join(out, "checkpoint"), { recursive: true });
    cpSync("test/fixtures/unet/three-level-1ch/unet", join(out, "checkpoint", "unet"), { recursive: true });
    expect(await checkpointKind(join(out, "checkpoint"))).toBe("diffusers");
    await expect(job(out, 1)).rejects.toThrow(/holds a diffusers model \(without a training state\).*--init-from/);
    const other = join(root, "other-in-the-way");
    mkdirSync(join(other, "checkpoint"), { recursive: true });
    writeFileSync(join(other, "checkpoint", "notes.txt"), "mine");
    await expect(job(other, 1)).rejects.toThrow(/holds files that are not a checkpoint/);
    expect(readFileSync(join(other, "checkpoint", "notes.txt"), "utf8")).toBe("mine");
  });

  it("temporaries of dead processes are removed at start; a failed save removes its own", async () => {
    const out = join(root, "temporaries");
    const pid = deadPid();
    mkdirSync(join(out, `checkpoint.tmp-${pid}`, "unet"), { recursive: true });
    writeFileSync(join(out, `.loss.csv.${pid}.tmp`), "partial");
    const messages: string[] = [];
    await recoverCheckpoint(join(out, "checkpoint"), (l) => messages.push(l));
    expect(readdirSync(out)).toEqual([]);
    expect(messages).toHaveLength(2);

    // A save that fails half-way (the optimiser holds a tensor the model does not) leaves no temporary folder.
    const model = new UNet2DModel(engine, { ...tinyUNet(), sample_size: 8, in_channels: 1, out_channels: 1 });
    const other = new UNet2DModel(engine, { ...tinyUNet(), sample_size: 8, in_channels: 1, out_channels: 1 });
    const state = createTrainState(engine, other, TRAIN_DEFAULTS);
    await expect(
      saveCheckpoint(join(out, "checkpoint"), {
        model,
        emaModel: model,
        scheduler: new DDPMScheduler(),
        state,
        meta: { train: TRAIN_DEFAULTS, data: {}, history: [] },
      }),
    ).rejects.toThrow(/not a model parameter/);
    expect(readdirSync(out)).toEqual([]);
    state.optimizer.dispose();
    state.ema.dispose();
    model.dispose();
    other.dispose();
  });
});

describe("reading models: scheduler configs, weights, EMA folders", () => {
  let trained: string;
  beforeAll(async () => {
    trained = join(root, "trained");
    await job(trained, 2);
  });

  it("unet/ holds the EMA weights (what pipelines load), training/ the raw weights and moments; both read back", async () => {
    const dir = join(trained, "checkpoint");
    expect(JSON.parse(readFileSync(join(dir, "model_index.json"), "utf8")).unet).toEqual(["diffusers", "UNet2DModel"]);
    const ema = tensors(join(dir, "unet", "diffusion_pytorch_model.safetensors"));
    const raw = tensors(join(dir, "training", "unet", "diffusion_pytorch_model.safetensors"));
    const differing = [...raw].filter(([k, v]) => v.data.some((x, i) => x !== ema.get(k)!.data[i]));
    expect(differing.length).toBeGreaterThan(0);
    const checkpoint = await readCheckpoint(dir);
    expect(checkpoint.ema.tensors.get("conv_in.weight")!.data).toEqual(ema.get("conv_in.weight")!.data);
    expect(checkpoint.unet.tensors.get("conv_in.weight")!.data).toEqual(raw.get("conv_in.weight")!.data);
    const messages: string[] = [];
    const loaded = await loadModelForSampling(engine, dir, { log: (l) => messages.push(l) });
    expect(loaded.source).toBe(`${join(dir, "unet")} (the EMA weights)`);
    expect(messages).toEqual([]);
    loaded.model.dispose();
    // config.json carries only keys diffusers 0.30's UNet2DModel takes (at their defaults, the two it does not).
    const config = JSON.parse(readFileSync(join(dir, "unet", "config.json"), "utf8"));
    expect(config).not.toHaveProperty("mid_block_type");
    expect(config).not.toHaveProperty("time_embedding_dim");
    expect(config.block_out_channels).toEqual([8, 8]);
  });

  it("reads the older layout (unet/ raw, unet_ema/ EMA, training_state.safetensors) for sampling and resume", async () => {
    const dir = join(root, "legacy", "checkpoint");
    cpSync(join(trained, "checkpoint"), dir, { recursive: true });
    renameSync(join(dir, "unet"), join(dir, "unet_ema"));
    renameSync(join(dir, "training", "unet"), join(dir, "unet"));
    renameSync(join(dir, "training", "optimizer.safetensors"), join(dir, "training_state.safetensors"));
    rmSync(join(dir, "training"), { recursive: true });
    const loaded = await loadModelForSampling(engine, dir, { log });
    expect(loaded.source).toBe(`${join(dir, "unet_ema")} (the EMA weights)`);
    loaded.model.dispose();
    const resumed = await job(join(root, "legacy"), 3, { resume: true });
    expect(resumed.steps).toBe(3);
    expect(existsSync(join(dir, "training", "optimizer.safetensors"))).toBe(true);
  });

  it("a unet_ema/ without config.json is refused, not passed over", async () => {
    const dir = join(root, "half-ema");
    cpSync(join(trained, "checkpoint"), dir, { recursive: true });
    mkdirSync(join(dir, "unet_ema"));
    await expect(loadModelForSampling(engine, dir)).rejects.toThrow(/unet_ema has no config\.json: the EMA weights are incomplete/);
  });

  it("no scheduler config: refused, unless defaults are asked for (and then named)", async () => {
    const dir = join(root, "no-scheduler");
    cpSync(join(trained, "checkpoint"), dir, { recursive: true });
    rmSync(join(dir, "scheduler"), { recursive: true });
    await expect(loadModelForSampling(engine, dir)).rejects.toThrow(/no scheduler config for .*--default-scheduler/);
    const messages: string[] = [];
    const loaded = await loadModelForSampling(engine, dir, { defaultScheduler: true, log: (l) => messages.push(l) });
    expect(messages[0]).toMatch(/using diffusers' defaults \(T = 1000, linear β from 0.0001 to 0.02, prediction epsilon/);
    expect(loaded.scheduler.T).toBe(1000);
    loaded.model.dispose();
    // Given the run folder, its checkpoint/ is read; given the unet/ folder itself, the scheduler config beside it.
    const runFolder = await loadModelForSampling(engine, trained);
    expect(runFolder.source).toBe(`${join(trained, "checkpoint", "unet")} (the EMA weights)`);
    runFolder.model.dispose();
    const unetOnly = await loadModelForSampling(engine, join(trained, "checkpoint", "unet"));
    expect(unetOnly.scheduler.T).toBe(50);
    expect(unetOnly.classes).not.toBeNull();
    unetOnly.model.dispose();
  });

  it("a NaN or infinite weight is refused, naming the tensor; so is a truncated optimiser state", async () => {
    const dir = join(root, "non-finite");
    cpSync(join(trained, "checkpoint"), dir, { recursive: true });
    const file = join(dir, "unet", "diffusion_pytorch_model.safetensors");
    const weights = tensors(file);
    weights.get("conv_out.bias")!.data[0] = Number.NaN;
    writeFileSync(file, serializeSafetensors(weights));
    await expect(loadModelForSampling(engine, dir)).rejects.toThrow(
      /unet\/diffusion_pytorch_model\.safetensors: tensor conv_out\.bias holds 1 non-finite values \(NaN at index 0\)/,
    );
    const moments = join(trained, "checkpoint", "training", "optimizer.safetensors");
    const copy = join(root, "truncated", "checkpoint");
    cpSync(join(trained, "checkpoint"), copy, { recursive: true });
    writeFileSync(join(copy, "training", "optimizer.safetensors"), readFileSync(moments).subarray(0, 100));
    await expect(readCheckpoint(copy)).rejects.toThrow(/training\/optimizer\.safetensors: /);
  });

  it("config values of the wrong type name the file and the key", async () => {
    expect(() => resolveUNetConfig({ sample_size: "abc" })).toThrow(/sample_size = "abc" must be a positive integer or null/);
    const dir = join(root, "bad-config");
    cpSync(join(trained, "checkpoint"), dir, { recursive: true });
    const configFile = join(dir, "unet", "config.json");
    const config = JSON.parse(readFileSync(configFile, "utf8"));
    writeFileSync(configFile, JSON.stringify({ ...config, num_class_embeds: "11" }));
    await expect(loadModelForSampling(engine, dir)).rejects.toThrow(
      /unet\/config\.json: UNet2DModel config: num_class_embeds = "11" must be a positive integer or null/,
    );
  });
});

describe("fine-tuning from a diffusers folder", () => {
  it("a folder the reference generator wrote, fine-tuned for 2 steps: its config kept, weights moved, loadable", async () => {
    const source = join(root, "pretrained");
    cpSync("test/fixtures/unet/three-level-1ch", source, { recursive: true });
    mkdirSync(join(source, "scheduler"));
    writeFileSync(
      join(source, "scheduler", "scheduler_config.json"),
      JSON.stringify({ num_train_timesteps: 30, prediction_type: "sample" }),
    );
    const out = join(root, "finetuned");
    lines.length = 0;
    const result = await trainJob({
      engine,
      out,
      data: dataDir,
      channels: 1,
      initFrom: source,
      train: { steps: 2, batchSize: 2 },
      samples: 0,
      log,
    });
    expect(result.steps).toBe(2);
    expect(lines[0]).toMatch(/fine-tuning .*pretrained\/unet \(the folder's weights\), scheduler .*scheduler_config\.json/);
    const original = JSON.parse(readFileSync(join(source, "unet", "config.json"), "utf8"));
    const tuned = JSON.parse(readFileSync(join(out, "checkpoint", "unet", "config.json"), "utf8"));
    for (const key of [
      "block_out_channels",
      "flip_sin_to_cos",
      "freq_shift",
      "downsample_padding",
      "attention_head_dim",
      "norm_num_groups",
    ]) {
      expect(tuned[key], key).toEqual(original[key]);
    }
    expect(JSON.parse(readFileSync(join(out, "checkpoint", "scheduler", "scheduler_config.json"), "utf8"))).toMatchObject({
      num_train_timesteps: 30,
      prediction_type: "sample",
    });
    const before = tensors(join(source, "unet", "diffusion_pytorch_model.safetensors"));
    const after = tensors(join(out, "checkpoint", "training", "unet", "diffusion_pytorch_model.safetensors"));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const moved = [...after].filter(([k, v]) => v.data.some((x, i) => x !== before.get(k)!.data[i])).length;
    expect(moved).toBeGreaterThan(after.size / 2);
    const loaded = await loadModelForSampling(engine, join(out, "checkpoint"));
    const y = loaded.model.forward({ sample: engine.zeros([1, 1, 8, 8]), timesteps: [3] });
    expect((await y.data()).every(Number.isFinite)).toBe(true);
    y.dispose();
    loaded.model.dispose();
  });

  it("class conditioning and size must match the data, and the error says how", async () => {
    const source = join(root, "pretrained");
    await expect(
      trainJob({
        engine,
        out: join(root, "ft-size"),
        data: dataDir,
        channels: 1,
        size: 16,
        initFrom: source,
        train: { steps: 1 },
        samples: 0,
        log,
      }),
    ).rejects.toThrow(/takes 8×8 images; fine-tuning it needs data of that size \(--size 8\)/);
    await expect(
      trainJob({
        engine,
        out: join(root, "ft-schedule"),
        data: dataDir,
        channels: 1,
        initFrom: source,
        scheduler: { prediction_type: "epsilon" },
        samples: 0,
        log,
      }),
    ).rejects.toThrow(/keeps the schedule it was trained with; --timesteps, --schedule and --prediction cannot change it/);
    expect(existsSync(join(root, "ft-size"))).toBe(false);
    await expect(
      trainJob({ engine, out: join(root, "ft-mnist"), initFrom: "test/fixtures/unet/attn-class", train: { steps: 1 }, samples: 0, log }),
    ).rejects.toThrow(/no scheduler config/);
  });
});

describe("the tape", () => {
  it("backward() a second time on the same loss throws, naming it", () => {
    const x = engine.tensor(new Float32Array([1, 2, 3]), [3]);
    x.requiresGrad = true;
    const loss = ops.sum(ops.mul(x, x));
    engine.backward(loss);
    expect(() => engine.backward(loss)).toThrow(
      /the tape behind Tensor#\d+\[\] \(made by sum\) was used by an earlier backward\(\) and freed/,
    );
    loss.dispose();
    x.dispose();
  });
});
