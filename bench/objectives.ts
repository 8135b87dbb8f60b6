/**
 * Ho et al. 2020, Table 2 at small scale: the same U-Net (the mnist-16 preset's, unconditional) trained on MNIST
 * 16×16 for the same steps and seed under each parameterisation of the reverse mean and each objective, then
 * measured three ways:
 *   - the training loss: the last logged value and the mean of the last quarter of the log (the objectives differ
 *     in scale, so compare a row with itself, not across rows);
 *   - the variational bound on held-out digits in bits/dim (`ddpm eval`'s estimator: stratified timesteps, the
 *     decoder term exact, a 95% interval), from the EMA weights;
 *   - samples: `--samples` digits drawn by ancestral sampling (DDPM, `--sample-steps` strided steps, so a learned
 *     variance is used where a row has one), read by the digit evaluator beside as many real held-out digits.
 *
 *   node scripts/run.mjs bench/objectives.ts [--steps 400] [--seed 0] [--rows eps-simple,eps-vlb,...]
 *       [--images 64] [--timesteps 100] [--samples 64] [--sample-steps 50] [--out bench/results/objectives.md]
 *
 * Rows whose objective this engine cannot train are reported as such; a row that diverges reports the step.
 * Rows already in OUT.json from a run with the same settings are kept, so rows can be run one at a time.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PredictionType } from "../src/diffusion/config.js";
import { Engine } from "../src/engine.js";
import { DigitEvaluator } from "../src/evaluate/evaluate.js";
import { loadMnist } from "../src/io/mnist.js";
import { evalJob } from "../src/jobs/eval.js";
import { loadModelForSampling } from "../src/jobs/sample.js";
import { trainJob } from "../src/jobs/train.js";
import { sampleLoop } from "../src/sample.js";
import type { TrainLoss } from "../src/train.js";

interface Row {
  name: string;
  label: string;
  prediction: PredictionType;
  loss: TrainLoss;
  /** Ho et al.'s Table 2 finding for this row, for the report. */
  paper: string;
}

const ROWS: Row[] = [
  { name: "eps-simple", label: "ε, L_simple", prediction: "epsilon", loss: "simple", paper: "FID 3.17, NLL ≤ 3.75: best samples" },
  {
    name: "eps-vlb",
    label: "ε, L (fixed Σ)",
    prediction: "epsilon",
    loss: "vlb",
    paper: "FID 13.51, NLL ≤ 3.70: better likelihood, worse samples",
  },
  { name: "x0-simple", label: "x₀, L_simple", prediction: "sample", loss: "simple", paper: "not in Table 2 (§3.2: worse samples)" },
  { name: "mean-simple", label: "μ̃, L_simple", prediction: "posterior_mean", loss: "simple", paper: "unstable" },
  { name: "mean-vlb", label: "μ̃, L (fixed Σ)", prediction: "posterior_mean", loss: "vlb", paper: "FID 13.22" },
  {
    name: "eps-hybrid",
    label: "ε, L_hybrid (learned Σ)",
    prediction: "epsilon",
    loss: "hybrid",
    paper: "Nichol & Dhariwal: better NLL than L_simple, similar samples",
  },
  { name: "v-simple", label: "v, L_simple (the preset)", prediction: "v_prediction", loss: "simple", paper: "not in Table 2" },
];

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const steps = Number(option("--steps", "400"));
const seed = Number(option("--seed", "0"));
const images = Number(option("--images", "64"));
const timesteps = Number(option("--timesteps", "100"));
const sampleCount = Number(option("--samples", "64"));
const sampleSteps = Number(option("--sample-steps", "50"));
const out = option("--out", "bench/results/objectives.md");
const names = option("--rows", ROWS.map((r) => r.name).join(",")).split(",");
const unknown = names.filter((n) => !ROWS.some((r) => r.name === n));
if (unknown.length) throw new Error(`--rows: unknown ${unknown.join(", ")}; the rows are ${ROWS.map((r) => r.name).join(", ")}`);
const rows = ROWS.filter((r) => names.includes(r.name));

const engine = await Engine.create({ verbose: false });
const evaluator = await DigitEvaluator.create(engine, 16);
const heldOut = await loadMnist({ size: 16, split: "test" });
const work = await mkdtemp(join(tmpdir(), "ddpm-objectives-"));
const header = [
  `adapter: ${engine.adapter.vendor} ${engine.adapter.architecture}; mnist-16 U-Net, unconditional; ${steps} steps, batch 16, seed ${seed}`,
  `bits/dim: ${images} held-out digits × ${timesteps} stratified timesteps (+ L₀ exact); samples: ${sampleCount} by DDPM ancestral ` +
    `sampling in ${sampleSteps} strided steps`,
];
console.log(header.join("\n"));

interface Result {
  row: Row;
  status: string;
  lastLoss?: number;
  smoothedLoss?: number;
  bitsPerDim?: number;
  interval?: number;
  confident?: number;
  frechet?: number;
  entropy?: number;
  seconds: number;
}
const jsonFile = out.replace(/\.md$/, ".json");
const settings = { steps, seed, images, timesteps, sampleCount, sampleSteps };
const earlier = existsSync(jsonFile)
  ? (JSON.parse(await readFile(jsonFile, "utf8")) as { settings?: typeof settings; results: Result[] })
  : null;
