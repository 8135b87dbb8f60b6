// Runs a TypeScript entry point (a bench or a tool) from source: esbuild bundles it with the WGSL text loader
// into node_modules/.cache/ddpm-webgpu/, then it is imported with the remaining arguments in process.argv.
//
//   node scripts/run.mjs [--tfjs-esm] FILE.ts [args...]
//
// --tfjs-esm (the benchmark harness, bench/node.ts and bench/chrome.ts): TensorFlow.js is bundled from its ES
// modules ("module" entries) instead of loaded as Node's CommonJS build: only the ES modules can register tfjs's
// gradients (@tensorflow/tfjs-core/dist/register_all_gradients), and registering them into one tfjs-core
// instance needs every tfjs module to come from the same build.
//
// The repository's scripts (scripts/*.mjs) stay out of the bundle and are imported from where they are: they find
// the repository from their own location (import.meta.url), which inside the bundle would be the cache folder.

import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const args = process.argv.slice(2);
const tfjsEsm = args[0] === "--tfjs-esm";
const [entry, ...rest] = tfjsEsm ? args.slice(1) : args;
if (!entry) {
  console.error("usage: node scripts/run.mjs [--tfjs-esm] FILE.ts [args...]");
  process.exit(2);
}
const outdir = resolve(tfjsEsm ? "node_modules/.cache/ddpm-webgpu/bench" : "node_modules/.cache/ddpm-webgpu");
mkdirSync(outdir, { recursive: true });
const outfile = resolve(outdir, `${basename(entry, ".ts")}.mjs`);
const scriptsInPlace = {
  name: "scripts-in-place",
  setup(b) {
    b.onResolve({ filter: /^\.{1,2}\/(.*\/)?scripts\/[\w.-]+\.mjs$/ }, (args) => ({
      path: pathToFileURL(resolve(args.resolveDir, args.path)).href,
      external: true,
    }));
  },
};
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  ...(tfjsEsm ? { mainFields: ["module", "main"] } : {}),
  loader: { ".wgsl": "text" },
  // onnxruntime-web stays a package: it loads its .wasm from beside its own files.
  external: ["webgpu", "pngjs", "mnist", "puppeteer", "esbuild", "onnxruntime-web", ...(tfjsEsm ? [] : ["@tensorflow/*"])],
  plugins: [scriptsInPlace],
  sourcemap: "inline",
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(outfile).href);
