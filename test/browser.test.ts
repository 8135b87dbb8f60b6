/**
 * The engine in headless Chrome (system Chromium, WebGPU on whatever adapter it has: SwiftShader here, the GPU
 * where there is one). Builds into node_modules/.cache/ddpm-webgpu/browser-test/:
 *   - the browser bundle (scripts/build.mjs) and a page that uses only it: Engine.create() on navigator.gpu and
 *     on the page's own GPUDevice;
 *   - the in-page test suites (test/browser/page.ts): a kernel-correctness suite covering every kernel family
 *     against the float64 references, the canvas shader's pixels, the golden U-Net against PyTorch, and a short
 *     training run with a few DDIM sampling steps;
 *   - the demo page (scripts/demo.mjs), which the last tests drive: training advances, samples appear, a
 *     diffusers folder picked in the file input is sampled from, errors end in one sentence in the status line;
 *     and, in a second browser started with the flags that lose the WebGPU instance when a WebGPU canvas is
 *     shown, the page falls back to a 2D canvas and keeps training, with progress shown while kernels compile
 *     and are timed;
 *   - the README's browser snippets, extracted from README.md and run as they are written.
 * A localhost server (scripts/serve.mjs) serves it all; the browsers and the server are closed in afterAll.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import * as ort from "onnxruntime-web";
import { PNG } from "pngjs";
import puppeteer, { type Browser, type ElementHandle, type Page } from "puppeteer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBrowserBundle, buildBrowserEntry } from "../scripts/build.mjs";
import { buildDemo, CHROMIUM_PATH, WEBGPU_CHROMIUM_FLAGS } from "../scripts/demo.mjs";
import { serve } from "../scripts/serve.mjs";
import { decodeDataset } from "../src/demo/dataset-file.js";
import { loadMnist } from "../src/io/mnist.js";
import { loadModelForSampling } from "../src/jobs/sample.js";
import type { CaseResult } from "./browser/page.js";
import { readStoredZip } from "./browser/unzip.js";
import { testEngine } from "./helpers/engine.js";
import { goldenOutputViolation } from "./helpers/golden-unet.js";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "node_modules/.cache/ddpm-webgpu/browser-test");
/** Without --use-vulkan and --use-angle, compute works but showing a WebGPU canvas loses the WebGPU instance. */
const CANVAS_LOSING_FLAGS = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-webgpu-adapter=swiftshader"];
const BROWSER_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const CHROME_ARGS = [...BROWSER_ARGS, ...WEBGPU_CHROMIUM_FLAGS];

let browser: Browser | null = null;
const otherBrowsers: Browser[] = [];
let server: { url: string; close(): Promise<void> } | null = null;
let page: Page;
const pageErrors: string[] = [];

/** Fails with every failed case's name and error (and passes only when there are cases). */
function expectAllPassed(results: CaseResult[], what: string): void {
  const failures = results.filter((r) => !r.ok).map((r) => `  ✗ ${r.name}\n      ${r.error}`);
  expect(results.length, `${what}: no cases ran`).toBeGreaterThan(0);
  expect(failures, `${what}: ${failures.length} of ${results.length} cases failed:\n${failures.join("\n")}`).toEqual([]);
}