const results: Result[] =
  earlier && JSON.stringify(earlier.settings) === JSON.stringify(settings)
    ? earlier.results.filter((r) => !rows.some((row) => row.name === r.row.name))
    : [];
const order = (r: Result) => ROWS.findIndex((row) => row.name === r.row.name);
/** Writes OUT.json and OUT.md from the rows measured so far (after each row, so an interrupted run keeps them). */
async function report(): Promise<string[]> {
  results.sort((a, b) => order(a) - order(b));
  const real = evaluator.realFigures(sampleCount);
  const fmt = (x: number | undefined, digits: number) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(digits));
  const table = [
    "| objective | final loss | loss, last quarter | bits/dim (95% interval) | confident | Fréchet d² | class entropy (bits) | Ho et al. | time (s) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map((r) =>
      r.status !== "trained"
        ? `| ${r.row.label} | ${r.status} | | | | | | ${r.row.paper} | ${r.seconds.toFixed(0)} |`
        : `| ${r.row.label} | ${r.lastLoss?.toPrecision(4)} | ${r.smoothedLoss?.toPrecision(4)} | ${fmt(r.bitsPerDim, 3)} ± ${fmt(r.interval, 3)} | ` +
          `${(100 * r.confident!).toFixed(0)}% | ${fmt(r.frechet, 1)} | ${fmt(r.entropy, 2)} | ${r.row.paper} | ${r.seconds.toFixed(0)} |`,
    ),
    "",
    real
      ? `Real held-out digits at n = ${sampleCount} (${real.draws} disjoint draws, mean ± s.d.): confident ` +
        `${(100 * real.confidentRate.mean).toFixed(0)}% ± ${(100 * real.confidentRate.sd).toFixed(0)}%, Fréchet d² ` +
        `${real.frechet.mean.toFixed(1)} ± ${real.frechet.sd.toFixed(1)}, class entropy ${real.entropyBits.mean.toFixed(2)} bits.`
      : "",
  ];
  const command =
    `node scripts/run.mjs bench/objectives.ts --steps ${steps} --seed ${seed} --images ${images} --timesteps ${timesteps} ` +
    `--samples ${sampleCount} --sample-steps ${sampleSteps}`;
  await writeFile(jsonFile, `${JSON.stringify({ settings, header, command, results, real }, null, 2)}\n`);
  await writeFile(out, `${[`\`${command}\``, "", ...header.map((h) => `${h}  `), "", ...table].join("\n")}\n`);
  return table;
}

for (const row of rows) {
  const began = performance.now();
  const dir = join(work, row.name);
  const losses: number[] = [];
  try {
    await trainJob({
      engine,
      out: dir,
      data: "mnist",
      preset: "mnist-16",
      classConditional: false,
      guidance: 1,
      samples: 0,
      train: { steps, seed, loss: row.loss, labelDropout: 0, logEvery: 10 },
      scheduler: { prediction_type: row.prediction },
      log: () => {},
      progress: (line) => {
        const loss = line.match(/\bloss ([0-9.eE+-]+)/);
        if (loss) losses.push(Number(loss[1]));
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    results.push({ row, status: message.split("\n")[0].slice(0, 160), seconds: (performance.now() - began) / 1000 });
    console.log(`${row.name}: ${message}`);
    await report();
    continue;
  }
  const { model, scheduler } = await loadModelForSampling(engine, dir, { log: () => {} });
  const bound = await evalJob({ engine, model, scheduler, data: heldOut, images, batch: 16, mode: "estimate", samples: timesteps, seed });
  const drawn = await sampleLoop({
    engine,
    model: (x, t) => model.forward({ sample: x, timesteps: t }),
    scheduler,
    shape: [sampleCount, 1, 16, 16],
    seed: seed + 1,
    steps: sampleSteps,
  });
  for (let i = 0; i < drawn.images.length; i++) drawn.images[i] = Math.min(1, Math.max(-1, drawn.images[i]));
  const judged = await evaluator.evaluate(drawn.images, sampleCount);
  model.dispose();
  const tail = losses.slice(Math.floor((losses.length * 3) / 4));
  const result: Result = {
    row,
    status: "trained",
    lastLoss: losses.at(-1),
    smoothedLoss: tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length),
    bitsPerDim: bound.bitsPerDim,
    interval: 1.96 * bound.standardError,
    confident: judged.samples.confidentRate,
    frechet: judged.samples.frechet ?? Number.NaN,
    entropy: judged.samples.entropyBits,
    seconds: (performance.now() - began) / 1000,
  };
  results.push(result);
  console.log(
    `${row.name}: loss ${result.lastLoss?.toPrecision(4)} (last quarter ${result.smoothedLoss?.toPrecision(4)}), ` +
      `${result.bitsPerDim!.toFixed(3)} ± ${result.interval!.toFixed(3)} bits/dim, confident ${(100 * result.confident!).toFixed(0)}%, ` +
      `Fréchet d² ${result.frechet!.toFixed(1)}, ${result.seconds.toFixed(0)} s`,
  );
  await report();
}
console.log(`\n${(await report()).join("\n")}`);
await rm(work, { recursive: true, force: true });
evaluator.dispose();
await engine.destroy();
