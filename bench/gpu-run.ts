/**
 * The GPU run bundle's runner (`npm run bundle:gpu` builds the bundle; bench/README.md describes it). Started by
 * the bundle's entry script with the bundled Node, it finds a Vulkan driver (bench/vulkan-drivers.ts), prints the
 * adapter, then within a time budget (default 8 minutes):
 *
 *   a. check   every kernel family's correctness cases against the float64 references (bench/kernel-check.ts),
 *              with the adapter's own variant choices and with each variant set forced;
 *   b. bench   the benchmark harness in quick mode against TensorFlow.js and ONNX Runtime Web's WASM provider
 *              (app/bench.mjs, bench/node.ts);
 *   c. train   the training job (app/cli.mjs train --data mnist) at the GPU preset, mnist-32 (on a software
 *              adapter its own default, mnist-16, with what is left of the budget);
 *
 * and writes into the output folder, flat: summary.json, summary.md, run.log, bench.json, bench.md, samples.png
 * and loss.png. Exit status: 0; 1 when a correctness case failed; 2 when no driver or adapter was found; 3 when
 * the bench or the training job failed.
 *
 *   node app/gpu-run.mjs --out DIR [--work DIR] [--budget-minutes=8] [--train-minutes=3]
 *                        [--phases=check,bench,train] [--filter=TEXT] [--bench-args="--no-peer ..."]
 */
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../src/index.js";
import { type CaseOutcome, runKernelChecks } from "./kernel-check.js";
import type { BenchReport } from "./suite.js";
import { type DriverSearch, findVulkanDrivers } from "./vulkan-drivers.js";

type Phase = "check" | "bench" | "train";

interface Options {
  out: string;
  work: string;
  budgetMinutes: number;
  trainMinutes: number;
  phases: Phase[];
  filter: string;
  benchArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`gpu-run: unexpected argument '${arg}'`);
    const eq = arg.indexOf("=");
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else values.set(arg.slice(2), argv[++i] ?? "");
  }
  const known = ["out", "work", "budget-minutes", "train-minutes", "phases", "filter", "bench-args"];
  for (const key of values.keys())
    if (!known.includes(key)) throw new Error(`gpu-run: unknown option --${key} (known: ${known.join(", ")})`);
  const out = values.get("out");
  if (!out) throw new Error("gpu-run: --out DIR is required");
  const number = (key: string, fallback: number) => {
    const value = Number(values.get(key) ?? fallback);
    if (!(value >= 0)) throw new Error(`gpu-run: --${key} must be a number ≥ 0`);
    return value;
  };
  const phases = (values.get("phases") ?? "check,bench,train").split(",").filter(Boolean) as Phase[];
  for (const p of phases) if (!["check", "bench", "train"].includes(p)) throw new Error(`gpu-run: unknown phase '${p}'`);
  return {
    out: resolve(out),
    work: resolve(values.get("work") ?? join(resolve(out), ".work")),
    budgetMinutes: number("budget-minutes", 8),
    trainMinutes: number("train-minutes", 3),
    phases,
    filter: values.get("filter") ?? "",
    benchArgs: (values.get("bench-args") ?? "").split(" ").filter(Boolean),
  };
}

const started = performance.now();
const seconds = () => (performance.now() - started) / 1000;
let logFile: string | null = null;

function log(line: string): void {
  const stamped = `${seconds().toFixed(0).padStart(4)}s ${line}`;
  console.log(stamped);
  if (logFile) appendFileSync(logFile, `${stamped}\n`);
}

const realFs = {
  exists: existsSync,
  isDirectory: (path: string) => existsSync(path) && statSync(path).isDirectory(),
  list: (dir: string) => readdirSync(dir),
  read: (path: string) => readFileSync(path, "utf8"),
  write: (path: string, text: string) => writeFileSync(path, text),
};

interface PhaseResult {
  phase: Phase;
  status: "ok" | "failed" | "timed out" | "skipped";
  seconds: number;
  detail: string;
}

/** Run the bundled Node on `script`, its output logged line by line; killed after `timeoutMs`. */
function runChild(
  script: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let partial = "";
    const take = (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8");
      const lines = text.split(/\r?\n|\r/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        output += `${line}\n`;
        log(`  ${line}`);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (partial) take(Buffer.from("\n"));
      resolveRun({ code, timedOut, output });
    });
  });
}

