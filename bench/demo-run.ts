/**
 * The browser demo's default run against the CLI's main job in the same minutes, both read by the digit evaluator:
 *
 *   1. the CLI: `node dist/cli.js train --data mnist --out TMP/cli --minutes M` (`npm run main` with the budget and
 *      the output folder given), after `node scripts/build.mjs`; the budget counts from the process start and
 *      includes the data load, the kernel autotune, the final checkpoint, samples, trajectory and evaluator
 *      (src/jobs/train.ts), so its training stops early enough for them;
 *   2. the demo (scripts/demo.mjs builds it, scripts/serve.mjs serves it) in headless Chromium on SwiftShader with
 *      its default URL (no parameters): Start, Stop, then the page's own Download button, whose zip is read back as
 *      a diffusers folder. Stop comes M minutes after the Start click less the time the CLI's job ran after its
 *      training (so both jobs would end M minutes after their start), and never before the CLI's training window
 *      has passed. The demo's clock counts its data load, model, compilation and autotune, which come after Start;
 *      the page's load before Start is not counted (the CLI's budget has nothing before its process start);
 *   3. both models sampled as the main job samples its own (src/jobs/train.ts, writeOutputs): the EMA weights, 64
 *      class-conditional samples (digit i mod 10), DDIM 25 steps, the preset's guidance scale, seed 0, through
 *      sampleJob; the grid read by the digit evaluator through evaluateSamplesJob, beside real held-out digits at
 *      the same n. The CLI's own printed figures are kept beside the re-measured ones.
 *
 * The CLI runs first, because the time it measures after its training sets the demo's Stop. Each side starts without kernel choices
 * kept from an earlier run: the CLI gets a fresh XDG_CACHE_HOME, each browser a fresh profile.
 *
 *   node scripts/run.mjs bench/demo-run.ts [--minutes 14] [--variant QUERY]... [--out bench/results/demo-run]
 *
 * --variant QUERY trains the demo again for the same window with URL parameters QUERY (e.g. logEvery=10,
 * sampleEvery=0) and reports its steps, to price the defaults. OUT defaults to bench/results/demo-run for the CLI's
 * default 14 minutes and to bench/results/demo-run-Mmin otherwise, so a short run never replaces a full one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import puppeteer, { type Browser, type Page } from "puppeteer";
import { buildDemo, CHROMIUM_PATH, WEBGPU_CHROMIUM_FLAGS } from "../scripts/demo.mjs";
import { serve } from "../scripts/serve.mjs";
import { Engine } from "../src/engine.js";
import type { DigitEvaluation } from "../src/evaluate/evaluate.js";
import { evaluateSamplesJob } from "../src/jobs/evaluate-samples.js";
import { loadModelForSampling, sampleJob } from "../src/jobs/sample.js";
import { PRESETS } from "../src/presets.js";
import { readStoredZip } from "../test/browser/unzip.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const minutes = Number(option("--minutes", "14"));
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${option("--minutes", "")}`);
const variants = args.flatMap((a, i) => (a === "--variant" ? [args[i + 1]] : []));
const out = option("--out", minutes === 14 ? "bench/results/demo-run" : `bench/results/demo-run-${minutes}min`);
const command = ["node scripts/run.mjs bench/demo-run.ts", `--minutes ${minutes}`, ...variants.map((v) => `--variant ${v}`)].join(" ");

/** How `ddpm train` draws its final samples (src/jobs/train.ts): --samples 64, DDIM 25 steps, seed = the training seed 0. */
const SAMPLING = { count: 64, ddimSteps: 25, seed: 0, guidance: PRESETS["mnist-16"].guidance ?? 1 };

