/**
 * The ddpm command as a user runs it, in real processes (dist/cli.js; `npm run build` first): every number checked
 * before any work, resume from the checkpoint alone, one writer per run folder, and checkpoints that survive a
 * process killed in the middle of a save. DDPM_AUTOTUNE=off keeps the heuristic kernels (no timing at start).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSafetensors } from "../src/io/safetensors.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ddpm-cli-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const env = { ...process.env, DDPM_AUTOTUNE: "off" };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Run `node SCRIPT ARGS…` to its end; resolves with the exit code and stdout + stderr together. */
function run(args: string[], script = "dist/cli.js"): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("close", (code, signal) => resolve({ code, signal, output }));
  });
}

/** A short training run of the software preset on the built-in digits. */
const TRAIN = ["train", "--batch", "4", "--samples", "0", "--minutes", "0"];

const weights = (dir: string, sub: string) =>
  parseSafetensors(new Uint8Array(readFileSync(join(dir, "checkpoint", sub, "diffusion_pytorch_model.safetensors")))).tensors;

describe("ddpm: every number is checked before any work", () => {
  it("bad numbers are refused by name, exit 2, and leave no output folder", async () => {
    const out = join(root, "never");
    const cases: [string[], RegExp][] = [
      [["train", "--out", out, "--batch", "0"], /--batch must be a whole number ≥ 1, got '0'/],
      [["train", "--out", out, "--batch", "-1"], /--batch must be a whole number ≥ 1, got '-1'/],
      [["train", "--out", out, "--minutes=-1"], /--minutes must be a number ≥ 0, got '-1'/],
      [["train", "--out", out, "--batch", "1.5"], /--batch must be a whole number ≥ 1, got '1.5'/],
      [["train", "--out", out, "--minutes", "-1"], /--minutes must be a number ≥ 0, got '-1'/],
      [["train", "--out", out, "--steps", "-5"], /--steps must be a whole number ≥ 0, got '-5'/],
      [["train", "--out", out, "--size", "100000"], /--size must be a whole number in \[4, 4096\], got '100000'/],
      [["train", "--out", out, "--guidance", "1e30"], /--guidance must be a number in \[−1000, 1000\], got '1e30'/],
      [["train", "--out", out, "--lr", "abc"], /--lr must be a positive number, got 'abc'/],
      [["sample", "--model", out, "--n", "0"], /--n must be a whole number ≥ 1, got '0'/],
      [["sample", "--model", out, "--n", "1.5"], /--n must be a whole number ≥ 1, got '1.5'/],
      [["sample", "--model", out, "--ddim", "-1"], /--ddim must be a whole number ≥ 0, got '-1'/],
      [["eval", "--model", out, "--batch", "0"], /--batch must be a whole number ≥ 1, got '0'/],
      [["eval", "--model", out, "--images", "0"], /--images must be a whole number ≥ 1, got '0'/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i].code, args.join(" ")).toBe(2);
      expect(results[i].output, args.join(" ")).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("impossible combinations fail before training or sampling, leaving no folder", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    const out = join(root, "never2");
    const [steps, sampleOut, preset, sampling, importance] = await Promise.all([
      run(["train", "--out", out, "--timesteps", "1", "--sample-steps", "3"]),
      run(["sample", "--model", root, "--out", file]),
      run([...TRAIN, "--out", out, "--preset", "nope"]),
      run([...TRAIN, "--out", out, "--loss", "vlb", "--timestep-sampling", "bogus"]),
      run([...TRAIN, "--out", out, "--timestep-sampling", "importance"]),
    ]);
    expect(sampling.code).toBe(1);
    expect(sampling.output).toMatch(/timestepSampling = "bogus" must be one of "uniform", "importance"/);
    expect(importance.code).toBe(1);
    expect(importance.output).toMatch(/timestepSampling = "importance" needs a loss other than "simple"/);
    expect(steps.code).toBe(1);
    expect(steps.output).toMatch(/--sample-steps 3 exceeds --timesteps 1/);
    expect(sampleOut.code).toBe(1);
    expect(sampleOut.output).toMatch(/--out .*a-file is a file; it must be a folder/);
    expect(preset.code).toBe(1);
    expect(preset.output).toMatch(/unknown preset 'nope' \(one of mnist-16, mnist-32\)/);
    expect(existsSync(out)).toBe(false);
  });
});

// Each case starts several processes that each compile every kernel: minutes on a busy 2-core machine.
describe("ddpm train: resume, the lock, and a save killed half-way", { timeout: 600_000 }, () => {
  it("--resume with no other flag continues exactly: non-default seed, flips and interval come from the checkpoint", async () => {
    const straight = join(root, "straight");
    const split = join(root, "split");
    const flags = ["--seed", "7", "--flip", "--checkpoint-every", "2"];
    const [a, b] = await Promise.all([
      run([...TRAIN, "--out", straight, "--steps", "4", ...flags]),
      run([...TRAIN, "--out", split, "--steps", "2", ...flags]),
    ]);
    expect(a.code, a.output).toBe(0);
    expect(b.code, b.output).toBe(0);
    const refused = await run(["train", "--out", split, "--resume", "--steps", "4", "--seed", "3"]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/--seed 3 \(the checkpoint's: 7\)/);
    const resumed = await run(["train", "--out", split, "--resume", "--steps", "4", "--samples", "0"]);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/every setting from the checkpoint; from the command line: --steps 4 \(was 2\)/);
    for (const sub of ["unet", "training/unet"]) {
      const [wa, wb] = [weights(straight, sub), weights(split, sub)];
      for (const [key, value] of wa) expect(wb.get(key)!.data, `${sub} ${key}`).toEqual(value.data);
    }
    const state = JSON.parse(readFileSync(join(split, "checkpoint", "training_state.json"), "utf8"));
    expect(state.train).toMatchObject({ seed: 7, randomFlip: true, checkpointEvery: 2, steps: 4, batchSize: 4 });
    // The run folder's U-Net as an ONNX file (the EMA weights; test/onnx.test.ts runs such files), never overwritten.
    const onnx = join(root, "split.onnx");
    const exported = await run(["export", "--model", split, "--onnx", onnx]);
    expect(exported.code, exported.output).toBe(0);
    expect(exported.output).toMatch(/wrote .*split\.onnx \([\d.]+ MiB\) from .*checkpoint\/unet \(the EMA weights\)/);
    const again = await run(["export", "--model", split, "--onnx", onnx]);
    expect([again.code, again.output]).toEqual([1, expect.stringMatching(/split\.onnx exists; choose another --onnx/)]);
    expect((await run(["export", "--model", split])).output).toMatch(/--onnx FILE is required/);
  });

  it("two runs on one folder: the second is refused, naming the first's PID", async () => {
    const out = join(root, "contended");
    mkdirSync(out);
    const [first, second] = await Promise.all([
      run([...TRAIN, "--out", out, "--steps", "2"]),
      run([...TRAIN, "--out", out, "--steps", "2"]),
    ]);
    const codes = [first.code, second.code].sort();
    expect(codes, first.output + second.output).toEqual([0, 1]);
    const loser = first.code === 1 ? first : second;
    expect(loser.output).toMatch(/is in use by another run: PID \d+ on .*a run folder has one writer/);
    expect(existsSync(join(out, ".lock"))).toBe(false);
  });

  it("killed between the renames: only checkpoint.old is left; sampling reads it, resume recovers and continues it", async () => {
    const out = join(root, "killed-swap");
    expect((await run([...TRAIN, "--out", out, "--steps", "2", "--checkpoint-every", "2"])).code).toBe(0);
    const killed = await run(["between-renames", "train", "--out", out, "--resume", "--steps", "4"], "test/helpers/crash-save.mjs");
    expect(killed.signal).toBe("SIGKILL");
    expect(readdirSync(out).sort()).toEqual([".lock", "checkpoint.old", expect.stringMatching(/^checkpoint\.tmp-\d+$/), "loss.csv"]);
    const sampled = await run(["sample", "--model", join(out, "checkpoint"), "--out", join(root, "from-old"), "--n", "1", "--ddim", "1"]);
    expect(sampled.code, sampled.output).toBe(0);
    expect(sampled.output).toMatch(/reading .*checkpoint\.old, left by a checkpoint save that was interrupted/);
    const fresh = await run([...TRAIN, "--out", out, "--steps", "4"]);
    expect(fresh.code).toBe(1);
    expect(fresh.output).toMatch(/removed a stale lock/);
    expect(fresh.output).toMatch(/recovered .*checkpoint from .*checkpoint\.old/);
    expect(fresh.output).toMatch(/already holds a checkpoint: pass --resume/);
    const resumed = await run(["train", "--out", out, "--resume", "--steps", "4", "--samples", "0"]);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/resuming from .*checkpoint at step 2/);
    expect(readdirSync(out).sort()).toEqual(["checkpoint", "loss.csv", "loss.png"]);
  });

  it("killed while writing the temporary folder: the checkpoint is untouched, the leftover is removed at the next start", async () => {
    const out = join(root, "killed-write");
    expect((await run([...TRAIN, "--out", out, "--steps", "2", "--checkpoint-every", "2"])).code).toBe(0);
    const before = weights(out, "unet");
    const killed = await run(["temporary-write", "train", "--out", out, "--resume", "--steps", "4"], "test/helpers/crash-save.mjs");
    expect(killed.signal).toBe("SIGKILL");
    expect(readdirSync(out).some((name) => /^checkpoint\.tmp-\d+$/.test(name))).toBe(true);
    const after = weights(out, "unet");
    for (const [key, value] of before) expect(after.get(key)!.data, key).toEqual(value.data);
    const resumed = await run(["train", "--out", out, "--resume", "--steps", "4", "--samples", "0"]);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/removed .*checkpoint\.tmp-\d+, left by a process that is gone/);
    expect(readdirSync(out).sort()).toEqual(["checkpoint", "loss.csv", "loss.png"]);
  });
});