function newestFile(dir: string, suffix: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

function markdown(
  summary: Record<string, unknown>,
  drivers: DriverSearch,
  outcomes: CaseOutcome[],
  phases: PhaseResult[],
  notes: string[],
): string {
  const adapter = summary.adapter as Record<string, unknown>;
  const lines = [
    "# GPU run bundle",
    "",
    `${summary.date}; adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (${adapter.isSoftware ? "software" : "GPU"}); ` +
      `Vulkan loader: ${summary.vulkanLoader}; ${drivers.message}`,
    "",
    ...notes.map((n) => `- ${n}`),
    "",
    "| phase | status | seconds | detail |",
    "| --- | --- | --- | --- |",
    ...phases.map((p) => `| ${p.phase} | ${p.status} | ${p.seconds.toFixed(1)} | ${p.detail.replace(/\|/g, "\\|")} |`),
    "",
    "## Kernel cases",
    "",
    "| pass | family | case | result | ms |",
    "| --- | --- | --- | --- | --- |",
    ...outcomes.map(
      (o) =>
        `| ${o.pass} | ${o.family} | ${o.name.replace(/\|/g, "\\|")} | ${o.ok ? "pass" : `**FAIL**: ${(o.error ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 300)}`} | ${o.ms.toFixed(0)} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(options.out, { recursive: true });
  mkdirSync(options.work, { recursive: true });
  logFile = join(options.out, "run.log");
  writeFileSync(logFile, "");
  const deadline = started + options.budgetMinutes * 60_000;
  const appDir = dirname(fileURLToPath(import.meta.url));
  const notes: string[] = [];
  const phases: PhaseResult[] = [];
  // Choices the training job's autotune makes stay in the work folder, not in the home folder of a lent machine.
  process.env.XDG_CACHE_HOME ??= join(options.work, "cache");

  const drivers = findVulkanDrivers(process.env, realFs, options.work);
  log(drivers.message);
  for (const d of drivers.drivers) log(`  ${d.manifest} → ${d.library}`);
  if (drivers.source === "none") return 2;
  Object.assign(process.env, drivers.setEnv);
  const vulkanLoader = process.env.DDPM_VULKAN_LOADER ?? "system";
  log(`Vulkan loader: ${vulkanLoader}`);

  let engine: Engine;
  try {
    engine = await Engine.create({ autotune: "off", tuneStore: null, verbose: true });
  } catch (error) {
    log(`no WebGPU adapter: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const adapter = engine.adapter;
  log(
    `adapter: ${JSON.stringify({ vendor: adapter.vendor, architecture: adapter.architecture, description: adapter.description, isSoftware: adapter.isSoftware })}`,
  );
  log(`features: ${adapter.features.join(", ")}`);
  log(`limits: ${JSON.stringify(adapter.limits)}`);
  for (const [feature, without] of [
    ["subgroups", "the quad kernels (matmul_quad.wgsl, conv2d_quad.wgsl) are not compiled, and their check pass is skipped"],
    ["timestamp-query", "the bench times every row by wall clock (recording + submit + wait), not GPU timestamps"],
  ] as const) {
    if (!adapter.features.includes(feature)) {
      notes.push(`No '${feature}' feature: ${without}.`);
      log(`no '${feature}': ${without}; continuing`);
    }
  }

  // a. Kernel correctness.
  let outcomes: CaseOutcome[] = [];
  if (options.phases.includes("check")) {
    const phaseStart = seconds();
    log("check: every kernel family's cases against the float64 references");
    const result = await runKernelChecks(engine, {
      filter: options.filter,
      onCase: (o) =>
        log(`  ${o.ok ? "pass" : "FAIL"} [${o.pass}] ${o.family}: ${o.name} (${o.ms.toFixed(0)} ms)${o.ok ? "" : `\n        ${o.error}`}`),
    });
    outcomes = result.outcomes;
    for (const s of result.skipped) {
      notes.push(`Check pass skipped: ${s}.`);
      log(`  skipped: ${s}`);
    }
    const failed = outcomes.filter((o) => !o.ok).length;
    const families = new Set(outcomes.map((o) => o.family)).size;
    phases.push({
      phase: "check",
      status: failed ? "failed" : "ok",
      seconds: seconds() - phaseStart,
      detail: `${outcomes.length - failed} of ${outcomes.length} cases passed (${families} families)`,
    });
    log(`check: ${phases.at(-1)!.detail}`);
  }
  const isSoftware = adapter.isSoftware;
  engine.destroy();

  // The training job gets its share first: the bench runs within what is left before it.
  const trainMinutes = options.phases.includes("train") ? options.trainMinutes : 0;
  const remainingMs = () => deadline - performance.now();
  const env = { ...process.env };

  // b. The benchmark harness, quick, against TensorFlow.js.
  let bench: BenchReport | null = null;
  if (options.phases.includes("bench")) {
    const phaseStart = seconds();
    const benchDir = join(options.work, "bench");
    const timeout = remainingMs() - trainMinutes * 60_000 - 20_000;
    if (timeout < 30_000) {
      phases.push({ phase: "bench", status: "skipped", seconds: 0, detail: "no time left in the budget" });
    } else {
      // A software adapter's quick U-Net rows (tfjs's step takes tens of seconds there) do not fit the budget.
      const benchArgs = options.benchArgs.length > 0 || !isSoftware ? options.benchArgs : ["--only=peak,kernels"];
      if (benchArgs !== options.benchArgs)
        notes.push("Software adapter: the bench ran its peak and kernel rows only (--only=peak,kernels).");
      log(`bench: quick, against TensorFlow.js ${benchArgs.join(" ")} (at most ${(timeout / 1000).toFixed(0)} s)`);
      const run = await runChild(join(appDir, "bench.mjs"), ["--quick", `--out=${benchDir}`, ...benchArgs], timeout, env);
      const json = newestFile(benchDir, ".json");
      if (json) {
        bench = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
        copyFileSync(json, join(options.out, "bench.json"));
        const md = json.replace(/\.json$/, ".md");
        if (existsSync(md)) copyFileSync(md, join(options.out, "bench.md"));
      }
      const e2e = (bench?.e2e ?? []).map(
        (r) =>
          `${r.config} ${r.step}: ${r.ours.ms.toFixed(1)} ms${r.peer ? ` vs tfjs ${r.peer.ms.toFixed(1)} ms (${r.speedup?.toFixed(1)}×)` : ""}`,
      );
      const onnx = (bench?.onnx ?? []).map(
        (r) =>
          `${r.config} forward: ${r.ours.ms.toFixed(1)} ms vs ORT ${r.provider} ` +
          (r.theirs ? `${r.theirs.ms.toFixed(1)} ms (${r.speedup?.toFixed(1)}×)` : `failed (${r.error})`),
      );
      phases.push({
        phase: "bench",
        status: run.timedOut ? "timed out" : run.code === 0 && bench ? "ok" : "failed",
        seconds: seconds() - phaseStart,
        detail: bench ? [`${bench.kernels.length} kernel rows`, ...e2e, ...onnx].join("; ") : `exit ${run.code}; no report`,
      });
      log(`bench: ${phases.at(-1)!.status}, ${phases.at(-1)!.detail}`);
    }
  }

  // c. The training job.
  let train: Record<string, unknown> | null = null;
  if (options.phases.includes("train")) {
    const phaseStart = seconds();
    const minutes = Math.min(options.trainMinutes, (remainingMs() - 15_000) / 60_000);
    if (minutes < 0.2) {
      phases.push({ phase: "train", status: "skipped", seconds: 0, detail: "no time left in the budget" });
    } else {
      const trainDir = join(options.work, "train");
      const preset = isSoftware ? [] : ["--preset", "mnist-32"];
      const args = ["train", "--data", "mnist", "--out", trainDir, "--minutes", minutes.toFixed(2), ...preset];
      log(`train: ${args.join(" ")}`);
      // On a software adapter the training and sampling autotunes take minutes of their own: the job keeps the
      // heuristic choices there (DDPM_AUTOTUNE=off). Its budget does not count the autotune, hence the margin.
      const trainEnv = isSoftware ? { ...env, DDPM_AUTOTUNE: "off" } : env;
      const run = await runChild(join(appDir, "cli.mjs"), args, minutes * 60_000 + 180_000, trainEnv);
      const done = /done: (\d+) steps(?:, final loss ([\d.]+), ([\d.]+) steps\/s)?/.exec(run.output);
      const presetLine = /preset[^\n]*/.exec(run.output)?.[0] ?? null;
      for (const file of ["samples.png", "loss.png"]) {
        if (existsSync(join(trainDir, file))) copyFileSync(join(trainDir, file), join(options.out, file));
      }
      train = {
        preset: isSoftware ? "mnist-16 (the software adapter's default)" : "mnist-32",
        minutes,
        steps: done ? Number(done[1]) : null,
        finalLoss: done?.[2] ? Number(done[2]) : null,
        stepsPerSecond: done?.[3] ? Number(done[3]) : null,
        presetLine,
        samples: existsSync(join(options.out, "samples.png")),
      };
      phases.push({
        phase: "train",
        status: run.timedOut ? "timed out" : run.code === 0 && done ? "ok" : "failed",
        seconds: seconds() - phaseStart,
        detail: done ? `${train.preset}: ${done[1]} steps, final loss ${done[2]}, ${done[3]} steps/s` : `exit ${run.code}`,
      });
      log(`train: ${phases.at(-1)!.status}, ${phases.at(-1)!.detail}`);
    }
  }

  const failedCases = outcomes.filter((o) => !o.ok);
  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    vulkanLoader,
    drivers,
    adapter,
    notes,
    phases,
    seconds: seconds(),
    kernelCases: { total: outcomes.length, failed: failedCases.length, outcomes },
    bench: bench ? { kernels: bench.kernels.length, e2e: bench.e2e, notes: bench.notes } : null,
    train,
  };
  writeFileSync(join(options.out, "summary.json"), `${JSON.stringify(summary, null, 1)}\n`);
  writeFileSync(join(options.out, "summary.md"), markdown(summary, drivers, outcomes, phases, notes));
  log(`done in ${seconds().toFixed(0)} s: ${phases.map((p) => `${p.phase} ${p.status}`).join(", ")}; results in ${options.out}`);
  if (failedCases.length) {
    log(`${failedCases.length} kernel case(s) failed:`);
    for (const o of failedCases) log(`  [${o.pass}] ${o.name}: ${o.error}`);
    return 1;
  }
  return phases.some((p) => p.status === "failed" || p.status === "timed out") ? 3 : 0;
}

process.exitCode = await main().catch((error) => {
  log(`gpu-run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 3;
});