const ROOT = resolve(".");
const DEMO_DIR = join(ROOT, "node_modules/.cache/ddpm-webgpu/demo-run");
const tmp = await mkdtemp(join(tmpdir(), "ddpm-demo-run-"));
const load = { start: loadavg(), end: [] as number[] };
const began = new Date();
console.log(`demo-run: ${minutes} min a side, work folder ${tmp}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : Number.NaN;
}

/** Runs a command to its end, each output line passed on with the seconds since its start; rejects on failure. */
function runCommand(
  file: string,
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string, seconds: number) => void } = {},
): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(file, argv, { cwd: ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => options.onLine?.(line, (performance.now() - started) / 1000));
  }
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) done(seconds);
      else fail(new Error(`${file} ${argv.join(" ")} exited with ${code} after ${seconds.toFixed(0)} s`));
    });
  });
}

// ---------------------------------------------------------------- 1. the CLI's main job

interface CliRun {
  /** Seconds since the process start: the "training:" line (data loaded, model built), training's end, the exit. */
  trainingLineSeconds: number;
  trainingStoppedSeconds: number;
  exitSeconds: number;
  steps: number;
  /** Each progress line (every 10 steps): seconds since the process start, and the step. */
  progress: [number, number][];
  /** The median time of a step between progress lines. */
  medianStepSeconds: number;
  autotune: string | null;
  /** The evaluator's figures as the job printed them for its own samples.png. */
  printed: string[];
}

async function runCli(): Promise<CliRun> {
  await runCommand(process.execPath, ["scripts/build.mjs"]);
  const lines: string[] = [];
  const run: CliRun = {
    trainingLineSeconds: Number.NaN,
    trainingStoppedSeconds: Number.NaN,
    exitSeconds: Number.NaN,
    steps: 0,
    progress: [],
    medianStepSeconds: Number.NaN,
    autotune: null,
    printed: [],
  };
  let evaluatorLines = false;
  const argv = ["dist/cli.js", "train", "--data", "mnist", "--out", join(tmp, "cli"), "--minutes", String(minutes)];
  console.log(`cli: node ${argv.join(" ")}`);
  run.exitSeconds = await runCommand(process.execPath, argv, {
    env: { ...process.env, XDG_CACHE_HOME: join(tmp, "cli-cache") },
    onLine: (line, seconds) => {
      lines.push(`${seconds.toFixed(1).padStart(7)} s  ${line}`);
      console.log(`cli ${seconds.toFixed(0).padStart(4)} s: ${line}`);
      if (line.startsWith("training: ")) run.trainingLineSeconds = seconds;
      if (line.startsWith("autotune (training)")) run.autotune = line;
      const stopped = line.match(/^checkpoint: .* \(step (\d+)\)$/);
      if (stopped) [run.trainingStoppedSeconds, run.steps] = [seconds, Number(stopped[1])];
      const progress = line.match(/^step (\d+)\/\d+ /);
      if (progress) run.progress.push([seconds, Number(progress[1])]);
      if (/samples\.png: \d+ digits? of/.test(line)) evaluatorLines = true;
      else if (evaluatorLines && !line.startsWith("done: ")) run.printed.push(line);
    },
  });
  await writeFile(join(tmp, "cli.log"), `${lines.join("\n")}\n`);
  run.medianStepSeconds = median(run.progress.slice(1).map(([t, step], i) => (t - run.progress[i][0]) / (step - run.progress[i][1])));
  if (!Number.isFinite(run.trainingStoppedSeconds)) throw new Error(`the CLI logged no end of training (${join(tmp, "cli.log")})`);
  return run;
}

// ---------------------------------------------------------------- 2. the demo page

interface DemoRun {
  query: string;
  /** From the Start click to the Stop click, and until the page was idle again. */
  windowSeconds: number;
  idleSeconds: number;
  steps: number;
  /** The page's status line after Stop ("stopped at step N after S s of training"). */
  status: string;
  /** The median time of a training step after the warm-up, and the steps per second it gives. */
  medianStepSeconds: number;
  /** Seconds from the Start click to step 2 (data, model, compilation, step 1, the autotune). */
  warmUpSeconds: number;
  /** Live sample grids drawn, their time, and the training steps that time would have bought at the median step. */
  grids: number;
  gridSeconds: number;
  stepsForGrids: number;
  zip: string | null;
}

/** What the page records of itself while it trains (installed before Start: observers of #step and #status). */
interface PageRecord {
  start: number;
  stop: number;
  steps: [number, number][];
  draws: number[];
}

async function runDemo(url: string, query: string, trainSeconds: number, download: boolean): Promise<DemoRun> {
  const browser: Browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-component-update", ...WEBGPU_CHROMIUM_FLAGS],
    protocolTimeout: 600_000,
  });
  const label = query ? `demo ?${query}` : "demo";
  try {
    const page: Page = await browser.newPage();
    page.on("pageerror", (error) => console.log(`${label}: page error: ${(error as Error).message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") console.log(`${label}: console: ${m.text()}`);
    });
    await page.goto(query ? `${url}?${query}` : url);
    await page.waitForFunction(() => ["idle", "failed"].includes(document.body.dataset.phase ?? ""), { timeout: 300_000, polling: 250 });
    const ready = await page.$eval("#status", (e) => e.textContent ?? "");
    if ((await page.evaluate(() => document.body.dataset.phase)) !== "idle") throw new Error(`${label}: the page failed: ${ready}`);
    // Measurement only: the page's own clock at Start and Stop, each change of the step counter, each grid drawn.
    await page.evaluate(() => {
      const record: PageRecord = { start: Number.NaN, stop: Number.NaN, steps: [], draws: [] };
      (globalThis as unknown as { demoRun: PageRecord }).demoRun = record;
      const [step, status] = [document.getElementById("step")!, document.getElementById("status")!];
      document.getElementById("start")!.addEventListener("click", () => (record.start = performance.now()), { once: true });
      document.getElementById("stop")!.addEventListener("click", () => (record.stop = performance.now()), { once: true });
      const watch = { childList: true, characterData: true, subtree: true };
      new MutationObserver(() => record.steps.push([performance.now(), Number(step.textContent)])).observe(step, watch);
      new MutationObserver(() => {
        if (/drawing samples/.test(status.textContent ?? "")) record.draws.push(performance.now());
      }).observe(status, watch);
    });
    const startedAt = performance.now();
    await page.click("#start");
    console.log(`${label}: Start; Stop in ${trainSeconds.toFixed(0)} s`);
    let reported = 0;
    while (performance.now() < startedAt + trainSeconds * 1000) {
      await new Promise((r) => setTimeout(r, Math.min(1000, startedAt + trainSeconds * 1000 - performance.now())));
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        const [phase, step, status] = await page.evaluate(() => [
          document.body.dataset.phase,
          document.getElementById("step")!.textContent,
          document.getElementById("status")!.textContent,
        ]);
        if (phase === "idle" || phase === "failed") throw new Error(`${label}: training ended before Stop: ${status}`);
        console.log(`${label} ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s: step ${step}; ${status}`);
      }
    }
    await page.click("#stop");
    const windowSeconds = (performance.now() - startedAt) / 1000;
    await page.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 300_000, polling: 100 });
    const idleSeconds = (performance.now() - startedAt) / 1000;
    const steps = Number(await page.$eval("#step", (e) => e.textContent));
    const status = await page.$eval("#status", (e) => e.textContent ?? "");
    console.log(`${label}: ${status}`);
    const record = await page.evaluate(() => (globalThis as unknown as { demoRun: PageRecord }).demoRun);
    const timing = stepTiming(record);
    let zip: string | null = null;
    if (download) {
      // The page's own export: Download writes a zip, which the browser saves into a folder of ours.
      const downloads = join(tmp, "downloads");
      await mkdir(downloads, { recursive: true });
      const cdp = await page.createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
      await page.click("#download");
      const deadline = performance.now() + 120_000;
      while (!zip && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        const done = (await readdir(downloads)).find((f) => f.endsWith(".zip"));
        if (done) zip = join(downloads, done);
      }
      if (!zip) throw new Error(`${label}: no zip downloaded in 120 s (${await page.$eval("#status", (e) => e.textContent)})`);
      await page.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 120_000, polling: 100 });
      console.log(`${label}: ${await page.$eval("#status", (e) => e.textContent)}`);
    }
    return { query, windowSeconds, idleSeconds, steps, status, ...timing, zip };
  } finally {
    await browser.close();
  }
}

