// Runs a bench entry point (bench/node.ts, bench/chrome.ts) from source, like scripts/run.mjs, except that
// TensorFlow.js is bundled from its ES modules ("module" entries) rather than loaded as Node's CommonJS build:
// only the ES modules can register tfjs's gradients (@tensorflow/tfjs-core/dist/register_all_gradients), and
// registering them into one tfjs-core instance needs every tfjs module to come from the same build.
//
//   node bench/run.mjs bench/node.ts [args...]
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node bench/run.mjs bench/FILE.ts [args...]");
  process.exit(2);
}
const outdir = resolve("node_modules/.cache/ddpm-webgpu/bench");
mkdirSync(outdir, { recursive: true });
const outfile = resolve(outdir, `${basename(entry, ".ts")}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  mainFields: ["module", "main"],
  loader: { ".wgsl": "text" },
  external: ["webgpu", "pngjs", "mnist", "puppeteer", "esbuild"],
  sourcemap: "inline",
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(outfile).href);
