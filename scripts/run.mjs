// Runs a TypeScript entry point (a bench or a tool) from source: esbuild bundles it with the WGSL text loader
// into node_modules/.cache/ddpm-webgpu/, then it is imported with the remaining arguments in process.argv.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run.mjs FILE.ts [args...]");
  process.exit(2);
}
const outdir = resolve("node_modules/.cache/ddpm-webgpu");
mkdirSync(outdir, { recursive: true });
const outfile = resolve(outdir, `${basename(entry, ".ts")}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  loader: { ".wgsl": "text" },
  external: ["webgpu", "pngjs", "mnist", "puppeteer", "@tensorflow/*"],
  sourcemap: "inline",
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
process.argv = [process.argv[0], entry, ...rest];
await import(pathToFileURL(outfile).href);