/**
 * The step times the page recorded: the median step after step 2 (between counts with no grid drawn between
 * them), the warm-up to step 2, and each grid's time: the gap between the counts around it less the steps trained
 * in that gap at the median step (a grid that Stop cut short counts until Stop).
 */
function stepTiming(record: PageRecord) {
  const { steps, draws } = record;
  const intervals: number[] = [];
  for (let i = 1; i < steps.length; i++) {
    const [t0, s0] = steps[i - 1];
    const [t1, s1] = steps[i];
    if (s0 >= 2 && s1 > s0 && !draws.some((d) => d > t0 && d < t1)) intervals.push((t1 - t0) / (s1 - s0));
  }
  const step = median(intervals);
  let gridMs = 0;
  for (const d of draws) {
    const before = steps.filter(([t]) => t < d).at(-1);
    const after = steps.find(([t]) => t > d);
    if (before) gridMs += after === undefined ? record.stop - d : after[0] - before[0] - (after[1] - before[1]) * step;
  }
  // Step 2's time: the first step counted after it, less a median step for each step since (logEvery > 1 skips some).
  const [firstAfter, firstStep] = steps.find(([, s]) => s >= 2) ?? [Number.NaN, 2];
  return {
    medianStepSeconds: step / 1000,
    warmUpSeconds: (firstAfter - (firstStep - 2) * step - record.start) / 1000,
    grids: draws.length,
    gridSeconds: gridMs / 1000,
    stepsForGrids: step > 0 ? gridMs / step : 0,
  };
}

