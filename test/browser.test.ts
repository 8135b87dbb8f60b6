/**
 * The engine in headless Chrome (system Chromium, WebGPU on whatever adapter it has: SwiftShader here, the GPU
 * where there is one). Builds into node_modules/.cache/ddpm-webgpu/browser-test/:
 *   - the browser bundle (scripts/build.mjs) and a page that uses only it: Engine.create() on navigator.gpu and
 *     on the page's own GPUDevice;
 *   - the in-page test suites (test/browser/page.ts): a kernel-correctness suite covering every kernel family
 *     against the float64 references, the canvas shader's pixels, the golden U-Net against PyTorch, and a short
 *     training run with a few DDIM sampling steps;
 *   - the demo page (scripts/demo.mjs), which the last tests drive: training advances, samples appear, and a
 *     diffusers folder picked in the file input is sampled from.
 * A localhost server (scripts/serve.mjs) serves it all; the browser and the server are closed in afterAll.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { PNG } from "pngjs";
import puppeteer, { type Browser, type ElementHandle, type Page } from "puppeteer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBrowserBundle, buildBrowserEntry } from "../scripts/build.mjs";
import { buildDemo } from "../scripts/demo.mjs";
import { serve } from "../scripts/serve.mjs";
import { decodeDataset } from "../src/demo/dataset-file.js";
import { loadMnist } from "../src/io/mnist.js";
import type { CaseResult } from "./browser/page.js";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "node_modules/.cache/ddpm-webgpu/browser-test");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** WebGPU in headless Chromium on SwiftShader; --use-angle=swiftshader gives WebGPU canvases a compositor path. */
const CHROME_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--use-angle=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

let browser: Browser | null = null;
let server: { url: string; close(): Promise<void> } | null = null;
let page: Page;
const pageErrors: string[] = [];

/** Fails with every failed case's name and error (and passes only when there are cases). */
function expectAllPassed(results: CaseResult[], what: string): void {
  const failures = results.filter((r) => !r.ok).map((r) => `  ✗ ${r.name}\n      ${r.error}`);
  expect(results.length, `${what}: no cases ran`).toBeGreaterThan(0);
  expect(failures, `${what}: ${failures.length} of ${results.length} cases failed:\n${failures.join("\n")}`).toEqual([]);
}

async function openPage(path: string): Promise<Page> {
  const p = await browser!.newPage();
  p.on("pageerror", (error) => pageErrors.push(`${path}: ${(error as Error).message}`));
  p.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`${path}: console: ${m.text()}`);
  });
  await p.goto(`${server!.url}${path}`);
  return p;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (scripts/install.sh installs Debian's chromium; CHROMIUM_PATH overrides)`);
  rmSync(join(OUT, "fixtures"), { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await Promise.all([
    buildBrowserBundle(join(OUT, "ddpm-webgpu.js")),
    buildBrowserEntry(join(ROOT, "test/browser/page.ts"), join(OUT, "page.js"), { sourcemap: "inline" }),
    buildDemo(join(OUT, "demo"), { sizes: [16] }),
  ]);
  for (const file of ["index.html", "bundle.html"]) cpSync(join(ROOT, "test/browser", file), join(OUT, file));
  for (const name of ["attn-class", "three-level-1ch"])
    cpSync(join(ROOT, "test/fixtures/unet", name), join(OUT, "fixtures", name), { recursive: true });
  server = await serve(OUT, { port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROME_ARGS, protocolTimeout: 240_000 });
  page = await openPage("index.html");
  await page.waitForFunction(() => document.body.dataset.ready, { timeout: 60_000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  expect(ready, "the test page's Engine.create()").toBe("yes");
  const adapter = await page.evaluate(() => window.ddpmTests.adapter());
  console.log(`headless Chrome: ${adapter.vendor} ${adapter.architecture} (${adapter.backend}${adapter.isSoftware ? ", software" : ""})`);
}, 120_000);

afterAll(async () => {
  const started = browser;
  browser = null;
  if (started) {
    const child = started.process();
    await Promise.race([started.close(), new Promise((r) => setTimeout(r, 10_000))]);
    // close() can hang on a wedged GPU process: end the browser we started, by its pid.
    if (child && child.exitCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
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
    const result = await page.evaluate(() => window.ddpmTests.training("demo/mnist-16.bin", 5, 3));
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
      await demo.waitForFunction(() => document.body.dataset.phase === "idle" || document.body.dataset.phase === "failed", {
        timeout: 60_000,
      });
      expect(await demo.$eval("#adapter", (e) => e.textContent)).toMatch(/\S/);
      await demo.click("#start");
      // Two training steps, then a 2-step DDIM grid from the EMA weights: x_T plus one frame per step.
      await demo.waitForFunction(
        () => Number(document.getElementById("step")!.textContent) >= 2 && Number(document.getElementById("samples")!.dataset.frames) >= 3,
        { timeout: 150_000, polling: 500 },
      );
      await demo.click("#stop");
      await demo.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 60_000 });
      expect(await demo.$eval("#error", (e) => ((e as HTMLElement).hidden ? "" : e.textContent))).toBe("");
      const loss = Number(await demo.$eval("#loss", (e) => e.textContent));
      expect(Number.isFinite(loss) && loss > 0, `the page shows loss ${loss}`).toBe(true);
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

  it("the demo page samples from a diffusers folder picked in its file input", { timeout: 120_000 }, async () => {
    const demo = await openPage("demo/index.html?steps=2&samples=4&autotune=off");
    try {
      await demo.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 60_000 });
      const input = (await demo.$("#folder")) as ElementHandle<HTMLInputElement>;
      // A folder as diffusers' save_pretrained leaves it: unet/config.json and its safetensors (no scheduler: defaults).
      await input.uploadFile(join(OUT, "fixtures/three-level-1ch"));
      await demo.waitForFunction(
        () => /^samples from/.test(document.getElementById("status")!.textContent ?? "") || !document.getElementById("error")!.hidden,
        {
          timeout: 100_000,
          polling: 500,
        },
      );
      expect(await demo.$eval("#error", (e) => ((e as HTMLElement).hidden ? "" : e.textContent))).toBe("");
      expect(await demo.$eval("#status", (e) => e.textContent)).toBe("samples from three-level-1ch/unet/");
      expect(Number(await demo.$eval("#samples", (e) => (e as HTMLElement).dataset.frames))).toBe(3);
    } finally {
      await demo.close();
    }
  });

  it("no page reported an uncaught error", () => {
    expect(pageErrors).toEqual([]);
  });
});

describe("the demo's MNIST file", () => {
  it("decodes to exactly the digits the CLI trains on (loadMnist 16×16 train split), bit for bit", async () => {
    const shipped = decodeDataset(new Uint8Array(readFileSync(join(OUT, "demo/mnist-16.bin"))));
    const expected = await loadMnist({ size: 16, split: "train" });
    expect([shipped.count, shipped.channels, shipped.height, shipped.width, shipped.numClasses]).toEqual([expected.count, 1, 16, 16, 10]);
    expect(Buffer.from(shipped.images.buffer).equals(Buffer.from(expected.images.buffer))).toBe(true);
    expect(Array.from(shipped.labels!)).toEqual(Array.from(expected.labels!));
  });
});
