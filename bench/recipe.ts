/**
 * The default recipe against the digit evaluator: each training setting (the mnist-16 preset with a few settings
 * changed) is trained for the same number of steps under each seed, then its EMA weights draw 64 class-conditional
 * samples (digit i mod 10) under each sampling setting, and the evaluator reads them beside 64 real held-out
 * digits. A setting wins only by more than the seed-to-seed spread.
 *
 *   node scripts/run.mjs bench/recipe.ts [--settings base,cosine] [--seeds 0,1] [--steps 1400]
 *       [--guidance 1,2,3] [--ddim 25,50] [--out bench/results/recipe]
 *
 * Checkpoints stay in bench/_recipe/SETTING-sSEED (a finished one is not trained again); every measured row is
 * appended to OUT.json as it comes, and OUT.md is rewritten from it.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DDIMScheduler } from "../src/diffusion/schedulers.js";
import { Engine } from "../src/engine.js";
import { DigitEvaluator } from "../src/evaluate/evaluate.js";
import { loadModelForSampling } from "../src/jobs/sample.js";
import { trainJob } from "../src/jobs/train.js";
import type { Preset } from "../src/presets.js";
import { PRESETS } from "../src/presets.js";
import { guidedDenoiser, sampleLoop } from "../src/sample.js";
import type { TrainConfig } from "../src/train.js";

/** Changes to the mnist-16 preset. */
const SETTINGS: Record<string, { what: string; train?: Partial<TrainConfig>; model?: Preset["model"]; stepsScale?: number }> = {
  base: { what: "the mnist-16 preset as it is" },
  cosine: { what: "learning rate: half cosine to 0 after the warmup", train: { learningRateSchedule: "cosine" } },
  "cosine-ema995": { what: "cosine, EMA decay 0.995", train: { learningRateSchedule: "cosine", emaDecay: 0.995 } },
  "cosine-lr4e-3": { what: "cosine, peak learning rate 4e-3", train: { learningRateSchedule: "cosine", learningRate: 4e-3 } },
  "batch32-half": { what: "batch 32 for half the steps", train: { batchSize: 32 }, stepsScale: 0.5 },
};

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const list = (name: string, fallback: string) => option(name, fallback).split(",");
const settings = list("--settings", "base,cosine");
const seeds = list("--seeds", "0,1").map(Number);
const steps = Number(option("--steps", "1400"));
const guidances = list("--guidance", "1,2,3").map(Number);
const ddims = list("--ddim", "25,50").map(Number);
const out = option("--out", "bench/results/recipe");
for (const s of settings) if (!SETTINGS[s]) throw new Error(`--settings: unknown ${s}; known: ${Object.keys(SETTINGS).join(", ")}`);

interface Row {
  setting: string;
  seed: number;
  steps: number;
  trainSeconds: number;
  finalLoss: number;
  guidance: number;
  ddim: number;
  accuracy: number;
  confident: number;
  frechet: number;
  entropy: number;
  missing: number[];
}
const rows: Row[] = existsSync(`${out}.json`) ? (JSON.parse(await readFile(`${out}.json`, "utf8")) as { rows: Row[] }).rows : [];

const engine = await Engine.create({ verbose: false });
const evaluator = await DigitEvaluator.create(engine, 16);
const real = evaluator.realFigures(64)!;