/** The page's zip as a diffusers folder on disk. */
async function unzipTo(zip: string, folder: string): Promise<void> {
  for (const [path, { data }] of readStoredZip(new Uint8Array(await readFile(zip)))) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), data);
  }
}

// ---------------------------------------------------------------- 3. both models sampled and read the same way

interface Evaluated {
  folder: string;
  samples: string;
  accuracy: number;
  confident: number;
  classesRead: number;
  histogram: number[];
  frechet: number;
  entropyBits: number;
}

async function sampleAndEvaluate(
  engine: Engine,
  side: string,
  folder: string,
): Promise<{ figures: Evaluated; evaluation: DigitEvaluation }> {
  const log = (line: string) => console.log(`${side}: ${line}`);
  const { model, scheduler, classes } = await loadModelForSampling(engine, folder, { log });
  try {
    if (!classes?.numClasses) throw new Error(`${folder}: not a class-conditional model`);
    const { samplesPath } = await sampleJob({
      engine,
      model,
      scheduler,
      out: join(tmp, `${side}-samples`),
      count: SAMPLING.count,
      steps: SAMPLING.ddimSteps,
      seed: SAMPLING.seed,
      numClasses: classes.numClasses,
      guidance: SAMPLING.guidance,
      unconditionalLabel: classes.unconditionalLabel,
      trajectoryName: null,
      log,
    });
    const evaluation = await evaluateSamplesJob({ engine, samples: samplesPath, size: 16, labels: "cycle", log });
    const s = evaluation.samples;
    return {
      evaluation,
      figures: {
        folder,
        samples: samplesPath,
        accuracy: s.accuracy!,
        confident: s.confidentRate,
        classesRead: s.histogram.filter((n) => n > 0).length,
        histogram: s.histogram,
        frechet: s.frechet!,
        entropyBits: s.entropyBits,
      },
    };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------- the run

const cli = await runCli();
// The demo's Stop: M minutes after Start less the time the CLI's job ran after its training, so that both jobs would
// end M minutes after their start; never earlier than the CLI's own training ended (a budget the CLI overran).
const cliAfterTraining = cli.exitSeconds - cli.trainingStoppedSeconds;
const trainSeconds = Math.max(cli.trainingStoppedSeconds, minutes * 60 - cliAfterTraining);
console.log(
  `cli: training stopped at ${cli.trainingStoppedSeconds.toFixed(1)} s, step ${cli.steps}; the job ended at ` +
    `${cli.exitSeconds.toFixed(1)} s; the demo trains for ${trainSeconds.toFixed(1)} s`,
);

await buildDemo(DEMO_DIR);
const server = await serve(DEMO_DIR, { port: 0 });
const [demo, ...variantRuns] = await (async () => {
  try {
    const runs = [await runDemo(`${server.url}index.html`, "", trainSeconds, true)];
    for (const query of variants) runs.push(await runDemo(`${server.url}index.html`, query, trainSeconds, false));
    return runs;
  } finally {
    await server.close();
  }
})();
const demoFolder = join(tmp, "demo-model");
await unzipTo(demo.zip!, demoFolder);

const engine = await Engine.create({ validate: false, tuneStore: null });
const adapter = `${engine.adapter.vendor} ${engine.adapter.architecture}`.trim();
const cliSide = await sampleAndEvaluate(engine, "cli", join(tmp, "cli"));
const demoSide = await sampleAndEvaluate(engine, "demo", demoFolder);
engine.destroy();
const real = cliSide.evaluation.real!;
load.end = loadavg();
await mkdir(dirname(out), { recursive: true });
await copyFile(cliSide.figures.samples, `${out}-cli.png`);
await copyFile(demoSide.figures.samples, `${out}-demo.png`);

// ---------------------------------------------------------------- the report

const report = {
  command,
  date: began.toISOString(),
  minutes,
  adapter,
  loadAverage: { start: load.start, end: load.end },
  sampling: SAMPLING,
  cli: { ...cli, ...cliSide.figures },
  demo: { ...demo, url: "index.html (no parameters)", ...demoSide.figures },
  variants: variantRuns,
  real,
  workFolder: tmp,
};
await writeFile(`${out}.json`, `${JSON.stringify(report, null, 1)}\n`);

const fixed = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "?");
const pct = (x: number) => `${fixed(100 * x)}%`;
const fig = (e: Evaluated) => {
  const missing = e.histogram.flatMap((n, digit) => (n === 0 ? [digit] : []));
  return `${pct(e.accuracy)} | ${pct(e.confident)} | ${e.classesRead}${missing.length ? ` (never ${missing.join(" ")})` : ""} | ${fixed(e.frechet, 1)}`;
};
const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
const base = basename(out);
const signed = (n: number) => `${n >= 0 ? "+" : ""}${n}`;
const lines = [
  `\`${command}\``,
  "",
  `${began.toISOString().slice(0, 10)}, adapter: ${adapter} (the CLI in Node, the demo in headless Chromium), a shared 2-core ` +
    `machine; load average (1 / 5 / 15 min) ${la(load.start)} at the start, ${la(load.end)} at the end. Each model's EMA weights ` +
    `draw ${SAMPLING.count} samples (digit i mod 10, DDIM ${SAMPLING.ddimSteps}, guidance ${SAMPLING.guidance}, seed ${SAMPLING.seed}: ` +
    `as \`ddpm train\` draws its own), read by the digit evaluator beside ${real.draws} draws of ${real.count} real held-out digits.`,
  "",
  "| side | training window | steps | steps/s in the window | median step | accuracy | confident | classes read | Fréchet d² |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  `| CLI: \`ddpm train --minutes ${minutes}\` | ${fixed(cli.trainingStoppedSeconds)} s | ${cli.steps} | ` +
    `${fixed(cli.steps / cli.trainingStoppedSeconds, 2)} | ` +
    `${fixed(1000 * cli.medianStepSeconds)} ms | ${fig(cliSide.figures)} |`,
  `| demo: index.html, Start … Stop | ${fixed(demo.idleSeconds)} s | ${demo.steps} | ${fixed(demo.steps / demo.idleSeconds, 2)} | ` +
    `${fixed(1000 * demo.medianStepSeconds)} ms | ${fig(demoSide.figures)} |`,
  `| real held-out digits (mean ± s.d.) | | | | | ${pct(real.accuracy.mean)} ± ${pct(real.accuracy.sd)} | ` +
    `${pct(real.confidentRate.mean)} ± ${pct(real.confidentRate.sd)} | | ${fixed(real.frechet.mean, 1)} ± ${fixed(real.frechet.sd, 1)} |`,
  "",
  `The clock is the CLI's: \`--minutes\` is the budget of the whole job from its process start: the data load, the ` +
    `kernel autotune and training, then the final checkpoint, samples, trajectory and evaluator, priced at a training ` +
    `step's time between logged steps (the autotune left out); here they take ${fixed(cliAfterTraining)} s and the job ` +
    `${fixed(cli.exitSeconds)} s of its ${fixed(minutes * 60)}. The demo's clock starts at the Start click (its data ` +
    `load, model, compilation and autotune count; the page's load before it does not); Stop is pressed ` +
    `${fixed(demo.windowSeconds)} s later, the budget less the CLI's ${fixed(cliAfterTraining)} s after training ` +
    `(at least the CLI's training window), and the page stops after the step under way (${fixed(demo.idleSeconds)} s). ` +
    `Its step 2, the first after the autotune, comes ${fixed(demo.warmUpSeconds)} s after Start; the CLI logs step ` +
    `${cli.progress[0]?.[1] ?? "?"} ${fixed(cli.progress[0]?.[0] ?? Number.NaN)} s after its start.`,
  "",
  `The demo's defaults: ${demo.grids} live sample grids (16 samples, DDIM 20, every 50 steps) took ${fixed(demo.gridSeconds)} s, ` +
    `the time of ${fixed(demo.stepsForGrids)} steps at its median step; the loss is read back every step.` +
    (variantRuns.length
      ? ` The same window with URL parameters: ${variantRuns
          .map((v) => `${v.query}: ${v.steps} steps (${signed(v.steps - demo.steps)}, median step ${fixed(1000 * v.medianStepSeconds)} ms)`)
          .join("; ")}.`
      : ""),
  "",
  `Samples: [CLI](${base}-cli.png), [demo](${base}-demo.png). The CLI's job printed Fréchet d² ` +
    `${
      cli.printed
        .find((l) => l.includes("Fréchet"))
        ?.trim()
        .split(/\s+/)[2] ?? "?"
    } for its own samples.png; drawn again ` +
    `here from its checkpoint: ${fixed(cliSide.figures.frechet, 3)}.`,
];
await writeFile(`${out}.md`, `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
