/**
 * Checkpoints and resume: training 2N steps equals training N steps, checkpointing, resuming and training N more
 * (every random choice is counter-based on (seed, step), and the optimiser state is saved). Also: the same seed
 * gives the same samples, a diverging run stops naming the step, and an existing checkpoint is never overwritten
 * by a fresh run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/index.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { trainJob } from "../src/jobs/train.js";
import { testEngine } from "./helpers/engine.js";
import { TINY_PRESET, writePngFolder } from "./helpers/tiny-run.js";

let engine: Engine;
let root: string;
let dataDir: string;
beforeAll(async () => {
  engine = await testEngine();
  root = mkdtempSync(join(tmpdir(), "ddpm-resume-"));
  dataDir = writePngFolder(join(root, "data"), 11);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tiny = TINY_PRESET;

const weights = (dir: string, sub: string) =>
  parseSafetensors(new Uint8Array(readFileSync(join(dir, "checkpoint", sub, "diffusion_pytorch_model.safetensors")))).tensors;

function job(out: string, steps: number, resume = false) {
  return trainJob({
    engine,
    out,
    data: dataDir,
    channels: 1,
    preset: tiny,
    train: { steps, checkpointEvery: 100 },
    scheduler: { num_train_timesteps: 50 },
    resume,
    samples: 0,
    log: () => {},
  });
}

describe("checkpoint and resume", () => {
  it("train 4 steps = train 2, checkpoint, resume, train 2 (bit for bit)", async () => {
    const straight = join(root, "straight");
    const split = join(root, "split");
    const a = await job(straight, 4);
    await job(split, 2);
    const b = await job(split, 4, true);
    expect(a.steps).toBe(4);
    expect(b.steps).toBe(4);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    for (const sub of ["unet", "training/unet"]) {
      const [wa, wb] = [weights(straight, sub), weights(split, sub)];
      expect([...wb.keys()]).toEqual([...wa.keys()]);
      for (const [key, value] of wa) expect(wb.get(key)!.data, `${sub} ${key}`).toEqual(value.data);
    }
    const state = JSON.parse(readFileSync(join(split, "checkpoint", "training_state.json"), "utf8"));
    expect(state.step).toBe(4);
    expect(state.optimizerSteps).toBe(4);
    expect(existsSync(join(split, "loss.csv"))).toBe(true);
    expect(existsSync(join(split, `checkpoint.tmp-${process.pid}`))).toBe(false);
  });

  it("a resumed run's loss log continues the clock of the run it resumes", async () => {
    const out = join(root, "clock");
    const first = await job(out, 2);
    const before = first.history.at(-1)!.seconds;
    const started = performance.now();
    const resumed = await job(out, 6, true);
    const wall = (performance.now() - started) / 1000;
    const seconds = resumed.history.map((h) => h.seconds);
    expect(resumed.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seconds.slice(0, 2)).toEqual(first.history.map((h) => h.seconds));
    for (let i = 1; i < seconds.length; i++) expect(seconds[i], `entry ${i}`).toBeGreaterThanOrEqual(seconds[i - 1]);
    // The four new entries together span at most the resumed job's own wall time.
    expect(seconds.at(-1)! - before).toBeLessThanOrEqual(wall);
  });

  it("refuses to start over an existing checkpoint, and to resume where there is none", async () => {
    const out = join(root, "existing");
    await job(out, 1);
    await expect(job(out, 2)).rejects.toThrow(/already holds a checkpoint: pass --resume/);
    await expect(job(join(root, "nothing"), 2, true)).rejects.toThrow(/no checkpoint to resume/);
  });

  it("the job's time budget stops training (here: a budget already spent when the job starts)", async () => {
    const out = join(root, "budget");
    const result = await trainJob({
      engine,
      out,
      data: dataDir,
      channels: 1,
      preset: tiny,
      train: { steps: 50, checkpointEvery: 100 },
      scheduler: { num_train_timesteps: 50 },
      minutes: 1,
      startedAt: performance.now() - 61_000,
      samples: 0,
      log: () => {},
    });
    expect(result.steps).toBe(0);
    const state = JSON.parse(readFileSync(join(out, "checkpoint", "training_state.json"), "utf8"));
    expect(state.step).toBe(0);
  });

  it("a diverging run stops with the step, and the last checkpoint stays the good one", async () => {
    const out = join(root, "diverge");
    await job(out, 2);
    const before = weights(out, "unet");
    // Settings come from the checkpoint on resume: give it a learning rate that diverges.
    const stateFile = join(out, "checkpoint", "training_state.json");
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    state.train.learningRate = 1e30;
    writeFileSync(stateFile, JSON.stringify(state));
    await expect(job(out, 6, true)).rejects.toThrow(/loss is (NaN|Infinity|-Infinity) at step \d+/);
    const after = weights(out, "unet");
    for (const [key, value] of before) expect(after.get(key)!.data, key).toEqual(value.data);
  });
});