/** A page of the main browser; its uncaught errors and console errors go to `consoleErrors`, or else to pageErrors. */
async function openPage(path: string, consoleErrors: string[] = pageErrors): Promise<Page> {
  const p = await browser!.newPage();
  p.on("pageerror", (error) => pageErrors.push(`${path}: ${(error as Error).message}`));
  p.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${path}: console: ${m.text()}`);
  });
  await p.goto(`${server!.url}${path}`);
  return p;
}

/**
 * A `ddpm train` run folder around the three-level-1ch fixture: RUN/checkpoint/ with the EMA weights in unet/ and
 * the raw ones in training/unet/, a scheduler trained with v-prediction on the cosine schedule (not diffusers'
 * defaults), model_index.json and training_state.json.
 */
function writeRunFolder(run: string): void {
  const checkpoint = join(run, "checkpoint");
  for (const dir of ["unet", "training/unet"])
    cpSync(join(ROOT, "test/fixtures/unet/three-level-1ch/unet"), join(checkpoint, dir), { recursive: true });
  mkdirSync(join(checkpoint, "scheduler"), { recursive: true });
  const scheduler = {
    _class_name: "DDPMScheduler",
    num_train_timesteps: 1000,
    beta_schedule: "squaredcos_cap_v2",
    prediction_type: "v_prediction",
  };
  writeFileSync(join(checkpoint, "scheduler/scheduler_config.json"), JSON.stringify(scheduler));
  const index = { _class_name: "DDPMPipeline", scheduler: ["diffusers", "DDPMScheduler"], unet: ["diffusers", "UNet2DModel"] };
  writeFileSync(join(checkpoint, "model_index.json"), JSON.stringify(index));
  writeFileSync(join(checkpoint, "training_state.json"), JSON.stringify({ step: 10, data: {} }));
  writeFileSync(join(run, "loss.csv"), "step,loss\n10,0.5\n");
}

/** Six 24×20 RGB PNGs (coloured discs on gradients, not square: the page crops them) and a file that is no image. */
function writePictureFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 6; i++) {
    const png = new PNG({ width: 24, height: 20 });
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 24; x++) {
        const at = 4 * (y * 24 + x);
        const disc = (x - 12 - i) ** 2 + (y - 10) ** 2 < 30;
        png.data.set(disc ? [220, 40 * i, 60] : [10 * x, 12 * y, 40 * i], at);
        png.data[at + 3] = 255;
      }
    }
    writeFileSync(join(dir, `picture-${i}.png`), PNG.sync.write(png));
  }
  writeFileSync(join(dir, "notes.txt"), "not an image\n");
}

/** The status line, its kind ("info" or "error") and the page's phase. */
function pageStatus(p: Page): Promise<{ text: string; kind: string; phase: string }> {
  return p.evaluate(() => {
    const status = document.getElementById("status")!;
    return { text: status.textContent ?? "", kind: status.dataset.kind ?? "", phase: document.body.dataset.phase ?? "" };
  });
}

/** Waits until the demo page is idle (or failed) and returns its status. */
async function settled(p: Page, timeout = 120_000) {
  await p.waitForFunction(() => ["idle", "failed"].includes(document.body.dataset.phase ?? ""), { timeout, polling: 250 });
  return pageStatus(p);
}

/** The fenced code blocks (language and text) of README.md's section under `heading`. */
function readmeBlocks(heading: string): { lang: string; code: string }[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section '${heading}'`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`no Chromium at ${CHROMIUM_PATH} (scripts/install.sh installs Debian's chromium; CHROMIUM_PATH overrides)`);
  rmSync(join(OUT, "fixtures"), { recursive: true, force: true });
  rmSync(join(OUT, "readme"), { recursive: true, force: true });
  rmSync(join(OUT, "downloads"), { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await Promise.all([
    buildBrowserBundle(join(OUT, "ddpm-webgpu.js")),
    buildBrowserEntry(join(ROOT, "test/browser/page.ts"), join(OUT, "page.js"), { sourcemap: "inline" }),
    buildDemo(join(OUT, "demo"), { sizes: [16] }),
  ]);
  for (const file of ["index.html", "bundle.html"]) cpSync(join(ROOT, "test/browser", file), join(OUT, file));
  for (const name of ["attn-class", "three-level-1ch"])
    cpSync(join(ROOT, "test/fixtures/unet", name), join(OUT, "fixtures", name), { recursive: true });
  writeRunFolder(join(OUT, "fixtures/run"));
  writePictureFolder(join(OUT, "fixtures/pictures"));
  server = await serve(OUT, { port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROME_ARGS, protocolTimeout: 240_000 });
  page = await openPage("index.html");
  await page.waitForFunction(() => document.body.dataset.ready, { timeout: 60_000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  expect(ready, "the test page's Engine.create()").toBe("yes");
  const adapter = await page.evaluate(() => window.ddpmTests.adapter());
  console.log(`headless Chrome: ${adapter.vendor} ${adapter.architecture} (${adapter.backend}${adapter.isSoftware ? ", software" : ""})`);
}, 120_000);

/** Close a browser we started; close() can hang on a wedged GPU process, so it is then ended by its pid. */
async function closeBrowser(started: Browser): Promise<void> {
  const child = started.process();
  await Promise.race([started.close(), new Promise((r) => setTimeout(r, 10_000))]);
  if (child && child.exitCode === null && child.pid) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

afterAll(async () => {
  for (const other of otherBrowsers.splice(0)) await closeBrowser(other);
  const started = browser;
  browser = null;
  if (started) await closeBrowser(started);
  await server?.close();
  server = null;
});

describe("headless Chrome", () => {
  it("the browser bundle works in a plain page: Engine.create() on navigator.gpu, and on the page's own GPUDevice", async () => {
    const p = await openPage("bundle.html");
    await p.waitForFunction(() => (window as unknown as { bundleResult?: unknown }).bundleResult, { timeout: 60_000 });
    const result = await p.evaluate(() => (window as unknown as { bundleResult: Record<string, unknown> }).bundleResult);
    await p.close();
    expect(result.error).toBeUndefined();
    const expected = { backend: "browser", matmul: [4, 5, 10, 11] };
    expect(result.fromNavigator).toEqual(expected);
    expect(result.external).toEqual({ backend: "external", sameDevice: true, matmul: [4, 5, 10, 11], deviceAliveAfterDestroy: true });
    for (const name of [
      "Engine",
      "ops",
      "UNet2DModel",
      "DDPMScheduler",
      "DDIMScheduler",
      "trainLoop",
      "sampleLoop",
      "parseUNetCheckpoint",
      "parseSafetensors",
    ]) {
      expect(result.exports, `the bundle exports ${name}`).toContain(name);
    }
  });

  it("kernel suite in the page: every kernel family against the float64 references, with gradients", { timeout: 240_000 }, async () => {
    const started = performance.now();
    const results = await page.evaluate(() => window.ddpmTests.kernels());
    const seconds = (performance.now() - started) / 1000;
    const families = [...new Set(results.map((r) => r.family))].sort();
    console.log(
      `in-page kernel suite: ${results.filter((r) => r.ok).length}/${results.length} cases passed in ${seconds.toFixed(1)} s (${families.join(", ")})`,
    );
    expect(families).toEqual([
      "conv2d",
      "diffusion",
      "elementwise",
      "groupnorm",
      "matmul",
      "misc",
      "optim",
      "permute",
      "reduce",
      "resample",
      "rng",
      "softmax",
    ]);
    expectAllPassed(results, "in-page kernel suite");
    expect(await page.evaluate(() => window.ddpmTests.liveTensors()), "live tensors after the suite").toBe(0);
  });

  it("shaders/canvas.wgsl draws a tensor's values onto a WebGPU canvas, pixel for pixel", async () => {
    expectAllPassed(await page.evaluate(() => window.ddpmTests.canvas()), "canvas shader");
  });

  it("the golden U-Net (attention, class labels) matches PyTorch in the page: output, loss, every gradient", async () => {
    const result = await page.evaluate(() => window.ddpmTests.golden("attn-class"));
    expect(result.ok ? "" : result.error).toBe("");
  });

  it("a short training run of the demo's U-Net and a few DDIM sampling steps complete in the page", { timeout: 180_000 }, async () => {
    const result = await page.evaluate(() => window.ddpmTests.training("demo/mnist-16.bin.gz", 5, 3));
    if (!result.ok) throw new Error(`training run failed: ${result.error}`);
    const r = result.value;
    console.log(
      `in-page training: losses ${r.losses.map((l) => l.toFixed(3)).join(", ")} (${r.trainSeconds.toFixed(1)} s); fixed batch ` +
        `${r.fixedBatchBefore.toFixed(4)} → ${r.fixedBatchAfter.toFixed(4)}; ${r.samplingSteps} DDIM steps, samples in [${r.sampleMin.toFixed(2)}, ${r.sampleMax.toFixed(2)}]`,
    );
    expect(r.losses).toHaveLength(5);
    for (const loss of r.losses) expect(Number.isFinite(loss) && loss > 0, `loss ${loss}`).toBe(true);
    // The same batch, timesteps and noise before and after five AdamW steps at lr 2e-3: the loss must go down.
    expect(r.fixedBatchAfter).toBeLessThan(r.fixedBatchBefore);
    expect(r.samplingSteps).toBe(3);
    expect(r.samplesFinite).toBe(true);
    expect(r.liveTensorsAfter).toBe(0);
  });

  it("the demo page trains in the page: the step counter advances and the sample canvas fills with pixels", {
    timeout: 180_000,
  }, async () => {
    const demo = await openPage("demo/index.html?batch=4&sampleEvery=2&steps=2&samples=4&autotune=off");
    try {
      const ready = await settled(demo, 60_000);
      expect(ready).toEqual({ text: "ready: start training, or pick a diffusers folder to sample from", kind: "info", phase: "idle" });
      expect(await demo.$eval("#adapter", (e) => e.textContent)).toMatch(/\S/);
      // With the full flag set the WebGPU canvas works: no fallback, no notice.
      expect(await demo.evaluate(() => [document.body.dataset.canvas, document.getElementById("notice")!.hidden])).toEqual([
        "webgpu",
        true,
      ]);
      await demo.click("#start");
      // Two training steps, then a 2-step DDIM grid from the EMA weights: x_T plus one frame per step.
      await demo.waitForFunction(
        () => Number(document.getElementById("step")!.textContent) >= 2 && Number(document.getElementById("samples")!.dataset.frames) >= 3,
        { timeout: 150_000, polling: 500 },
      );
      await demo.click("#stop");
      const stopped = await settled(demo, 60_000);
      expect(stopped.kind).toBe("info");
      expect(stopped.text).toMatch(/^stopped at step \d+ after \d+ s of training$/);
      const loss = Number(await demo.$eval("#loss", (e) => e.textContent));
      expect(Number.isFinite(loss) && loss > 0, `the page shows loss ${loss}`).toBe(true);
      // The caption says how far the model trained.
      expect(await demo.$eval("#samples-caption", (e) => e.textContent)).toMatch(
        /^mnist-16 \(EMA weights\) after \d+ training steps: DDIM step 2\/2/,
      );
      // What the page shows: a screenshot of the sample canvas holds many gray levels, not one flat colour.
      const shot = PNG.sync.read(Buffer.from(await (await demo.$("#samples"))!.screenshot()));
      const levels = new Set<number>();
      for (let i = 0; i < shot.data.length; i += 4) levels.add(shot.data[i]);
      expect(shot.width).toBeGreaterThanOrEqual(64);
      expect(levels.size, "distinct gray levels in the sample canvas").toBeGreaterThan(20);
    } finally {
      await demo.close();
    }
  });

  it("the demo page finds the checkpoint in a run folder, a checkpoint folder and a bare U-Net folder, and names the schedule", {
    timeout: 240_000,
  }, async () => {
    const demo = await openPage("demo/index.html?steps=2&samples=4&autotune=off");
    try {
      await settled(demo, 60_000);
      const input = (await demo.$("#folder")) as ElementHandle<HTMLInputElement>;
      const pick = async (folder: string) => {
        await input.uploadFile(join(OUT, "fixtures", folder));
        await demo.waitForFunction(() => document.body.dataset.phase !== "idle", { timeout: 10_000, polling: 50 }).catch(() => {});
        const status = await settled(demo);
        const frames = Number(await demo.$eval("#samples", (e) => (e as HTMLElement).dataset.frames));
        return { ...status, frames };
      };
      const trained =
        "the schedule of run/checkpoint/scheduler/scheduler_config.json (DDPMScheduler: v_prediction, squaredcos_cap_v2 β, T = 1000)";
      // The run folder: checkpoint/unet/ two levels down (not training/unet/, three down), the scheduler beside it.
      const run = await pick("run");
      expect(run).toMatchObject({ kind: "info", phase: "idle", text: `samples from run/checkpoint/unet/ with ${trained}` });
      const checkpoint = await pick("run/checkpoint");
      expect(checkpoint.text).toBe(
        "samples from checkpoint/unet/ with the schedule of checkpoint/scheduler/scheduler_config.json " +
          "(DDPMScheduler: v_prediction, squaredcos_cap_v2 β, T = 1000)",
      );
      // The U-Net folder alone: the file input gives nothing above it, so the defaults are used, and said.
      const defaults =
        "no scheduler config in or above the U-Net's folder, so diffusers' defaults (DDPMScheduler: epsilon, linear β, T = 1000)";
      const unet = await pick("run/checkpoint/unet");
      expect(unet).toMatchObject({ kind: "info", text: `samples from unet/ with ${defaults}` });
      // diffusers' save_pretrained pipeline without a scheduler/ folder.
      const pipeline = await pick("three-level-1ch");
      expect(pipeline.text).toBe(`samples from three-level-1ch/unet/ with ${defaults}`);
      // Each pick drew x_T and two DDIM steps.
      expect([run.frames, checkpoint.frames, unet.frames, pipeline.frames]).toEqual([3, 6, 9, 12]);
    } finally {
      await demo.close();
    }
  });

  it("every error ends its action with one sentence in the status line, above the fold, and no stack", {
    timeout: 240_000,
  }, async () => {
    const noStack = (text: string) => expect(text, "a stack trace in the status").not.toMatch(/\bat \S+ \(|demo\.js|\n/);
    // Each error goes to the console (with its stack) as well.
    const consoleErrors: string[] = [];
    // A bad URL parameter: the page says so at once instead of hanging on "loading MNIST…".
    const bad = await openPage("demo/index.html?batch=abc", consoleErrors);
    try {
      const status = await settled(bad, 60_000);
      expect(status).toEqual({
        text: "Starting the page failed: the URL parameter batch=abc must be an integer ≥ 0.",
        kind: "error",
        phase: "failed",
      });
    } finally {
      await bad.close();
    }
    const demo = await openPage("demo/index.html?steps=2&samples=4&autotune=off", consoleErrors);
    try {
      await demo.setViewport({ width: 1280, height: 900 });
      await settled(demo, 60_000);
      // Sampling before any training: the caption and the status say the model is untrained.
      await demo.click("#sample");
      const untrained = await settled(demo);
      expect(untrained.text).toBe("samples from mnist-16 (EMA weights), untrained: noise until training has run for a few hundred steps");
      expect(await demo.$eval("#samples-caption", (e) => e.textContent)).toMatch(/^mnist-16 \(EMA weights\), untrained: .*DDIM step 2\/2/);
      // Invalid DDIM steps.
      await demo.$eval("#steps", (e) => ((e as HTMLInputElement).value = "-3"));
      await demo.click("#sample");
      const steps = await settled(demo);
      expect(steps).toEqual({
        text: "Sampling failed: DDIM steps must be a whole number ≥ 0 (0 = DDPM over all T steps), not '-3'.",
        kind: "error",
        phase: "idle",
      });
      noStack(steps.text);
      const box = await demo.$eval("#status", (e) => e.getBoundingClientRect().toJSON());
      expect(box.top, "the status line's top edge").toBeGreaterThanOrEqual(0);
      expect(box.bottom, "the status line's bottom edge, in a 1280×900 window").toBeLessThan(900);
      // A folder with no U-Net in it.
      await demo.$eval("#steps", (e) => ((e as HTMLInputElement).value = "2"));
      const input = (await demo.$("#folder")) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(join(OUT, "fixtures/run/checkpoint/scheduler"));
      await demo.waitForFunction(() => document.getElementById("status")!.dataset.kind === "error", { timeout: 30_000, polling: 100 });
      const folder = await settled(demo);
      expect(folder).toEqual({
        text:
          "Reading the folder failed: scheduler holds no U-Net (config.json with diffusion_pytorch_model.safetensors) " +
          "in it or up to two levels down (it holds scheduler_config.json).",
        kind: "error",
        phase: "idle",
      });
      expect(consoleErrors.map((e) => e.replace(/^.*console: /, "").split("\n")[0])).toEqual([
        "Error: the URL parameter batch=abc must be an integer ≥ 0",
        "Error: DDIM steps must be a whole number ≥ 0 (0 = DDPM over all T steps), not '-3'",
        "Error: scheduler holds no U-Net (config.json with diffusion_pytorch_model.safetensors) in it or up to two levels down (it holds scheduler_config.json)",
      ]);
    } finally {
      await demo.close();
    }
  });

  it("the loss chart is redrawn at the page's width on a narrow screen (390 px)", { timeout: 60_000 }, async () => {
    const demo = await openPage("demo/index.html?autotune=off");
    try {
      await demo.setViewport({ width: 1280, height: 900 });
      await settled(demo, 60_000);
      const backing = () =>
        demo.$eval("#loss-chart", (e) => {
          const canvas = e as HTMLCanvasElement;
          return { width: canvas.width, expected: Math.round(canvas.clientWidth * devicePixelRatio), clientWidth: canvas.clientWidth };
        });
      const wide = await backing();
      expect(wide.width).toBe(wide.expected);
      expect(wide.clientWidth).toBeGreaterThan(600);
      await demo.setViewport({ width: 390, height: 844 });
      await demo.waitForFunction(() => (document.getElementById("loss-chart") as HTMLCanvasElement).clientWidth < 390);
      await new Promise((r) => setTimeout(r, 300));
      const narrow = await backing();
      expect(narrow.clientWidth).toBeLessThan(390);
      expect(narrow.width, "the chart's backing store follows its CSS width").toBe(narrow.expected);
      // Nothing is wider than the screen.
      expect(await demo.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await demo.close();
    }
  });

  it("a browser without WebGPU is told the flags this suite runs Chromium with", { timeout: 60_000 }, async () => {
    const demo = await browser!.newPage();
    try {
      await demo.evaluateOnNewDocument(() => {
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
      await demo.goto(`${server!.url}demo/index.html`);
      const status = await settled(demo, 30_000);
      expect(status.kind).toBe("error");
      expect(status.phase).toBe("failed");
      expect(status.text).toMatch(/^Starting the page failed: This browser has no WebGPU/);
      expect(status.text.match(/--[\w-]+(=[\w,]+)?/g)).toEqual(WEBGPU_CHROMIUM_FLAGS);
    } finally {
      await demo.close();
    }
  });

  it("with flags that lose the WebGPU instance when a canvas is shown, the demo draws on a 2D canvas, says so once, shows its progress and keeps training", {
    timeout: 400_000,
  }, async () => {
    const losing = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...BROWSER_ARGS, ...CANVAS_LOSING_FLAGS],
      protocolTimeout: 240_000,
    });
    otherBrowsers.push(losing);
    const errors: string[] = [];
    const warnings: string[] = [];
    const demo = await losing.newPage();
    demo.on("pageerror", (error) => errors.push((error as Error).message));
    demo.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
      if (m.type() === "warn") warnings.push(m.text());
    });
    // Every status the page shows, with its progress bar's state (max 0: no measure yet), in order.
    await demo.evaluateOnNewDocument(() => {
      const seen: { text: string; progress: null | [number, number] }[] = [];
      (window as unknown as { statuses: typeof seen }).statuses = seen;
      const record = () => {
        const status = document.getElementById("status");
        const bar = document.getElementById("progress") as HTMLProgressElement | null;
        if (!status || !bar) return;
        const entry = {
          text: status.textContent ?? "",
          progress: bar.hidden ? null : ([bar.hasAttribute("value") ? bar.value : -1, bar.max] as [number, number]),
        };
        const last = seen.at(-1);
        if (!last || last.text !== entry.text || JSON.stringify(last.progress) !== JSON.stringify(entry.progress)) seen.push(entry);
      };
      new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    try {
      await demo.goto(`${server!.url}demo/index.html?batch=4&sampleEvery=2&steps=2&samples=4`);
      const ready = await settled(demo, 60_000);
      expect(ready.phase).toBe("idle");
      expect(await demo.evaluate(() => document.body.dataset.canvas)).toBe("2d");
      const notice = await demo.$eval("#notice", (e) => ((e as HTMLElement).hidden ? "" : e.textContent));
      expect(notice).toMatch(
        /^The samples are drawn on a 2D canvas from a readback, because this browser cannot show a WebGPU canvas here: /,
      );
      await demo.click("#start");
      // Two grids: training went on after the first one (x_T plus two steps each).
      await demo.waitForFunction(
        () => Number(document.getElementById("step")!.textContent) >= 4 && Number(document.getElementById("samples")!.dataset.frames) >= 6,
        { timeout: 330_000, polling: 500 },
      );
      await demo.click("#stop");
      const stopped = await settled(demo, 60_000);
      expect(stopped.kind).toBe("info");
      const statuses = await demo.evaluate(
        () => (window as unknown as { statuses: { text: string; progress: null | [number, number] }[] }).statuses,
      );
      // Compiling: a busy bar with no measure.
      const compiling = statuses.find((s) => s.text.startsWith("compiling the training step's kernels… "));
      expect(compiling?.progress?.[0], "the bar while compiling (−1: no value)").toBe(-1);
      // Timing the kernel variants: the bar counts the shapes.
      const tuning = statuses
        .map((s) => ({ match: s.text.match(/^timing kernel variants: (\d+) of (\d+) shapes/), progress: s.progress }))
        .filter((s) => s.match);
      expect(tuning.length, "statuses while the kernel variants were timed").toBeGreaterThan(1);
      const last = tuning.at(-1)!;
      const [done, total] = [Number(last.match![1]), Number(last.match![2])];
      expect(total).toBeGreaterThan(5);
      expect(done).toBe(total);
      expect(last.progress).toEqual([done, total]);
      expect(statuses.some((s) => /^training: step \d+/.test(s.text))).toBe(true);
      // The fallback is said once, in the page and in the console; nothing failed.
      expect(warnings.filter((w) => w.includes("2D canvas"))).toHaveLength(1);
      expect(errors).toEqual([]);
      const shot = PNG.sync.read(Buffer.from(await (await demo.$("#samples"))!.screenshot()));
      const levels = new Set<number>();
      for (let i = 0; i < shot.data.length; i += 4) levels.add(shot.data[i]);
      expect(levels.size, "distinct gray levels in the 2D sample canvas").toBeGreaterThan(20);
    } finally {
      await demo.close();
    }
  });

  it("the demo trains on a picked folder of images and downloads the checkpoint as a diffusers zip that loads in Node", {
    timeout: 240_000,
  }, async () => {
    const demo = await openPage("demo/index.html?batch=4&sampleEvery=2&steps=2&samples=4&autotune=off");
    const downloads = join(OUT, "downloads");
    mkdirSync(downloads, { recursive: true });
    try {
      await settled(demo, 60_000);
      await demo.select("#image-size", "16");
      await demo.select("#image-channels", "3");
      const input = (await demo.$("#images")) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(join(OUT, "fixtures/pictures"));
      await demo.waitForFunction(() => /press Start training$/.test(document.getElementById("status")!.textContent ?? ""), {
        timeout: 60_000,
        polling: 200,
      });
      const loaded = await pageStatus(demo);
      const parameters = Number(loaded.text.match(/([\d,]+) parameters/)![1].replaceAll(",", ""));
      expect(loaded.text).toBe(`pictures: 6 images, 3×16×16, ${parameters.toLocaleString("en")} parameters: press Start training`);
      await demo.click("#start");
      await demo.waitForFunction(
        () => Number(document.getElementById("step")!.textContent) >= 2 && Number(document.getElementById("samples")!.dataset.frames) >= 3,
        { timeout: 150_000, polling: 500 },
      );
      await demo.click("#stop");
      await settled(demo, 60_000);
      const steps = Number(await demo.$eval("#step", (e) => e.textContent));
      expect(await demo.$eval("#samples-caption", (e) => e.textContent)).toMatch(
        /^pictures \(EMA weights\) after \d+ training steps?: DDIM/,
      );
      // The download: a zip written by the page, saved by the browser.
      const cdp = await demo.createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
      await demo.click("#download");
      const file = join(downloads, `pictures-step${steps}.zip`);
      const deadline = performance.now() + 60_000;
      while (!existsSync(file) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await settled(demo)).text).toMatch(new RegExp(`^downloaded pictures-step${steps}\\.zip \\([\\d.]+ MB\\)`));
      const files = readStoredZip(new Uint8Array(readFileSync(file)));
      expect([...files.keys()].sort()).toEqual([
        "model_index.json",
        "scheduler/scheduler_config.json",
        "unet.onnx",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
      ]);
      const folder = join(downloads, "pictures");
      for (const [path, { data }] of files) {
        mkdirSync(join(folder, path, ".."), { recursive: true });
        writeFileSync(join(folder, path), data);
      }
      // As `ddpm sample pictures/` loads it: the EMA U-Net with the page's architecture, and the training schedule.
      const engine = await testEngine();
      const { model, scheduler } = await loadModelForSampling(engine, folder, { log: () => {} });
      expect([model.config.in_channels, model.config.out_channels, model.config.sample_size]).toEqual([3, 3, 16]);
      expect(model.parameterCount()).toBe(parameters);
      expect([scheduler.config.prediction_type, scheduler.config.beta_schedule]).toEqual(["v_prediction", "squaredcos_cap_v2"]);
      const x = engine.randn([2, 3, 16, 16], { seed: 3 });
      const out = engine.noGrad(() => model.forward({ sample: x, timesteps: [10, 500] }));
      const values = await out.data();
      expect(values.length).toBe(2 * 3 * 16 * 16);
      expect(values.every(Number.isFinite)).toBe(true);
      // The page's ONNX file is the same network: ONNX Runtime's WASM provider gives our output (the golden bound).
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(files.get("unet.onnx")!.data, { executionProviders: ["wasm"] });
      const onnx = await session.run({
        sample: new ort.Tensor("float32", await x.data(), [2, 3, 16, 16]),
        timestep: new ort.Tensor("float32", Float32Array.from([10, 500]), [2]),
      });
      const theirs = onnx.out_sample.data as Float32Array;
      expect(goldenOutputViolation(theirs, values)).toBeLessThan(1);
      await session.release();
      for (const t of [x, out]) t.dispose();
      model.dispose();
    } finally {
      await demo.close();
    }
  });

  it("README.md's browser snippets run as written, in a page with only the browser bundle", { timeout: 120_000 }, async () => {
    const embedding = readmeBlocks("## Embedding the engine").filter((b) => b.lang === "ts" && !b.code.includes('"ddpm-webgpu/node"'));
    const browserBlocks = readmeBlocks("## In the browser").filter((b) => b.lang === "html");
    expect([embedding.length, browserBlocks.length]).toEqual([1, 1]);
    mkdirSync(join(OUT, "readme"), { recursive: true });
    // The TypeScript example is plain JavaScript: a module script with the import map the README describes.
    const importMap = '<script type="importmap">{ "imports": { "ddpm-webgpu": "../ddpm-webgpu.js" } }</script>';
    writeFileSync(
      join(OUT, "readme/embedding.html"),
      `<!doctype html>\n<link rel="icon" href="data:," />\n${importMap}\n<script type="module">\n${embedding[0].code}</script>\n`,
    );
    // The browser example is a page fragment with its own import map (the bundle beside the page).
    writeFileSync(join(OUT, "browser.html"), `<!doctype html>\n<link rel="icon" href="data:," />\n${browserBlocks[0].code}`);
    const run = async (path: string, lines: number) => {
      const logged: string[] = [];
      const errors: string[] = [];
      const p = await browser!.newPage();
      p.on("pageerror", (error) => errors.push((error as Error).message));
      p.on("console", (m) => (m.type() === "error" ? errors : logged).push(m.text()));
      try {
        await p.goto(`${server!.url}${path}`);
        const deadline = performance.now() + 90_000;
        while (logged.length < lines && !errors.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        return { logged, errors };
      } finally {
        await p.close();
      }
    };
    const embedded = await run("readme/embedding.html", 7);
    expect(embedded.errors).toEqual([]);
    // console.log(engine.adapter), five (step, loss) lines, console.log(engine.memory()).
    const losses = embedded.logged.slice(1, 6).map((line) => line.split(" ").map(Number));
    expect(losses.map(([step]) => step)).toEqual([0, 20, 40, 60, 80]);
    for (const [, loss] of losses) expect(Number.isFinite(loss) && loss > 0, `loss ${loss}`).toBe(true);
    expect(losses[4][1], "the loss after 80 AdamW steps, against the first").toBeLessThan(losses[0][1]);
    const own = await run("browser.html", 1);
    expect(own).toEqual({ logged: ["external"], errors: [] });
  });

  it("the demo ships minified with source maps and compressed data, and the server gzips what is not compressed", async () => {
    const demoJs = statSync(join(OUT, "demo/demo.js")).size;
    const map = JSON.parse(readFileSync(join(OUT, "demo/demo.js.map"), "utf8")) as { sources: string[] };
    expect(demoJs, "demo.js bytes").toBeLessThan(760_000);
    expect(readFileSync(join(OUT, "demo/demo.js"), "utf8")).toMatch(/\/\/# sourceMappingURL=demo\.js\.map\s*$/);
    expect(map.sources.some((source) => source.endsWith("src/demo/main.ts"))).toBe(true);
    expect(existsSync(join(OUT, "demo/mnist-16.bin")), "the uncompressed data file").toBe(false);
    expect(statSync(join(OUT, "demo/mnist-16.bin.gz")).size, "mnist-16.bin.gz bytes").toBeLessThan(1_100_000);
    const gzipped = await fetch(`${server!.url}demo/demo.js`, { headers: { "accept-encoding": "gzip" } });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect((await gzipped.arrayBuffer()).byteLength, "fetch inflates it to the file").toBe(demoJs);
    const data = await fetch(`${server!.url}demo/mnist-16.bin.gz`, { headers: { "accept-encoding": "gzip" } });
    expect([data.headers.get("content-encoding"), data.headers.get("content-type")]).toEqual([null, "application/gzip"]);
    await data.arrayBuffer();
  });

  it("no page reported an uncaught error", () => {
    expect(pageErrors).toEqual([]);
  });
});

describe("the demo's MNIST file", () => {
  it("decodes to exactly the digits the CLI trains on (loadMnist 16×16 train split), bit for bit", async () => {
    const shipped = decodeDataset(new Uint8Array(gunzipSync(readFileSync(join(OUT, "demo/mnist-16.bin.gz")))));
    const expected = await loadMnist({ size: 16, split: "train" });
    expect([shipped.count, shipped.channels, shipped.height, shipped.width, shipped.numClasses]).toEqual([expected.count, 1, 16, 16, 10]);
    expect(Buffer.from(shipped.images.buffer).equals(Buffer.from(expected.images.buffer))).toBe(true);
    expect(Array.from(shipped.labels!)).toEqual(Array.from(expected.labels!));
  });
});