async function report() {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const lines = [
    `\`node scripts/run.mjs bench/recipe.ts --settings ${settings.join(",")} --seeds ${seeds.join(",")} --steps ${steps}\``,
    "",
    `adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}; n = 64 samples per row (digit i mod 10); real held-out ` +
      `digits at n = 64 (${real.draws} draws): accuracy ${pct(real.accuracy.mean)} ± ${pct(real.accuracy.sd)}, confident ` +
      `${pct(real.confidentRate.mean)} ± ${pct(real.confidentRate.sd)}, Fréchet d² ${real.frechet.mean.toFixed(1)} ± ` +
      `${real.frechet.sd.toFixed(1)} (goal: ≤ ${(real.frechet.mean + 2 * real.frechet.sd).toFixed(1)})`,
    "",
    "| setting | seed | steps | train s | final loss | guidance | DDIM steps | accuracy | confident | Fréchet d² | entropy | classes never read |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.setting} | ${r.seed} | ${r.steps} | ${r.trainSeconds.toFixed(0)} | ${r.finalLoss.toFixed(4)} | ${r.guidance} | ${r.ddim} | ` +
        `${pct(r.accuracy)} | ${pct(r.confident)} | ${r.frechet.toFixed(1)} | ${r.entropy.toFixed(2)} | ${r.missing.join(" ") || "—"} |`,
    ),
    "",
    ...Object.entries(SETTINGS).map(([name, s]) => `- ${name}: ${s.what}`),
  ];
  await writeFile(`${out}.json`, `${JSON.stringify({ real, rows }, null, 1)}\n`);
  await writeFile(`${out}.md`, `${lines.join("\n")}\n`);
}

for (const name of settings) {
  const setting = SETTINGS[name];
  const runSteps = Math.round(steps * (setting.stepsScale ?? 1));
  for (const seed of seeds) {
    const dir = join("bench", "_recipe", `${name}-s${seed}`);
    let trainSeconds = Number.NaN;
    let finalLoss = Number.NaN;
    if (!existsSync(join(dir, "checkpoint", "unet"))) {
      const began = performance.now();
      const preset = PRESETS["mnist-16"];
      await trainJob({
        engine,
        out: dir,
        data: "mnist",
        preset: { ...preset, model: { ...preset.model, ...setting.model } },
        train: { ...setting.train, steps: runSteps, seed, checkpointEvery: 0 },
        samples: 0,
        log: (line) => console.log(`${name} s${seed}: ${line}`),
        progress: (line) => {
          const loss = line.match(/\bloss ([0-9.]+)/);
          if (loss) finalLoss = Number(loss[1]);
        },
      });
      trainSeconds = (performance.now() - began) / 1000;
    }
    const { model, scheduler, classes } = await loadModelForSampling(engine, dir, { log: () => {} });
    const labels = Array.from({ length: 64 }, (_, i) => i % 10);
    for (const guidance of guidances) {
      for (const ddim of ddims) {
        if (rows.some((r) => r.setting === name && r.seed === seed && r.guidance === guidance && r.ddim === ddim)) continue;
        const drawn = await sampleLoop({
          engine,
          model: guidedDenoiser(model, labels, guidance, classes?.unconditionalLabel ?? null),
          scheduler: DDIMScheduler.fromDDPM(scheduler),
          shape: [64, 1, 16, 16],
          seed: seed + 1,
          steps: ddim,
        });
        for (let i = 0; i < drawn.images.length; i++) drawn.images[i] = Math.min(1, Math.max(-1, drawn.images[i]));
        const e = await evaluator.evaluate(drawn.images, 64, labels);
        const missing = [...Array(10).keys()].filter((digit) => e.samples.histogram[digit] === 0);
        rows.push({
          setting: name,
          seed,
          steps: runSteps,
          trainSeconds,
          finalLoss,
          guidance,
          ddim,
          accuracy: e.samples.accuracy!,
          confident: e.samples.confidentRate,
          frechet: e.samples.frechet!,
          entropy: e.samples.entropyBits,
          missing,
        });
        console.log(
          `${name} s${seed} guidance ${guidance} DDIM ${ddim}: accuracy ${(100 * e.samples.accuracy!).toFixed(0)}%, confident ` +
            `${(100 * e.samples.confidentRate).toFixed(0)}%, Fréchet d² ${e.samples.frechet!.toFixed(1)}`,
        );
        await report();
      }
    }
    model.dispose();
  }
}
await report();
evaluator.dispose();
await engine.destroy();
