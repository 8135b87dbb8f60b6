// Builds dist/: the ESM library for Node and bundlers (WGSL inlined through esbuild's text loader), the CLI, and the
// browser bundle (minified, with a source map beside it). `buildBrowserBundle(outfile)` is exported for the
// headless-Chrome tests, which load the same bundle in a page, and `buildBrowserEntry` for the demo and test pages.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const common = {
  bundle: true,
  format: "esm",
  target: "es2022",
  loader: { ".wgsl": "text" },
  sourcemap: true,
  logLevel: "warning",
};
const root = resolve(fileURLToPath(import.meta.url), "../..");

/**
 * WGSL with its comments and indentation taken out, line for line (a WGSL error's line number still points into
 * the file under shaders/), keeping the `//! include NAME` directives src/gpu/shaders.ts expands.
 */
const compactWgsl = {
  name: "compact-wgsl",
  setup(build) {
    build.onLoad({ filter: /\.wgsl$/ }, async ({ path }) => {
      const lines = (await readFile(path, "utf8")).split("\n");
      const compact = lines.map((line) =>
        line.startsWith("//!")
          ? line
          : line
              .replace(/\/\/.*$/, "")
              .trim()
              .replace(/ {2,}/g, " "),
      );
      return { contents: compact.join("\n"), loader: "text" };
    });
  },
};

/**
 * A page script: everything inlined and minified, with its source map beside it (OUTFILE.map: stack traces and
 * the browser's debugger show the TypeScript sources); the engine's Node-only paths (Dawn, files) are dynamic
 * imports that never run in a page. `options` overrides esbuild's (e.g. the source map).
 */
export function buildBrowserEntry(entry, outfile, options = {}) {
  return build({
    ...common,
    entryPoints: [entry],
    outfile,
    platform: "browser",
    external: ["webgpu", "node:*"],
    minify: true,
    plugins: [compactWgsl],
    ...options,
  });
}

/** The library's browser bundle. */
export function buildBrowserBundle(outfile = "dist/browser/ddpm-webgpu.js") {
  return buildBrowserEntry(resolve(root, "src/index.ts"), outfile);
}

async function buildAll() {
  // Node / bundler entry: the native Dawn addon stays an external import, loaded only in Node.
  await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "neutral", external: ["webgpu", "node:*"] });
  // Node-only additions (files, MNIST, PNG via pngjs, the CLI's jobs).
  const nodeExternal = ["webgpu", "pngjs", "mnist"];
  await build({ ...common, entryPoints: ["src/node.ts"], outfile: "dist/node.js", platform: "node", external: nodeExternal });
  await buildBrowserBundle();
  if (existsSync("src/cli.ts")) {
    await build({
      ...common,
      entryPoints: ["src/cli.ts"],
      outfile: "dist/cli.js",
      platform: "node",
      external: nodeExternal,
      banner: { js: "#!/usr/bin/env node" },
    });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildAll();
